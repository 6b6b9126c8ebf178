//! The organisation file: a whole organisation in one human-editable
//! document, YAML by default, JSON accepted.
//!
//! Reading is two-staged. The document is deserialised straight into the
//! domain types (fast: a 10 MB file takes well under a second), then
//! validated with [`OrgDocument::validate`]. Only when something is wrong is
//! the file read a second time, into a light index of where each entity and
//! field sits, so that every error can point at the file, line and column.
//!
//! This crate does no I/O: it takes the text and a name for it, and gives
//! back a document or a [`miette`] diagnostic the caller can print.

use std::collections::BTreeMap;

use miette::{Diagnostic, NamedSource, SourceSpan};
use rampart_domain::{EntityKind, OrgDocument, Problem};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_saphyr::Spanned;

/// How the file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

impl Format {
    /// The format a file name suggests: JSON for `.json`, YAML otherwise.
    pub fn from_name(name: &str) -> Format {
        if name.to_ascii_lowercase().ends_with(".json") {
            Format::Json
        } else {
            Format::Yaml
        }
    }
}

/// Why an organisation file was refused.
#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum OrgFileError {
    /// The text is not a well-formed document of the expected shape.
    #[error("{name}:{line}:{column}: {message}")]
    #[diagnostic(code(rampart::orgfile::syntax))]
    Syntax {
        name: String,
        line: u64,
        column: u64,
        message: String,
        #[source_code]
        src: NamedSource<String>,
        #[label("here")]
        span: Option<SourceSpan>,
    },

    /// The document is well-formed but breaks rules of the model.
    #[error("{name}: {} problem(s) found; the first is at line {}: {}", problems.len(), problems.first().map_or(0, |p| p.line), problems.first().map(|p| p.message.as_str()).unwrap_or(""))]
    #[diagnostic(code(rampart::orgfile::invalid))]
    Invalid {
        name: String,
        #[related]
        problems: Vec<LocatedProblem>,
    },
}

/// One rule broken, with where it is in the file.
#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("{name}:{line}:{column}: {message}")]
#[diagnostic(code(rampart::orgfile::problem))]
pub struct LocatedProblem {
    pub name: String,
    pub line: u64,
    pub column: u64,
    pub message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    /// The domain problem, for callers that act on its kind.
    pub problem: Problem,
}

/// The largest file accepted. Larger organisations belong in the database,
/// fed through the API.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;

/// How many broken rules an error lists before it stops counting.
const MAX_REPORTED: usize = 50;

/// Read an organisation file named `name` (used in messages) from `text`.
pub fn parse(name: &str, text: &str, format: Format) -> Result<OrgDocument, Box<OrgFileError>> {
    let doc: OrgDocument = match format {
        Format::Json => serde_json::from_str(text).map_err(|e| {
            let line = e.line() as u64;
            let column = e.column() as u64;
            let offset = offset_of(text, line, column);
            syntax(name, text, line, column, e.to_string(), offset)
        })?,
        Format::Yaml => serde_saphyr::from_str_with_options(text, yaml_options(text.len()))
            .map_err(|e| {
                let plain = e.without_snippet();
                let loc = plain.location();
                let (line, column) = loc.map_or((0, 0), |l| (l.line(), l.column()));
                let offset = loc
                    .and_then(|l| l.span().byte_offset())
                    .map(|o| o as usize)
                    .or_else(|| offset_of(text, line, column));
                syntax(
                    name,
                    text,
                    line,
                    column,
                    first_line(&plain.to_string()),
                    offset,
                )
            })?,
    };
    let problems = doc.validate();
    if problems.is_empty() {
        return Ok(doc);
    }
    Err(Box::new(locate(name, text, problems)))
}

/// Write an organisation as YAML.
pub fn to_yaml(doc: &OrgDocument) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(doc)
}

/// Write an organisation as pretty JSON.
pub fn to_json(doc: &OrgDocument) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(doc)
}

fn yaml_options(len: usize) -> serde_saphyr::Options {
    // The default budget suits configuration files; organisation files are
    // data and may hold a million nodes. Node and event caps grow with the
    // input (a node needs bytes), while the alias and anchor caps that stop
    // expansion bombs stay as they are.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_reader_input_bytes = Some(MAX_FILE_BYTES);
    budget.max_events = budget.max_events.max(len);
    budget.max_nodes = budget.max_nodes.max(len);
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options
}

fn syntax(
    name: &str,
    text: &str,
    line: u64,
    column: u64,
    message: String,
    offset: Option<usize>,
) -> Box<OrgFileError> {
    Box::new(OrgFileError::Syntax {
        name: name.to_owned(),
        line,
        column,
        message,
        src: NamedSource::new(name, text.to_owned()),
        span: offset.filter(|&o| drawable(text, o)).map(|o| {
            SourceSpan::from((o.min(text.len()), 1usize.min(text.len().saturating_sub(o))))
        }),
    })
}

