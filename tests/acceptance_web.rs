//! Acceptance tests and recurring inspections on the web and the API: the
//! inspection form, the list and a plan's page on
//! the demo organisation, recording runs (the measurement decides, a
//! refusal comes back beside its field), the sign-off and its role, the
//! plan closed after it, and the same rules on `/api/v1/acceptance-plans`.

use axum::http::{Method, StatusCode};
use rampart_domain::{AcceptancePlan, Id, Role, RunOutcome};
use rampart_store::Store;
use serde_json::json;

use crate::audits_web::{assert_csp_clean, hidden, post_form};
use crate::web::{Answer, Web};

const PW: &str = "correct horse battery";

async fn get(web: &Web, cookie: &str, path: &str) -> Answer {
    web.page(cookie, path).await.0
}

async fn stored(web: &Web, plan: &str) -> (AcceptancePlan, i64) {
    let store: &dyn Store = &*web.db;
    let s = store
        .get::<AcceptancePlan>(&web.org, &Id::new(plan).unwrap())
        .await
        .unwrap()
        .unwrap();
    (s.value, s.version)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_are_listed_by_status_and_scoped_to_the_users_sites() {
    let web = Web::sqlite().await;
    web.user_with_password("boss", Role::SecurityManager, PW)
        .await;
    web.scoped_user_with_password("wh", Role::Assessor, PW, &["whs"])
        .await;
    let (boss, _) = web.session("boss", PW).await;
    let list = get(&web, &boss, "/acceptance").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_csp_clean(&list.text);
    for (title, status, tests) in [
        (
            "Main entrance access control upgrade",
            "Accepted",
            "5 passed, 0 failed, 0 to run",
        ),
        (
            "Duress alarms and data hall door camera",
            "In progress",
            "2 passed, 0 failed, 1 to run",
        ),
        (
            "Dock shutter alarm contacts",
            "Failing",
            "1 passed, 1 failed, 0 to run",
        ),
    ] {
        let at = list.text.find(title).unwrap_or_else(|| panic!("{title}"));
        let end = list.text[at..].find("</tr>").unwrap() + at;
        let row = &list.text[at..end];
        assert!(row.contains(status) && row.contains(tests), "{row}");
    }
    assert!(list.text.contains("2025-12-03 by Adaeze Okafor"));
    let csv = get(&web, &boss, "/acceptance?format=csv").await;
    assert_eq!(csv.text.lines().count(), 4, "{}", csv.text);

    // The dashboard lists the systems not yet accepted, failing first.
    let dash = get(&web, &boss, "/").await;
    assert_eq!(dash.status, StatusCode::OK);
    let panel = {
        let at = dash.text.find("Systems not yet accepted").unwrap();
        let end = dash.text[at..].find("</section>").unwrap() + at;
        dash.text[at..end].to_owned()
    };
    let dock = panel.find("Dock shutter alarm contacts").unwrap();
    let duress = panel
        .find("Duress alarms and data hall door camera")
        .unwrap();
    assert!(dock < duress, "failing first: {panel}");
    assert!(panel.contains("2025-08-01 (passed)"), "{panel}");
    assert!(!panel.contains("Main entrance"), "signed off: {panel}");

    let (wh, _) = web.session("wh", PW).await;
    let dash = get(&web, &wh, "/").await;
    assert!(dash.text.contains("Dock shutter alarm contacts"));
    assert!(!dash.text.contains("Duress alarms"), "another site leaked");
    let scoped = get(&web, &wh, "/acceptance").await;
    assert!(scoped.text.contains("Dock shutter alarm contacts"));
    assert!(
        !scoped.text.contains("Duress alarms"),
        "another site leaked"
    );
    let other = get(&web, &wh, "/acceptance/dc-duress-cctv-2025").await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // A plan's page: each test with its runs, the failure kept beside the re-test.
    let page = get(&web, &boss, "/acceptance/dc-duress-cctv-2025").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_csp_clean(&page.text);
    assert!(page.text.contains("at most 30 s"));
    assert!(page.text.contains("41 s") && page.text.contains("14 s"));
    assert!(page.text.contains("test retention has not been run"));
    assert!(page.text.contains("Record a run"));
    assert!(!page.text.contains("Sign off</button>"), "not ready yet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_recorded_then_the_plan_is_signed_off_and_closed() {
    let web = Web::sqlite().await;
    web.user_with_password("boss", Role::SecurityManager, PW)
        .await;
    web.scoped_user_with_password("tech", Role::Assessor, PW, &["dc"])
        .await;
    web.user_with_password("reader", Role::Viewer, PW).await;
    let plan = "dc-duress-cctv-2025";
    let path = format!("/acceptance/{plan}");
    let runs = format!("{path}/runs");
    let (_, v0) = stored(&web, plan).await;
    let today = jiff::Zoned::now().date().to_string();

    // A viewer sees no form and cannot post one.
    let (reader, reader_csrf) = web.session("reader", PW).await;
    let page = get(&web, &reader, &path).await;
    assert!(!page.text.contains("Record a run"));
    let a = post_form(
        &web,
        &reader,
        &runs,
        &[
            ("csrf_token", &reader_csrf),
            ("test", "retention"),
            ("on", &today),
            ("outcome", "pass"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);

    let (tech, _) = web.session("tech", PW).await;
    let page = get(&web, &tech, &path).await;
    let csrf = hidden(&page.text, "csrf_token");
    // Without the token: refused.
    let a = post_form(
        &web,
        &tech,
        &runs,
        &[("test", "retention"), ("on", &today), ("outcome", "pass")],
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    // A pass the measurement contradicts: 200 px/m is below Identify's 250.
    let a = post_form(
        &web,
        &tech,
        &runs,
        &[
            ("csrf_token", &csrf),
            ("test", "door-identify"),
            ("on", &today),
            ("outcome", "pass"),
            ("measured", "200"),
            ("notes", "<b>night</b>"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    assert!(
        a.text.contains("id=\"run-measured-error\"")
            && a.text.contains("fails the criterion (at least 250 px/m)"),
        "{}",
        a.text
    );
    assert!(a.text.contains("value=\"200\""), "what was typed is kept");
    assert!(a.text.contains("&#60;b&#62;night"), "escaped");
    assert_eq!(stored(&web, plan).await.1, v0, "nothing written");
    // A date in the future.
    let tomorrow = jiff::Zoned::now().date().tomorrow().unwrap().to_string();
    let a = post_form(
        &web,
        &tech,
        &runs,
        &[
            ("csrf_token", &csrf),
            ("test", "retention"),
            ("on", &tomorrow),
            ("outcome", "pass"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(a.text.contains("id=\"run-on-error\""));

    // The retention test passes: recorded by the logged-in user.
    let a = post_form(
        &web,
        &tech,
        &runs,
        &[
            ("csrf_token", &csrf),
            ("test", "retention"),
            ("on", &today),
            ("outcome", "pass"),
            ("notes", "Day 1 present on day 31"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let (p, v1) = stored(&web, plan).await;
    assert_eq!(v1, v0 + 1);
    let last = p.test("retention").unwrap().latest().unwrap().clone();
    assert_eq!(
        (last.by.as_str(), last.outcome, last.on.to_string()),
        ("tech", RunOutcome::Pass, today.clone())
    );
    assert_eq!(p.status(), rampart_domain::PlanStatus::ReadyForSignOff);

    // An assessor does not sign off; a security manager does.
    let a = post_form(
        &web,
        &tech,
        &format!("{path}/sign-off"),
        &[("csrf_token", &csrf), ("on", &today)],
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let (boss, _) = web.session("boss", PW).await;
    let page = get(&web, &boss, &path).await;
    assert!(page.text.contains("Sign off</button>"));
    let boss_csrf = hidden(&page.text, "csrf_token");
    let a = post_form(
        &web,
        &boss,
        &format!("{path}/sign-off"),
        &[("csrf_token", &boss_csrf), ("on", &today), ("notes", "OK")],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let (p, v2) = stored(&web, plan).await;
    assert_eq!(v2, v1 + 1);
    let s = p.sign_off.clone().unwrap();
    assert_eq!((s.by.as_str(), s.on.to_string()), ("boss", today.clone()));

    // Closed: no more runs, and the page offers none.
    let page = get(&web, &tech, &path).await;
    assert!(!page.text.contains("Record a run"));
    let a = post_form(
        &web,
        &tech,
        &runs,
        &[
            ("csrf_token", &csrf),
            ("test", "retention"),
            ("on", &today),
            ("outcome", "fail"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stored(&web, plan).await.1, v2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_keeps_the_same_rules() {
    let web = Web::sqlite().await;
    let manager = web.user_with_token("m", Role::SecurityManager, None).await;
    let assessor = web.user_with_token("a", Role::Assessor, None).await;
    let url = "/api/v1/acceptance-plans";
    let list = web.call(&assessor, Method::GET, url, None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 3);

    // A signed-off plan is closed: changing a run is a conflict, a title
    // correction is not.
    let one = web
        .call(
            &manager,
            Method::GET,
            &format!("{url}/hq-entrance-acs-2025"),
            None,
        )
        .await;
    let version = one.body["version"].as_i64().unwrap();
    let mut plain = one.body.clone();
    for meta in ["version", "updated_at", "updated_by"] {
        plain.as_object_mut().unwrap().remove(meta);
    }
    let mut body = plain.clone();
    body["tests"][0]["results"][0]["by"] = json!("Someone else");
    let put = web
        .call(
            &manager,
            Method::PUT,
            &format!("{url}/hq-entrance-acs-2025?version={version}"),
            Some(&body),
        )
        .await;
    assert_eq!(put.status, StatusCode::CONFLICT, "{}", put.text);
    let mut body = plain.clone();
    body["title"] = json!("Main entrance access control upgrade (phase 1)");
    let put = web
        .call(
            &manager,
            Method::PUT,
            &format!("{url}/hq-entrance-acs-2025?version={version}"),
            Some(&body),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);

    // A run whose outcome contradicts its measurement: 422 naming the test.
    let plan = json!({
        "id": "new-plan", "site": "hq", "title": "Lobby camera",
        "devices": ["hq-cam-01"],
        "tests": [{"id": "identify", "title": "Identify at the desk",
                   "procedure": "Chart at the desk", "expected": "250 px/m",
                   "criterion": {"at_least": 250, "unit": "px/m"}, "device": "hq-cam-01",
                   "results": [{"on": "2025-06-02", "by": "N", "outcome": "pass", "measured": 120}]}]
    });
    let post = web.call(&assessor, Method::POST, url, Some(&plan)).await;
    assert_eq!(
        post.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        post.text
    );
    assert!(post.text.contains("test identify"), "{}", post.text);
    // Another site's device is refused.
    let mut wrong = plan.clone();
    wrong["tests"][0]["results"][0]["measured"] = json!(300);
    wrong["devices"] = json!(["dc-cam-06"]);
    wrong["tests"][0]["device"] = json!("dc-cam-06");
    let post = web.call(&assessor, Method::POST, url, Some(&wrong)).await;
    assert_eq!(
        post.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        post.text
    );
    // Sound, it is stored; an assessor may not sign it off, a manager may.
    let mut good = plan.clone();
    good["tests"][0]["results"][0]["measured"] = json!(300);
    let post = web.call(&assessor, Method::POST, url, Some(&good)).await;
    assert_eq!(post.status, StatusCode::CREATED, "{}", post.text);
    let mut signed = good.clone();
    signed["sign_off"] = json!({"by": "A", "on": "2025-06-03"});
    let put = web
        .call(
            &assessor,
            Method::PUT,
            &format!("{url}/new-plan?version=1"),
            Some(&signed),
        )
        .await;
    assert_eq!(put.status, StatusCode::FORBIDDEN, "{}", put.text);
    let put = web
        .call(
            &manager,
            Method::PUT,
            &format!("{url}/new-plan?version=1"),
            Some(&signed),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);

    // Inspections are a resource too.
    let i = web
        .call(
            &assessor,
            Method::GET,
            "/api/v1/inspections/whs-dock-doors",
            None,
        )
        .await;
    assert_eq!(i.status, StatusCode::OK, "{}", i.text);
    assert_eq!(i.body["every"], json!({"weeks": 1}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recurring_inspections_are_added_and_edited_with_a_form() {
    let web = Web::sqlite().await;
    web.user_with_password("boss", Role::SecurityManager, PW)
        .await;
    web.user_with_password("reader", Role::Viewer, PW).await;
    let (reader, _) = web.session("reader", PW).await;
    assert_eq!(
        get(&web, &reader, "/inspections/new").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(
        !get(&web, &reader, "/inspections")
            .await
            .text
            .contains("New inspection")
    );

    let (boss, _) = web.session("boss", PW).await;
    let list = get(&web, &boss, "/inspections").await;
    assert!(list.text.contains("href=\"/inspections/new\""));
    assert!(
        list.text
            .contains("href=\"/inspections/whs-dock-doors/edit\"")
    );
    let form = get(&web, &boss, "/inspections/new").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.text);
    assert_csp_clean(&form.text);
    let csrf = hidden(&form.text, "csrf_token");
    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("id", "hq-lux-check"),
        ("title", "Car park lighting levels measured"),
        ("site", "hq"),
        ("owner", "p-lewis"),
        ("every", "0"),
        ("unit", "months"),
        ("start", "2026-01-05"),
        ("until", "2025-01-01"),
        ("reminder_days", "3"),
    ];
    let bad = post_form(&web, &boss, "/inspections", &fields).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("Enter a whole number from 1 to 366."));
    assert!(bad.text.contains("The last date is before the first round"));
    assert!(
        bad.text.contains("Car park lighting levels measured"),
        "typed values kept"
    );
    fields[5] = ("every", "3");
    fields[8] = ("until", "");
    let ok = post_form(&web, &boss, "/inspections", &fields).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let store: &dyn Store = &*web.db;
    let stored = store
        .get::<rampart_domain::Inspection>(&web.org, &Id::new("hq-lux-check").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.value.every, rampart_domain::Recurrence::Months(3));
    assert_eq!(stored.value.reminder_days, 3);

    // Editing keeps what the form does not show (the rounds done, the checklist).
    let before = store
        .get::<rampart_domain::Inspection>(&web.org, &Id::new("hq-perimeter-walk").unwrap())
        .await
        .unwrap()
        .unwrap();
    let edit = get(&web, &boss, "/inspections/hq-perimeter-walk/edit").await;
    assert_eq!(edit.status, StatusCode::OK, "{}", edit.text);
    let version = before.version.to_string();
    let a = post_form(
        &web,
        &boss,
        "/inspections/hq-perimeter-walk",
        &[
            ("csrf_token", &hidden(&edit.text, "csrf_token")),
            ("version", &version),
            ("title", "Perimeter walk (night)"),
            ("site", "hq"),
            ("owner", "p-lewis"),
            ("every", "1"),
            ("unit", "weeks"),
            ("start", "2025-01-06"),
            ("reminder_days", "2"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let after = store
        .get::<rampart_domain::Inspection>(&web.org, &Id::new("hq-perimeter-walk").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.value.every, rampart_domain::Recurrence::Weeks(1));
    assert_eq!(after.value.done_through, before.value.done_through);
    assert_eq!(after.value.framework, before.value.framework);
    assert_eq!(after.version, before.version + 1);
}
