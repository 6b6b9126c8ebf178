//! OSCAL profiles and their resolution into a catalog.
//!
//! What is implemented of the OSCAL profile resolution specification:
//! `imports` with `include-all`, `include-controls` and `exclude-controls`
//! (`with-ids`, `matching` with `*` and `?` globs, `with-child-controls`);
//! `merge` as `as-is` (the catalog's groups and nesting kept, empty groups
//! dropped, a selected enhancement whose parent was not selected moved up to
//! where the parent was) or `flat` (every control at the top, no nesting; also
//! what an absent `merge` means); `modify.set-parameters` (values, label,
//! usage, selection, guidelines replaced; props and links appended) and
//! `modify.alters` (removes by name, class, id, namespace or item kind, at any
//! depth of parts; adds of params, props, links and parts at the start or end
//! of the control or before, after, at the start or at the end of a part given
//! by id). When several imports select the same control the first wins
//! (`use-first`). Imports of other profiles are resolved by the caller, who
//! supplies the resolved catalog under that href. `custom` merge is refused.

use super::catalog::{
    BackMatter, Catalog, Control, Group, Guideline, Link, Metadata, Param, Part, Prop, Selection,
};
use super::{OscalError, parse_document};
use crate::uuid;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// An OSCAL profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Profile {
    pub uuid: String,
    pub metadata: Metadata,
    pub imports: Vec<Import>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<Merge>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modify: Option<Modify>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back_matter: Option<BackMatter>,
}

/// One imported catalog and what to take from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Import {
    pub href: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_all: Option<Empty>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include_controls: Vec<SelectControl>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_controls: Vec<SelectControl>,
}

/// The empty object `{}` that OSCAL uses as a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Empty {}

/// A selection of controls by id or pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SelectControl {
    /// `"yes"` to take the enhancements of each control selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_child_controls: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matching: Vec<Matching>,
}

/// A glob over control ids (`ac-*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matching {
    pub pattern: String,
}

/// How the selected controls are arranged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Merge {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_is: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flat: Option<Empty>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<serde_json::Value>,
}

/// Changes the profile makes to what it selected.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Modify {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set_parameters: Vec<SetParameter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alters: Vec<Alter>,
}

/// New settings for one parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct SetParameter {
    pub param_id: String,
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

/// Additions to and removals from one control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Alter {
    pub control_id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removes: Vec<Remove>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adds: Vec<Add>,
}

/// What to remove: everything that matches all the criteria given.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Remove {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    /// `param`, `prop`, `link` or `part`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_item_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_ns: Option<String>,
}

/// Where an addition goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Position {
    Before,
    After,
    Starting,
    Ending,
}

/// What to add, and where.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Add {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub props: Vec<Prop>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
}

/// Parse an OSCAL profile (`{"profile": {...}}`) from JSON text.
pub fn parse_profile(text: &str) -> Result<Profile, OscalError> {
    parse_document(text, "profile")
}

/// The catalogs a profile may import, each under an href.
///
/// An import's href matches a supplied one when they are equal or when the
/// import's href ends with `/` and the supplied one, so a catalog supplied
/// as `NIST_SP-800-53_rev5_catalog.json` answers
/// `../nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json`. An
/// href `#uuid` names a back-matter resource of the profile; each of its
/// rlinks is tried, and the uuid itself.
#[derive(Debug, Clone, Default)]
pub struct CatalogSources<'a> {
    catalogs: Vec<(String, &'a Catalog)>,
}

