//! The OSCAL catalog: groups of controls, each control with its parameters,
//! parts, properties and nested enhancements.

use super::{OscalError, parse_document};
use serde::{Deserialize, Serialize};

/// An OSCAL catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Catalog {
    pub uuid: String,
    pub metadata: Metadata,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
}

/// Document metadata (the part every OSCAL kind shares that we keep).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Metadata {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    pub last_modified: String,
    pub version: String,
    pub oscal_version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
}

/// A group of controls (a family in SP 800-53), possibly of groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Group {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Group>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
}

/// A control; the controls nested in it are its enhancements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Control {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub controls: Vec<Control>,
}

/// A parameter: an assignment (label, values) or a selection (choices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Param {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guidelines: Vec<Guideline>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<Selection>,
}

/// Guidance on how to set a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Guideline {
    pub prose: String,
}

/// A parameter's choices (`how-many`: `one` or `one-or-more`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Selection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how_many: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choice: Vec<String>,
}

/// A part: statement, guidance, objective, assessment method..., nested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Part {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prose: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
}

/// A name/value property (`label`, `sort-id`, `status`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prop {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ns: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

/// A link (`related`, `reference`, `incorporated-into`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Link {
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Back matter: the resources a document cites.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackMatter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
}

/// A cited resource, with links to where it lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub uuid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rlinks: Vec<Rlink>,
}

/// A link from a resource to a copy of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Rlink {
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// How many controls a catalog holds: base controls, and enhancements (the
/// controls nested inside another control).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ControlCount {
    pub controls: usize,
    pub enhancements: usize,
}

impl ControlCount {
    /// Controls and enhancements together.
    pub fn total(&self) -> usize {
        self.controls + self.enhancements
    }
}

/// Parse an OSCAL catalog (`{"catalog": {...}}`) from JSON text.
pub fn parse_catalog(text: &str) -> Result<Catalog, OscalError> {
    parse_document(text, "catalog")
}

impl Catalog {
    /// Count every control and enhancement, at any depth of groups.
    pub fn count(&self) -> ControlCount {
        let mut c = ControlCount::default();
        self.walk(&mut |_, depth, _| {
            if depth == 0 {
                c.controls += 1;
            } else {
                c.enhancements += 1;
            }
        });
        c
    }

    /// Every control in document order (parents before their enhancements).
    pub fn controls(&self) -> Vec<&Control> {
        let mut out = Vec::new();
        self.walk(&mut |c, _, _| out.push(c));
        out
    }

    /// The control with this id, at any depth.
    pub fn control(&self, id: &str) -> Option<&Control> {
        let mut found = None;
        self.walk(&mut |c, _, _| {
            if found.is_none() && c.id == id {
                found = Some(c);
            }
        });
        found
    }

    /// Visit every control with its depth below the nearest group (0 for a
    /// base control) and the ids of the groups it sits in.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Control, usize, &[&'a str])) {
        fn controls<'a>(
            cs: &'a [Control],
            depth: usize,
            groups: &[&'a str],
            f: &mut dyn FnMut(&'a Control, usize, &[&'a str]),
        ) {
            for c in cs {
                f(c, depth, groups);
                controls(&c.controls, depth + 1, groups, f);
            }
        }
        fn groups<'a>(
            gs: &'a [Group],
            path: &mut Vec<&'a str>,
            f: &mut dyn FnMut(&'a Control, usize, &[&'a str]),
        ) {
            for g in gs {
                path.push(g.id.as_deref().unwrap_or(""));
                controls(&g.controls, 0, path, f);
                groups(&g.groups, path, f);
                path.pop();
            }
        }
        controls(&self.controls, 0, &[], f);
        groups(&self.groups, &mut Vec::new(), f);
    }

    /// Every parameter of every control (and of the catalog and its groups).
    pub fn params(&self) -> Vec<&Param> {
        let mut out: Vec<&Param> = self.params.iter().collect();
        fn groups<'a>(gs: &'a [Group], out: &mut Vec<&'a Param>) {
            for g in gs {
                out.extend(&g.params);
                groups(&g.groups, out);
            }
        }
        groups(&self.groups, &mut out);
        self.walk(&mut |c, _, _| out.extend(&c.params));
        out
    }
}

