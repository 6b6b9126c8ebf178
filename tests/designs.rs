//! The design pages in process, with the real engines behind them: the
//! protection system (EASI analysis, the element table edited and saved)
//! and camera coverage (a camera moved, previewed and saved), each under
//! the same role, scope, CSRF and version rules as every other form.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use rampart_analyst::Analyst;
use rampart_domain::{FacilityModel, FloorPlan, Id, Role};
use rampart_server::analysis::Analysis;
use rampart_store::Store;

use crate::web::{Answer, Web};

fn id(s: &str) -> Id {
    Id::new(s).unwrap()
}

/// Log in through the login form; the session cookie and its CSRF token.
async fn session(web: &Web, login: &str, password: &str) -> (String, String) {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            serde_json::json!({"login": login, "password": password}).to_string(),
        ))
        .unwrap();
    let a = web.send(req).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let cookie = a.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (cookie, a.body["csrf_token"].as_str().unwrap().to_owned())
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

async fn get(web: &Web, cookie: &str, path: &str) -> Answer {
    let req = Request::builder()
        .uri(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    let a = web.send(req).await;
    // The drawings are inline SVG: they too must keep to the CSP (no
    // script, no style element or attribute).
    let lower = a.text.to_lowercase();
    assert!(!lower.contains("<script>"), "{path}: inline script");
    assert!(
        !lower.contains(" style=") && !lower.contains("<style"),
        "{path}: inline style"
    );
    a
}

async fn post_form(web: &Web, cookie: &str, path: &str, fields: &[(String, String)]) -> Answer {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    web.send(req).await
}

async fn stored_model(web: &Web) -> (FacilityModel, i64) {
    let store: &dyn Store = &*web.db;
    let s = store
        .get::<FacilityModel>(&web.org, &id("dc-pps"))
        .await
        .unwrap()
        .unwrap();
    (s.value, s.version)
}

/// The edit form's fields for the stored table, with `change` applied to
/// each row's fields (element id, field) -> new value.
fn table_form(
    model: &FacilityModel,
    version: i64,
    csrf: &str,
    change: &dyn Fn(&str, &str, String) -> String,
) -> Vec<(String, String)> {
    let t = Analyst.facility_table(model).unwrap();
    let mut f = vec![
        ("csrf_token".to_owned(), csrf.to_owned()),
        ("version".to_owned(), version.to_string()),
        ("rows".to_owned(), t.elements.len().to_string()),
        ("response_mean".to_owned(), t.response_mean.to_string()),
        ("response_sd".to_owned(), t.response_sd.to_string()),
        ("p_communication".to_owned(), t.p_communication.to_string()),
    ];
    for (i, e) in t.elements.iter().enumerate() {
        let cells = [
            ("id", e.id.clone()),
            ("type", e.kind.clone()),
            ("from", e.from.clone()),
            ("to", e.to.clone()),
            ("p_detect", e.p_detect.to_string()),
            ("location", e.location.clone()),
            ("delay_mean", e.delay_mean.to_string()),
            ("delay_sd", e.delay_sd.to_string()),
        ];
        for (name, value) in cells {
            f.push((format!("e{i}.{name}"), change(&e.id, name, value)));
        }
        if e.badge_reader {
            f.push((format!("e{i}.badge_reader"), "1".to_owned()));
        }
    }
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_protection_page_shows_the_engine_answer_to_those_who_may_see_the_site() {
    let web = Web::sqlite().await;
    web.user_with_password("mgr", Role::SecurityManager, "correct horse battery")
        .await;
    let (cookie, _) = session(&web, "mgr", "correct horse battery").await;
    let (model, _) = stored_model(&web).await;
    // The figures the page must show, straight from the engine.
    let facility = rampart_protection::Facility::from_yaml(&model.model.to_string()).unwrap();
    let analyses =
        rampart_protection::analyze_all(&facility, &rampart_protection::SearchOptions::default())
            .unwrap();

    let page = get(&web, &cookie, "/protection/dc-pps").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    for a in &analyses {
        let worst = a.most_vulnerable().unwrap();
        assert!(page.text.contains(&format!("Adversary: {}", a.adversary)));
        assert!(
            page.text.contains(&format!("{:.3}", worst.p_interruption)),
            "P_I {:.3} of {} on the page",
            worst.p_interruption,
            a.adversary
        );
        assert!(page.text.contains(&worst.elements.join(" → ")));
    }
    // The adversary sequence diagram is inline SVG, and the page's CSP
    // still forbids inline script and style.
    assert!(page.text.contains("<svg"), "a diagram");
    assert!(!page.text.contains("<script>"));
    let list = get(&web, &cookie, "/protection").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains("/protection/dc-pps"));

    // Someone who sees only the head office does not see the data centre's model.
    let mut scoped = rampart_domain::User {
        id: id("hq-only"),
        display_name: "HQ only".into(),
        email: None,
        role: Role::Assessor,
        all_sites: true,
        sites: Vec::new(),
        person: None,
        disabled: false,
    };
    web.user_with_password("hq-only", Role::Assessor, "correct horse battery")
        .await;
    let store: &dyn Store = &*web.db;
    let stored = store
        .get::<rampart_domain::User>(&web.org, &id("hq-only"))
        .await
        .unwrap()
        .unwrap();
    scoped.all_sites = false;
    scoped.sites = vec![id("hq")];
    store
        .update("test", &web.org, &scoped, stored.version)
        .await
        .unwrap();
    let (hq_cookie, hq_csrf) = session(&web, "hq-only", "correct horse battery").await;
    for path in ["/protection/dc-pps", "/protection/dc-pps/edit"] {
        assert_eq!(
            get(&web, &hq_cookie, path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert!(
        !get(&web, &hq_cookie, "/protection")
            .await
            .text
            .contains("dc-pps")
    );
    let (m, v) = stored_model(&web).await;
    let form = table_form(&m, v, &hq_csrf, &|_, _, x| x);
    assert_eq!(
        post_form(&web, &hq_cookie, "/protection/dc-pps", &form)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(stored_model(&web).await.1, v, "nothing stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_element_table_saves_what_is_valid_and_shows_what_is_not() {
    let web = Web::sqlite().await;
    web.user_with_password("mgr", Role::SecurityManager, "correct horse battery")
        .await;
    web.user_with_password("eve", Role::Viewer, "correct horse battery")
        .await;
    let (cookie, csrf) = session(&web, "mgr", "correct horse battery").await;
    let (model, version) = stored_model(&web).await;

    let edit = get(&web, &cookie, "/protection/dc-pps/edit").await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.text);
    assert!(edit.text.contains("name=\"e0.p_detect\""));
    assert!(edit.text.contains(&format!("value=\"{csrf}\"")));

    // A bad cell: shown beside its field, nothing stored.
    let bad = table_form(&model, version, &csrf, &|e, f, v| {
        if e == "hvac-duct" && f == "p_detect" {
            "1.5".to_owned()
        } else {
            v
        }
    });
    let a = post_form(&web, &cookie, "/protection/dc-pps", &bad).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    assert!(a.text.contains("Enter a number from 0 to 1."), "{}", a.text);
    assert!(a.text.contains("value=\"1.5\""), "what was typed is kept");
    assert_eq!(stored_model(&web).await.1, version);

    // An element into an area the model does not have: the engine says so.
    let lost = table_form(&model, version, &csrf, &|e, f, v| {
        if e == "hvac-duct" && f == "to" {
            "server-room".to_owned()
        } else {
            v
        }
    });
    let a = post_form(&web, &cookie, "/protection/dc-pps", &lost).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    assert!(a.text.contains("server-room"), "{}", a.text);
    assert_eq!(stored_model(&web).await.1, version);

    // Without the CSRF token, or as a viewer: refused.
    let no_token = table_form(&model, version, "", &|_, _, v| v);
    assert_eq!(
        post_form(&web, &cookie, "/protection/dc-pps", &no_token)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let (eve, eve_csrf) = session(&web, "eve", "correct horse battery").await;
    let as_viewer = table_form(&model, version, &eve_csrf, &|_, _, v| v);
    assert_eq!(
        post_form(&web, &eve, "/protection/dc-pps", &as_viewer)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&web, &eve, "/protection/dc-pps/edit").await.status,
        StatusCode::FORBIDDEN
    );
    let viewer_page = get(&web, &eve, "/protection/dc-pps").await;
    assert!(!viewer_page.text.contains("/protection/dc-pps/edit"));
    assert_eq!(stored_model(&web).await.1, version);

    // Bars and a sensor in the duct: saved, and the analysis follows.
    let before = Analyst.protection(&model).unwrap();
    let good = table_form(&model, version, &csrf, &|e, f, v| match (e, f) {
        ("hvac-duct", "p_detect") => "0.8".to_owned(),
        ("hvac-duct", "delay_mean") => "420".to_owned(),
        _ => v,
    });
    let a = post_form(&web, &cookie, "/protection/dc-pps", &good).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let (saved, new_version) = stored_model(&web).await;
    assert_eq!(new_version, version + 1);
    let duct = saved.model["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "hvac-duct")
        .unwrap();
    assert_eq!(duct["p_detect"], 0.8);
    assert_eq!(duct["delay_mean"], 420.0);
    // What the table does not show is kept: adversaries and upgrades.
    assert_eq!(saved.model["adversaries"], model.model["adversaries"]);
    assert_eq!(saved.model["upgrades"], model.model["upgrades"]);
    let after = Analyst.protection(&saved).unwrap();
    let worst = |v: &rampart_server::analysis::ProtectionView| {
        v.adversaries
            .iter()
            .map(|a| a.paths[0].p_effectiveness)
            .fold(f64::INFINITY, f64::min)
    };
    assert!(worst(&after) >= worst(&before));
    let page = get(&web, &cookie, "/protection/dc-pps").await;
    assert!(page.text.contains(&format!("Version {new_version}")));

    // The old version again: a conflict, nothing stored.
    let stale = table_form(&model, version, &csrf, &|_, _, v| v);
    let a = post_form(&web, &cookie, "/protection/dc-pps", &stale).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    assert_eq!(stored_model(&web).await.1, new_version);

    // Removing a row deletes the element.
    let (m2, v2) = stored_model(&web).await;
    let mut remove = table_form(&m2, v2, &csrf, &|_, _, v| v);
    let t = Analyst.facility_table(&m2).unwrap();
    let row = t
        .elements
        .iter()
        .position(|e| e.id == "roof-ladder")
        .unwrap();
    remove.push((format!("e{row}.remove"), "1".to_owned()));
    let a = post_form(&web, &cookie, "/protection/dc-pps", &remove).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let (m3, _) = stored_model(&web).await;
    let ids: Vec<&str> = m3.model["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), t.elements.len() - 1);
    assert!(!ids.contains(&"roof-ladder"));
}

async fn stored_plan(web: &Web) -> (FloorPlan, i64) {
    let store: &dyn Store = &*web.db;
    let s = store
        .get::<FloorPlan>(&web.org, &id("hq-lobby-plan"))
        .await
        .unwrap()
        .unwrap();
    (s.value, s.version)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_camera_moved_on_the_plan_is_previewed_then_saved() {
    let web = Web::sqlite().await;
    web.user_with_password("ann", Role::Assessor, "correct horse battery")
        .await;
    let (cookie, csrf) = session(&web, "ann", "correct horse battery").await;
    let (plan, version) = stored_plan(&web).await;
    let base = Analyst.coverage(&plan, &[]).unwrap();

    let page = get(&web, &cookie, "/coverage/hq-lobby-plan").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("<svg"));
    for f in &base.findings {
        assert!(page.text.contains(f.as_str()), "finding {f}");
    }
    // The demo lobby camera does not cover the lobby at Identify.
    assert!(page.text.contains("zone lobby: Identify covers"));

    // A preview: the figures change, nothing is stored.
    let moved = rampart_server::analysis::CameraMove {
        id: "c1".into(),
        x: 4.5,
        y: 5.0,
        pan_deg: 180.0,
    };
    let expected = Analyst
        .coverage(&plan, std::slice::from_ref(&moved))
        .unwrap();
    assert_ne!(
        expected.zones[0].covered_fraction,
        base.zones[0].covered_fraction
    );
    let preview = get(
        &web,
        &cookie,
        "/coverage/hq-lobby-plan?camera=c1&x=4.5&y=5&pan=180",
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(preview.text.contains("Preview: camera c1"));
    assert!(preview.text.contains(&format!(
        "{:.1} %",
        expected.zones[0].covered_fraction * 100.0
    )));
    assert_eq!(stored_plan(&web).await.1, version);

    // Outside the floor: an error beside the field.
    let outside = get(
        &web,
        &cookie,
        "/coverage/hq-lobby-plan?camera=c1&x=40&y=5&pan=0",
    )
    .await;
    assert_eq!(outside.status, StatusCode::OK);
    assert!(outside.text.contains("Enter a number from 0 to 20."));
    let form = |x: &str| {
        vec![
            ("csrf_token".to_owned(), csrf.clone()),
            ("version".to_owned(), version.to_string()),
            ("camera".to_owned(), "c1".to_owned()),
            ("x".to_owned(), x.to_owned()),
            ("y".to_owned(), "5".to_owned()),
            ("pan".to_owned(), "180".to_owned()),
        ]
    };
    let a = post_form(&web, &cookie, "/coverage/hq-lobby-plan", &form("40")).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    // Inside the pillar: the engine refuses it.
    let a = post_form(&web, &cookie, "/coverage/hq-lobby-plan", &form("10")).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    assert_eq!(stored_plan(&web).await.1, version);

    // Saved.
    let a = post_form(&web, &cookie, "/coverage/hq-lobby-plan", &form("4.5")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let (saved, v2) = stored_plan(&web).await;
    assert_eq!(v2, version + 1);
    assert_eq!(
        saved.plan["cameras"][0]["position"],
        serde_json::json!([4.5, 5.0])
    );
    assert_eq!(saved.plan["cameras"][0]["pan_deg"], 180.0);
    assert_eq!(saved.plan["cameras"][0]["focal_mm"], 4);
    let page = get(&web, &cookie, "/coverage/hq-lobby-plan").await;
    assert!(page.text.contains(&format!(
        "{:.1} %",
        expected.zones[0].covered_fraction * 100.0
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fair_risk_shows_its_simulated_annual_loss_and_curve() {
    let web = Web::sqlite().await;
    web.user_with_password("mgr", Role::SecurityManager, "correct horse battery")
        .await;
    let (cookie, _) = session(&web, "mgr", "correct horse battery").await;
    let store: &dyn Store = &*web.db;
    let risk = store
        .get::<rampart_domain::RiskScenario>(&web.org, &id("r-dc-breach-fair"))
        .await
        .unwrap()
        .unwrap()
        .value;
    let view = Analyst
        .fair(
            std::slice::from_ref(&risk),
            "GBP",
            rampart_server::ui::PAGE_TRIALS,
            1,
        )
        .unwrap()
        .unwrap();
    // Independently: E[ALE] = E[LEF] (E[primary] + E[secondary]) for
    // LEF = PERT(0.02, 0.1, 0.4), primary = PERT(250k, 900k, 3M) and
    // secondary lognormal from the 90 % interval (500k, 8M).
    let pert = |a: f64, m: f64, b: f64| (a + 4.0 * m + b) / 6.0;
    let sigma = (8e6f64.ln() - 5e5f64.ln()) / (2.0 * 1.644_853_6);
    let lognormal_mean = (5e5f64 * 8e6).sqrt() * (sigma * sigma / 2.0).exp();
    let exact = pert(0.02, 0.1, 0.4) * (pert(250e3, 900e3, 3e6) + lognormal_mean);
    let mean = view.scenarios[0].mean;
    assert!(
        (mean - exact).abs() / exact < 0.05,
        "simulated {mean}, exact {exact}"
    );

    let page = get(&web, &cookie, "/risks/r-dc-breach-fair").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let shown = |x: f64| {
        let whole = x.round() as i64;
        let digits = whole.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    };
    assert!(
        page.text.contains(&shown(mean)),
        "mean {} on the page",
        shown(mean)
    );
    assert!(page.text.contains(&shown(view.scenarios[0].p90)));
    assert!(page.text.contains("Per trial (LEF × LM)"));
    assert!(page.text.contains("Loss exceedance curve"));
    assert!(page.text.contains("<svg"));

    // The site page sums the site's quantified risks trial by trial.
    let site = get(&web, &cookie, "/sites/dc").await;
    assert_eq!(site.status, StatusCode::OK);
    assert!(site.text.contains("Quantified risks (Open FAIR)"));
    assert!(site.text.contains(&shown(mean)));
    // A site without quantified risks shows no such section.
    let hq = get(&web, &cookie, "/sites/hq").await;
    assert!(!hq.text.contains("Quantified risks"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nist_risk_shows_its_overall_likelihood_and_level() {
    let web = Web::sqlite().await;
    web.user_with_password("mgr", Role::SecurityManager, "correct horse battery")
        .await;
    let (cookie, _) = session(&web, "mgr", "correct horse battery").await;
    let page = get(&web, &cookie, "/risks/r-whs-ransomware").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    // Current: initiation High x adverse impact Moderate -> Moderate (G-5);
    // likelihood Moderate x impact High -> Moderate (I-2). Inherent: High x
    // High -> High; High x High -> High.
    assert!(
        page.text.contains("Moderate (NIST SP 800-30)"),
        "{}",
        page.text
    );
    let row = |stage: &str| {
        let start = page.text.find(&format!(">{stage}</th>")).unwrap();
        let end = page.text[start..].find("</tr>").unwrap() + start;
        page.text[start..end].to_owned()
    };
    let inherent = row("Inherent");
    assert_eq!(inherent.matches(">High<").count(), 5, "{inherent}");
    let current = row("Current");
    assert!(current.contains(">Moderate</td><td>High</td>"), "{current}");
    assert!(
        current.contains("level-medium\">Moderate</td>"),
        "{current}"
    );
}