impl<'a> CatalogSources<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Supply `catalog` for imports of `href`.
    pub fn with(mut self, href: impl Into<String>, catalog: &'a Catalog) -> Self {
        self.catalogs.push((href.into(), catalog));
        self
    }

    fn find(&self, href: &str) -> Option<&'a Catalog> {
        self.catalogs
            .iter()
            .find(|(k, _)| {
                k == href
                    || (href.len() > k.len()
                        && href.ends_with(k.as_str())
                        && href.as_bytes()[href.len() - k.len() - 1] == b'/')
            })
            .map(|(_, c)| *c)
    }

    fn lookup(&self, profile: &Profile, href: &str) -> Result<&'a Catalog, OscalError> {
        let mut tried = vec![href.to_owned()];
        if let Some(c) = self.find(href) {
            return Ok(c);
        }
        if let Some(id) = href.strip_prefix('#') {
            tried.push(id.to_owned());
            if let Some(c) = self.find(id) {
                return Ok(c);
            }
            let resource = profile
                .back_matter
                .iter()
                .flat_map(|b| &b.resources)
                .find(|r| r.uuid == id);
            for link in resource.iter().flat_map(|r| &r.rlinks) {
                tried.push(link.href.clone());
                if let Some(c) = self.find(&link.href) {
                    return Ok(c);
                }
            }
        }
        Err(OscalError::MissingImport {
            href: href.to_owned(),
            tried: tried.split_off(1),
        })
    }
}

fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative wildcard match with backtracking to the last `*`.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            pi += 1;
            mark = ti;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Ids picked by a list of selections, with child controls where asked.
fn select(catalog: &Catalog, selections: &[SelectControl]) -> HashSet<String> {
    let mut out = HashSet::new();
    for s in selections {
        let children = s.with_child_controls.as_deref() == Some("yes");
        let wanted: HashSet<&str> = s.with_ids.iter().map(String::as_str).collect();
        catalog.walk(&mut |c, _, _| {
            let hit = wanted.contains(c.id.as_str())
                || s.matching.iter().any(|m| glob(&m.pattern, &c.id));
            if hit {
                out.insert(c.id.clone());
                if children {
                    descendants(c, &mut out);
                }
            }
        });
    }
    out
}

fn descendants(c: &Control, out: &mut HashSet<String>) {
    for e in &c.controls {
        out.insert(e.id.clone());
        descendants(e, out);
    }
}

/// Keep selected controls; an unselected control gives way to its selected
/// descendants, which take its place.
fn prune(controls: &[Control], keep: &HashSet<String>, seen: &mut HashSet<String>) -> Vec<Control> {
    let mut out = Vec::new();
    for c in controls {
        let children = prune(&c.controls, keep, seen);
        if keep.contains(&c.id) && seen.insert(c.id.clone()) {
            let mut c2 = c.clone();
            c2.controls = children;
            out.push(c2);
        } else {
            out.extend(children);
        }
    }
    out
}

fn prune_groups(
    groups: &[Group],
    keep: &HashSet<String>,
    seen: &mut HashSet<String>,
) -> Vec<Group> {
    let mut out = Vec::new();
    for g in groups {
        let controls = prune(&g.controls, keep, seen);
        let sub = prune_groups(&g.groups, keep, seen);
        if !controls.is_empty() || !sub.is_empty() {
            let mut g2 = g.clone();
            g2.controls = controls;
            g2.groups = sub;
            out.push(g2);
        }
    }
    out
}

fn flatten_into(controls: Vec<Control>, out: &mut Vec<Control>) {
    for mut c in controls {
        let children = std::mem::take(&mut c.controls);
        out.push(c);
        flatten_into(children, out);
    }
}

