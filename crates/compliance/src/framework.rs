//! The framework model: one shape for OSCAL catalogs and Rampart checklists.
//!
//! An audit runs against a `Framework`: sections of items, each item with the
//! text of the requirement, what to look for, how to test it and an order.
//! An OSCAL catalog becomes a framework (groups become sections, controls and
//! their enhancements become items); a checklist is written as one. Mappings
//! say which controls of another framework an item bears on.

use crate::oscal::{Catalog, Control, Group};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The framework id under which SP 800-53 rev5 controls are mapped.
pub const NIST_800_53_REV5: &str = "nist-sp-800-53-rev5";

/// How much a failure of an item matters; sets the severity of findings.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Criticality {
    Low,
    #[default]
    Medium,
    High,
    Critical,
}

/// A set of requirements to audit against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Framework {
    pub id: String,
    pub title: String,
    pub version: String,
    pub sections: Vec<Section>,
    /// Item to control mappings towards other frameworks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mappings: Vec<Mapping>,
}

/// A section of a framework (a control family, a checklist chapter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub items: Vec<Item>,
}

/// One requirement to inspect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    /// The label people use (`PE-3(1)`), when it differs from the id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub title: String,
    /// The requirement itself.
    #[serde(default)]
    pub text: String,
    /// What the inspector should look for.
    #[serde(default)]
    pub look_for: String,
    /// How to test it.
    #[serde(default)]
    pub how_to_test: String,
    /// Items are shown in ascending order of this key.
    pub sort_key: String,
    #[serde(default)]
    pub criticality: Criticality,
    /// The item this one enhances (an OSCAL control enhancement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// An item of this framework mapped to controls of another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub item: String,
    pub framework: String,
    pub controls: Vec<String>,
}

impl Framework {
    /// Every item, section by section, in order.
    pub fn items(&self) -> impl Iterator<Item = (&Section, &Item)> {
        self.sections
            .iter()
            .flat_map(|s| s.items.iter().map(move |i| (s, i)))
    }

    /// The item with this id and its section.
    pub fn item(&self, id: &str) -> Option<(&Section, &Item)> {
        self.items().find(|(_, i)| i.id == id)
    }

    /// The number of items.
    pub fn len(&self) -> usize {
        self.sections.iter().map(|s| s.items.len()).sum()
    }

    /// Whether the framework has no items.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The controls of `framework` that `item` maps to.
    pub fn mapped(&self, item: &str, framework: &str) -> Vec<&str> {
        self.mappings
            .iter()
            .filter(|m| m.item == item && m.framework == framework)
            .flat_map(|m| m.controls.iter().map(String::as_str))
            .collect()
    }

    /// Mappings towards `framework` that name a control `catalog` does not
    /// have, as (item, control) pairs. Ids compare without case (`PE-3` is
    /// `pe-3`).
    pub fn unknown_mappings(&self, framework: &str, catalog: &Catalog) -> Vec<(String, String)> {
        let known: std::collections::HashSet<String> = catalog
            .controls()
            .into_iter()
            .map(|c| c.id.to_ascii_lowercase())
            .collect();
        self.mappings
            .iter()
            .filter(|m| m.framework == framework)
            .flat_map(|m| m.controls.iter().map(move |c| (m.item.clone(), c.clone())))
            .filter(|(_, c)| !known.contains(&c.to_ascii_lowercase()))
            .collect()
    }

    /// Items grouped by the controls they map to in `framework`: which
    /// checklist items give evidence for each control.
    pub fn coverage_of(&self, framework: &str) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for m in self.mappings.iter().filter(|m| m.framework == framework) {
            for c in &m.controls {
                out.entry(c.to_ascii_lowercase())
                    .or_default()
                    .push(m.item.clone());
            }
        }
        out
    }

    /// A framework from an OSCAL catalog. Groups that hold controls become
    /// sections (a nested group's title is prefixed by its parents'); controls
    /// outside any group form a section with an empty id. The statement is
    /// the text, guidance is what to look for, objectives and assessment
    /// methods are how to test, `sort-id` orders. Withdrawn controls are left
    /// out.
    pub fn from_catalog(id: &str, catalog: &Catalog) -> Framework {
        let mut sections = Vec::new();
        if !catalog.controls.is_empty() {
            sections.push(section("", &catalog.metadata.title, &catalog.controls));
        }
        fn groups(gs: &[Group], prefix: &str, out: &mut Vec<Section>) {
            for g in gs {
                let title = if prefix.is_empty() {
                    g.title.clone()
                } else {
                    format!("{prefix} / {}", g.title)
                };
                if !g.controls.is_empty() {
                    out.push(section(g.id.as_deref().unwrap_or(""), &title, &g.controls));
                }
                groups(&g.groups, &title, out);
            }
        }
        groups(&catalog.groups, "", &mut sections);
        Framework {
            id: id.to_owned(),
            title: catalog.metadata.title.clone(),
            version: catalog.metadata.version.clone(),
            sections,
            mappings: Vec::new(),
        }
    }
}

fn section(id: &str, title: &str, controls: &[Control]) -> Section {
    let mut items = Vec::new();
    fn walk(cs: &[Control], parent: Option<&str>, out: &mut Vec<Item>) {
        for c in cs {
            if c.is_withdrawn() {
                continue;
            }
            let mut test = String::new();
            for name in [
                "assessment-objective",
                "objective",
                "assessment-method",
                "assessment",
            ] {
                if let Some(p) = c.prose(name) {
                    if !test.is_empty() {
                        test.push('\n');
                    }
                    test.push_str(&p);
                }
            }
            out.push(Item {
                id: c.id.clone(),
                label: c.prop("label").map(|_| c.label().to_owned()),
                title: c.title.clone(),
                text: c.prose("statement").unwrap_or_default(),
                look_for: c.prose("guidance").unwrap_or_default(),
                how_to_test: test,
                sort_key: c.sort_id().to_owned(),
                criticality: Criticality::Medium,
                parent: parent.map(str::to_owned),
            });
            walk(&c.controls, Some(&c.id), out);
        }
    }
    walk(controls, None, &mut items);
    Section {
        id: id.to_owned(),
        title: title.to_owned(),
        items,
    }
}