impl Control {
    /// The value of the first property with this name.
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }

    /// The label to show (`AC-2(1)`): the `label` prop without a class
    /// (SP 800-53 also carries zero-padded and 800-53A variants), else the
    /// first `label`, else the id.
    pub fn label(&self) -> &str {
        self.props
            .iter()
            .find(|p| p.name == "label" && p.class.is_none())
            .map(|p| p.value.as_str())
            .or_else(|| self.prop("label"))
            .unwrap_or(&self.id)
    }

    /// The key that orders controls as the publisher meant (`ac-02.01`).
    pub fn sort_id(&self) -> &str {
        self.prop("sort-id").unwrap_or(&self.id)
    }

    /// Withdrawn controls stay in the catalog as tombstones.
    pub fn is_withdrawn(&self) -> bool {
        self.prop("status") == Some("withdrawn")
    }

    /// The first top-level part with this name (`statement`, `guidance`, ...).
    pub fn part(&self, name: &str) -> Option<&Part> {
        self.parts.iter().find(|p| p.name == name)
    }

    /// The control's text for one part name, with the parameters filled in
    /// and nested items on their own lines under their labels.
    pub fn prose(&self, name: &str) -> Option<String> {
        let parts: Vec<&Part> = self.parts.iter().filter(|p| p.name == name).collect();
        if parts.is_empty() {
            return None;
        }
        let mut out = String::new();
        for p in parts {
            p.flatten(&self.params, &mut out);
        }
        Some(out.trim_end().to_owned())
    }
}

impl Part {
    /// The value of the first property with this name.
    pub fn prop(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }

    fn flatten(&self, params: &[Param], out: &mut String) {
        let label = self.prop("label");
        if let Some(prose) = &self.prose {
            if let Some(l) = label {
                out.push_str(l);
                out.push(' ');
            }
            out.push_str(&render_prose(prose, params));
            out.push('\n');
        } else if let Some(l) = label {
            out.push_str(l);
            out.push('\n');
        }
        for p in &self.parts {
            p.flatten(params, out);
        }
    }
}

/// Fill `{{ insert: param, id }}` in `prose`: a parameter's values, else its
/// choices as `[Selection (one or more): a; b]`, else its label as
/// `[Assignment: label]`. Unknown parameters are left as written.
pub fn render_prose(prose: &str, params: &[Param]) -> String {
    render(prose, params, 0)
}

/// Selections may insert other parameters; a parameter that inserts itself
/// would recurse forever, so nesting stops at a small depth.
fn render(prose: &str, params: &[Param], depth: usize) -> String {
    let mut out = String::with_capacity(prose.len());
    let mut rest = prose;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = rest[start + 2..start + len].trim();
        let whole = &rest[start..start + len + 2];
        let id = inner
            .strip_prefix("insert:")
            .and_then(|s| s.trim().strip_prefix("param"))
            .and_then(|s| s.trim().strip_prefix(','))
            .map(str::trim);
        match id.and_then(|id| params.iter().find(|p| p.id == id)) {
            Some(p) if depth < 4 => out.push_str(&param_text(p, params, depth + 1)),
            _ => out.push_str(whole),
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

fn param_text(p: &Param, params: &[Param], depth: usize) -> String {
    if !p.values.is_empty() {
        return p.values.join(", ");
    }
    if let Some(sel) = &p.select {
        let choices: Vec<String> = sel
            .choice
            .iter()
            .map(|c| render(c.trim(), params, depth))
            .collect();
        let how = match sel.how_many.as_deref() {
            Some("one-or-more") => " (one or more)",
            _ => "",
        };
        return format!("[Selection{how}: {}]", choices.join("; "));
    }
    format!("[Assignment: {}]", p.label.as_deref().unwrap_or(&p.id))
}