/// Resolve `profile` against the catalogs in `sources` into a catalog.
pub fn resolve(profile: &Profile, sources: &CatalogSources<'_>) -> Result<Catalog, OscalError> {
    let merge = profile.merge.as_ref();
    if merge.is_some_and(|m| m.custom.is_some()) {
        return Err(OscalError::Unsupported("merge \"custom\"".into()));
    }
    let as_is = merge.is_some_and(|m| m.as_is == Some(true));

    let mut seen = HashSet::new();
    let mut top: Vec<Control> = Vec::new();
    let mut groups: Vec<Group> = Vec::new();
    let mut back_matter: Option<BackMatter> = None;
    let mut catalog_params: Vec<Param> = Vec::new();
    for import in &profile.imports {
        let catalog = sources.lookup(profile, &import.href)?;
        let mut keep = if import.include_all.is_some() || import.include_controls.is_empty() {
            catalog
                .controls()
                .into_iter()
                .map(|c| c.id.clone())
                .collect()
        } else {
            select(catalog, &import.include_controls)
        };
        for id in select(catalog, &import.exclude_controls) {
            keep.remove(&id);
        }
        top.extend(prune(&catalog.controls, &keep, &mut seen));
        for g in prune_groups(&catalog.groups, &keep, &mut seen) {
            match groups.iter_mut().find(|x| x.id.is_some() && x.id == g.id) {
                Some(existing) => {
                    existing.controls.extend(g.controls);
                    existing.groups.extend(g.groups);
                }
                None => groups.push(g),
            }
        }
        catalog_params.extend(catalog.params.iter().cloned());
        if back_matter.is_none() {
            back_matter = catalog.back_matter.clone();
        }
    }
    if !as_is {
        let mut flat = Vec::new();
        flatten_into(std::mem::take(&mut top), &mut flat);
        fn take_groups(gs: Vec<Group>, out: &mut Vec<Control>) {
            for g in gs {
                flatten_into(g.controls, out);
                take_groups(g.groups, out);
            }
        }
        take_groups(std::mem::take(&mut groups), &mut flat);
        top = flat;
    }
    let mut out = Catalog {
        uuid: uuid::derive("resolved-profile", &[&profile.uuid]),
        metadata: profile.metadata.clone(),
        params: catalog_params,
        controls: top,
        groups,
        back_matter,
    };
    if let Some(modify) = &profile.modify {
        apply_modify(&mut out, modify)?;
    }
    Ok(out)
}

fn for_each_control_mut(catalog: &mut Catalog, f: &mut dyn FnMut(&mut Control) -> bool) -> bool {
    fn cs(list: &mut [Control], f: &mut dyn FnMut(&mut Control) -> bool) -> bool {
        for c in list {
            if f(c) || cs(&mut c.controls, f) {
                return true;
            }
        }
        false
    }
    fn gs(list: &mut [Group], f: &mut dyn FnMut(&mut Control) -> bool) -> bool {
        for g in list {
            if cs(&mut g.controls, f) || gs(&mut g.groups, f) {
                return true;
            }
        }
        false
    }
    cs(&mut catalog.controls, f) || gs(&mut catalog.groups, f)
}

fn apply_modify(catalog: &mut Catalog, modify: &Modify) -> Result<(), OscalError> {
    for set in &modify.set_parameters {
        let mut found = false;
        let apply = |p: &mut Param| {
            if p.id != set.param_id {
                return false;
            }
            if set.class.is_some() {
                p.class = set.class.clone();
            }
            if set.label.is_some() {
                p.label = set.label.clone();
            }
            if set.usage.is_some() {
                p.usage = set.usage.clone();
            }
            if !set.values.is_empty() {
                p.values = set.values.clone();
            }
            if set.select.is_some() {
                p.select = set.select.clone();
            }
            if !set.guidelines.is_empty() {
                p.guidelines = set.guidelines.clone();
            }
            p.props.extend(set.props.iter().cloned());
            p.links.extend(set.links.iter().cloned());
            true
        };
        let mut apply = apply;
        for p in &mut catalog.params {
            found |= apply(p);
        }
        if !found {
            found = for_each_control_mut(catalog, &mut |c| c.params.iter_mut().any(&mut apply));
        }
        if !found {
            return Err(OscalError::UnknownParameter(set.param_id.clone()));
        }
    }
    for alter in &modify.alters {
        let mut result = Ok(());
        let found = for_each_control_mut(catalog, &mut |c| {
            if c.id != alter.control_id {
                return false;
            }
            for r in &alter.removes {
                remove(c, r);
            }
            for a in &alter.adds {
                if let Err(e) = add(c, a) {
                    result = Err(e);
                }
            }
            true
        });
        result?;
        if !found {
            return Err(OscalError::UnknownAlterTarget(alter.control_id.clone()));
        }
    }
    Ok(())
}

