//! OSCAL catalogs and profiles (JSON, OSCAL 1.0.x and 1.1.x): parsing, counts
//! and profile resolution.
//!
//! The types keep what an auditor uses (groups, controls and their
//! enhancements, parameters, parts, properties, links, back matter) and skip
//! the rest: unknown fields are ignored, so both OSCAL 1.0 and 1.1 documents
//! read. A resolved catalog serialises back as an OSCAL catalog.

mod catalog;
pub(crate) mod locate;
mod profile;

pub use catalog::{
    BackMatter, Catalog, Control, ControlCount, Group, Guideline, Link, Metadata, Param, Part,
    Prop, Resource, Rlink, Selection, parse_catalog, render_prose,
};
pub use profile::{
    Add, Alter, CatalogSources, Import, Matching, Merge, Modify, Position, Profile, Remove,
    SelectControl, SetParameter, parse_profile, resolve,
};

use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use thiserror::Error;

/// Why an OSCAL document could not be read or a profile not resolved.
#[derive(Debug, Error, PartialEq)]
pub enum OscalError {
    /// The text is not JSON at all.
    #[error("not valid JSON at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The JSON is not the kind of OSCAL document that was expected.
    #[error(
        "expected an OSCAL {expected} (a JSON object with the top-level key \"{expected}\"), but {found}"
    )]
    WrongDocument {
        expected: &'static str,
        found: String,
    },
    /// The document has the right kind but a field has the wrong shape.
    #[error("invalid OSCAL {expected} at {path} (line {line}, column {column}): {message}")]
    Invalid {
        expected: &'static str,
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A profile imports a catalog that was not supplied.
    #[error("the profile imports \"{href}\", but no catalog was supplied for it{}", tried_list(.tried))]
    MissingImport { href: String, tried: Vec<String> },
    /// A profile sets a parameter no selected control has.
    #[error("the profile sets parameter \"{0}\", which no selected control defines")]
    UnknownParameter(String),
    /// A profile alters a control it did not select.
    #[error("the profile alters control \"{0}\", which it did not select")]
    UnknownAlterTarget(String),
    /// A profile adds next to a part that is not in the control.
    #[error("the profile adds by-id \"{by_id}\" in control \"{control}\", which has no such part")]
    UnknownAddTarget { control: String, by_id: String },
    /// A directive this engine does not implement.
    #[error("unsupported in profile resolution: {0}")]
    Unsupported(String),
}

fn tried_list(tried: &[String]) -> String {
    if tried.is_empty() {
        String::new()
    } else {
        format!(" (looked for: {})", tried.join(", "))
    }
}

/// The OSCAL document kinds, by their top-level key, for messages.
const KINDS: &[&str] = &[
    "catalog",
    "profile",
    "component-definition",
    "system-security-plan",
    "assessment-plan",
    "assessment-results",
    "plan-of-action-and-milestones",
];

/// Parse `text` as `{ "<expected>": T }`, with errors that say what was
/// expected and where it went wrong.
pub(crate) fn parse_document<T: DeserializeOwned>(
    text: &str,
    expected: &'static str,
) -> Result<T, OscalError> {
    use serde::de::DeserializeSeed;
    // The fast path: straight into the typed value under the expected key.
    let mut de = serde_json::Deserializer::from_str(text);
    let err = match Under::<T>::new(expected)
        .deserialize(&mut de)
        .and_then(|t| de.end().map(|()| t))
    {
        Ok(Some(t)) => return Ok(t),
        Ok(None) => None,
        Err(e) => Some(e),
    };
    if let Some(e) = &err
        && matches!(
            e.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        )
    {
        return Err(OscalError::Syntax {
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        });
    }
    // On failure, read again to say what the document is.
    match serde_json::from_str::<BTreeMap<String, serde::de::IgnoredAny>>(text) {
        Err(_) => {
            return Err(OscalError::WrongDocument {
                expected,
                found: "the top level is not a JSON object".into(),
            });
        }
        Ok(keys) if !keys.contains_key(expected) => {
            let names: Vec<&str> = keys.keys().map(String::as_str).collect();
            let found = match names.iter().find(|k| KINDS.contains(k)) {
                Some(kind) => format!("this is an OSCAL {kind} document"),
                None if names.is_empty() => "the object is empty".into(),
                None => format!("its top-level keys are {}", names.join(", ")),
            };
            return Err(OscalError::WrongDocument { expected, found });
        }
        Ok(_) => {}
    }
    match err {
        Some(e) => {
            let offset = locate::offset_of(text, e.line(), e.column());
            Err(OscalError::Invalid {
                expected,
                path: locate::path_at(text, offset),
                line: e.line(),
                column: e.column(),
                message: strip_position(&e.to_string()),
            })
        }
        None => Err(OscalError::WrongDocument {
            expected,
            found: format!("the key \"{expected}\" is null"),
        }),
    }
}

/// A seed that reads the top-level object and keeps the value under one key,
/// skipping the others (`$schema` and the like) without building them.
struct Under<T> {
    key: &'static str,
    _t: std::marker::PhantomData<T>,
}

impl<T> Under<T> {
    fn new(key: &'static str) -> Self {
        Under {
            key,
            _t: std::marker::PhantomData,
        }
    }
}

impl<'de, T: DeserializeOwned> serde::de::DeserializeSeed<'de> for Under<T> {
    type Value = Option<T>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> serde::de::Visitor<'de> for Under<T> {
    type Value = Option<T>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an OSCAL {} document (a JSON object)", self.key)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Option<T>, A::Error> {
        let mut out = None;
        while let Some(k) = m.next_key::<String>()? {
            if out.is_none() && k == self.key {
                out = m.next_value::<Option<T>>()?;
            } else {
                m.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_owned(),
        None => msg.to_owned(),
    }
}
