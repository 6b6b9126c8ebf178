use crate::high_catalog;
use rampart_compliance::checklist::{
    ChecklistError, PHYSICAL_SECURITY_YAML, parse_checklist, physical_security,
};
use rampart_compliance::framework::{Criticality, Framework, NIST_800_53_REV5};
use std::collections::HashSet;

#[test]
fn built_in_checklist_shape() {
    let f = physical_security();
    assert_eq!(f.id, "rampart-physical-security");
    assert_eq!(f.len(), 81);
    let sections: Vec<&str> = f.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        sections,
        [
            "perimeter",
            "lighting",
            "doors",
            "locks-keys",
            "access-control",
            "video",
            "intrusion",
            "visitors",
            "mail",
            "guard-force",
            "emergency"
        ]
    );
    let mut ids = HashSet::new();
    let mut last = String::new();
    for (_, i) in f.items() {
        assert!(ids.insert(i.id.clone()), "duplicate {}", i.id);
        assert!(
            !i.look_for.is_empty() && !i.how_to_test.is_empty(),
            "{}",
            i.id
        );
        assert!(i.sort_key > last, "order at {}", i.id);
        last = i.sort_key.clone();
        assert!(
            !f.mapped(&i.id, NIST_800_53_REV5).is_empty(),
            "{} maps to nothing",
            i.id
        );
    }
    let (s, door) = f.item("DOR-08").unwrap();
    assert_eq!(s.id, "doors");
    assert_eq!(door.criticality, Criticality::Critical);
    assert_eq!(
        f.mapped("DOR-08", NIST_800_53_REV5),
        ["pe-3", "pe-3.1", "pe-4", "pe-9"]
    );
}

#[test]
fn every_mapped_control_exists_in_sp_800_53() {
    let f = physical_security();
    let unknown = f.unknown_mappings(NIST_800_53_REV5, &high_catalog());
    assert!(unknown.is_empty(), "{unknown:?}");
    // The key PE controls all have checklist evidence.
    let cov = f.coverage_of(NIST_800_53_REV5);
    for pe in ["pe-2", "pe-3", "pe-6", "pe-8", "pe-13", "pe-14", "pe-16"] {
        assert!(cov.contains_key(pe), "{pe}");
    }
    // And a mapping to a control that does not exist is caught.
    let mut g = f.clone();
    g.mappings[0].controls.push("pe-99".into());
    assert_eq!(
        g.unknown_mappings(NIST_800_53_REV5, &high_catalog()),
        [("PER-01".to_string(), "pe-99".to_string())]
    );
}

#[test]
fn custom_checklist_and_errors_with_location() {
    let ok = "id: mine\ntitle: Mine\nsections:\n  - id: s\n    title: S\n    items:\n      - id: A-1\n        title: Gate\n        look_for: a gate\n        how_to_test: try it\n        criticality: high\n";
    let f: Framework = parse_checklist(ok).unwrap();
    assert_eq!(f.item("A-1").unwrap().1.criticality, Criticality::High);
    assert_eq!(f.item("A-1").unwrap().1.text, "Gate");

    let bad_type = ok.replace("criticality: high", "criticality: severe");
    match parse_checklist(&bad_type).unwrap_err() {
        ChecklistError::Syntax {
            line,
            column,
            message,
        } => {
            assert_eq!(line, 11, "{message}");
            assert!(column > 0);
        }
        e => panic!("{e:?}"),
    }
    let unknown_field = ok.replace("look_for:", "look_at:");
    assert!(matches!(
        parse_checklist(&unknown_field).unwrap_err(),
        ChecklistError::Syntax { line: 9, .. }
    ));
    let dup = format!(
        "{ok}      - id: A-1\n        title: Again\n        look_for: x\n        how_to_test: y\n"
    );
    assert_eq!(
        parse_checklist(&dup).unwrap_err(),
        ChecklistError::Invalid {
            location: "sections[0].items[1] (A-1)".into(),
            message: "duplicate item id".into()
        }
    );
    let bad_id = ok.replace("id: A-1", "id: 1 bad");
    assert!(matches!(
        parse_checklist(&bad_id).unwrap_err(),
        ChecklistError::Invalid { .. }
    ));
    assert!(PHYSICAL_SECURITY_YAML.starts_with("# Rampart"));
}

#[test]
fn catalog_as_framework() {
    let f = Framework::from_catalog(NIST_800_53_REV5, &high_catalog());
    assert_eq!(f.sections.len(), 18);
    assert_eq!(f.len(), 370);
    let (s, pe31) = f.item("pe-3.1").unwrap();
    assert_eq!(s.id, "pe");
    assert_eq!(pe31.parent.as_deref(), Some("pe-3"));
    assert_eq!(pe31.label.as_deref(), Some("PE-3(1)"));
    assert_eq!(pe31.sort_key, "pe-03.01");
    assert!(!pe31.text.is_empty() && !pe31.look_for.is_empty() && !pe31.how_to_test.is_empty());
    // The basic catalog's nested groups become sections titled by their path.
    let b = Framework::from_catalog(
        "basic",
        &rampart_compliance::oscal::parse_catalog(&crate::data("basic-catalog.json")).unwrap(),
    );
    assert_eq!(
        b.sections[0].title,
        "Organization of Information Security / Internal Organization"
    );
    assert_eq!(b.len(), 4);
}
