use rampart_compliance::design_review::*;
use rampart_compliance::finding::Severity;

#[test]
fn each_check_finds_what_it_should() {
    let input = DesignReviewInput {
        doors: vec![
            Door {
                id: "d1".into(),
                exterior: true,
                has_reader: false,
                has_alarm_contact: false,
            },
            Door {
                id: "d2".into(),
                exterior: true,
                has_reader: false,
                has_alarm_contact: true,
            },
            Door {
                id: "d3".into(),
                exterior: false,
                has_reader: false,
                has_alarm_contact: false,
            },
        ],
        assets: vec![
            AssetProtection {
                id: "srv".into(),
                critical: true,
                applied_controls: vec![],
            },
            AssetProtection {
                id: "vault".into(),
                critical: true,
                applied_controls: vec!["c1".into()],
            },
            AssetProtection {
                id: "desk".into(),
                critical: false,
                applied_controls: vec![],
            },
        ],
        risks: vec![
            RiskTreatment {
                id: "r1".into(),
                level: 16.0,
                appetite: 9.0,
                why: None,
                treatment: None,
                owner: Some("ops".into()),
            },
            RiskTreatment {
                id: "r2".into(),
                level: 16.0,
                appetite: 9.0,
                why: None,
                treatment: Some("fence".into()),
                owner: Some("ops".into()),
            },
            RiskTreatment {
                id: "r3".into(),
                level: 9.0,
                appetite: 9.0,
                why: None,
                treatment: None,
                owner: None,
            },
            RiskTreatment {
                id: "r4".into(),
                level: 10.0,
                appetite: 9.0,
                why: None,
                treatment: Some(" ".into()),
                owner: None,
            },
        ],
        zones: vec![
            ZoneCoverage {
                zone: "lobby".into(),
                required_level: "identify".into(),
                met: false,
            },
            ZoneCoverage {
                zone: "yard".into(),
                required_level: "detect".into(),
                met: true,
            },
        ],
    };
    let f = review(&input);
    let ids: Vec<&str> = f.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "DR-exterior-door-d1",
            "DR-critical-asset-srv",
            "DR-risk-treatment-r1",
            "DR-risk-treatment-r4",
            "DR-camera-level-lobby"
        ]
    );
    assert_eq!(f[1].severity, Severity::Critical);
    assert!(f[2].title.ends_with("lacks a treatment"));
    assert!(f[3].title.ends_with("lacks a treatment and an owner"));
    assert!(review(&DesignReviewInput::default()).is_empty());
}

#[test]
fn a_risk_above_appetite_is_described_in_the_callers_words_when_given() {
    let r = |why: Option<&str>| RiskTreatment {
        id: "r1".into(),
        level: 1.0,
        appetite: 0.5,
        why: why.map(Into::into),
        treatment: None,
        owner: Some("ops".into()),
    };
    let with = risks_above_appetite(&[r(Some("mean annual loss 1.2M is above 1M"))]);
    assert_eq!(
        with[0].description,
        "Above the appetite: mean annual loss 1.2M is above 1M; it needs a treatment."
    );
    let without = risks_above_appetite(&[r(None)]);
    assert_eq!(
        without[0].description,
        "Level 1 exceeds the appetite 0.5; it needs a treatment."
    );
}
