#![allow(clippy::unwrap_used)]

use crate::model::*;
use crate::{assessment_html, charts, escape, summary};

pub(crate) const HOSTILE: &str = "<script>alert('x')</script>&\"";

fn level(name: &str, rank: usize, levels: usize, score: f64) -> Level {
    Level {
        name: name.into(),
        colour: ["#43a047", "#fdd835", "#e53935"][rank.min(2)].into(),
        rank,
        levels,
        score: Some(format!("{score}")),
        value: Some(score),
    }
}

fn risk(id: &str, grid_cell: Option<(usize, usize)>, present: Level) -> Risk {
    Risk {
        id: id.into(),
        title: format!("Risk {id}"),
        threat: "Burglary".into(),
        asset: "Stock".into(),
        method: "Matrix".into(),
        inherent: Some(present.clone()),
        current: Some(present),
        residual: None,
        position: grid_cell.map(|(l, i)| Position {
            grid: 0,
            likelihood: l,
            impact: i,
        }),
        treatment: "mitigate".into(),
        owner: None,
        out_of_appetite: None,
    }
}

fn stats(scale: f64) -> LossStats {
    LossStats {
        mean: 120_000.0 * scale,
        p10: 10_000.0 * scale,
        p50: 80_000.0 * scale,
        p90: 250_000.0 * scale,
        p95: 400_000.0 * scale,
        p99: 900_000.0 * scale,
        lec: (0..10)
            .map(|k| (100_000.0 * scale * f64::from(k), 1.0 - f64::from(k) / 10.0))
            .collect(),
    }
}

pub(crate) fn empty_site(id: &str, name: &str) -> Site {
    Site {
        id: id.into(),
        name: name.into(),
        kind: "office".into(),
        address: None,
        description: None,
        facility_security_level: None,
        operating_hours: "always".into(),
        zones: vec![],
        assets: vec![],
        threats: vec![],
        risks: vec![],
        fair: None,
        fair_problem: None,
        protection: vec![],
        surveillance: vec![],
        devices: vec![],
        audits: vec![],
        acceptance: vec![],
        frontier: None,
    }
}

fn grid() -> Grid {
    let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    Grid {
        title: "organisation matrix".into(),
        likelihood: names(&["Rare", "Possible", "Likely"]),
        impact: names(&["Minor", "Moderate", "Major", "Severe"]),
        colours: vec![vec!["#43a047".into(); 4]; 3],
    }
}

