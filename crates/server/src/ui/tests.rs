//! The pages, driven through the whole application on an in-memory store
//! holding the demo organisation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use rampart_domain::{Id, Role, Site, User};
use rampart_store::{Credential, Database, ImportMode, Store};
use tower::ServiceExt;

use super::{csv_cell, safe_next};
use crate::auth;
use crate::state::{AppState, ServerConfig};

const PASSWORD: &str = "a long enough test passphrase";

struct Ui {
    app: Router,
    db: Arc<dyn Database>,
    org: Id,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

/// A logged-in browser: its session cookie and CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

fn id(s: &str) -> Id {
    Id::new(s).unwrap()
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", super::url_encode(k), super::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Ui {
    async fn demo() -> Ui {
        let store = rampart_store_sqlite::SqliteStore::open(&rampart_store::DatabaseUrl::new(
            "sqlite::memory:",
        ))
        .await
        .unwrap();
        let text = include_str!("../../../../examples/demo-organisation.yaml");
        let doc = rampart_orgfile::parse(
            "demo-organisation.yaml",
            text,
            rampart_orgfile::Format::Yaml,
        )
        .unwrap();
        rampart_store::import_document(&store, "test", &doc, ImportMode::CreateOnly, &|_| {})
            .await
            .unwrap();
        let db: Arc<dyn Database> = Arc::new(store);
        let state = AppState::new(db.clone(), ServerConfig::default(), Arc::new(|_, _| Ok(())));
        Ui {
            app: crate::app(state),
            db,
            org: doc.organisation.id.clone(),
        }
    }

    async fn user(&self, login: &str, role: Role) {
        self.user_at(login, role, None).await;
    }

    /// A user who sees only `sites` (every site with `None`).
    async fn user_at(&self, login: &str, role: Role, sites: Option<&[&str]>) {
        let user = User {
            id: id(login),
            display_name: format!("Test {login}"),
            email: None,
            role,
            all_sites: sites.is_none(),
            sites: sites.unwrap_or_default().iter().map(|s| id(s)).collect(),
            person: None,
            disabled: false,
        };
        let store: &dyn Store = &*self.db;
        store.create("test", &self.org, &user).await.unwrap();
        self.db
            .set_credential(
                "test",
                &Credential {
                    login: login.to_owned(),
                    org: self.org.clone(),
                    user: user.id,
                    password_hash: auth::hash_password(PASSWORD).unwrap(),
                    must_change: false,
                    updated_at: rampart_store::now_text(),
                },
            )
            .await
            .unwrap();
    }

    async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Answer {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, b: Option<&Browser>, path: &str) -> Answer {
        let mut r = Request::builder().uri(path);
        if let Some(b) = b {
            r = r.header(header::COOKIE, &b.cookie);
        }
        self.send(r.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, b: Option<&Browser>, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut r = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(b) = b {
            r = r.header(header::COOKIE, &b.cookie);
        }
        self.send(r.body(Body::from(form_encode(fields))).unwrap())
            .await
    }

    /// Log in through the form, and read the CSRF token from a page.
    async fn login(&self, login: &str) -> Browser {
        let res = self
            .post(
                None,
                "/login",
                &[("login", login), ("password", PASSWORD), ("next", "/")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
        let set = res
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap();
        let cookie = set.split(';').next().unwrap().to_owned();
        let mut b = Browser {
            cookie,
            csrf: String::new(),
        };
        let page = self.get(Some(&b), "/").await;
        b.csrf = meta_csrf(&page.text);
        assert_eq!(b.csrf.len(), 64);
        b
    }
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn meta_csrf(html: &str) -> String {
    let marker = "name=\"csrf-token\" content=\"";
    let start = html.find(marker).expect("a csrf meta tag") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

fn version_in(html: &str) -> String {
    let marker = "name=\"version\" value=\"";
    let start = html.find(marker).expect("a version field") + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

/// No inline script and no style attribute: the CSP forbids both.
fn assert_csp_clean(html: &str) {
    let lower = html.to_lowercase();
    for (i, _) in lower.match_indices("<script") {
        let tag_end = lower[i..].find('>').unwrap() + i;
        assert!(
            lower[i..tag_end].contains(" src="),
            "inline script at {i}: {}",
            &html[i..tag_end]
        );
    }
    assert!(!lower.contains(" style="), "a style attribute");
    assert!(!lower.contains("<style"), "a style element");
    assert!(!lower.contains("hx-on"), "an hx-on attribute");
}

#[test]
fn only_local_paths_are_followed_after_login() {
    assert_eq!(safe_next("/risks?site=hq"), Some("/risks?site=hq"));
    assert_eq!(safe_next("//evil.example/"), None);
    assert_eq!(safe_next("/\\evil.example"), None);
    assert_eq!(safe_next("https://evil.example/"), None);
    assert_eq!(safe_next(""), None);
}

#[test]
fn csv_cells_cannot_become_formulas() {
    assert_eq!(csv_cell("=1+2"), "'=1+2");
    assert_eq!(csv_cell("+44 113"), "'+44 113");
    assert_eq!(csv_cell("-3"), "'-3");
    assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(csv_cell("plain"), "plain");
    assert_eq!(csv_cell("a, \"b\""), "\"a, \"\"b\"\"\"");
}

#[tokio::test]
async fn the_login_page_renders_and_a_wrong_password_says_so() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    let page = ui.get(None, "/login?next=/risks").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("<label for=\"login\">"), "{}", page.text);
    assert!(page.text.contains("value=\"/risks\""));
    assert_csp_clean(&page.text);
    // An open redirect is not carried into the form.
    let page = ui.get(None, "/login?next=//evil.example").await;
    assert!(!page.text.contains("evil.example"));

    let wrong = ui
        .post(
            None,
            "/login",
            &[("login", "ann"), ("password", "not the password at all")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .text
            .contains("The login name or the password is wrong."),
        "{}",
        wrong.text
    );
    assert!(wrong.text.contains("value=\"ann\""), "the login is kept");
    assert!(!wrong.headers.contains_key(header::SET_COOKIE));
    assert_csp_clean(&wrong.text);
}

#[tokio::test]
async fn logging_in_sets_a_strict_cookie_and_goes_where_asked() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    // A page needing a login sends the browser to the form, remembering where it was.
    let away = ui.get(None, "/risks?site=whs").await;
    assert_eq!(away.status, StatusCode::SEE_OTHER);
    assert_eq!(
        away.headers[header::LOCATION],
        "/login?next=/risks%3Fsite%3Dwhs"
    );

    let res = ui
        .post(
            None,
            "/login",
            &[
                ("login", "ann"),
                ("password", PASSWORD),
                ("next", "/risks?site=whs"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.headers[header::LOCATION], "/risks?site=whs");
    let cookie = res.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.starts_with("rampart_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");

    // A foreign `next` falls back to the dashboard.
    let res = ui
        .post(
            None,
            "/login",
            &[
                ("login", "ann"),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(res.headers[header::LOCATION], "/");

    // Logging out needs the token, then ends the session.
    let b = ui.login("ann").await;
    let refused = ui
        .post(Some(&b), "/logout", &[("csrf_token", "nope")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let out = ui
        .post(Some(&b), "/logout", &[("csrf_token", &b.csrf)])
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(ui.get(Some(&b), "/").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_dashboard_shows_the_demo_risks_per_site() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::SecurityManager).await;
    let b = ui.login("ann").await;
    let page = ui.get(Some(&b), "/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Theft of loaded trailers from the yard"),
        "{}",
        page.text
    );
    assert!(page.text.contains("M62 distribution warehouse"));
    assert!(page.text.contains("Risk heat map"));
    assert!(
        page.text.contains("<th scope=\"col\">Severe</th>"),
        "impact scale from the organisation"
    );
    assert!(page.text.contains("FEMA 452 risks by band"));
    assert!(page.text.contains("class=\"skip-link\""));
    assert_csp_clean(&page.text);
}

/// The dashboard is cached under the audit log's head: a write, from any
/// server, shows at the next view.
#[tokio::test]
async fn the_dashboard_shows_a_change_made_behind_its_back() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::SecurityManager).await;
    let b = ui.login("ann").await;
    let before = ui.get(Some(&b), "/").await;
    assert!(
        before
            .text
            .contains("Theft of loaded trailers from the yard")
    );
    assert_eq!(
        ui.get(Some(&b), "/").await.text,
        before.text,
        "a second view is the same"
    );
    // Written straight to the store, as another server would.
    let store: &dyn Store = &*ui.db;
    let mut risk = store
        .get::<rampart_domain::RiskScenario>(&ui.org, &id("r-whs-cargo-yard"))
        .await
        .unwrap()
        .unwrap();
    risk.value.title = "Renamed behind the dashboard's back".into();
    store
        .update("test", &ui.org, &risk.value, risk.version)
        .await
        .unwrap();
    let after = ui.get(Some(&b), "/").await;
    assert!(
        after.text.contains("Renamed behind the dashboard"),
        "{}",
        after.text
    );
    assert!(
        !after
            .text
            .contains("Theft of loaded trailers from the yard")
    );
}

/// Each site's panel is cached on its own, under the store's marks of the
/// site and of the records of no site: a user who sees one site gets only
/// its panel whoever filled the cache, and a renamed threat (a record of no
/// site) shows in every panel that names it.
#[tokio::test]
async fn dashboard_panels_are_cached_per_site_and_follow_writes_of_no_site() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::SecurityManager).await;
    ui.user_at("wes", Role::Viewer, Some(&["whs"])).await;
    let ann = ui.login("ann").await;
    let all = ui.get(Some(&ann), "/").await;
    for site in [
        "Leeds head office",
        "Manchester data centre MAN-1",
        "M62 distribution warehouse",
    ] {
        assert!(all.text.contains(site), "{site}");
    }
    // The cache now holds every site's panel; Wes sees his site's only.
    let wes = ui.login("wes").await;
    let one = ui.get(Some(&wes), "/").await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.text.contains("M62 distribution warehouse"));
    assert!(!one.text.contains("Leeds head office"), "{}", one.text);
    assert!(!one.text.contains("Manchester data centre MAN-1"));
    assert!(one.text.contains("Organised cargo and trailer theft"));
    // A threat renamed straight in the store, as another server would.
    let store: &dyn Store = &*ui.db;
    let mut threat = store
        .get::<rampart_domain::Threat>(&ui.org, &id("cargo-theft"))
        .await
        .unwrap()
        .unwrap();
    threat.value.name = "Trailer theft by an organised gang".into();
    store
        .update("test", &ui.org, &threat.value, threat.version)
        .await
        .unwrap();
    for b in [&ann, &wes] {
        let page = ui.get(Some(b), "/").await;
        assert!(
            page.text.contains("Trailer theft by an organised gang"),
            "{}",
            page.text
        );
        assert!(!page.text.contains("Organised cargo and trailer theft"));
    }
}

#[tokio::test]
async fn every_page_reads_and_keeps_to_the_csp() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    let b = ui.login("ann").await;
    for path in [
        "/",
        "/sites",
        "/sites/hq",
        "/asset-register",
        "/asset-register/whs-trailers",
        "/threats",
        "/threats/burglary",
        "/risks",
        "/risks?level=high&site=whs",
        "/risks/r-whs-cargo-yard",
        "/controls",
        "/controls/ctl-perimeter-fence",
        "/devices",
        "/devices/hq-cam-02",
        "/people",
        "/people/p-okafor",
        "/users",
        "/users/ann",
        "/roles",
        "/audit-log",
        "/sites/new",
        "/sites/hq/edit",
        "/asset-register/new",
        "/risks/new",
        "/risks/new?method=fema452",
        "/risks/new?method=nist80030",
        "/risks/r-whs-cargo-yard/edit",
        "/devices/new",
        "/devices/hq-cam-02/edit",
        "/risks/r-whs-cargo-fair",
        "/risks/r-whs-cargo-fair/edit",
        "/risks/r-whs-ransomware",
        "/risks/r-whs-ransomware/edit",
        "/audit-log?kind=risk&actor=test",
        "/risks?method=fair",
        "/zones/new?site=hq",
        "/zones/hq-reception/edit",
        "/threats/new",
        "/threats/burglary/edit",
        "/controls/new",
        "/controls/ctl-perimeter-fence/edit",
        "/people/new",
        "/people/p-okafor/edit",
        "/protection",
        "/protection/dc-pps",
        "/coverage",
        "/coverage/hq-lobby-plan",
        "/sites/whs/countermeasures",
        "/sites/whs/countermeasures?budget=60000",
    ] {
        let page = ui.get(Some(&b), path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text);
        assert!(
            page.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_csp_clean(&page.text);
    }
    // A FAIR risk's model is shown read-only; its other fields stay editable.
    let fair = ui.get(Some(&b), "/risks/r-whs-cargo-fair/edit").await;
    assert!(fair.text.contains("readonly"), "{}", fair.text);
    assert!(fair.text.contains("Open FAIR model"));
    let missing = ui.get(Some(&b), "/risks/no-such-risk").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_csp_clean(&missing.text);
    // The assets are embedded, typed and cached for long.
    for (path, ty) in [
        ("/assets/app.css", "text/css"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/htmx.min.js", "text/javascript"),
    ] {
        let a = ui.get(None, path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(
            a.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(ty)
        );
        assert!(
            a.headers[header::CACHE_CONTROL]
                .to_str()
                .unwrap()
                .contains("max-age=31536000")
        );
    }
}

#[tokio::test]
async fn html_in_a_name_is_escaped() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    let store: &dyn Store = &*ui.db;
    let site = Site {
        id: id("evil"),
        name: "<script>alert(1)</script> & \"co\"".to_owned(),
        kind: Default::default(),
        address: None,
        coordinates: None,
        facility_security_level: None,
        operating_hours: Default::default(),
        description: Some("<img src=x onerror=alert(2)>".to_owned()),
    };
    store.create("test", &ui.org, &site).await.unwrap();
    let b = ui.login("ann").await;
    for path in ["/sites", "/sites/evil", "/"] {
        let page = ui.get(Some(&b), path).await;
        assert!(!page.text.contains("<script>alert"), "{path}");
        assert!(!page.text.contains("<img src=x"), "{path}");
        assert!(
            page.text
                .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_viewer_sees_no_edit_button_and_is_refused() {
    let ui = Ui::demo().await;
    ui.user("vic", Role::Viewer).await;
    let b = ui.login("vic").await;
    let page = ui.get(Some(&b), "/sites/hq").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains("/sites/hq/edit"),
        "no edit button for a viewer"
    );
    let list = ui.get(Some(&b), "/risks").await;
    assert!(!list.text.contains("/risks/new"));
    assert!(
        !list.text.contains("Users"),
        "no account pages in the navigation"
    );
    assert_eq!(
        ui.get(Some(&b), "/sites/hq/edit").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ui.get(Some(&b), "/users").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ui.get(Some(&b), "/audit-log").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = ui
        .post(
            Some(&b),
            "/sites/hq",
            &[
                ("csrf_token", &b.csrf),
                ("version", "1"),
                ("name", "Mine now"),
                ("kind", "office"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_csp_clean(&refused.text);
    let store: &dyn Store = &*ui.db;
    let hq: rampart_store::Stored<Site> = store.get(&ui.org, &id("hq")).await.unwrap().unwrap();
    assert_eq!(hq.value.name, "Leeds head office");
}

#[tokio::test]
async fn a_form_without_the_session_token_is_refused() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    let b = ui.login("ann").await;
    let fields = [("id", "new-site"), ("name", "New site"), ("kind", "office")];
    let res = ui.post(Some(&b), "/sites", &fields).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let mut wrong = fields.to_vec();
    wrong.push((
        "csrf_token",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ));
    assert_eq!(
        ui.post(Some(&b), "/sites", &wrong).await.status,
        StatusCode::FORBIDDEN
    );
    let store: &dyn Store = &*ui.db;
    assert!(
        store
            .get::<Site>(&ui.org, &id("new-site"))
            .await
            .unwrap()
            .is_none()
    );
    // With the token it is created.
    let mut right = fields.to_vec();
    right.push(("csrf_token", &b.csrf));
    let ok = ui.post(Some(&b), "/sites", &right).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    assert_eq!(ok.headers[header::LOCATION], "/sites/new-site");
}

#[tokio::test]
async fn forms_keep_the_input_and_say_what_is_wrong() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    let b = ui.login("ann").await;
    // A FEMA risk with a missing rating and an asset on another site.
    let res = ui
        .post(
            Some(&b),
            "/risks",
            &[
                ("csrf_token", &b.csrf),
                ("method", "fema452"),
                ("id", "r-new"),
                ("title", "Tailgating <into> the hall"),
                ("site", "dc"),
                ("threat", "burglary"),
                ("asset", "dc-customer-servers"),
                ("treatment", "mitigate"),
                ("assessment.inherent.asset_value", "9"),
                ("assessment.inherent.threat", "4"),
                ("assessment.inherent.vulnerability", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text.contains("Choose a rating from 1 to 10."),
        "{}",
        res.text
    );
    assert!(
        res.text
            .contains("value=\"Tailgating &#60;into&#62; the hall\""),
        "input kept, escaped"
    );
    assert!(
        res.text
            .contains("href=\"#f-assessment-inherent-vulnerability\""),
        "summary links the field"
    );
    assert_csp_clean(&res.text);
    // Complete, it is stored with its score.
    let ok = ui
        .post(
            Some(&b),
            "/risks",
            &[
                ("csrf_token", &b.csrf),
                ("method", "fema452"),
                ("id", "r-new"),
                ("title", "Tailgating into the hall"),
                ("site", "dc"),
                ("threat", "burglary"),
                ("asset", "dc-customer-servers"),
                ("treatment", "mitigate"),
                ("assessment.inherent.asset_value", "8"),
                ("assessment.inherent.threat", "6"),
                ("assessment.inherent.vulnerability", "8"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let page = ui.get(Some(&b), "/risks/r-new").await;
    assert!(page.text.contains("384 / 1000"), "{}", page.text);
    // An asset of another site is refused by the same rules as the API.
    let bad = ui
        .post(
            Some(&b),
            "/risks",
            &[
                ("csrf_token", &b.csrf),
                ("method", "matrix"),
                ("id", "r-cross"),
                ("title", "Cross-site"),
                ("site", "dc"),
                ("threat", "burglary"),
                ("asset", "hq-staff"),
                ("treatment", "accept"),
                ("assessment.inherent.likelihood", "2"),
                ("assessment.inherent.impact", "3"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("is on site"), "{}", bad.text);
}

#[tokio::test]
async fn a_stale_edit_says_someone_else_changed_the_record() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    let b = ui.login("ann").await;
    let form = ui.get(Some(&b), "/devices/hq-cam-02/edit").await;
    let version = version_in(&form.text);
    let edit = |name: &str, version: &str| -> Vec<(String, String)> {
        [
            ("csrf_token", b.csrf.as_str()),
            ("version", version),
            ("site", "hq"),
            ("zone", "hq-reception"),
            ("kind", "camera"),
            ("status", "out_of_service"),
            ("name", name),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    };
    let first = edit("Reception camera 2", &version);
    let ok = ui
        .post(Some(&b), "/devices/hq-cam-02", &pairs(&first))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    // The second edit was based on the same, now old, version.
    let second = edit("Lobby camera", &version);
    let stale = ui
        .post(Some(&b), "/devices/hq-cam-02", &pairs(&second))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.text.contains("Changed by someone else"),
        "{}",
        stale.text
    );
    assert!(
        stale.text.contains("value=\"Lobby camera\""),
        "the input is kept"
    );
    // The dashboard now lists the camera as out of service.
    let dash = ui.get(Some(&b), "/").await;
    assert!(dash.text.contains("Reception camera 2"));
}

#[tokio::test]
async fn lists_export_csv_with_formulas_defused() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    let store: &dyn Store = &*ui.db;
    let mut asset: rampart_domain::Asset = store
        .get(&ui.org, &id("hq-av-kit"))
        .await
        .unwrap()
        .unwrap()
        .value;
    asset.id = id("hq-formula");
    asset.name = "=HYPERLINK(\"http://evil.example\",\"x\")".to_owned();
    store.create("test", &ui.org, &asset).await.unwrap();
    let b = ui.login("ann").await;
    let csv = ui.get(Some(&b), "/asset-register?site=hq&format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let disposition = csv.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"rampart-assets-"),
        "{disposition}"
    );
    let mut lines = csv.text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Asset,Site,Zone,Kind,Value (1-10),Owner,Replacement cost"
    );
    assert!(
        csv.text
            .contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
        "{}",
        csv.text
    );
    assert!(!csv.text.contains("Manchester"), "the site filter applies");
    let risks = ui.get(Some(&b), "/risks?format=csv&level=high").await;
    assert!(
        risks
            .text
            .starts_with("Risk,Site,Threat,Asset,Method,Inherent,Current,Residual,Level,")
    );
    assert!(
        risks
            .text
            .contains("Theft of loaded trailers from the yard")
    );
}

#[tokio::test]
async fn filters_answer_htmx_with_the_results_only() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    let b = ui.login("ann").await;
    let req = Request::builder()
        .uri("/risks?site=whs&treatment=accept")
        .header(header::COOKIE, &b.cookie)
        .header("hx-request", "true")
        .header("hx-target", "results")
        .body(Body::empty())
        .unwrap();
    let part = ui.send(req).await;
    assert_eq!(part.status, StatusCode::OK);
    assert!(!part.text.contains("<html"), "a fragment");
    assert!(
        part.text.contains("Diesel theft from the bunker"),
        "{}",
        part.text
    );
    assert!(
        !part.text.contains("Theft of loaded trailers"),
        "filtered by treatment"
    );
    assert!(part.text.contains("format=csv"));
    // A session that has ended sends htmx to the login page, not into the table.
    let req = Request::builder()
        .uri("/risks?site=whs")
        .header("hx-request", "true")
        .header("hx-target", "results")
        .body(Body::empty())
        .unwrap();
    let ended = ui.send(req).await;
    assert_eq!(
        ended.headers["hx-redirect"],
        "/login?next=/risks%3Fsite%3Dwhs"
    );
    assert!(ended.text.is_empty());
    // The same URL without htmx is the whole page.
    let full = ui.get(Some(&b), "/risks?site=whs&treatment=accept").await;
    assert!(full.text.contains("<html"));
    assert!(full.text.contains("hx-get=\"/risks\""));
}

#[tokio::test]
async fn a_locked_login_says_so_and_a_one_time_password_must_be_replaced() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Admin).await;
    for _ in 0..5 {
        let res = ui
            .post(
                None,
                "/login",
                &[("login", "ann"), ("password", "wrong wrong wrong")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let locked = ui
        .post(None, "/login", &[("login", "ann"), ("password", PASSWORD)])
        .await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked.text.contains("Too many failed logins"),
        "{}",
        locked.text
    );
    assert!(locked.headers.contains_key(header::RETRY_AFTER));

    // A one-time password asks for a new one, with the policy beside the field.
    ui.user("bob", Role::Viewer).await;
    let cred = ui.db.credential_by_login("bob").await.unwrap().unwrap();
    ui.db
        .set_credential(
            "test",
            &Credential {
                must_change: true,
                ..cred
            },
        )
        .await
        .unwrap();
    let ask = ui
        .post(None, "/login", &[("login", "bob"), ("password", PASSWORD)])
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.text.contains("name=\"new_password\""), "{}", ask.text);
    assert!(!ask.headers.contains_key(header::SET_COOKIE));
    let short = ui
        .post(
            None,
            "/login",
            &[
                ("login", "bob"),
                ("password", PASSWORD),
                ("must_change", "1"),
                ("new_password", "short"),
            ],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.text.contains("12 characters"), "{}", short.text);
    let done = ui
        .post(
            None,
            "/login",
            &[
                ("login", "bob"),
                ("password", PASSWORD),
                ("must_change", "1"),
                ("new_password", "another long passphrase"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert!(done.headers.contains_key(header::SET_COOKIE));
}

#[tokio::test]
async fn editing_a_fair_risk_keeps_its_model() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Assessor).await;
    let b = ui.login("ann").await;
    let store: &dyn Store = &*ui.db;
    let before: rampart_store::Stored<rampart_domain::RiskScenario> = store
        .get(&ui.org, &id("r-whs-cargo-fair"))
        .await
        .unwrap()
        .unwrap();
    let r = &before.value;
    let version = before.version.to_string();
    let (site, threat, asset) = (
        r.site.to_string(),
        r.threat.to_string(),
        r.asset.to_string(),
    );
    let res = ui
        .post(
            Some(&b),
            "/risks/r-whs-cargo-fair",
            &[
                ("csrf_token", &b.csrf),
                ("version", &version),
                ("method", "matrix"),
                ("title", "Cargo theft, quantified"),
                ("site", &site),
                ("threat", &threat),
                ("asset", &asset),
                ("treatment", "transfer"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text);
    let after: rampart_store::Stored<rampart_domain::RiskScenario> = store
        .get(&ui.org, &id("r-whs-cargo-fair"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.value.title, "Cargo theft, quantified");
    assert_eq!(
        after.value.assessment, before.value.assessment,
        "the method and model are kept"
    );
    assert_eq!(after.value.controls, before.value.controls);
    assert_eq!(after.version, before.version + 1);
}

#[tokio::test]
async fn zones_threats_controls_and_people_have_forms_and_can_be_deleted() {
    let ui = Ui::demo().await;
    ui.user("mgr", Role::SecurityManager).await;
    let b = ui.login("mgr").await;
    let store: &dyn Store = &*ui.db;

    // A zone on the head office, within reception.
    let made = ui
        .post(
            Some(&b),
            "/zones",
            &[
                ("csrf_token", &b.csrf),
                ("id", "hq-post-room"),
                ("name", "Post room"),
                ("site", "hq"),
                ("parent", "hq-reception"),
                ("kind", "room"),
                ("classification", "restricted"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text);
    let z = store
        .get::<rampart_domain::Zone>(&ui.org, &id("hq-post-room"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(z.value.parent, Some(id("hq-reception")));
    assert_eq!(
        z.value.classification,
        rampart_domain::Classification::Restricted
    );
    // Its site's page links to its form.
    let site = ui.get(Some(&b), "/sites/hq").await;
    assert!(site.text.contains("/zones/hq-post-room/edit"));
    assert!(site.text.contains("/zones/new?site=hq"));

    // A bad effectiveness is shown beside the field, nothing stored.
    let bad = ui
        .post(
            Some(&b),
            "/controls",
            &[
                ("csrf_token", &b.csrf),
                ("id", "ctl-new"),
                ("name", "Vehicle barrier"),
                ("function", "delay"),
                ("kind", "physical"),
                ("capex", "25000"),
                ("effectiveness", "140"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("Enter a percentage from 0 to 100."));
    assert!(
        store
            .get::<rampart_domain::Control>(&ui.org, &id("ctl-new"))
            .await
            .unwrap()
            .is_none()
    );
    let good = ui
        .post(
            Some(&b),
            "/controls",
            &[
                ("csrf_token", &b.csrf),
                ("id", "ctl-new"),
                ("name", "Vehicle barrier"),
                ("function", "delay"),
                ("kind", "physical"),
                ("capex", "25000"),
                ("opex_annual", "1200"),
                ("effectiveness", "40"),
                ("lifetime_years", "15"),
            ],
        )
        .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER, "{}", good.text);
    let c = store
        .get::<rampart_domain::Control>(&ui.org, &id("ctl-new"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.value.effectiveness, Some(0.4));
    assert_eq!(c.value.lifetime_years, Some(15));

    // Editing a threat keeps its adversary profile and site ratings.
    let before = store
        .get::<rampart_domain::Threat>(&ui.org, &id("burglary"))
        .await
        .unwrap()
        .unwrap();
    let form = ui.get(Some(&b), "/threats/burglary/edit").await;
    let version = version_in(&form.text);
    let edited = ui
        .post(
            Some(&b),
            "/threats/burglary",
            &[
                ("csrf_token", &b.csrf),
                ("version", &version),
                ("name", "Burglary out of hours"),
                ("category", "criminal"),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.text);
    let after = store
        .get::<rampart_domain::Threat>(&ui.org, &id("burglary"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.value.name, "Burglary out of hours");
    assert_eq!(after.value.ratings, before.value.ratings);
    assert_eq!(after.value.adversary, before.value.adversary);

    // A person: roles from a comma list; a bad email is refused.
    let p = ui
        .post(
            Some(&b),
            "/people",
            &[
                ("csrf_token", &b.csrf),
                ("id", "p-new"),
                ("name", "Sam Guard"),
                ("kind", "contractor"),
                ("email", "not an address"),
                ("roles", "guard, key holder"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text.contains("Enter an email address"));
    let p = ui
        .post(
            Some(&b),
            "/people",
            &[
                ("csrf_token", &b.csrf),
                ("id", "p-new"),
                ("name", "Sam Guard"),
                ("kind", "contractor"),
                ("email", "sam@example.com"),
                ("roles", "guard, key holder"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.text);
    let person = store
        .get::<rampart_domain::Person>(&ui.org, &id("p-new"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.value.roles, ["guard", "key holder"]);

    // Delete: the control's page offers it; a stale version or a record
    // still referred to is refused with the reason; then it goes.
    let page = ui.get(Some(&b), "/controls/ctl-new").await;
    assert!(page.text.contains("action=\"/controls/ctl-new/delete\""));
    let stale = ui
        .post(
            Some(&b),
            "/controls/ctl-new/delete",
            &[("csrf_token", &b.csrf), ("version", "7")],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    let referenced = ui
        .post(
            Some(&b),
            "/zones/hq-reception/delete",
            &[("csrf_token", &b.csrf), ("version", "1")],
        )
        .await;
    assert_eq!(
        referenced.status,
        StatusCode::CONFLICT,
        "{}",
        referenced.text
    );
    assert!(
        store
            .get::<rampart_domain::Zone>(&ui.org, &id("hq-reception"))
            .await
            .unwrap()
            .is_some()
    );
    let no_token = ui
        .post(Some(&b), "/controls/ctl-new/delete", &[("version", "1")])
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let gone = ui
        .post(
            Some(&b),
            "/controls/ctl-new/delete",
            &[("csrf_token", &b.csrf), ("version", "1")],
        )
        .await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER, "{}", gone.text);
    assert!(
        store
            .get::<rampart_domain::Control>(&ui.org, &id("ctl-new"))
            .await
            .unwrap()
            .is_none()
    );

    // An assessor may edit zones but delete nothing: no button, and refused.
    ui.user("asr", Role::Assessor).await;
    let a = ui.login("asr").await;
    let zone_site = ui.get(Some(&a), "/sites/hq").await;
    assert!(!zone_site.text.contains("Delete this"));
    let refused = ui
        .post(
            Some(&a),
            "/zones/hq-post-room/delete",
            &[("csrf_token", &a.csrf), ("version", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(
        store
            .get::<rampart_domain::Zone>(&ui.org, &id("hq-post-room"))
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn the_account_page_changes_the_password_and_manages_tokens() {
    let ui = Ui::demo().await;
    ui.user("ann", Role::Assessor).await;
    let b = ui.login("ann").await;
    let page = ui.get(Some(&b), "/account").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert_csp_clean(&page.text);
    assert!(page.text.contains("Change your password"));

    // A token: shown once, works as a bearer token, then revoked.
    let made = ui
        .post(
            Some(&b),
            "/account/tokens",
            &[
                ("csrf_token", &b.csrf),
                ("name", "nightly export"),
                ("expires_in_days", "30"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.headers[header::CACHE_CONTROL], "no-store");
    let marker = "id=\"new-token\" class=\"mono token-secret\" readonly value=\"";
    let start = made.text.find(marker).expect("the secret") + marker.len();
    let secret = made.text[start..].split('"').next().unwrap().to_owned();
    assert!(secret.starts_with("rmp_"), "{secret}");
    let me = |secret: String| {
        Request::builder()
            .uri("/api/v1/me")
            .header(header::AUTHORIZATION, format!("Bearer {secret}"))
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(ui.send(me(secret.clone())).await.status, StatusCode::OK);
    let again = ui.get(Some(&b), "/account").await;
    assert!(!again.text.contains(&secret), "shown once only");
    assert!(again.text.contains("nightly export"));
    let bad = ui
        .post(
            Some(&b),
            "/account/tokens",
            &[
                ("csrf_token", &b.csrf),
                ("name", " "),
                ("expires_in_days", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("1 to 100 characters"), "{}", bad.text);
    let tokens = ui.db.api_tokens_of(&ui.org, &id("ann")).await.unwrap();
    assert_eq!(tokens.len(), 1);
    let revoke = format!("/account/tokens/{}/revoke", tokens[0].id);
    assert_eq!(
        ui.post(Some(&b), &revoke, &[]).await.status,
        StatusCode::FORBIDDEN,
        "the CSRF token is needed"
    );
    let r = ui.post(Some(&b), &revoke, &[("csrf_token", &b.csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(ui.send(me(secret)).await.status, StatusCode::UNAUTHORIZED);

    // The password: a wrong current one, two different new ones, then right.
    let wrong = ui
        .post(
            Some(&b),
            "/account/password",
            &[
                ("csrf_token", &b.csrf),
                ("current_password", "not it"),
                ("new_password", "a brand new long passphrase"),
                ("new_password_again", "a brand new long passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text.contains("The current password is wrong"));
    let differ = ui
        .post(
            Some(&b),
            "/account/password",
            &[
                ("csrf_token", &b.csrf),
                ("current_password", PASSWORD),
                ("new_password", "a brand new long passphrase"),
                ("new_password_again", "another long passphrase"),
            ],
        )
        .await;
    assert_eq!(differ.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(differ.text.contains("The two new passwords differ."));
    let done = ui
        .post(
            Some(&b),
            "/account/password",
            &[
                ("csrf_token", &b.csrf),
                ("current_password", PASSWORD),
                ("new_password", "a brand new long passphrase"),
                ("new_password_again", "a brand new long passphrase"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    // This session ended with the old password.
    let after = ui.get(Some(&b), "/account").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    let login = ui
        .post(
            None,
            "/login",
            &[
                ("login", "ann"),
                ("password", "a brand new long passphrase"),
                ("next", "/"),
            ],
        )
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.text);
}

/// The one-time password on the page that shows it.
fn one_time_password(html: &str) -> String {
    let at = html
        .find("id=\"one-time-password\"")
        .expect("a one-time password");
    let rest = &html[at..];
    let start = rest.find("value=\"").unwrap() + "value=\"".len();
    rest[start..].split('"').next().unwrap().to_owned()
}

async fn stored_user(ui: &Ui, user: &str) -> rampart_store::Stored<User> {
    let store: &dyn Store = &*ui.db;
    store
        .get::<User>(&ui.org, &id(user))
        .await
        .unwrap()
        .unwrap()
}

async fn audit_text(ui: &Ui) -> String {
    let store: &dyn Store = &*ui.db;
    let entries = store.audit_entries(0, 100_000).await.unwrap();
    serde_json::to_string(&entries).unwrap()
}

/// An edit of user `user` as its form sends it.
fn user_edit<'a>(
    b: &'a Browser,
    version: &'a str,
    role: &'a str,
    all_sites: &'a str,
    disabled: bool,
) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("csrf_token", b.csrf.as_str()),
        ("version", version),
        ("display_name", "Edited name"),
        ("email", ""),
        ("role", role),
        ("all_sites", all_sites),
        ("person", ""),
    ];
    if all_sites == "false" {
        f.push(("sites", "hq"));
    }
    if disabled {
        f.push(("disabled", "1"));
    }
    f
}

#[tokio::test]
async fn an_admin_creates_a_user_whose_one_time_password_works_once() {
    let ui = Ui::demo().await;
    ui.user("root", Role::Admin).await;
    let b = ui.login("root").await;
    let list = ui.get(Some(&b), "/users").await;
    assert!(list.text.contains("href=\"/users/new\""), "{}", list.text);
    let form = ui.get(Some(&b), "/users/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_csp_clean(&form.text);
    assert!(
        form.text
            .contains("type=\"checkbox\" id=\"f-sites\" name=\"sites\" value=\"hq\"")
    );
    assert!(form.text.contains("name=\"csrf_token\""));
    assert!(
        form.text
            .contains("role=\"group\" aria-labelledby=\"f-sites-label\"")
    );

    // Bad input: each message beside its field, nothing created.
    let bad = ui
        .post(
            Some(&b),
            "/users",
            &[
                ("csrf_token", &b.csrf),
                ("id", "carol"),
                ("display_name", " "),
                ("email", "not an address"),
                ("role", "emperor"),
                ("all_sites", "false"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "Enter a display name.",
        "Enter an email address like name@example.com.",
        "Choose a role.",
        "Tick at least one site, or let the user see every site.",
    ] {
        assert!(bad.text.contains(msg), "{msg}: {}", bad.text);
    }
    assert!(bad.text.contains("value=\"carol\""), "the input is kept");
    let store: &dyn Store = &*ui.db;
    assert!(
        store
            .get::<User>(&ui.org, &id("carol"))
            .await
            .unwrap()
            .is_none()
    );

    let fields = [
        ("csrf_token", b.csrf.as_str()),
        ("id", "carol"),
        ("display_name", "Carol Diaz"),
        ("email", "carol@example.com"),
        ("role", "assessor"),
        ("all_sites", "false"),
        ("sites", "dc"),
        ("sites", "hq"),
        ("person", "p-chen"),
    ];
    let made = ui.post(Some(&b), "/users", &fields).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.headers[header::CACHE_CONTROL], "no-store");
    assert_csp_clean(&made.text);
    let password = one_time_password(&made.text);
    assert_eq!(password.len(), 20);
    let carol = stored_user(&ui, "carol").await.value;
    assert_eq!(
        (
            carol.role,
            carol.all_sites,
            carol.sites.clone(),
            carol.person.clone()
        ),
        (
            Role::Assessor,
            false,
            vec![id("dc"), id("hq")],
            Some(id("p-chen"))
        )
    );
    assert_eq!(carol.email.as_deref(), Some("carol@example.com"));
    // Audited, the password never.
    let audit = audit_text(&ui).await;
    assert!(audit.contains("carol"));
    assert!(!audit.contains(&password));
    assert!(!audit.contains("argon2"));
    let page = ui.get(Some(&b), "/users/carol").await;
    assert!(
        page.text
            .contains("One-time: to be replaced at the next login")
    );

    // The same id again is refused beside the field.
    let again = ui.post(Some(&b), "/users", &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text.contains("There is already a user with this id."));
    assert!(!again.text.contains("one-time-password"));

    // The one-time password logs in once, and only to choose a new one.
    let ask = ui
        .post(
            None,
            "/login",
            &[("login", "carol"), ("password", &password)],
        )
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.text.contains("name=\"new_password\""), "{}", ask.text);
    assert!(!ask.headers.contains_key(header::SET_COOKIE));
    let done = ui
        .post(
            None,
            "/login",
            &[
                ("login", "carol"),
                ("password", &password),
                ("must_change", "1"),
                ("new_password", "carol's own long passphrase"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let reused = ui
        .post(
            None,
            "/login",
            &[("login", "carol"), ("password", &password)],
        )
        .await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED);
    assert!(
        !audit_text(&ui)
            .await
            .contains("carol's own long passphrase")
    );
}

#[tokio::test]
async fn a_user_edit_checks_the_version_and_disabling_ends_the_sessions() {
    let ui = Ui::demo().await;
    ui.user("root", Role::Admin).await;
    ui.user("vic", Role::Viewer).await;
    let b = ui.login("root").await;
    let vic = ui.login("vic").await;
    let form = ui.get(Some(&b), "/users/vic/edit").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_csp_clean(&form.text);
    let version = version_in(&form.text);
    let done = ui
        .post(
            Some(&b),
            "/users/vic",
            &user_edit(&b, &version, "responder", "false", true),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let stored = stored_user(&ui, "vic").await;
    assert_eq!(stored.version, 2);
    assert!(stored.value.disabled);
    assert_eq!(
        (stored.value.role, stored.value.sites),
        (Role::Responder, vec![id("hq")])
    );
    // Vic's session ended with the account.
    let gone = ui.get(Some(&vic), "/").await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert!(ui.db.credential_by_login("vic").await.unwrap().is_some());

    // An edit based on the old version is refused, and says why.
    let stale = ui
        .post(
            Some(&b),
            "/users/vic",
            &user_edit(&b, &version, "viewer", "true", false),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(
        stale.text.contains("Changed by someone else"),
        "{}",
        stale.text
    );
    assert_eq!(stored_user(&ui, "vic").await.version, 2);
}

#[tokio::test]
async fn the_last_administrator_cannot_demote_narrow_or_disable_themself() {
    let ui = Ui::demo().await;
    ui.user("root", Role::Admin).await;
    let b = ui.login("root").await;
    let version = version_in(&ui.get(Some(&b), "/users/root/edit").await.text);
    for (role, all_sites, disabled) in [
        ("viewer", "true", false),
        ("admin", "false", false),
        ("admin", "true", true),
    ] {
        let refused = ui
            .post(
                Some(&b),
                "/users/root",
                &user_edit(&b, &version, role, all_sites, disabled),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{role}");
        assert!(
            refused
                .text
                .contains("last enabled administrator with access to every site"),
            "{}",
            refused.text
        );
        assert!(refused.text.contains("has-error"), "beside the field");
    }
    let root = stored_user(&ui, "root").await;
    assert_eq!((root.version, root.value.role), (1, Role::Admin));

    // With a second administrator, the first may step down.
    ui.user("root2", Role::Admin).await;
    let ok = ui
        .post(
            Some(&b),
            "/users/root",
            &user_edit(&b, &version, "viewer", "true", false),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    assert_eq!(stored_user(&ui, "root").await.value.role, Role::Viewer);
}

#[tokio::test]
async fn only_an_administrator_of_every_site_manages_users() {
    let ui = Ui::demo().await;
    ui.user("mgr", Role::SecurityManager).await;
    ui.user("root", Role::Admin).await;
    let m = ui.login("mgr").await;
    for path in ["/users", "/users/new", "/users/root", "/users/root/edit"] {
        assert_eq!(
            ui.get(Some(&m), path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let create = [
        ("csrf_token", m.csrf.as_str()),
        ("id", "sneaky"),
        ("display_name", "Sneaky"),
        ("role", "admin"),
        ("all_sites", "true"),
    ];
    assert_eq!(
        ui.post(Some(&m), "/users", &create).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ui.post(
            Some(&m),
            "/users/root",
            &user_edit(&m, "1", "viewer", "true", false)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ui.post(Some(&m), "/users/root/password", &[("csrf_token", &m.csrf)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let store: &dyn Store = &*ui.db;
    assert!(
        store
            .get::<User>(&ui.org, &id("sneaky"))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(stored_user(&ui, "root").await.version, 1);

    // An administrator's form without the session's token is refused too.
    let b = ui.login("root").await;
    let no_token = ui.post(Some(&b), "/users", &create[1..]).await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert!(
        store
            .get::<User>(&ui.org, &id("sneaky"))
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_reset_password_is_shown_once_and_ends_the_sessions() {
    let ui = Ui::demo().await;
    ui.user("root", Role::Admin).await;
    ui.user("vic", Role::Viewer).await;
    let b = ui.login("root").await;
    let vic = ui.login("vic").await;
    let page = ui.get(Some(&b), "/users/vic").await;
    assert!(
        page.text.contains("action=\"/users/vic/password\""),
        "{}",
        page.text
    );
    assert!(page.text.contains("href=\"/users/vic/edit\""));
    assert_csp_clean(&page.text);
    let reset = ui
        .post(Some(&b), "/users/vic/password", &[("csrf_token", &b.csrf)])
        .await;
    assert_eq!(reset.status, StatusCode::OK, "{}", reset.text);
    assert_eq!(reset.headers[header::CACHE_CONTROL], "no-store");
    let password = one_time_password(&reset.text);
    assert_eq!(ui.get(Some(&vic), "/").await.status, StatusCode::SEE_OTHER);
    let old = ui
        .post(None, "/login", &[("login", "vic"), ("password", PASSWORD)])
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    let ask = ui
        .post(None, "/login", &[("login", "vic"), ("password", &password)])
        .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.text.contains("name=\"new_password\""));
    let audit = audit_text(&ui).await;
    assert!(audit.contains("\\\"must_change\\\":true"), "{audit}");
    assert!(!audit.contains(&password));
}
