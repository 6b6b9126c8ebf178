use crate::audit::{audit, result, small};
use crate::data;
use jiff::civil::date;
use rampart_compliance::audit::*;
use rampart_compliance::export::*;
use rampart_compliance::finding::{FindingPolicy, derive_findings};
use rampart_compliance::import::import_assessment_results;
use rampart_compliance::remediation::*;
use serde_json::Value;

fn opts() -> ExportOptions {
    ExportOptions {
        last_modified: "2026-03-05T09:30:00Z".parse().unwrap(),
        version: "1".into(),
        import_ap_href: "./assessment-plan.json".into(),
    }
}

fn validate(schema_file: &str, doc: &str) {
    let schema: Value = serde_json::from_str(&data(schema_file)).unwrap();
    let v = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let instance: Value = serde_json::from_str(doc).unwrap();
    let errors: Vec<String> = v
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}

fn full_audit() -> Audit {
    use Outcome::*;
    let mut r1 = result("A1", PartiallyCompliant);
    r1.notes = "Chain on gate 3 cut; padlock missing.".into();
    r1.zone = Some("yard".into());
    r1.evidence = vec![
        EvidenceRef {
            sha256: Sha256::of(b"photo"),
            description: "photo of gate 3".into(),
            media_type: Some("image/jpeg".into()),
        },
        EvidenceRef {
            sha256: Sha256::of(b"log"),
            description: String::new(),
            media_type: None,
        },
    ];
    let mut r2 = result("A2", NotApplicable);
    r2.zone = Some("yard".into());
    let mut r3 = result("B1", NonCompliant);
    r3.recorded_at = "Tuesday afternoon".into();
    r3.auditor = "Bo".into();
    let mut a = audit(vec![r1, r2, r3, result("B2", Compliant)]);
    a.scope.zones = vec!["yard".into(), "lobby".into()];
    a
}

#[test]
fn assessment_results_validate_against_the_nist_schema() {
    let text = assessment_results(&full_audit(), &small(), &opts()).unwrap();
    validate("oscal_assessment-results_schema.json", &text);
    let v: Value = serde_json::from_str(&text).unwrap();
    let ar = &v["assessment-results"];
    assert_eq!(ar["metadata"]["oscal-version"], "1.0.6");
    let res = &ar["results"][0];
    assert_eq!(res["observations"].as_array().unwrap().len(), 4);
    assert_eq!(
        res["findings"].as_array().unwrap().len(),
        3,
        "N/A gives no finding"
    );
    assert_eq!(
        res["findings"][0]["target"]["status"]["state"],
        "not-satisfied"
    );
    assert_eq!(res["findings"][2]["target"]["status"]["state"], "satisfied");
    assert_eq!(ar["back-matter"]["resources"].as_array().unwrap().len(), 2);
    // A scoped audit lists its items; an unscoped one includes all.
    assert!(res["reviewed-controls"]["control-selections"][0]["include-all"].is_object());
    let mut scoped = full_audit();
    scoped.scope.items = Some(vec!["A1".into(), "A2".into(), "B1".into(), "B2".into()]);
    let text = assessment_results(&scoped, &small(), &opts()).unwrap();
    validate("oscal_assessment-results_schema.json", &text);
    // Unparseable times fall back to the audit start, and are kept as a prop.
    assert!(text.contains("Tuesday afternoon") && text.contains("2026-03-02T00:00:00Z"));
    // The built-in checklist exports too.
    let cl = rampart_compliance::checklist::physical_security();
    let mut a = audit(
        cl.items()
            .take(10)
            .map(|(_, i)| result(&i.id, Outcome::NonCompliant))
            .collect(),
    );
    a.framework = cl.id.clone();
    validate(
        "oscal_assessment-results_schema.json",
        &assessment_results(&a, &cl, &opts()).unwrap(),
    );
}

#[test]
fn export_is_deterministic() {
    let a = assessment_results(&full_audit(), &small(), &opts()).unwrap();
    let b = assessment_results(&full_audit(), &small(), &opts()).unwrap();
    assert_eq!(a, b);
    let mut other = full_audit();
    other.id = "AUD-2".into();
    let c = assessment_results(&other, &small(), &opts()).unwrap();
    let uuid =
        |t: &str| serde_json::from_str::<Value>(t).unwrap()["assessment-results"]["uuid"].clone();
    assert_ne!(uuid(&a), uuid(&c));
}