/// The longest line a problem is drawn under, with its source shown.
const DRAWABLE_LINE: usize = 400;

/// Whether the line holding byte `offset` is short enough to be shown under
/// a problem. A machine-written file may be one line of megabytes: its
/// problems are told by line and column alone (and the renderer is spared a
/// line it cannot lay out).
fn drawable(text: &str, offset: usize) -> bool {
    let bytes = text.as_bytes();
    let at = offset.min(bytes.len());
    let start = bytes[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = bytes[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| at + i);
    end - start <= DRAWABLE_LINE
}

/// The parser's message without its own location suffix (we print ours).
fn first_line(s: &str) -> String {
    let line = s.lines().next().unwrap_or("").trim();
    match line.rfind(" at line ") {
        Some(i) if line[i..].contains(", column ") => line[..i].to_owned(),
        _ => line.to_owned(),
    }
}

/// Byte offset of a 1-based line and column (columns counted in characters).
fn offset_of(text: &str, line: u64, column: u64) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let start = if line == 1 {
        0
    } else {
        text.match_indices('\n')
            .nth(line as usize - 2)
            .map(|(i, _)| i + 1)?
    };
    let rest = &text[start..];
    let col = rest
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(rest.len(), |(i, _)| i);
    Some(start + col)
}

/// Where each entity and each of its fields sits in the file.
type Fields = BTreeMap<String, Spanned<IgnoredAny>>;

type Items = Vec<Spanned<Fields>>;

// One field per list: `#[serde(flatten)]` would buffer the values and lose
// their locations.
#[derive(Deserialize)]
struct SpanIndex {
    #[serde(default)]
    organisation: Option<Spanned<Fields>>,
    #[serde(default)]
    sites: Items,
    #[serde(default)]
    zones: Items,
    #[serde(default)]
    people: Items,
    #[serde(default)]
    assets: Items,
    #[serde(default)]
    threats: Items,
    #[serde(default)]
    controls: Items,
    #[serde(default)]
    applied_controls: Items,
    #[serde(default)]
    devices: Items,
    #[serde(default)]
    risks: Items,
    #[serde(default)]
    facility_models: Items,
    #[serde(default)]
    floor_plans: Items,
    #[serde(default)]
    frameworks: Items,
    #[serde(default)]
    audits: Items,
    #[serde(default)]
    inspections: Items,
    #[serde(default)]
    acceptance_plans: Items,
}

impl SpanIndex {
    fn list(&self, kind: EntityKind) -> Option<&Items> {
        Some(match kind {
            EntityKind::Site => &self.sites,
            EntityKind::Zone => &self.zones,
            EntityKind::Person => &self.people,
            EntityKind::Asset => &self.assets,
            EntityKind::Threat => &self.threats,
            EntityKind::Control => &self.controls,
            EntityKind::AppliedControl => &self.applied_controls,
            EntityKind::Device => &self.devices,
            EntityKind::Risk => &self.risks,
            EntityKind::FacilityModel => &self.facility_models,
            EntityKind::FloorPlan => &self.floor_plans,
            EntityKind::Framework => &self.frameworks,
            EntityKind::Audit => &self.audits,
            EntityKind::Inspection => &self.inspections,
            EntityKind::AcceptancePlan => &self.acceptance_plans,
            EntityKind::User => return None,
        })
    }
}

fn locate(name: &str, text: &str, problems: Vec<Problem>) -> OrgFileError {
    // Both YAML and JSON are read here by the YAML parser (JSON is YAML), so
    // that JSON files get the same line and column as YAML ones.
    let index: Option<SpanIndex> =
        serde_saphyr::from_str_with_options(text, yaml_options(text.len())).ok();
    let src = NamedSource::new(name, text.to_owned());
    let located = problems
        .into_iter()
        .take(MAX_REPORTED)
        .map(|problem| {
            let loc = index.as_ref().and_then(|ix| where_is(ix, &problem));
            let (line, column, offset, len) = match loc {
                Some(l) => {
                    let offset = l
                        .span()
                        .byte_offset()
                        .map(|o| o as usize)
                        .or_else(|| offset_of(text, l.line(), l.column()));
                    let len = l.span().byte_len().map_or(1, |n| n.max(1) as usize);
                    (l.line(), l.column(), offset, len)
                }
                None => (0, 0, None, 0),
            };
            let label = match problem.field {
                Some(f) => format!("{f}: {}", short(&problem)),
                None => short(&problem),
            };
            LocatedProblem {
                name: name.to_owned(),
                line,
                column,
                message: problem.to_string(),
                src: src.clone(),
                span: offset.filter(|&o| drawable(text, o)).map(|o| {
                    SourceSpan::from((o.min(text.len()), len.min(text.len().saturating_sub(o))))
                }),
                label,
                problem,
            }
        })
        .collect();
    OrgFileError::Invalid {
        name: name.to_owned(),
        problems: located,
    }
}

