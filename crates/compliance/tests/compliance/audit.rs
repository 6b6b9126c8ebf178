use jiff::civil::date;
use proptest::prelude::*;
use rampart_compliance::audit::*;
use rampart_compliance::checklist::parse_checklist;
use rampart_compliance::finding::*;
use rampart_compliance::framework::Framework;
use rampart_compliance::remediation::*;

pub fn small() -> Framework {
    parse_checklist(
        "id: small
title: Small
version: '1'
sections:
  - id: a
    title: A
    items:
      - {id: A1, title: one, look_for: x, how_to_test: y, criticality: critical, maps: {nist-sp-800-53-rev5: [pe-3]}}
      - {id: A2, title: two, look_for: x, how_to_test: y, criticality: low}
      - {id: A3, title: three, look_for: x, how_to_test: y}
  - id: b
    title: B
    items:
      - {id: B1, title: four, look_for: x, how_to_test: y, criticality: high}
      - {id: B2, title: five, look_for: x, how_to_test: y}
  - id: c
    title: C
    items:
      - {id: C1, title: six, look_for: x, how_to_test: y}
",
    )
    .unwrap()
}

pub fn result(item: &str, outcome: Outcome) -> ItemResult {
    ItemResult {
        item: item.into(),
        zone: None,
        outcome,
        notes: String::new(),
        evidence: vec![],
        auditor: "Ada".into(),
        recorded_at: "2026-03-02T10:00:00Z".into(),
    }
}

pub fn audit(results: Vec<ItemResult>) -> Audit {
    Audit {
        id: "AUD-1".into(),
        title: "HQ inspection".into(),
        site: "hq".into(),
        framework: "small".into(),
        scope: Scope::default(),
        auditors: vec!["Ada".into(), "Bo".into()],
        planned_start: date(2026, 3, 2),
        planned_end: date(2026, 3, 4),
        status: AuditStatus::Completed,
        results,
    }
}

#[test]
fn scores_by_hand() {
    use Outcome::*;
    let a = audit(vec![
        result("A1", Compliant),
        result("A2", PartiallyCompliant),
        result("A3", NotApplicable),
        result("B1", NonCompliant),
        result("B2", NotApplicable),
    ]);
    let s = a.score(&small()).unwrap();
    // A: (1 + 0.5) / 2 = 0.75, the N/A left out. B: 0 / 1. C: nothing
    // assessed, so no score. Overall: (1 + 0.5 + 0) / 3 = 0.5.
    assert_eq!(s.sections[0].score, Some(0.75));
    assert_eq!(s.sections[1].score, Some(0.0));
    assert_eq!(s.sections[2].score, None);
    assert_eq!(s.sections[2].tally.unassessed, 1);
    assert_eq!(s.overall, Some(0.5));
    assert_eq!(s.tally.not_applicable, 2);
    // All N/A: no score anywhere.
    let s = audit(vec![result("A1", NotApplicable)])
        .score(&small())
        .unwrap();
    assert_eq!(s.overall, None);
}