fn plan() -> RemediationPlan {
    let a = full_audit();
    let f = derive_findings(&a, &small(), &FindingPolicy::default()).unwrap();
    let mut plan = RemediationPlan::from_findings("POAM-1", "HQ remediation", &f);
    plan.items[0].milestones[0].done = Some(date(2026, 3, 20));
    plan.items[0]
        .record_retest(Retest {
            date: date(2026, 3, 21),
            outcome: Outcome::Compliant,
            auditor: "Bo".into(),
            notes: "fixed".into(),
        })
        .unwrap();
    let finding = plan.items[1].finding.clone();
    plan.items[1]
        .accept(&RiskAcceptance {
            id: "RA-1".into(),
            finding,
            justification: "j".into(),
            approver: "CSO".into(),
            approved_on: date(2026, 3, 5),
            expires: date(2026, 9, 1),
            compensating_controls: vec![],
        })
        .unwrap();
    plan
}

#[test]
fn poam_validates_against_the_nist_schema() {
    let p = plan();
    let text = poam(&p, &opts());
    validate("oscal_poam_schema.json", &text);
    assert_eq!(text, poam(&p, &opts()));
    let v: Value = serde_json::from_str(&text).unwrap();
    let risks = v["plan-of-action-and-milestones"]["risks"]
        .as_array()
        .unwrap();
    let status: Vec<&str> = risks
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["closed", "deviation-approved"]);
    assert_eq!(
        risks[0]["risk-log"]["entries"][0]["status-change"],
        "closed"
    );
    assert_eq!(risks[0]["remediations"][0]["lifecycle"], "completed");
    // A large plan stays valid.
    let mut big = plan();
    let template = big.items[0].clone();
    big.items = (0..2000)
        .map(|i| PoamItem {
            id: format!("p{i}"),
            ..template.clone()
        })
        .collect();
    validate("oscal_poam_schema.json", &poam(&big, &opts()));
}

#[test]
fn poam_is_pretty_json_with_sorted_keys() {
    // The typed structs must write what a sorted `Value` tree would: parse
    // the text back and print it again (serde_json's map is sorted here).
    let text = poam(&plan(), &opts());
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(text, serde_json::to_string_pretty(&v).unwrap() + "\n");
    assert_eq!(poam_value(&plan(), &opts()), v);
    // An empty plan keeps its (required) poam-items and leaves out risks.
    let empty = RemediationPlan {
        id: "e".into(),
        title: "t".into(),
        site: None,
        items: vec![],
    };
    let v: Value = serde_json::from_str(&poam(&empty, &opts())).unwrap();
    let p = &v["plan-of-action-and-milestones"];
    assert_eq!(p["poam-items"], serde_json::json!([]));
    assert!(p.get("risks").is_none());
}

#[test]
fn import_the_nist_ifa_assessment_results() {
    let audits = import_assessment_results(
        &data("ifa_assessment-results-example.json"),
        "hq",
        "nist-sp-800-53-rev5",
    )
    .unwrap();
    assert_eq!(audits.len(), 1);
    let a = &audits[0];
    assert_eq!(a.id, "a1d20136-37e0-42aa-9834-4e9d8c36d798");
    assert_eq!(a.site, "hq");
    assert_eq!(a.scope.items.as_deref(), Some(&["ac-6.1".to_string()][..]));
    assert_eq!(
        (a.planned_start, a.planned_end),
        (date(2023, 6, 2), date(2023, 6, 2))
    );
    assert_eq!(a.status, AuditStatus::Completed);
    assert_eq!(a.auditors, ["Amy Assessor"]);
    assert_eq!(a.results.len(), 1);
    let r = &a.results[0];
    assert_eq!(
        (r.item.as_str(), r.outcome),
        ("ac-6.1", Outcome::NonCompliant)
    );
    assert_eq!(r.recorded_at, "2023-06-02T08:31:20-04:00");
    assert_eq!(r.auditor, "Amy Assessor");
    assert!(
        r.notes
            .starts_with("The assessor's security automation platform detected")
    );
    assert!(
        r.notes.contains("DeleteAccountAuditLog"),
        "observation remarks appended"
    );
    // And it scores against SP 800-53.
    let fw =
        rampart_compliance::Framework::from_catalog("nist-sp-800-53-rev5", &crate::high_catalog());
    let s = a.score(&fw).unwrap();
    assert_eq!(s.overall, Some(0.0));
    // Not an AR: a clear error.
    assert!(
        import_assessment_results(&data("ifa_plan-of-action-and-milestones.json"), "hq", "x")
            .unwrap_err()
            .to_string()
            .contains("this is an OSCAL plan-of-action-and-milestones document")
    );
}

#[test]
fn export_then_import_round_trips() {
    let a = full_audit();
    let text = assessment_results(&a, &small(), &opts()).unwrap();
    let back = import_assessment_results(&text, "other", "other").unwrap();
    assert_eq!(back.len(), 1);
    let mut b = back[0].clone();
    // Results come back findings first, then the N/A observations.
    b.results.sort_by(|x, y| x.item.cmp(&y.item));
    let mut want = a.clone();
    want.results.sort_by(|x, y| x.item.cmp(&y.item));
    assert_eq!(b, want);
}