fn matches(
    r: &Remove,
    kind: &str,
    name: Option<&str>,
    class: Option<&str>,
    id: Option<&str>,
    ns: Option<&str>,
) -> bool {
    let any = r.by_name.is_some()
        || r.by_class.is_some()
        || r.by_id.is_some()
        || r.by_item_name.is_some()
        || r.by_ns.is_some();
    any && r.by_item_name.as_deref().is_none_or(|k| k == kind)
        && r.by_name.as_deref().is_none_or(|n| Some(n) == name)
        && r.by_class.as_deref().is_none_or(|c| Some(c) == class)
        && r.by_id.as_deref().is_none_or(|i| Some(i) == id)
        && r.by_ns.as_deref().is_none_or(|n| Some(n) == ns)
}

fn remove_props(props: &mut Vec<Prop>, r: &Remove) {
    props.retain(|p| {
        !matches(
            r,
            "prop",
            Some(&p.name),
            p.class.as_deref(),
            None,
            p.ns.as_deref(),
        )
    });
}

fn remove_links(links: &mut Vec<Link>, r: &Remove) {
    links.retain(|l| !matches(r, "link", l.rel.as_deref(), None, None, None));
}

fn remove_parts(parts: &mut Vec<Part>, r: &Remove) {
    parts.retain(|p| {
        !matches(
            r,
            "part",
            Some(&p.name),
            p.class.as_deref(),
            p.id.as_deref(),
            p.ns.as_deref(),
        )
    });
    for p in parts {
        remove_props(&mut p.props, r);
        remove_links(&mut p.links, r);
        remove_parts(&mut p.parts, r);
    }
}

fn remove(c: &mut Control, r: &Remove) {
    c.params
        .retain(|p| !matches(r, "param", None, p.class.as_deref(), Some(&p.id), None));
    remove_props(&mut c.props, r);
    remove_links(&mut c.links, r);
    remove_parts(&mut c.parts, r);
}

fn splice<T: Clone>(list: &mut Vec<T>, items: &[T], at_start: bool) {
    if at_start {
        list.splice(0..0, items.iter().cloned());
    } else {
        list.extend(items.iter().cloned());
    }
}

/// Add next to or inside the part `by_id` somewhere under `parts`.
fn add_at_part(parts: &mut Vec<Part>, by_id: &str, a: &Add, pos: Position) -> bool {
    if let Some(i) = parts.iter().position(|p| p.id.as_deref() == Some(by_id)) {
        match pos {
            Position::Before => {
                parts.splice(i..i, a.parts.iter().cloned());
            }
            Position::After => {
                parts.splice(i + 1..i + 1, a.parts.iter().cloned());
            }
            Position::Starting | Position::Ending => {
                let p = &mut parts[i];
                let start = pos == Position::Starting;
                splice(&mut p.parts, &a.parts, start);
                splice(&mut p.props, &a.props, start);
                splice(&mut p.links, &a.links, start);
            }
        }
        return true;
    }
    parts
        .iter_mut()
        .any(|p| add_at_part(&mut p.parts, by_id, a, pos))
}

fn add(c: &mut Control, a: &Add) -> Result<(), OscalError> {
    if let Some(t) = &a.title {
        c.title = t.clone();
    }
    match a.by_id.as_deref() {
        None | Some("") => {
            let start =
                a.position == Some(Position::Starting) || a.position == Some(Position::Before);
            splice(&mut c.params, &a.params, start);
            splice(&mut c.props, &a.props, start);
            splice(&mut c.links, &a.links, start);
            splice(&mut c.parts, &a.parts, start);
            Ok(())
        }
        Some(id) if id == c.id => {
            let start = a.position == Some(Position::Starting);
            splice(&mut c.params, &a.params, start);
            splice(&mut c.props, &a.props, start);
            splice(&mut c.links, &a.links, start);
            splice(&mut c.parts, &a.parts, start);
            Ok(())
        }
        Some(id) => {
            let pos = a.position.unwrap_or(Position::After);
            if add_at_part(&mut c.parts, id, a, pos) {
                Ok(())
            } else {
                Err(OscalError::UnknownAddTarget {
                    control: c.id.clone(),
                    by_id: id.to_owned(),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("ac-*", "ac-2.1"));
        assert!(glob("ac-?", "ac-2"));
        assert!(!glob("ac-?", "ac-22"));
        assert!(glob("*", ""));
        assert!(!glob("pe-*", "ac-2"));
        assert!(glob("*-2*", "ac-2.1"));
    }
}