pub(crate) fn model() -> Report {
    let mut site = empty_site("whs", &format!("Warehouse {HOSTILE}"));
    site.address = Some(HOSTILE.into());
    site.zones.push(Zone {
        id: "z1".into(),
        name: HOSTILE.into(),
        kind: "area".into(),
        classification: "controlled".into(),
        parent: None,
    });
    site.assets.push(Asset {
        id: "a1".into(),
        name: HOSTILE.into(),
        kind: "physical".into(),
        value: 7,
        zone: Some("z1".into()),
        owner: None,
        replacement_cost: Some(1_250_000.0),
    });
    site.threats.push(Threat {
        id: "t1".into(),
        name: HOSTILE.into(),
        category: "criminal".into(),
        rating: 8,
        rationale: Some(HOSTILE.into()),
        adversary: Some(HOSTILE.into()),
    });
    // Hand count: (2,3) x3, (0,0) x1, (1,2) x1, one off the grid.
    site.risks = vec![
        risk("r1", Some((2, 3)), level("High", 2, 3, 12.0)),
        risk("r2", Some((2, 3)), level("High", 2, 3, 12.0)),
        risk("r3", Some((2, 3)), level("High", 2, 3, 12.0)),
        risk("r4", Some((0, 0)), level("Low", 0, 3, 1.0)),
        risk("r5", Some((1, 2)), level("Medium", 1, 3, 6.0)),
        risk("r6", None, level("Medium", 1, 3, 200.0)),
    ];
    site.risks[0].title = HOSTILE.into();
    site.risks[1].out_of_appetite = Some("score 12 is above 9".into());
    site.fair = Some(FairResults {
        scenarios: vec![
            FairScenario {
                id: "f1".into(),
                title: HOSTILE.into(),
                loss: stats(1.0),
            },
            FairScenario {
                id: "f2".into(),
                title: "Second".into(),
                loss: stats(2.0),
            },
        ],
        total: stats(3.0),
    });
    site.protection.push(Protection {
        id: "pps".into(),
        name: HOSTILE.into(),
        response: "240 ± 72 s".into(),
        adversaries: vec![AdversaryResult {
            adversary: HOSTILE.into(),
            p_neutralization: 0.9,
            path: Some(AdversaryPath {
                p_interruption: 0.4,
                p_effectiveness: 0.36,
                delay_s: 300.0,
                steps: vec![
                    PathStep {
                        element: HOSTILE.into(),
                        from: "offsite".into(),
                        to: "yard".into(),
                        p_detect: 0.7,
                        delay_s: 12.0,
                        critical: true,
                    },
                    PathStep {
                        element: "door".into(),
                        from: "yard".into(),
                        to: HOSTILE.into(),
                        p_detect: 0.9,
                        delay_s: 60.0,
                        critical: false,
                    },
                ],
            }),
            vulnerability_rating: 7,
            exact: true,
        }],
        upgrade: None,
        problem: None,
    });
    site.surveillance.push(Coverage {
        id: "plan".into(),
        name: HOSTILE.into(),
        profile: "IEC 62676-4:2015".into(),
        floor_area_m2: 200.0,
        cameras: 1,
        zones: vec![ZoneCoverage {
            id: HOSTILE.into(),
            required: "identify".into(),
            covered_fraction: 0.5,
            shortfall_m2: 25.0,
            met: false,
        }],
        drawing_svg: Some(
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".into(),
        ),
        problem: None,
    });
    site.devices.push(Device {
        id: "cam-1".into(),
        kind: "camera".into(),
        make_model: HOSTILE.into(),
        zone: None,
        status: "operational".into(),
        install_date: Some("2024-01-01".into()),
    });
    site.audits.push(audit());
    Report {
        organisation: Organisation {
            id: "org".into(),
            name: format!("Org {HOSTILE}"),
            sector: Some(HOSTILE.into()),
            description: None,
            currency: "GBP".into(),
            appetite: vec![HOSTILE.into()],
            max_annual_loss: Some(250_000.0),
        },
        scope: Scope::Organisation,
        as_of: "2026-05-01".into(),
        document: DocumentControl {
            reference: "ref".into(),
            version: "1.0".into(),
            classification: "Confidential".into(),
            prepared_by: HOSTILE.into(),
            generator: "rampart test".into(),
            source: "sqlite:x".into(),
        },
        method: Method {
            paragraphs: vec![HOSTILE.into()],
            scales: vec![Scale {
                name: HOSTILE.into(),
                levels: vec![ScaleLevel {
                    name: "Low".into(),
                    meaning: HOSTILE.into(),
                    colour: "red;background:url(x)".into(),
                }],
            }],
            fair: Some(FairSettings {
                trials: 100_000,
                seed: 1,
                notes: vec![HOSTILE.into()],
            }),
        },
        grids: vec![grid()],
        sites: vec![site, empty_site("empty", "Empty site")],
        recommendations: vec![Recommendation {
            title: HOSTILE.into(),
            site: "whs".into(),
            reference: "ac-1".into(),
            status: "proposed".into(),
            capex: 90_000.0,
            opex_annual: 2_000.0,
            rationale: HOSTILE.into(),
            due: None,
        }],
    }
}

/// An audit with hostile names: 3 compliant, 1 partial, 1 non-compliant in
/// two sections; two findings; one remediation item overdue.
pub(crate) fn audit() -> AuditResult {
    let tally = |c, p, n| Tally {
        compliant: c,
        partially_compliant: p,
        non_compliant: n,
        not_applicable: 0,
        unassessed: 0,
    };
    AuditResult {
        id: "au-1".into(),
        title: HOSTILE.into(),
        site: "whs".into(),
        framework: format!("fw ({HOSTILE})"),
        status: "completed".into(),
        auditors: vec![HOSTILE.into()],
        planned_start: "2026-03-01".into(),
        planned_end: "2026-03-02".into(),
        scope: vec![format!("Zones: {HOSTILE}")],
        items_in_scope: 5,
        // (3 + 0.5) / 5
        overall: Some(0.7),
        tally: tally(3, 1, 1),
        sections: vec![
            SectionScore {
                id: "S1".into(),
                title: HOSTILE.into(),
                score: Some(1.0),
                tally: tally(2, 0, 0),
            },
            SectionScore {
                id: "S2".into(),
                title: "Doors".into(),
                score: Some(0.5),
                tally: tally(1, 1, 1),
            },
        ],
        findings: vec![
            AuditFinding {
                id: "f-1".into(),
                title: HOSTILE.into(),
                severity: Severity::High,
                item: Some("S2-1".into()),
                owner: Some(HOSTILE.into()),
                due: Some("2026-04-01".into()),
                risk: None,
            },
            AuditFinding {
                id: "f-2".into(),
                title: "Key register".into(),
                severity: Severity::Low,
                item: Some("S2-2".into()),
                owner: None,
                due: None,
                risk: Some("r1".into()),
            },
        ],
        remediation: vec![RemediationItem {
            id: "p-1".into(),
            finding: "f-1".into(),
            title: HOSTILE.into(),
            severity: Severity::High,
            status: "open".into(),
            settled: false,
            owner: None,
            due: Some("2026-04-01".into()),
            overdue: true,
            milestones_done: 1,
            milestones: 2,
        }],
        problem: None,
    }
}

