//! Checklists written as YAML, and the physical security inspection
//! checklist that ships with Rampart.
//!
//! The format:
//!
//! ```yaml
//! id: my-checklist
//! title: Warehouse inspection
//! version: "1.0"
//! sections:
//!   - id: doors
//!     title: Doors
//!     items:
//!       - id: D-01
//!         title: Dock doors are locked out of hours
//!         criticality: high          # low, medium (default), high, critical
//!         text: The requirement, if it differs from the title.
//!         look_for: What the inspector should see.
//!         how_to_test: What the inspector should do.
//!         maps: {nist-sp-800-53-rev5: [pe-3]}
//! ```
//!
//! Ids are OSCAL tokens (a letter or `_`, then letters, digits, `.`, `-`,
//! `_`) so that they can be OSCAL control ids on export. Items keep the order
//! in which they are written.

use crate::framework::{Criticality, Framework, Item, Mapping, Section};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use thiserror::Error;

/// The YAML of the built-in physical security checklist.
pub const PHYSICAL_SECURITY_YAML: &str = include_str!("checklists/physical-security.yaml");

/// Why a checklist could not be read.
#[derive(Debug, Error, PartialEq)]
pub enum ChecklistError {
    /// The YAML does not parse or does not have the checklist's shape.
    #[error("checklist line {line}, column {column}: {message}")]
    Syntax {
        line: u64,
        column: u64,
        message: String,
    },
    /// A rule between fields is broken (duplicate or malformed id, ...).
    #[error("checklist {location}: {message}")]
    Invalid { location: String, message: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileChecklist {
    id: String,
    title: String,
    #[serde(default)]
    version: String,
    sections: Vec<FileSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSection {
    id: String,
    title: String,
    items: Vec<FileItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileItem {
    id: String,
    title: String,
    #[serde(default)]
    text: Option<String>,
    look_for: String,
    how_to_test: String,
    #[serde(default)]
    criticality: Criticality,
    #[serde(default)]
    maps: BTreeMap<String, Vec<String>>,
}

/// Whether `s` is an OSCAL token (XML NCName without the exotic characters).
pub fn is_token(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Read a checklist from YAML text.
pub fn parse_checklist(text: &str) -> Result<Framework, ChecklistError> {
    let file: FileChecklist = serde_saphyr::from_str(text).map_err(|e| {
        let plain = e.without_snippet();
        let (line, column) = plain.location().map_or((0, 0), |l| (l.line(), l.column()));
        let message = plain.to_string();
        let message = message.lines().next().unwrap_or("").to_owned();
        ChecklistError::Syntax {
            line,
            column,
            message,
        }
    })?;
    build(file)
}

/// One row of a checklist written as a table (a spreadsheet): the item
/// with its section named on the row. Rows of one section need not be
/// together; sections keep the order in which they first appear, items
/// the order of their rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChecklistRow {
    pub section: String,
    /// The section's title (the first non-empty one given for it; the id
    /// when none is).
    pub section_title: String,
    pub id: String,
    pub title: String,
    pub text: Option<String>,
    pub look_for: String,
    pub how_to_test: String,
    pub criticality: Criticality,
    pub maps: BTreeMap<String, Vec<String>>,
}

/// A checklist from rows, with the same rules as [`parse_checklist`]
/// (token ids, no duplicates, a title on every item).
pub fn checklist_from_rows(
    id: &str,
    title: &str,
    version: &str,
    rows: Vec<ChecklistRow>,
) -> Result<Framework, ChecklistError> {
    let mut sections: Vec<FileSection> = Vec::new();
    for r in rows {
        let at = match sections.iter().position(|s| s.id == r.section) {
            Some(i) => i,
            None => {
                sections.push(FileSection {
                    id: r.section.clone(),
                    title: String::new(),
                    items: Vec::new(),
                });
                sections.len() - 1
            }
        };
        let s = &mut sections[at];
        if s.title.is_empty() && !r.section_title.trim().is_empty() {
            s.title = r.section_title.trim().to_owned();
        }
        s.items.push(FileItem {
            id: r.id,
            title: r.title,
            text: r.text,
            look_for: r.look_for,
            how_to_test: r.how_to_test,
            criticality: r.criticality,
            maps: r.maps,
        });
    }
    for s in &mut sections {
        if s.title.is_empty() {
            s.title.clone_from(&s.id);
        }
    }
    build(FileChecklist {
        id: id.to_owned(),
        title: title.to_owned(),
        version: version.to_owned(),
        sections,
    })
}

fn build(file: FileChecklist) -> Result<Framework, ChecklistError> {
    let invalid = |location: String, message: &str| ChecklistError::Invalid {
        location,
        message: message.to_owned(),
    };
    if !is_token(&file.id) {
        return Err(invalid(
            "id".into(),
            "the checklist id must be a token (letters, digits, '.', '-', '_')",
        ));
    }
    let mut sections = Vec::with_capacity(file.sections.len());
    let mut mappings = Vec::new();
    let mut section_ids = HashSet::new();
    let mut item_ids = HashSet::new();
    let mut order = 0usize;
    for (si, s) in file.sections.into_iter().enumerate() {
        let at = format!("sections[{si}] ({})", s.id);
        if !is_token(&s.id) {
            return Err(invalid(at, "a section id must be a token"));
        }
        if !section_ids.insert(s.id.clone()) {
            return Err(invalid(at, "duplicate section id"));
        }
        let mut items = Vec::with_capacity(s.items.len());
        for (ii, i) in s.items.into_iter().enumerate() {
            let at = format!("sections[{si}].items[{ii}] ({})", i.id);
            if !is_token(&i.id) {
                return Err(invalid(at, "an item id must be a token"));
            }
            if !item_ids.insert(i.id.clone()) {
                return Err(invalid(at, "duplicate item id"));
            }
            if i.title.trim().is_empty() {
                return Err(invalid(at, "an item needs a title"));
            }
            order += 1;
            for (framework, controls) in i.maps {
                if !controls.is_empty() {
                    mappings.push(Mapping {
                        item: i.id.clone(),
                        framework,
                        controls,
                    });
                }
            }
            items.push(Item {
                text: i.text.unwrap_or_else(|| i.title.clone()),
                id: i.id,
                label: None,
                title: i.title,
                look_for: i.look_for,
                how_to_test: i.how_to_test,
                sort_key: format!("{order:05}"),
                criticality: i.criticality,
                parent: None,
            });
        }
        sections.push(Section {
            id: s.id,
            title: s.title,
            items,
        });
    }
    Ok(Framework {
        id: file.id,
        title: file.title,
        version: file.version,
        sections,
        mappings,
    })
}

/// The built-in physical security inspection checklist.
pub fn physical_security() -> Framework {
    // The file is part of the crate and a test parses it: a failure here is a
    // build defect, not user input.
    #[allow(clippy::expect_used)]
    parse_checklist(PHYSICAL_SECURITY_YAML).expect("the built-in checklist parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(is_token("PER-01"));
        assert!(is_token("_x.1"));
        assert!(!is_token("1abc"));
        assert!(!is_token("a b"));
        assert!(!is_token(""));
    }
}
