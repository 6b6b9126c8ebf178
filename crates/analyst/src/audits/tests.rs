use std::sync::Arc;

use jiff::civil::{Date, date};
use rampart_domain::{Audit, AuditStatus, Framework, Id};
use rampart_server::audits::{AuditAnalysis, Expiry, ItemAnswer};
use serde_json::{Value, json};

use super::{AuditAnalyst, MAX_NOTES, audit_content, engine_framework, shared_framework};

fn id(s: &str) -> Id {
    Id::new(s).expect("a valid id")
}

/// Two sections: doors (D-1 high, D-2, D-3) and guards (G-1, G-2).
fn checklist() -> Framework {
    let item = |id: &str, crit: &str| {
        json!({"id": id, "title": format!("Item {id}"), "sort_key": id,
               "criticality": crit, "look_for": format!("look {id}"),
               "how_to_test": format!("test {id}")})
    };
    Framework {
        id: id("mini"),
        title: "Mini checklist".to_owned(),
        version: "1".to_owned(),
        source: "tests".to_owned(),
        content: json!({
            "id": "mini", "title": "Mini checklist", "version": "1",
            "sections": [
                {"id": "doors", "title": "Doors",
                 "items": [item("D-1", "high"), item("D-2", "medium"), item("D-3", "low")]},
                {"id": "guards", "title": "Guards",
                 "items": [item("G-1", "critical"), item("G-2", "medium")]}
            ]
        }),
    }
}

fn result(item: &str, outcome: &str) -> Value {
    json!({"item": item, "outcome": outcome, "auditor": "p-a", "recorded_at": "2025-03-01T10:00:00Z"})
}

fn audit(content: Value) -> Audit {
    Audit {
        id: id("a1"),
        site: id("s"),
        framework: id("mini"),
        title: "Audit one".to_owned(),
        status: AuditStatus::InProgress,
        planned_start: date(2025, 3, 1),
        planned_end: date(2025, 3, 2),
        auditors: vec![id("p-a")],
        content,
    }
}

fn worked() -> Audit {
    audit(json!({
        "results": [
            result("D-1", "compliant"),
            result("D-2", "partially_compliant"),
            {"item": "D-3", "outcome": "not_applicable", "auditor": "p-a",
             "recorded_at": "2025-03-01T10:05:00Z", "notes": "no such door",
             "evidence": [{"sha256": "ab".repeat(32), "description": "photo"}]},
            result("G-1", "non_compliant")
        ],
        "findings": [
            {"id": "a1-D-2", "title": "D-2 (partly met)", "description": "d", "severity": "low",
             "source": {"kind": "audit", "audit": "a1", "item": "D-2", "outcome": "partially_compliant"},
             "owner": "p-b", "due": "2025-04-01"},
            {"id": "a1-G-1", "title": "G-1 (not met)", "description": "g", "severity": "critical",
             "source": {"kind": "audit", "audit": "a1", "item": "G-1", "outcome": "non_compliant"},
             "owner": "p-c", "due": "2025-03-09"}
        ],
        "remediation": {"id": "plan", "title": "Plan", "items": [
            {"id": "poam-a1-D-2", "finding": "a1-D-2", "title": "D-2", "description": "d",
             "severity": "low", "status": "closed", "due": "2025-04-01",
             "milestones": [{"id": "m1", "title": "Fix", "due": "2025-03-20", "done": "2025-03-18"}],
             "retest": {"date": "2025-03-25", "outcome": "compliant", "auditor": "p-a"}},
            {"id": "poam-a1-G-1", "finding": "a1-G-1", "title": "G-1", "description": "g",
             "severity": "critical", "status": "in_progress", "due": "2025-03-09",
             "milestones": [{"id": "m2", "title": "Hire", "due": "2025-03-08"},
                            {"id": "m3", "title": "Train", "due": "2025-03-05"}]}
        ]}
    }))
}