/// Every `<svg>...</svg>` element of a document.
fn svgs(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").unwrap() + start + "</svg>".len();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

#[test]
fn hostile_names_are_escaped_everywhere() {
    let html = assessment_html(&model());
    assert!(!html.contains("<script"), "a script element got through");
    assert!(!html.contains("alert('x')"));
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
    // A colour that is not a colour never reaches a style attribute.
    assert!(!html.contains("url(x)"));
    // The engine's drawing is an image (scripts in it cannot run), base64-encoded.
    assert!(html.contains("src=\"data:image/svg+xml;base64,"));
    for svg in svgs(&html) {
        assert!(!svg.contains("<script"));
    }
}

#[test]
fn the_same_model_gives_the_same_bytes() {
    let m = model();
    let a = assessment_html(&m);
    let b = assessment_html(&m.clone());
    assert_eq!(a, b);
    // A different as-of date is a different document.
    let mut later = m;
    later.as_of = "2026-06-01".into();
    assert_ne!(a, assessment_html(&later));
}

#[test]
fn a_site_without_data_says_what_is_missing() {
    let html = assessment_html(&model());
    for what in [
        "No zones are recorded for Empty site yet",
        "No threat has been rated for Empty site yet",
        "No risk scenario is recorded for Empty site yet",
        "No risk scenario at Empty site is assessed with Open FAIR yet",
        "No facility model is recorded for Empty site yet",
        "No floor plan is recorded for Empty site yet",
        "No asset is recorded for Empty site yet",
        "No security device is recorded for Empty site yet",
    ] {
        assert!(html.contains(what), "missing: {what}");
    }
    // No chart is drawn for the empty site.
    assert!(!html.contains("Empty site</title>"));
    // A report with only an empty site says so in the summary, without error.
    let mut m = model();
    m.sites.remove(0);
    m.recommendations.clear();
    let html = assessment_html(&m);
    assert!(html.contains("Nothing has been assessed in this scope yet"));
    assert!(svgs(&html).is_empty());
}

#[test]
fn heat_map_counts_equal_a_hand_count() {
    let m = model();
    let counts = summary::heat_counts(&m, 0, &m.sites);
    let mut expected = vec![vec![0u32; 4]; 3];
    expected[2][3] = 3;
    expected[0][0] = 1;
    expected[1][2] = 1;
    assert_eq!(counts, expected);
    // The drawn cells carry the same counts.
    let svg = charts::heat_map(&m.grids[0], &counts, "t");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let drawn: Vec<u32> = doc
        .descendants()
        .filter_map(|n| n.attribute("data-count"))
        .map(|c| c.parse().unwrap())
        .collect();
    assert_eq!(drawn.len(), 12);
    assert_eq!(drawn.iter().sum::<u32>(), 5);
}

#[test]
fn every_svg_is_well_formed_xml() {
    let m = model();
    let html = assessment_html(&m);
    let found = svgs(&html);
    // Summary heat map, site heat map, LEC, percentiles, sequence.
    assert_eq!(found.len(), 5, "charts drawn: {}", found.len());
    for svg in found {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        assert_eq!(doc.root_element().tag_name().name(), "svg");
    }
    let st = stats(1.0);
    for svg in [
        charts::loss_exceedance(&[(HOSTILE, &st.lec)], HOSTILE, HOSTILE),
        charts::percentile_bars(&[(HOSTILE, &st)], HOSTILE, HOSTILE),
        charts::percentile_bars(&[], "GBP", "none"),
        charts::loss_exceedance(&[], "GBP", "none"),
    ] {
        roxmltree::Document::parse(&svg).unwrap();
    }
}

#[test]
fn summary_figures_come_from_the_model() {
    let m = model();
    let top = summary::top_risks(&m, 3);
    // High risks first; the one outside the appetite leads the ties.
    assert_eq!(top[0].1.id, "r2");
    assert_eq!(top[1].1.id, "r1");
    assert_eq!(summary::band_counts(&m), [1, 2, 3]);
    assert_eq!(summary::posture(&m), Some("weak"));
    assert_eq!(summary::investment(&m), (90_000.0, 2_000.0));
    let p = summary::posture_paragraph(&m);
    assert!(p.contains("6 risk scenarios"), "{p}");
    assert!(p.contains("GBP 360,000"), "{p}");
}

#[test]
fn helpers() {
    assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;");
    assert_eq!(crate::amount(1_576_666_666.7), "1,576,666,667");
    assert_eq!(crate::amount(-1234.0), "-1,234");
    assert_eq!(crate::short_amount(1_500_000.0), "1.5M");
    assert_eq!(crate::short_amount(250_000.0), "250k");
    assert_eq!(crate::html::base64_for_tests(b"Man"), "TWFu");
    assert_eq!(crate::html::base64_for_tests(b"Ma"), "TWE=");
    assert_eq!(crate::html::base64_for_tests(b"M"), "TQ==");
}

#[test]
fn the_frontier_is_a_staircase_through_its_points_with_the_choice_ringed() {
    use charts::FrontierPoint;
    let p = |label: &str, cost: f64, ale: f64| FrontierPoint {
        label: label.to_owned(),
        annual_cost: cost,
        residual_ale: ale,
    };
    // Axes: cost 0..100k (nice ceiling of max(80k, budget 90k)), ALE 0..1M.
    let points = [
        p("nothing", 0.0, 1_000_000.0),
        p(HOSTILE, 20_000.0, 600_000.0),
        p("a, b", 80_000.0, 250_000.0),
    ];
    let svg = charts::frontier(&points, Some(1), 90_000.0, "GBP", "Frontier");
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
    // Plot area: x 64..620 (556 wide), y 16..274 (258 high).
    let step = doc
        .descendants()
        .find(|n| n.has_tag_name("path"))
        .unwrap()
        .attribute("d")
        .unwrap();
    assert_eq!(
        step, "M64.00,16.00H175.20V119.20H508.80V209.50H620.00",
        "the staircase from (0, 1M) through each point to the axis end"
    );
    let dots: Vec<(&str, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .map(|n| (n.attribute("cx").unwrap(), n.attribute("r").unwrap()))
        .collect();
    assert_eq!(
        dots,
        [
            ("64.00", "4"),
            ("175.20", "4"),
            ("175.20", "8"),
            ("508.80", "4")
        ],
        "three points, the chosen one ringed"
    );
    let budget = doc
        .descendants()
        .find(|n| n.attribute("stroke-dasharray").is_some())
        .unwrap();
    assert_eq!(budget.attribute("x1"), Some("564.40"));
    // Labels are escaped (parsing succeeded with the hostile label inside).
    assert!(svg.contains("&lt;"));
    // Nothing to draw is still a well-formed chart.
    roxmltree::Document::parse(&charts::frontier(&[], None, 0.0, "GBP", "none")).unwrap();
}

fn poam(
    id: &str,
    sev: Severity,
    owner: Option<&str>,
    due: &str,
    settled: bool,
    overdue: bool,
) -> RemediationItem {
    RemediationItem {
        id: id.into(),
        finding: format!("f-{id}"),
        title: format!("Fix {id} {HOSTILE}"),
        severity: sev,
        status: if settled { "closed" } else { "open" }.into(),
        settled,
        owner: owner.map(Into::into),
        due: Some(due.into()),
        overdue,
        milestones_done: usize::from(settled),
        milestones: 1,
    }
}

pub(crate) fn remediation_model() -> RemediationReport {
    let m = model();
    RemediationReport {
        organisation: m.organisation,
        as_of: "2026-05-01".into(),
        document: m.document,
        scope: "The whole organisation".into(),
        plans: vec![
            PlanStatus {
                id: "p1".into(),
                title: "Plan one".into(),
                audit: "Audit one (a1)".into(),
                site: "Site A".into(),
                items: vec![
                    poam("i1", Severity::High, Some("Ann"), "2026-04-01", false, true),
                    poam("i2", Severity::Low, Some("Bob"), "2026-06-01", false, false),
                    poam("i3", Severity::High, None, "2026-01-01", true, false),
                ],
            },
            PlanStatus {
                id: "p2".into(),
                title: "Plan two".into(),
                audit: "Audit two (a2)".into(),
                site: "Site B".into(),
                items: vec![
                    poam(
                        "i4",
                        Severity::Critical,
                        Some("Bob"),
                        "2026-03-01",
                        false,
                        true,
                    ),
                    poam(
                        "i5",
                        Severity::Medium,
                        Some("Bob"),
                        "2026-07-01",
                        false,
                        false,
                    ),
                ],
            },
        ],
        acceptances: vec![
            AcceptanceStatus {
                id: "acc-old".into(),
                audit: "Audit one".into(),
                finding: "f-x".into(),
                approver: "CSO".into(),
                approved_on: "2025-01-01".into(),
                expires: "2026-04-30".into(),
                days_left: -1,
            },
            AcceptanceStatus {
                id: "acc-new".into(),
                audit: "Audit two".into(),
                finding: "f-y".into(),
                approver: "CSO".into(),
                approved_on: "2026-01-01".into(),
                expires: "2026-12-31".into(),
                days_left: 244,
            },
        ],
        problems: Vec::new(),
    }
}

#[test]
fn remediation_status_counts_by_hand() {
    let r = remediation_model();
    let t = r.totals();
    assert_eq!((t.total, t.settled, t.open, t.overdue), (5, 1, 4, 2));
    assert_eq!((t.milestones_done, t.milestones), (1, 5));
    let sev: Vec<(Severity, usize, usize)> = r
        .by_severity()
        .iter()
        .map(|(s, c)| (*s, c.total, c.overdue))
        .collect();
    assert_eq!(
        sev,
        [
            (Severity::Critical, 1, 1),
            (Severity::High, 2, 1),
            (Severity::Medium, 1, 0),
            (Severity::Low, 1, 0)
        ]
    );
    // Bob: 3 open, 1 overdue, next due 2026-03-01; Ann: 1 open, 1 overdue.
    // The settled item without an owner is not anyone's open work.
    let owners: Vec<(String, usize, usize, Option<String>)> = r
        .by_owner()
        .into_iter()
        .map(|o| (o.owner, o.open, o.overdue, o.next_due))
        .collect();
    assert_eq!(
        owners,
        [
            ("Bob".into(), 3, 1, Some("2026-03-01".into())),
            ("Ann".into(), 1, 1, Some("2026-04-01".into()))
        ]
    );
    let overdue: Vec<&str> = r.overdue().iter().map(|(_, i)| i.id.as_str()).collect();
    assert_eq!(overdue, ["i4", "i1"], "earliest due first");
    assert_eq!(r.acceptances_needing_attention(), 1);
    assert_eq!(r.acceptances[0].state(), "expired 1 day ago");
    assert_eq!(r.acceptances[1].state(), "valid");
    let soon = AcceptanceStatus {
        days_left: 1,
        ..r.acceptances[1].clone()
    };
    assert_eq!(soon.state(), "expires in 1 day");
}

#[test]
fn remediation_status_html_is_escaped_and_says_when_there_is_nothing() {
    let r = remediation_model();
    let html = crate::remediation_html(&r);
    assert!(!html.contains("<script>"), "unescaped text");
    assert!(html.contains("5 items in 2 plans: 1 settled (closed or risk-accepted, 20%), 4 open, of which 2 overdue; 1 of 5 milestones done. 1 of 2 risk acceptances expired or expiring within 30 days."), "{html}");
    assert_eq!(html, crate::remediation_html(&r), "same model, same bytes");
    let empty = RemediationReport {
        plans: Vec::new(),
        acceptances: Vec::new(),
        ..r
    };
    let html = crate::remediation_html(&empty);
    assert!(html.contains("No audit in scope has a remediation plan yet"));
    assert!(html.contains("No item is overdue on 2026-05-01."));
}
