use crate::{data, high_catalog, shared};
use proptest::prelude::*;
use rampart_compliance::oscal::*;
use std::collections::{BTreeMap, BTreeSet};

fn basic() -> Catalog {
    parse_catalog(&data("basic-catalog.json")).unwrap()
}

fn ids(c: &Catalog) -> BTreeSet<String> {
    c.controls().into_iter().map(|c| c.id.clone()).collect()
}

#[test]
fn basic_catalog_structure() {
    let c = basic();
    assert_eq!(c.metadata.oscal_version, "1.1.2");
    // Counted by hand from the file: 2 top groups, each with one subgroup,
    // 4 controls, no enhancements.
    assert_eq!(c.groups.len(), 2);
    assert_eq!(c.groups[0].groups[0].id.as_deref(), Some("s1.1"));
    assert_eq!(
        c.count(),
        ControlCount {
            controls: 4,
            enhancements: 0
        }
    );
    let ctl = c.control("s1.1.1").unwrap();
    assert_eq!(ctl.label(), "1.1.1");
    assert_eq!(ctl.params.len(), 2);
    let sel = ctl.params[0].select.as_ref().unwrap();
    assert_eq!(sel.how_many.as_deref(), Some("one-or-more"));
    assert_eq!(sel.choice.len(), 2);
    assert_eq!(ctl.params[1].label.as_deref(), Some("a duration"));
    // Nested parts: guidance with objectives.
    let gdn = ctl.part("guidance").unwrap();
    assert!(gdn.parts.len() >= 2 && gdn.parts.iter().all(|p| p.name == "objective"));
    // The statement with its parameter rendered as a selection that itself
    // inserts the duration's label.
    let text = ctl.prose("statement").unwrap();
    assert!(
        text.contains("[Selection (one or more): initiating a device lock after [Assignment: a duration] of inactivity; requiring"),
        "{text}"
    );
}

#[test]
fn nist_high_counts_and_enhancements() {
    let c = high_catalog();
    // Counted independently (Python over the same file): 188 base controls,
    // 182 enhancements, 370 in all; the profile lists 370 ids.
    assert_eq!(
        c.count(),
        ControlCount {
            controls: 188,
            enhancements: 182
        }
    );
    let pe3 = c.control("pe-3").unwrap();
    assert_eq!(pe3.label(), "PE-3");
    assert_eq!(pe3.sort_id(), "pe-03");
    assert_eq!(pe3.controls[0].id, "pe-3.1");
    assert!(pe3.params.iter().any(|p| p.select.is_some()));
    assert!(pe3.part("statement").is_some() && pe3.part("guidance").is_some());
    assert!(pe3.parts.iter().any(|p| p.name == "assessment-objective"));
}

#[test]
fn moderate_published_counts() {
    let Some(text) =
        shared("catalogs/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json")
    else {
        println!("SKIPPED: MODERATE resolved catalog not in ../shared/data");
        return;
    };
    let c = parse_catalog(&text).unwrap();
    assert_eq!(
        c.count(),
        ControlCount {
            controls: 177,
            enhancements: 110
        }
    );
    assert_eq!(c.params().len(), 643);
}

#[test]
fn not_a_catalog_says_what_it_is() {
    let e = parse_catalog(&data("ifa_assessment-results-example.json")).unwrap_err();
    assert_eq!(
        e,
        OscalError::WrongDocument {
            expected: "catalog",
            found: "this is an OSCAL assessment-results document".into()
        }
    );
    assert!(e.to_string().starts_with("expected an OSCAL catalog"));
    let e = parse_profile(&data("basic-catalog.json")).unwrap_err();
    assert!(matches!(
        e,
        OscalError::WrongDocument {
            expected: "profile",
            ..
        }
    ));
    let e = parse_catalog("[1, 2]").unwrap_err();
    assert!(matches!(e, OscalError::WrongDocument { .. }), "{e}");
    let e = parse_catalog("{\"x\": 1}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected an OSCAL catalog (a JSON object with the top-level key \"catalog\"), but its top-level keys are x"
    );
}