#[test]
fn scores_follow_the_rule_by_hand() {
    let fw = checklist();
    let a = worked();
    let s = AuditAnalyst
        .summaries(&fw, &[&a])
        .remove(0)
        .expect("scored");
    // D-1 1, D-2 0.5, D-3 not applicable (left out), G-1 0; G-2 not assessed.
    assert_eq!(s.overall, Some(1.5 / 3.0));
    assert_eq!((s.items, s.answered), (5, 4));
    assert_eq!(s.tally.unassessed, 1);
    assert_eq!(s.tally.not_applicable, 1);
    assert_eq!(s.findings, 2);
    assert_eq!(s.open_remediation, 1, "the closed one does not count");
    assert_eq!(s.framework_title, "Mini checklist");

    let today = date(2025, 3, 10);
    let v = AuditAnalyst.detail(&a, &fw, today).expect("detail");
    assert_eq!(v.summary, s);
    let scores: Vec<(&str, Option<f64>)> = v
        .sections
        .iter()
        .map(|x| (x.id.as_str(), x.score))
        .collect();
    // Doors: (1 + 0.5) / 2; guards: 0 / 1 (G-2 unassessed moves nothing).
    assert_eq!(scores, [("doors", Some(0.75)), ("guards", Some(0.0))]);
    assert_eq!(v.framework_items, 5);
    // Most severe first; the critical one is overdue, the low one settled.
    assert_eq!(v.findings[0].id, "a1-G-1");
    assert!(v.findings[0].overdue);
    assert!(!v.findings[1].overdue);
    let plan = v.remediation.expect("a plan");
    let g1 = &plan.items[1];
    assert_eq!(g1.status, "in_progress");
    assert!(g1.overdue);
    assert_eq!((g1.milestones, g1.milestones_done), (2, 0));
    // The next milestone is the soonest not done, whatever the order written.
    assert_eq!(
        g1.next_milestone,
        Some(("Train".to_owned(), date(2025, 3, 5)))
    );
    assert_eq!(
        plan.items[0].retest.as_deref(),
        Some("2025-03-25: compliant (p-a)")
    );
    // The checklist: positions, texts and results.
    assert_eq!(v.items.len(), 5);
    assert_eq!(v.items[4].position, 5);
    assert_eq!(v.items[4].id, "G-2");
    assert!(v.items[4].results.is_empty());
    assert_eq!(v.items[2].look_for, "look D-3");
    assert_eq!(v.items[2].how_to_test, "test D-3");
    assert_eq!(v.items[2].site_result().map(|r| r.evidence), Some(1));
    assert_eq!(v.items[0].criticality, "high");
}

#[test]
fn nothing_scored_is_no_score_and_a_subset_scope_is_respected() {
    let fw = checklist();
    let a = audit(json!({"scope": {"items": ["G-2", "D-1"]}}));
    let s = AuditAnalyst
        .summaries(&fw, &[&a])
        .remove(0)
        .expect("scored");
    assert_eq!(s.overall, None);
    assert_eq!((s.items, s.answered), (2, 0));
    let items = AuditAnalyst.checklist(&a, &fw).expect("items");
    // Framework order, not the order the scope lists them.
    let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["D-1", "G-2"]);
    // Content null: an audit not started.
    let empty = audit(Value::Null);
    let s = AuditAnalyst
        .summaries(&fw, &[&empty])
        .remove(0)
        .expect("scored");
    assert_eq!((s.items, s.answered, s.overall), (5, 0, None));
}

fn answer(item: &str, outcome: &str, notes: &str) -> ItemAnswer {
    ItemAnswer {
        item: item.to_owned(),
        outcome: outcome.to_owned(),
        notes: notes.to_owned(),
        auditor: "ann".to_owned(),
        recorded_at: "2026-01-02T03:04:05Z".to_owned(),
    }
}

