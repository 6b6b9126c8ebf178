//! The audit pages in process, with the real compliance engine behind them:
//! the list and an audit's page against the engine's own scores, the
//! inspection page (one answer saved at a time, re-applied over other
//! items' answers, a conflict only on the same item), its role, scope and
//! CSRF rules, and the dashboard's warning about risk acceptances.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use rampart_compliance::library::{self, BUILTIN_PREFIX};
use rampart_compliance::stored::{AuditContent, AuditHeader};
use rampart_domain::{Audit, Framework, Id, Role, User};
use rampart_store::{ListQuery, Store};
use serde_json::{Value, json};

use crate::web::{Answer, Web};

const PW: &str = "correct horse battery";

fn id(s: &str) -> Id {
    Id::new(s).unwrap()
}

async fn session(web: &Web, login: &str) -> (String, String) {
    web.session(login, PW).await
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
    web.send(req).await
}

pub(crate) async fn post_form(
    web: &Web,
    cookie: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> Answer {
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

/// The value of a hidden field of a page's form.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("a {name} field"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// Text as the templates escape it.
fn escaped(s: &str) -> String {
    s.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// No inline script and no style attribute: the CSP forbids both.
pub(crate) fn assert_csp_clean(html: &str) {
    let lower = html.to_lowercase();
    for (i, _) in lower.match_indices("<script") {
        let tag_end = lower[i..].find('>').unwrap() + i;
        assert!(lower[i..tag_end].contains(" src="), "inline script at {i}");
    }
    assert!(!lower.contains(" style="), "a style attribute");
    assert!(!lower.contains("<style"), "a style element");
    assert!(!lower.contains("hx-on"), "an hx-on attribute");
}

fn pct(x: f64) -> String {
    format!("{:.1} %", x * 100.0)
}

async fn stored_audit(web: &Web, a: &str) -> (Audit, i64) {
    let store: &dyn Store = &*web.db;
    let s = store.get::<Audit>(&web.org, &id(a)).await.unwrap().unwrap();
    (s.value, s.version)
}

/// The engine's framework of a demo audit, straight from the library.
async fn engine_framework(web: &Web, a: &Audit) -> rampart_compliance::Framework {
    let store: &dyn Store = &*web.db;
    let f = store
        .get::<Framework>(&web.org, &a.framework)
        .await
        .unwrap()
        .unwrap()
        .value;
    assert!(f.content.is_null(), "the demo's frameworks are built in");
    let name = f.source.strip_prefix(BUILTIN_PREFIX).unwrap();
    library::builtin(name, f.id.as_str()).unwrap().unwrap()
}

/// The engine's audit (header by hand, content as stored).
fn engine_audit(a: &Audit) -> rampart_compliance::Audit {
    let h = AuditHeader {
        id: a.id.to_string(),
        title: a.title.clone(),
        site: a.site.to_string(),
        framework: a.framework.to_string(),
        auditors: a.auditors.iter().map(ToString::to_string).collect(),
        planned_start: a.planned_start,
        planned_end: a.planned_end,
        status: serde_json::from_value(json!(a.status.as_str())).unwrap(),
    };
    AuditContent::from_json(&a.content).unwrap().audit(&h)
}

async fn scoped_user(web: &Web, login: &str, role: Role, sites: &[&str]) {
    web.user_with_password(login, role, PW).await;
    let store: &dyn Store = &*web.db;
    let stored = store
        .get::<User>(&web.org, &id(login))
        .await
        .unwrap()
        .unwrap();
    let scoped = User {
        all_sites: false,
        sites: sites.iter().map(|s| id(s)).collect(),
        ..stored.value
    };
    store
        .update("test", &web.org, &scoped, stored.version)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_and_each_audit_show_the_engines_scores() {
    let web = Web::sqlite().await;
    web.user_with_password("mgr", Role::SecurityManager, PW)
        .await;
    let (cookie, _) = session(&web, "mgr").await;
    let store: &dyn Store = &*web.db;
    let audits = store
        .list::<Audit>(&web.org, &ListQuery::all())
        .await
        .unwrap();
    assert_eq!(audits.len(), 4, "the demo's audits");

    let list = get(&web, &cookie, "/audits").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert!(list.text.contains("href=\"/audits\" aria-current=\"page\""));
    assert_csp_clean(&list.text);
    for s in &audits {
        let a = &s.value;
        let framework = engine_framework(&web, a).await;
        let card = engine_audit(a).score(&framework).unwrap();
        let overall = card.overall.expect("every demo audit has results");
        let scope = engine_audit(a).items_in_scope(&framework).len();
        assert!(list.text.contains(&escaped(&a.title)), "{}", a.id);
        assert!(
            list.text.contains(&pct(overall)),
            "{} scores {} in the list",
            a.id,
            pct(overall)
        );
        let page = get(&web, &cookie, &format!("/audits/{}", a.id)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        assert_csp_clean(&page.text);
        assert!(page.text.contains(&pct(overall)));
        for sec in &card.sections {
            let score = sec.score.map_or("Not scored".to_owned(), pct);
            let row = format!("<th scope=\"row\">{}</th>", escaped(&sec.title));
            let at = page
                .text
                .find(&row)
                .unwrap_or_else(|| panic!("{}: a row for section {}", a.id, sec.title));
            assert!(
                page.text[at..]
                    .split("</tr>")
                    .next()
                    .unwrap()
                    .contains(&score),
                "{}: section {} scores {score}",
                a.id,
                sec.title
            );
        }
        let content = AuditContent::from_json(&a.content).unwrap();
        for f in &content.findings {
            assert!(
                page.text.contains(&escaped(&f.title)),
                "{}: finding {}",
                a.id,
                f.id
            );
        }
        assert!(
            page.text
                .contains(&format!("Checklist: {scope} items in scope"))
        );
        if let Some(plan) = &content.remediation {
            assert!(page.text.contains(&escaped(&plan.title)));
        }
    }
    // The one audit still under way, and the head office's audits.
    let running = get(&web, &cookie, "/audits?status=in_progress").await;
    assert!(running.text.contains("/audits/dc-800-53-2025"));
    assert!(!running.text.contains("/audits/hq-inspection-2025"));
    let hq = get(&web, &cookie, "/audits?site=hq").await;
    assert!(hq.text.contains("/audits/hq-inspection-2025"));
    assert!(!hq.text.contains("/audits/dc-inspection-2025"));
    assert_eq!(
        get(&web, &cookie, "/audits?status=lost").await.status,
        StatusCode::BAD_REQUEST
    );
    let csv = get(&web, &cookie, "/audits?site=dc&format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = csv.text.lines().collect();
    assert!(lines[0].starts_with("Audit,Site,Framework,Status,Planned,Answered,Score"));
    assert_eq!(
        lines.len(),
        3,
        "the two audits of the data centre: {lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_warns_of_acceptances_expired_or_expiring_within_30_days() {
    let web = Web::sqlite().await;
    web.user_with_password("mgr", Role::SecurityManager, PW)
        .await;
    let (cookie, _) = session(&web, "mgr").await;
    let today = jiff::Zoned::now().date();
    // Add acceptances to the warehouse inspection: one expiring in 10 days,
    // one in 45 (not yet worth a warning), one expired 3 days ago.
    let (mut a, version) = stored_audit(&web, "whs-inspection-2025").await;
    let plus = |d: i64| today.checked_add(jiff::Span::new().days(d)).unwrap();
    let acc = |id: &str, expires: jiff::civil::Date| {
        json!({"id": id, "finding": "whs-inspection-2025-PER-05", "justification": "lease ends",
               "approver": "p-brennan", "approved_on": "2024-01-01", "expires": expires.to_string()})
    };
    let list = a.content["acceptances"].as_array_mut().unwrap();
    let demo_expires: jiff::civil::Date = list[0]["expires"].as_str().unwrap().parse().unwrap();
    list.push(acc("acc-soon", plus(10)));
    list.push(acc("acc-later", plus(45)));
    list.push(acc("acc-lapsed", plus(-3)));
    let store: &dyn Store = &*web.db;
    store.update("test", &web.org, &a, version).await.unwrap();

    let page = get(&web, &cookie, "/").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_csp_clean(&page.text);
    assert!(
        page.text
            .contains("Risk acceptances expired or expiring within 30 days")
    );
    assert!(page.text.contains("acc-soon"));
    assert!(page.text.contains("Expires in 10 days"));
    assert!(page.text.contains("acc-lapsed"));
    assert!(page.text.contains("Expired 3 days ago"));
    assert!(!page.text.contains("acc-later"));
    // The demo's own acceptance, by the engine's rule for today.
    let demo_flagged = demo_expires <= plus(30);
    assert_eq!(page.text.contains("acc-whs-hvm"), demo_flagged);
    // Soonest first.
    assert!(page.text.find("acc-lapsed").unwrap() < page.text.find("acc-soon").unwrap());
    // The audit's page flags them too, and lists the one not yet due.
    let detail = get(&web, &cookie, "/audits/whs-inspection-2025").await;
    assert!(detail.text.contains("Risk acceptances to review"));
    assert!(detail.text.contains("Valid, 45 days left"));
    assert!(
        detail
            .text
            .contains("class=\"status-warn\">Expires in 10 days")
    );

    // Someone who sees only the head office is not warned about the warehouse.
    scoped_user(&web, "hq-only", Role::Viewer, &["hq"]).await;
    let (hq_cookie, _) = session(&web, "hq-only").await;
    let page = get(&web, &hq_cookie, "/").await;
    assert!(!page.text.contains("acc-soon"));
}

/// The item at a 1-based position of a demo audit's checklist.
fn item_at(framework: &rampart_compliance::Framework, n: usize) -> rampart_compliance::Item {
    framework.items().nth(n - 1).unwrap().1.clone()
}

fn result_of<'a>(a: &'a Audit, item: &str) -> Option<&'a Value> {
    a.content["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["item"] == item && r.get("zone").is_none())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inspection_page_saves_each_answer_at_once() {
    let web = Web::sqlite().await;
    web.user_with_password("mgr", Role::SecurityManager, PW)
        .await;
    web.user_with_password("ann", Role::Assessor, PW).await;
    let (cookie, csrf) = session(&web, "mgr").await;
    let audit = "hq-inspection-2025";
    let (before, v0) = stored_audit(&web, audit).await;
    let framework = engine_framework(&web, &before).await;
    let total = framework.len();

    // Item 12, one at a time, with what to look for and how to test it.
    let item12 = item_at(&framework, 12);
    let page = get(&web, &cookie, &format!("/audits/{audit}/inspect?item=12")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_csp_clean(&page.text);
    assert!(page.text.contains(&format!("Item 12 of {total}")));
    assert!(page.text.contains(&escaped(&item12.title)));
    assert!(page.text.contains(&escaped(&item12.look_for)));
    assert!(page.text.contains(&escaped(&item12.how_to_test)));
    assert!(
        page.text
            .contains(&format!("/audits/{audit}/inspect?item=11\" rel=\"prev\""))
    );
    assert!(
        page.text
            .contains(&format!("/audits/{audit}/inspect?item=13\" rel=\"next\""))
    );
    assert!(
        page.text
            .contains("name=\"viewport\" content=\"width=device-width")
    );
    for code in [
        "compliant",
        "partially_compliant",
        "non_compliant",
        "not_applicable",
    ] {
        assert!(
            page.text
                .contains(&format!("name=\"outcome\" value=\"{code}\""))
        );
    }
    assert_eq!(hidden(&page.text, "version"), v0.to_string());
    // The forms for items 13 and 14, opened now (before anything is saved).
    let page13 = get(&web, &cookie, &format!("/audits/{audit}/inspect?item=13")).await;
    let item13 = item_at(&framework, 13);
    let page14 = get(&web, &cookie, &format!("/audits/{audit}/inspect?item=14")).await;
    let item14 = item_at(&framework, 14);

    // Saved: that item only, by this user, now; the version goes up by one.
    let t0 = jiff::Timestamp::now();
    let a = post_form(
        &web,
        &cookie,
        &format!("/audits/{audit}/items/{}", item12.id),
        &[
            ("csrf_token", &csrf),
            ("version", &hidden(&page.text, "version")),
            ("based_on", &hidden(&page.text, "based_on")),
            ("outcome", "non_compliant"),
            (
                "notes",
                "Fire door to the car park wedged open with a chair",
            ),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(
        a.headers[header::LOCATION],
        format!("/audits/{audit}/inspect?item=13&saved={}", item12.id).as_str()
    );
    let t1 = jiff::Timestamp::now();
    let (after, v1) = stored_audit(&web, audit).await;
    assert_eq!(v1, v0 + 1);
    let saved = result_of(&after, &item12.id).unwrap();
    assert_eq!(saved["outcome"], "non_compliant");
    assert_eq!(
        saved["notes"],
        "Fire door to the car park wedged open with a chair"
    );
    assert_eq!(saved["auditor"], "mgr");
    let at: jiff::Timestamp = saved["recorded_at"].as_str().unwrap().parse().unwrap();
    assert!(at.as_second() >= t0.as_second() && at.as_second() <= t1.as_second());
    let changed_only = |x: &Audit, y: &Audit, items: &[&str]| {
        let (rx, ry) = (
            x.content["results"].as_array().unwrap(),
            y.content["results"].as_array().unwrap(),
        );
        assert_eq!(rx.len(), ry.len());
        for (p, q) in rx.iter().zip(ry) {
            if !items.contains(&p["item"].as_str().unwrap()) {
                assert_eq!(p, q);
            }
        }
        for key in ["findings", "remediation", "scope"] {
            assert_eq!(x.content.get(key), y.content.get(key), "{key}");
        }
        assert_eq!(
            (&x.title, x.status, &x.auditors),
            (&y.title, y.status, &y.auditors)
        );
    };
    changed_only(&before, &after, &[&item12.id]);
    // The next page says so, and the audit's score follows the engine.
    let next = get(
        &web,
        &cookie,
        &format!("/audits/{audit}/inspect?item=13&saved={}", item12.id),
    )
    .await;
    assert!(next.text.contains("Saved your answer to"));
    let card = engine_audit(&after).score(&framework).unwrap();
    let detail = get(&web, &cookie, &format!("/audits/{audit}")).await;
    assert!(detail.text.contains(&pct(card.overall.unwrap())));
    assert_ne!(
        card.overall,
        engine_audit(&before).score(&framework).unwrap().overall
    );

    // The form of item 13 was opened at the old version: another item's
    // answer came in since, so the answer is applied again, and saved.
    assert_eq!(hidden(&page13.text, "version"), v0.to_string());
    let a = post_form(
        &web,
        &cookie,
        &format!("/audits/{audit}/items/{}", item13.id),
        &[
            ("csrf_token", &csrf),
            ("version", &hidden(&page13.text, "version")),
            ("based_on", &hidden(&page13.text, "based_on")),
            ("outcome", "partially_compliant"),
            ("notes", ""),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let (after13, v2) = stored_audit(&web, audit).await;
    assert_eq!(v2, v1 + 1);
    assert_eq!(
        result_of(&after13, &item13.id).unwrap()["outcome"],
        "partially_compliant"
    );
    assert_eq!(
        result_of(&after13, &item12.id),
        result_of(&after, &item12.id)
    );
    changed_only(&after, &after13, &[&item13.id]);

    // Item 14: ann answers it after mgr opened it. mgr's answer would
    // overwrite hers unseen: a conflict, nothing stored, both answers shown.
    let (ann, ann_csrf) = session(&web, "ann").await;
    let ann_page = get(&web, &ann, &format!("/audits/{audit}/inspect?item=14")).await;
    let a = post_form(
        &web,
        &ann,
        &format!("/audits/{audit}/items/{}", item14.id),
        &[
            ("csrf_token", &ann_csrf),
            ("version", &hidden(&ann_page.text, "version")),
            ("based_on", &hidden(&ann_page.text, "based_on")),
            ("outcome", "compliant"),
            ("notes", "checked with the site manager"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let (after_ann, v3) = stored_audit(&web, audit).await;
    assert_eq!(v3, v2 + 1);
    let mine = [
        ("csrf_token", csrf.as_str()),
        ("version", &hidden(&page14.text, "version")),
        ("based_on", &hidden(&page14.text, "based_on")),
        ("outcome", "non_compliant"),
        ("notes", "my own view"),
    ];
    let path14 = format!("/audits/{audit}/items/{}", item14.id);
    let a = post_form(&web, &cookie, &path14, &mine).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text);
    assert!(a.text.contains("Someone else answered this item"));
    assert!(a.text.contains("my own view"), "the answer typed is kept");
    assert_eq!(stored_audit(&web, audit).await, (after_ann.clone(), v3));
    // Saving again from that page replaces hers, knowingly.
    let a = post_form(
        &web,
        &cookie,
        &path14,
        &[
            ("csrf_token", &csrf),
            ("version", &hidden(&a.text, "version")),
            ("based_on", &hidden(&a.text, "based_on")),
            ("outcome", "non_compliant"),
            ("notes", "my own view"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let (after14, v4) = stored_audit(&web, audit).await;
    assert_eq!(v4, v3 + 1);
    assert_eq!(result_of(&after14, &item14.id).unwrap()["auditor"], "mgr");

    // The last item goes back to itself, saved.
    let last = item_at(&framework, total);
    let page_last = get(
        &web,
        &cookie,
        &format!("/audits/{audit}/inspect?item={total}"),
    )
    .await;
    assert!(page_last.text.contains("Back to the audit"));
    let a = post_form(
        &web,
        &cookie,
        &format!("/audits/{audit}/items/{}", last.id),
        &[
            ("csrf_token", &csrf),
            ("version", &hidden(&page_last.text, "version")),
            ("based_on", &hidden(&page_last.text, "based_on")),
            ("outcome", "compliant"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(
        a.headers[header::LOCATION],
        format!("/audits/{audit}/inspect?item={total}&saved={}", last.id).as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_refused_without_the_token_the_role_or_the_site_and_bad_ones_are_shown() {
    let web = Web::sqlite().await;
    web.user_with_password("mgr", Role::SecurityManager, PW)
        .await;
    web.user_with_password("eve", Role::Viewer, PW).await;
    scoped_user(&web, "hq-ann", Role::Assessor, &["hq"]).await;
    let (cookie, csrf) = session(&web, "mgr").await;
    let audit = "dc-inspection-2025";
    let (before, v0) = stored_audit(&web, audit).await;
    let framework = engine_framework(&web, &before).await;
    let item = item_at(&framework, 3);
    let path = format!("/audits/{audit}/items/{}", item.id);
    let form = |token: &str, outcome: &str| {
        vec![
            ("csrf_token".to_owned(), token.to_owned()),
            ("version".to_owned(), v0.to_string()),
            ("based_on".to_owned(), String::new()),
            ("outcome".to_owned(), outcome.to_owned()),
            ("notes".to_owned(), "typed <notes>".to_owned()),
        ]
    };
    let send = |cookie: String, fields: Vec<(String, String)>| {
        let path = path.clone();
        let web = &web;
        async move {
            let pairs: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            post_form(web, &cookie, &path, &pairs).await
        }
    };
    let unchanged = || async { assert_eq!(stored_audit(&web, audit).await, (before.clone(), v0)) };

    // Without the session's token.
    let a = send(cookie.clone(), form("", "compliant")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    let a = send(cookie.clone(), form("not-the-token", "compliant")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    unchanged().await;

    // A value no form offers: the page again, the error beside the field.
    let a = send(cookie.clone(), form(&csrf, "mostly")).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    let err = a
        .text
        .find("id=\"outcome-error\"")
        .expect("an error by the outcome");
    let legend = a.text.find("<legend>Outcome</legend>").unwrap();
    let radios = a.text.find("name=\"outcome\"").unwrap();
    assert!(legend < err && err < radios, "beside the field");
    assert!(
        a.text
            .contains("Choose compliant, partially compliant, non-compliant or not applicable.")
    );
    assert!(
        a.text.contains(&escaped("typed <notes>")),
        "what was typed is kept"
    );
    unchanged().await;

    // A viewer reads the checklist but may not answer.
    let (eve, eve_csrf) = session(&web, "eve").await;
    let page = get(&web, &eve, &format!("/audits/{audit}/inspect?item=3")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("name=\"outcome\""));
    assert!(
        page.text
            .contains("may read this checklist but not record results")
    );
    let a = send(eve.clone(), form(&eve_csrf, "compliant")).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
    unchanged().await;

    // An assessor of the head office: the data centre's audit does not exist for them.
    let (hq, hq_csrf) = session(&web, "hq-ann").await;
    for page in [
        format!("/audits/{audit}"),
        format!("/audits/{audit}/inspect?item=3"),
    ] {
        assert_eq!(
            get(&web, &hq, &page).await.status,
            StatusCode::NOT_FOUND,
            "{page}"
        );
    }
    let a = send(hq.clone(), form(&hq_csrf, "compliant")).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    let list = get(&web, &hq, "/audits").await;
    assert!(list.text.contains("/audits/hq-inspection-2025"));
    assert!(!list.text.contains(audit));
    unchanged().await;

    // An item outside the checklist, and a form without its version.
    let a = post_form(
        &web,
        &cookie,
        &format!("/audits/{audit}/items/NOPE-1"),
        &[
            ("csrf_token", &csrf),
            ("version", &v0.to_string()),
            ("outcome", "compliant"),
        ],
    )
    .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND, "{}", a.text);
    let a = post_form(
        &web,
        &cookie,
        &path,
        &[("csrf_token", &csrf), ("outcome", "compliant")],
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text);
    unchanged().await;

    // And the same answer, properly sent: saved.
    let a = send(cookie.clone(), form(&csrf, "not_applicable")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(stored_audit(&web, audit).await.1, v0 + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recurring_inspections_show_their_next_round_and_the_rounds_not_done() {
    let web = Web::sqlite().await;
    web.user_with_password("boss", Role::SecurityManager, PW)
        .await;
    scoped_user(&web, "wh", Role::Assessor, &["whs"]).await;
    let (all, _) = session(&web, "boss").await;
    let (wh, _) = session(&web, "wh").await;
    let page = get(&web, &all, "/inspections").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    for title in [
        "Perimeter fence, gates and lighting walk (night)",
        "Duress buttons and alarm path to the monitoring centre tested",
        "Dock shutters locked and alarm contacts tested out of hours",
    ] {
        assert!(page.text.contains(&escaped(title)), "no {title}");
    }
    // The dock doors, weekly from Monday 3 March 2025, done through 21
    // April: counted here, every Monday from 28 April to yesterday is a
    // round not done, and the next round is the first Monday from today.
    let today = jiff::Zoned::now().date();
    let mut d = jiff::civil::date(2025, 4, 28);
    let mut missed = 0;
    while d < today {
        missed += 1;
        d = d.checked_add(jiff::Span::new().days(7)).unwrap();
    }
    let row = {
        let at = page.text.find("Dock shutters locked").unwrap();
        let end = page.text[at..].find("</tr>").unwrap() + at;
        page.text[at..end].to_owned()
    };
    assert!(row.contains(&format!("<td>{d}</td>")), "next {d}: {row}");
    assert!(
        row.contains(&format!("{missed} rounds since 2025-04-28")),
        "{missed} missed: {row}"
    );
    assert!(row.contains("Petra Novak"), "{row}");
    // A user of the warehouse sees its inspection only.
    let scoped = get(&web, &wh, "/inspections").await;
    assert_eq!(scoped.status, StatusCode::OK, "{}", scoped.text);
    assert!(scoped.text.contains("Dock shutters locked"));
    assert!(
        !scoped.text.contains("Duress buttons"),
        "another site leaked"
    );
    // The CSV of the same rows.
    let csv = get(&web, &all, "/inspections?format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.text.lines().count(), 4, "{}", csv.text);

    // Recording the rounds done up to today: checked, then a versioned update.
    let (all2, all_csrf) = session(&web, "boss").await;
    let t = today.to_string();
    let tomorrow = today.tomorrow().unwrap().to_string();
    for (cookie, csrf, inspection, date, status) in [
        (
            all2.as_str(),
            "",
            "whs-dock-doors",
            t.as_str(),
            StatusCode::FORBIDDEN,
        ),
        (
            all2.as_str(),
            all_csrf.as_str(),
            "whs-dock-doors",
            tomorrow.as_str(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            all2.as_str(),
            all_csrf.as_str(),
            "whs-dock-doors",
            "2025-04-01",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            all2.as_str(),
            all_csrf.as_str(),
            "whs-dock-doors",
            "not a date",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            all2.as_str(),
            all_csrf.as_str(),
            "no-such",
            t.as_str(),
            StatusCode::NOT_FOUND,
        ),
    ] {
        let mut fields = vec![("inspection", inspection), ("date", date)];
        if !csrf.is_empty() {
            fields.push(("csrf_token", csrf));
        }
        let a = post_form(&web, cookie, "/inspections/done", &fields).await;
        assert_eq!(a.status, status, "{inspection} {date}: {}", a.text);
    }
    let (wh3, wh3_csrf) = session(&web, "wh").await;
    let other = post_form(
        &web,
        &wh3,
        "/inspections/done",
        &[
            ("csrf_token", &wh3_csrf),
            ("inspection", "dc-duress-test"),
            ("date", &t),
        ],
    )
    .await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "another site's: {}",
        other.text
    );
    let done = post_form(
        &web,
        &wh3,
        "/inspections/done",
        &[
            ("csrf_token", &wh3_csrf),
            ("inspection", "whs-dock-doors"),
            ("date", &t),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let stored = {
        let store: &dyn Store = &*web.db;
        store
            .get::<rampart_domain::Inspection>(&web.org, &id("whs-dock-doors"))
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(stored.value.done_through, Some(today));
    assert_eq!(stored.version, 2);
    let after = get(&web, &all, "/inspections").await;
    let at = after.text.find("Dock shutters locked").unwrap();
    let end = after.text[at..].find("</tr>").unwrap() + at;
    assert!(
        after.text[at..end].contains("<td>none</td>"),
        "{}",
        &after.text[at..end]
    );
}