#[test]
fn bad_field_gives_path_and_line() {
    let text = r#"{
  "catalog": {
    "uuid": "u",
    "metadata": {"title": "t", "last-modified": "x", "version": "1", "oscal-version": "1.0.4"},
    "groups": [
      {"id": "g", "title": "G", "controls": [
        {"id": "c-1", "title": "One"},
        {"id": "c-2", "title": 7}
      ]}
    ]
  }
}"#;
    match parse_catalog(text).unwrap_err() {
        OscalError::Invalid {
            path,
            line,
            message,
            ..
        } => {
            assert_eq!(path, "$.catalog.groups[0].controls[1].title");
            assert_eq!(line, 8);
            assert!(message.contains("invalid type"), "{message}");
        }
        e => panic!("{e:?}"),
    }
    let e = parse_catalog("{\"catalog\": {\"uuid\": ").unwrap_err();
    assert!(matches!(e, OscalError::Syntax { line: 1, .. }), "{e:?}");
    // A missing required field is named, at the object that lacks it.
    let e = parse_catalog(r#"{"catalog": {"uuid": "u", "metadata": {"title": "t"}}}"#).unwrap_err();
    assert!(
        e.to_string().contains("missing field `last-modified`")
            && e.to_string().contains("$.catalog.metadata"),
        "{e}"
    );
}

#[test]
fn nist_profiles_parse() {
    for (name, n) in [("LOW", 149), ("MODERATE", 287), ("HIGH", 370)] {
        let p = parse_profile(&data(&format!(
            "NIST_SP-800-53_rev5_{name}-baseline_profile.json"
        )))
        .unwrap();
        let listed: usize = p
            .imports
            .iter()
            .flat_map(|i| &i.include_controls)
            .map(|s| s.with_ids.len())
            .sum();
        assert_eq!(listed, n, "{name}");
        assert_eq!(p.merge.as_ref().and_then(|m| m.as_is), Some(true));
        assert!(p.imports[0].href.starts_with('#'));
    }
}

fn resolve_moderate_against_high() -> (Profile, Catalog) {
    let p = parse_profile(&data("NIST_SP-800-53_rev5_MODERATE-baseline_profile.json")).unwrap();
    let high = high_catalog();
    // The profile points at the full SP 800-53 catalog through a back-matter
    // resource; the HIGH baseline is a superset of MODERATE and stands in for
    // it, supplied under the file name the resource links to.
    let sources = CatalogSources::new().with("NIST_SP-800-53_rev5_catalog.json", &high);
    let r = resolve(&p, &sources).unwrap();
    (p, r)
}

#[test]
fn moderate_resolution_selects_the_listed_controls() {
    let (p, r) = resolve_moderate_against_high();
    let listed: BTreeSet<String> = p.imports[0].include_controls[0]
        .with_ids
        .iter()
        .cloned()
        .collect();
    assert_eq!(ids(&r), listed);
    assert_eq!(r.count().total(), 287);
    // as-is keeps families and nesting.
    assert_eq!(r.groups.len(), 18);
    assert_eq!(r.control("ac-2").unwrap().controls.len(), 6);
    assert_eq!(r.metadata.title, p.metadata.title);
}