#[test]
fn an_answer_changes_its_item_and_nothing_else() {
    let fw = checklist();
    let a = worked();
    // A new answer: appended, everything before it untouched.
    let new = AuditAnalyst
        .record(&a, &fw, &answer("G-2", "compliant", "guards briefed"))
        .expect("recorded");
    let before = a.content["results"].as_array().expect("results");
    let after = new["results"].as_array().expect("results");
    assert_eq!(&after[..before.len()], &before[..]);
    assert_eq!(
        after[before.len()],
        json!({"item": "G-2", "outcome": "compliant", "notes": "guards briefed",
               "auditor": "ann", "recorded_at": "2026-01-02T03:04:05Z"})
    );
    for key in ["findings", "remediation"] {
        assert_eq!(new[key], a.content[key], "{key}");
    }
    // A changed answer: in place; the evidence stays, the notes go when empty.
    let changed = AuditAnalyst
        .record(&a, &fw, &answer("D-3", "non_compliant", ""))
        .expect("recorded");
    let results = changed["results"].as_array().expect("results");
    assert_eq!(results.len(), before.len());
    assert_eq!(results[2]["outcome"], "non_compliant");
    assert_eq!(results[2]["auditor"], "ann");
    assert_eq!(results[2]["recorded_at"], "2026-01-02T03:04:05Z");
    assert_eq!(results[2]["evidence"], before[2]["evidence"]);
    assert!(results[2].get("notes").is_none());
    for (i, (x, y)) in results.iter().zip(before).enumerate() {
        if i != 2 {
            assert_eq!(x, y, "result {i}");
        }
    }
    // The score follows: D-3 now counts 0 in doors, (1 + 0.5 + 0) / 3.
    let rescored = Audit {
        content: changed,
        ..a.clone()
    };
    let v = AuditAnalyst
        .detail(&rescored, &fw, date(2025, 3, 10))
        .expect("detail");
    assert_eq!(v.sections[0].score, Some(0.5));
    // An audit without content gets its first result.
    let first = AuditAnalyst
        .record(&audit(Value::Null), &fw, &answer("D-1", "compliant", ""))
        .expect("recorded");
    assert_eq!(first["results"].as_array().map(Vec::len), Some(1));
}

#[test]
fn a_zone_result_is_not_the_site_wide_one() {
    let fw = checklist();
    let a = audit(json!({
        "scope": {"zones": ["lobby"]},
        "results": [{"item": "D-1", "zone": "lobby", "outcome": "compliant",
                     "auditor": "p-a", "recorded_at": "2025-03-01T10:00:00Z"}]
    }));
    let new = AuditAnalyst
        .record(&a, &fw, &answer("D-1", "non_compliant", "x"))
        .expect("recorded");
    let results = new["results"].as_array().expect("results");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0], a.content["results"][0]);
    assert_eq!(results[1]["outcome"], "non_compliant");
    assert!(results[1].get("zone").is_none());
}

#[test]
fn a_bad_answer_names_its_field() {
    let fw = checklist();
    let a = worked();
    let e = AuditAnalyst
        .record(&a, &fw, &answer("D-1", "mostly", ""))
        .expect_err("unknown outcome");
    assert_eq!(e.field, Some("outcome"));
    assert!(e.message.contains("partially compliant"), "{}", e.message);
    let e = AuditAnalyst
        .record(&a, &fw, &answer("X-9", "compliant", ""))
        .expect_err("unknown item");
    assert_eq!(e.field, Some("item"));
    let scoped = audit(json!({"scope": {"items": ["D-1"]}}));
    let e = AuditAnalyst
        .record(&scoped, &fw, &answer("G-1", "compliant", ""))
        .expect_err("out of scope");
    assert_eq!(e.field, Some("item"));
    assert!(e.message.contains("scope"), "{}", e.message);
    let long = "n".repeat(MAX_NOTES + 1);
    let e = AuditAnalyst
        .record(&a, &fw, &answer("D-1", "compliant", &long))
        .expect_err("too long");
    assert_eq!(e.field, Some("notes"));
    // Content that is not the engine's: refused as a whole.
    let broken = audit(json!({"results": "many"}));
    let e = AuditAnalyst
        .record(&broken, &fw, &answer("D-1", "compliant", ""))
        .expect_err("broken content");
    assert_eq!(e.field, None);
    let offered: Vec<String> = AuditAnalyst
        .outcomes()
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    assert_eq!(
        offered,
        [
            "compliant",
            "partially_compliant",
            "non_compliant",
            "not_applicable"
        ]
    );
}