fn short(p: &Problem) -> String {
    use rampart_domain::ProblemKind::*;
    match p.problem {
        Duplicate => "duplicate".into(),
        DanglingReference => "no such entity".into(),
        OutOfRange => "out of range".into(),
        Required => "required".into(),
        Inconsistent => "on another site".into(),
        Cycle => "cycle".into(),
        Invalid => "invalid".into(),
    }
}

fn where_is(index: &SpanIndex, p: &Problem) -> Option<serde_saphyr::Location> {
    let item = match p.kind {
        None => index.organisation.as_ref()?,
        Some(kind) => index.list(kind)?.get(p.index)?,
    };
    // The field's value if it is there (`ratings.site` points at `ratings`),
    // else the entity itself.
    let field = p.field.map(|f| f.split('.').next().unwrap_or(f));
    field
        .and_then(|f| item.value.get(f))
        .map(|v| v.referenced)
        .or(Some(item.referenced))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "organisation:
  id: acme
  name: Acme Logistics
sites:
  - id: hq
    name: Headquarters
  - id: dc
    name: Data centre
    kind: data_centre
zones:
  - id: hq-lobby
    site: hq
    name: Lobby
    classification: public
assets:
  - id: cash
    site: hq
    zone: hq-lobby
    name: Petty cash
    kind: physical
    value: 4
";

    fn err(text: &str) -> OrgFileError {
        *parse("org.yaml", text, Format::Yaml).unwrap_err()
    }

    #[test]
    fn a_good_file_reads() {
        let doc = parse("org.yaml", GOOD, Format::Yaml).unwrap();
        assert_eq!(doc.sites.len(), 2);
        assert_eq!(doc.assets[0].value.get(), 4);
    }

    #[test]
    fn a_rating_of_eleven_points_at_its_line() {
        let e = err(&GOOD.replace("value: 4", "value: 11"));
        let OrgFileError::Syntax { line, message, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(*line, 21, "{e}");
        assert!(message.contains("from 1 to 10, got 11"), "{message}");
        assert!(e.to_string().starts_with("org.yaml:21:12: a rating"), "{e}");
    }

    #[test]
    fn a_dangling_reference_points_at_the_field() {
        let e = err(&GOOD.replace("zone: hq-lobby", "zone: hq-vault"));
        let OrgFileError::Invalid { problems, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(problems.len(), 1);
        assert_eq!(
            (problems[0].line, problems[0].column),
            (18, 11),
            "{}",
            problems[0]
        );
        assert!(
            problems[0]
                .message
                .contains("zone \"hq-vault\", which does not exist"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn a_duplicate_id_points_at_the_second_one() {
        let e = err(&GOOD.replace("id: dc", "id: hq"));
        let OrgFileError::Invalid { problems, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(problems[0].line, 7, "{}", problems[0]);
        assert!(problems[0].message.contains("duplicate id \"hq\""));
    }

    #[test]
    fn json_errors_are_located_too() {
        let doc = parse("org.yaml", GOOD, Format::Yaml).unwrap();
        let json = to_json(&doc).unwrap().replace(
            "\"hq-lobby\",\n      \"name\": \"Petty",
            "\"nowhere\",\n      \"name\": \"Petty",
        );
        let e = *parse("org.json", &json, Format::Json).unwrap_err();
        let OrgFileError::Invalid { problems, .. } = &e else {
            panic!("{e:?}")
        };
        assert!(problems[0].line > 1, "{}", problems[0]);
        assert!(problems[0].message.contains("nowhere"));
        let e = *parse(
            "org.json",
            "{\"organisation\": {\"id\": \"a\",}",
            Format::Json,
        )
        .unwrap_err();
        assert!(matches!(e, OrgFileError::Syntax { line: 1, .. }), "{e:?}");
    }

    #[test]
    fn unknown_fields_and_wrong_types_are_refused_with_a_location() {
        let e = err(&GOOD.replace("classification: public", "clasification: public"));
        assert!(matches!(e, OrgFileError::Syntax { line: 14, .. }), "{e:?}");
        let e = err(&GOOD.replace("value: 4", "value: high"));
        assert!(matches!(e, OrgFileError::Syntax { line: 21, .. }), "{e:?}");
    }

    #[test]
    fn yaml_and_json_round_trip() {
        let doc = parse("org.yaml", GOOD, Format::Yaml).unwrap();
        let yaml = to_yaml(&doc).unwrap();
        assert_eq!(parse("again.yaml", &yaml, Format::Yaml).unwrap(), doc);
        let json = to_json(&doc).unwrap();
        assert_eq!(parse("again.json", &json, Format::Json).unwrap(), doc);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            bomb.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse("bomb.yaml", &bomb, Format::Yaml).is_err());
    }
}