#[test]
fn moderate_resolution_matches_the_published_resolved_catalog() {
    let Some(text) =
        shared("catalogs/NIST_SP-800-53_rev5_MODERATE-baseline-resolved-profile_catalog.json")
    else {
        println!("SKIPPED: MODERATE resolved catalog not in ../shared/data");
        return;
    };
    let published = parse_catalog(&text).unwrap();
    let (_, r) = resolve_moderate_against_high();
    assert_eq!(ids(&r), ids(&published));
    assert_eq!(r.count(), published.count());
    // Same parameters with the same values, labels and selections.
    type Settings = (Vec<String>, Option<String>, Option<Selection>);
    let params = |c: &Catalog| -> BTreeMap<String, Settings> {
        c.params()
            .into_iter()
            .map(|p| {
                (
                    p.id.clone(),
                    (p.values.clone(), p.label.clone(), p.select.clone()),
                )
            })
            .collect()
    };
    assert_eq!(params(&r), params(&published));
    // Same group order and control order.
    let order = |c: &Catalog| {
        c.controls()
            .into_iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(order(&r), order(&published));
}

#[test]
fn missing_import_names_the_href() {
    let p = parse_profile(&data("NIST_SP-800-53_rev5_LOW-baseline_profile.json")).unwrap();
    let e = resolve(&p, &CatalogSources::new()).unwrap_err();
    match &e {
        OscalError::MissingImport { href, tried } => {
            assert_eq!(href, "#84cbf061-eb87-4ec1-8112-1f529232e907");
            assert!(
                tried
                    .iter()
                    .any(|t| t.ends_with("json/NIST_SP-800-53_rev5_catalog.json"))
            );
        }
        e => panic!("{e:?}"),
    }
    assert!(
        e.to_string()
            .contains("#84cbf061-eb87-4ec1-8112-1f529232e907")
    );
}

fn profile(body: &str) -> Profile {
    parse_profile(&format!(
        r#"{{"profile": {{"uuid": "p1", "metadata": {{"title": "P", "last-modified": "2024-01-01T00:00:00Z", "version": "1", "oscal-version": "1.0.6"}}, {body}}}}}"#
    ))
    .unwrap()
}

#[test]
fn include_exclude_children_and_flat() {
    let high = high_catalog();
    let src = CatalogSources::new().with("cat.json", &high);
    let p = profile(
        r#""imports": [{"href": "cat.json", "include-controls": [{"with-ids": ["pe-3", "pe-6"], "with-child-controls": "yes"}], "exclude-controls": [{"with-ids": ["pe-6.4"]}]}], "merge": {"as-is": true}"#,
    );
    let r = resolve(&p, &src).unwrap();
    assert_eq!(
        ids(&r),
        ["pe-3", "pe-3.1", "pe-6", "pe-6.1"]
            .map(String::from)
            .into()
    );
    assert_eq!(r.groups.len(), 1);
    assert_eq!(
        r.count(),
        ControlCount {
            controls: 2,
            enhancements: 2
        }
    );
    // Flat (also what no merge means): no groups, no nesting.
    let p = profile(
        r#""imports": [{"href": "cat.json", "include-controls": [{"matching": [{"pattern": "pe-1?"}]}]}]"#,
    );
    let r = resolve(&p, &src).unwrap();
    assert!(r.groups.is_empty());
    assert_eq!(r.controls.len(), 9); // pe-10 .. pe-18
    assert_eq!(r.count().enhancements, 0);
    // An enhancement selected without its parent moves up to its place.
    let p = profile(
        r#""imports": [{"href": "cat.json", "include-controls": [{"with-ids": ["ac-2.1", "ac-3"]}]}], "merge": {"as-is": true}"#,
    );
    let r = resolve(&p, &src).unwrap();
    let ac: Vec<&str> = r.groups[0].controls.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ac, ["ac-2.1", "ac-3"]);
}