#[test]
fn scope_and_checks() {
    let mut a = audit(vec![result("A1", Outcome::Compliant)]);
    a.scope.items = Some(vec!["A1".into(), "B1".into()]);
    let s = a.score(&small()).unwrap();
    assert_eq!(s.sections.len(), 2, "section C has nothing in scope");
    assert_eq!(s.sections[1].tally.unassessed, 1);
    a.results.push(result("A2", Outcome::Compliant));
    assert_eq!(
        a.score(&small()).unwrap_err(),
        AuditError::OutOfScope {
            index: 1,
            item: "A2".into()
        }
    );
    let mut a = audit(vec![
        result("A1", Outcome::Compliant),
        result("A1", Outcome::NonCompliant),
    ]);
    assert!(matches!(
        a.check(&small()),
        Err(AuditError::Duplicate { index: 1, .. })
    ));
    a.results[1].zone = Some("z1".into());
    a.results[0].zone = Some("z2".into());
    a.scope.zones = vec!["z1".into(), "z2".into()];
    assert!(a.check(&small()).is_ok(), "one result per zone");
    a.scope.zones = vec!["z1".into()];
    assert!(matches!(
        a.check(&small()),
        Err(AuditError::ZoneOutOfScope { .. })
    ));
    let a = audit(vec![result("ZZ", Outcome::Compliant)]);
    assert!(matches!(
        a.check(&small()),
        Err(AuditError::UnknownItem { .. })
    ));
    assert!(Sha256::new("abc").is_err());
    assert_eq!(
        Sha256::of(b"abc").as_str(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn findings_severity_owner_due_and_risk() {
    use Outcome::*;
    let mut r = result("A1", PartiallyCompliant);
    r.notes = "gate 3 chain cut".into();
    let a = audit(vec![
        r,
        result("A2", NonCompliant),
        result("A3", Compliant),
        result("B1", NonCompliant),
        result("B2", NotApplicable),
    ]);
    let mut policy = FindingPolicy::default();
    policy
        .owners_by_section
        .insert("a".into(), "facilities".into());
    policy.default_owner = Some("security".into());
    policy.risk_by_item.insert("A1".into(), "RS-7".into());
    let f = derive_findings(&a, &small(), &policy).unwrap();
    assert_eq!(f.len(), 3);
    // Critical item, partial: one step down, high, due 30 days after 4 March.
    assert_eq!(
        (f[0].id.as_str(), f[0].severity),
        ("AUD-1-A1", Severity::High)
    );
    assert_eq!(f[0].due, Some(date(2026, 4, 3)));
    assert_eq!(f[0].owner.as_deref(), Some("facilities"));
    assert_eq!(f[0].risk_scenario.as_deref(), Some("RS-7"));
    assert_eq!(f[0].controls, ["pe-3"]);
    assert_eq!(f[0].description, "gate 3 chain cut");
    // Low item, failed: low, 180 days.
    assert_eq!(
        (f[1].severity, f[1].due),
        (Severity::Low, Some(date(2026, 8, 31)))
    );
    // High item in section b: the default owner.
    assert_eq!(
        (f[2].severity, f[2].owner.as_deref()),
        (Severity::High, Some("security"))
    );
    assert_eq!(
        Severity::of(rampart_compliance::Criticality::Medium, PartiallyCompliant),
        Some(Severity::Low)
    );
}

#[test]
fn remediation_lifecycle_and_expiry() {
    let a = audit(vec![
        result("A1", Outcome::NonCompliant),
        result("B1", Outcome::NonCompliant),
    ]);
    let f = derive_findings(&a, &small(), &FindingPolicy::default()).unwrap();
    let mut plan = RemediationPlan::from_findings("POAM-1", "HQ remediation", &f);
    assert_eq!(plan.items.len(), 2);
    assert_eq!(plan.items[0].milestones[0].due, date(2026, 3, 11));
    assert_eq!(plan.overdue(date(2026, 3, 12)).len(), 1);
    let failed = Retest {
        date: date(2026, 3, 10),
        outcome: Outcome::PartiallyCompliant,
        auditor: "Bo".into(),
        notes: String::new(),
    };
    assert!(plan.items[0].record_retest(failed).is_err());
    assert_eq!(plan.items[0].status, RemediationStatus::InProgress);
    let passed = Retest {
        date: date(2026, 3, 11),
        outcome: Outcome::Compliant,
        auditor: "Bo".into(),
        notes: "new chain".into(),
    };
    plan.items[0].record_retest(passed).unwrap();
    assert_eq!(plan.items[0].status, RemediationStatus::Closed);
    assert!(
        plan.overdue(date(2026, 12, 1))
            .iter()
            .all(|i| i.id != plan.items[0].id)
    );

    let acc = RiskAcceptance {
        id: "RA-1".into(),
        finding: "AUD-1-B1".into(),
        justification: "budget next year".into(),
        approver: "CSO".into(),
        approved_on: date(2026, 3, 5),
        expires: date(2026, 6, 30),
        compensating_controls: vec!["extra patrol".into()],
    };
    let mut wrong = acc.clone();
    wrong.finding = "AUD-1-A1".into();
    assert!(matches!(
        plan.items[1].accept(&wrong),
        Err(RemediationError::WrongFinding { .. })
    ));
    plan.items[1].accept(&acc).unwrap();
    assert_eq!(plan.items[1].status, RemediationStatus::RiskAccepted);
    let mut no_one = acc.clone();
    no_one.approver = " ".into();
    assert_eq!(
        no_one.check(),
        Err(RemediationError::NoApprover("RA-1".into()))
    );

    let mk = |id: &str, y, m, d| RiskAcceptance {
        id: id.into(),
        expires: date(y, m, d),
        ..acc.clone()
    };
    let all = [
        mk("late", 2026, 5, 30),
        mk("today", 2026, 6, 1),
        mk("soon", 2026, 6, 30),
        mk("edge", 2026, 7, 1),
        mk("far", 2026, 12, 1),
    ];
    let n = expiring(&all, date(2026, 6, 1), 30);
    let got: Vec<(&str, ExpiryState)> = n
        .iter()
        .map(|x| (x.acceptance.id.as_str(), x.state))
        .collect();
    assert_eq!(
        got,
        [
            ("late", ExpiryState::Expired { days_ago: 2 }),
            ("today", ExpiryState::Expiring { days_left: 0 }),
            ("soon", ExpiryState::Expiring { days_left: 29 }),
            ("edge", ExpiryState::Expiring { days_left: 30 }),
        ]
    );
}

fn outcome() -> impl Strategy<Value = Outcome> {
    prop_oneof![
        Just(Outcome::Compliant),
        Just(Outcome::PartiallyCompliant),
        Just(Outcome::NonCompliant),
        Just(Outcome::NotApplicable)
    ]
}

const ITEMS: [&str; 6] = ["A1", "A2", "A3", "B1", "B2", "C1"];

proptest! {
    #[test]
    fn scores_are_in_unit_interval_and_na_never_moves_them(
        outcomes in proptest::collection::vec(proptest::option::of(outcome()), 6),
        na_item in 0usize..6,
    ) {
        let results: Vec<ItemResult> = outcomes.iter().zip(ITEMS).filter_map(|(o, i)| o.map(|o| result(i, o))).collect();
        let a = audit(results.clone());
        let s = a.score(&small()).unwrap();
        for sec in &s.sections {
            if let Some(x) = sec.score { prop_assert!((0.0..=1.0).contains(&x)); }
            prop_assert_eq!(sec.score.is_none(), sec.tally.scored() == 0);
        }
        if let Some(x) = s.overall { prop_assert!((0.0..=1.0).contains(&x)); }
        // Marking an unassessed item N/A changes no score.
        let item = ITEMS[na_item];
        if !results.iter().any(|r| r.item == item) {
            let mut more = results.clone();
            more.push(result(item, Outcome::NotApplicable));
            let t = audit(more).score(&small()).unwrap();
            prop_assert_eq!(t.overall, s.overall);
            for (x, y) in t.sections.iter().zip(&s.sections) { prop_assert_eq!(x.score, y.score); }
        }
        // Overall is the mean of the scored results.
        let scored: Vec<f64> = results.iter().filter_map(|r| r.outcome.score()).collect();
        let mean = (!scored.is_empty()).then(|| scored.iter().sum::<f64>() / scored.len() as f64);
        prop_assert_eq!(s.overall, mean);
        // One finding per failed or partial result.
        let f = derive_findings(&a, &small(), &FindingPolicy::default()).unwrap();
        prop_assert_eq!(f.len(), results.iter().filter(|r| r.outcome.is_failure()).count());
    }
}