fn acceptance(id: &str, expires: Date) -> Value {
    json!({"id": id, "finding": "a1-G-1", "justification": "j", "approver": "p-boss",
           "approved_on": "2025-01-01", "expires": expires.to_string()})
}

#[test]
fn acceptances_are_flagged_when_expired_or_within_thirty_days() {
    let today = date(2026, 6, 15);
    let mut a = worked();
    a.content["acceptances"] = json!([
        acceptance("in-31", date(2026, 7, 16)),
        acceptance("in-30", date(2026, 7, 15)),
        acceptance("today", today),
        acceptance("yesterday", date(2026, 6, 14)),
    ]);
    let flagged = AuditAnalyst.expiring(&a, today, 30).expect("read");
    let got: Vec<(&str, Expiry)> = flagged.iter().map(|x| (x.id.as_str(), x.expiry)).collect();
    assert_eq!(
        got,
        [
            ("yesterday", Expiry::Expired { days_ago: 1 }),
            ("today", Expiry::Expiring { days_left: 0 }),
            ("in-30", Expiry::Expiring { days_left: 30 }),
        ]
    );
    let v = AuditAnalyst
        .detail(&a, &checklist(), today)
        .expect("detail");
    assert_eq!(v.acceptances.len(), 4);
    assert_eq!(v.acceptances[3].id, "in-31");
    assert_eq!(v.acceptances[3].expiry, Expiry::Valid { days_left: 31 });
    assert!(!v.acceptances[3].expiry.flagged());
    assert_eq!(v.acceptances[3].approver, "p-boss");
    // An accepted finding is not overdue.
    assert!(!v.findings[0].overdue);
}

#[test]
fn stored_frameworks_are_read_as_the_command_line_reads_them() {
    let builtin = Framework {
        id: id("ps"),
        title: "Physical".to_owned(),
        version: String::new(),
        source: "builtin:physical-security".to_owned(),
        content: Value::Null,
    };
    let once = shared_framework(&builtin).expect("built in");
    let again = shared_framework(&builtin).expect("built in");
    assert!(Arc::ptr_eq(&once, &again), "read once per process");
    assert_eq!(once.id, "ps");
    assert_eq!(
        once.len(),
        rampart_compliance::checklist::physical_security().len()
    );
    let unknown = Framework {
        source: "builtin:iso-27001".to_owned(),
        ..builtin.clone()
    };
    let e = engine_framework(&unknown).expect_err("no such built-in");
    assert!(
        e.to_string().contains("builtin:physical-security"),
        "lists the known ones: {e}"
    );
    let mut other = checklist();
    other.id = id("renamed");
    let e = engine_framework(&other).expect_err("ids disagree");
    assert!(e.to_string().contains("the ids must agree"), "{e}");
    let bad = audit(json!({"results": [{"item": "D-1"}]}));
    let e = audit_content(&bad).expect_err("no outcome");
    assert!(e.to_string().starts_with("audit a1: its content"), "{e}");
}

#[test]
fn evidence_is_checked_by_the_compliance_engine_from_its_content() {
    use rampart_server::audits::{EvidenceCheck, EvidenceRefusal};
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_eq!(
        AuditAnalyst.check_evidence("C:\\photos\\gate 3.png", png, 1024),
        Ok(EvidenceCheck {
            media_type: "image/png".to_owned(),
            display_name: "gate 3.png".to_owned(),
        })
    );
    assert!(matches!(
        AuditAnalyst.check_evidence("gate.png", png, 4),
        Err(EvidenceRefusal::TooLarge(m)) if m.contains("over the limit of 4 bytes")
    ));
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    assert!(matches!(
        AuditAnalyst.check_evidence("plan.svg", svg, 1024),
        Err(EvidenceRefusal::Refused(m)) if m.contains("<script>")
    ));
    assert!(matches!(
        AuditAnalyst.check_evidence("gate.jpg", png, 1024),
        Err(EvidenceRefusal::Refused(m)) if m.contains("PNG image")
    ));
}