#[test]
fn set_parameters_and_alters() {
    let c = basic();
    let src = CatalogSources::new().with("basic", &c);
    let p = profile(
        r#""imports": [{"href": "basic", "include-all": {}}], "merge": {"as-is": true},
        "modify": {
          "set-parameters": [{"param-id": "s1.1.1-prm_2", "values": ["15 minutes"]}],
          "alters": [{"control-id": "s1.1.1",
            "removes": [{"by-name": "objective"}, {"by-name": "label", "by-item-name": "prop"}],
            "adds": [
              {"position": "ending", "props": [{"name": "sort-id", "value": "zz"}]},
              {"position": "after", "by-id": "s1.1.1_stm", "parts": [{"id": "s1.1.1_odp", "name": "item", "prose": "added"}]},
              {"position": "starting", "by-id": "s1.1.1_gdn", "parts": [{"name": "note", "prose": "first"}]}
            ]}]
        }"#,
    );
    let r = resolve(&p, &src).unwrap();
    let ctl = r.control("s1.1.1").unwrap();
    assert_eq!(ctl.params[1].values, ["15 minutes"]);
    assert!(
        ctl.prose("statement")
            .unwrap()
            .contains("initiating a device lock after 15 minutes of inactivity")
    );
    assert_eq!(ctl.prop("label"), None);
    assert_eq!(ctl.sort_id(), "zz");
    let names: Vec<&str> = ctl.parts.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        ["overview", "statement", "item", "guidance", "overview"]
    );
    let gdn = ctl.part("guidance").unwrap();
    assert_eq!(gdn.parts.len(), 1);
    assert_eq!(gdn.parts[0].name, "note");
    // Other controls untouched.
    assert_eq!(r.control("s1.1.2"), c.control("s1.1.2"));

    let bad = profile(
        r#""imports": [{"href": "basic", "include-all": {}}], "modify": {"set-parameters": [{"param-id": "nope", "values": ["x"]}]}"#,
    );
    assert_eq!(
        resolve(&bad, &src).unwrap_err(),
        OscalError::UnknownParameter("nope".into())
    );
    let bad = profile(
        r#""imports": [{"href": "basic", "include-controls": [{"with-ids": ["s2.1.1"]}]}], "modify": {"alters": [{"control-id": "s1.1.1", "removes": [{"by-name": "x"}]}]}"#,
    );
    assert_eq!(
        resolve(&bad, &src).unwrap_err(),
        OscalError::UnknownAlterTarget("s1.1.1".into())
    );
    let bad =
        profile(r#""imports": [{"href": "basic", "include-all": {}}], "merge": {"custom": {}}"#);
    assert!(matches!(
        resolve(&bad, &src).unwrap_err(),
        OscalError::Unsupported(_)
    ));
}

#[test]
fn resolved_catalog_round_trips_as_oscal() {
    let (_, r) = resolve_moderate_against_high();
    let text = serde_json::to_string(&serde_json::json!({ "catalog": r })).unwrap();
    let back = parse_catalog(&text).unwrap();
    assert_eq!(back, r);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// include-all with as-is merge gives the catalog back (up to the
    /// metadata and uuid, which are the profile's); with exclusions, exactly
    /// the rest.
    #[test]
    fn include_all_is_the_catalog(excluded in proptest::collection::vec(0usize..4, 0..3)) {
        let c = basic();
        let all: Vec<String> = c.controls().iter().map(|c| c.id.clone()).collect();
        let ex: BTreeSet<String> = excluded.iter().map(|&i| all[i].clone()).collect();
        let ex_json: Vec<String> = ex.iter().map(|s| format!("\"{s}\"")).collect();
        let exclude = if ex.is_empty() { String::new() } else { format!(", \"exclude-controls\": [{{\"with-ids\": [{}]}}]", ex_json.join(",")) };
        let p = profile(&format!(r#""imports": [{{"href": "b", "include-all": {{}}{exclude}}}], "merge": {{"as-is": true}}"#));
        let r = resolve(&p, &CatalogSources::new().with("b", &c)).unwrap();
        let want: BTreeSet<String> = all.iter().filter(|i| !ex.contains(*i)).cloned().collect();
        prop_assert_eq!(ids(&r), want);
        if ex.is_empty() {
            prop_assert_eq!(&r.groups, &c.groups);
            prop_assert_eq!(&r.controls, &c.controls);
        }
    }
}
