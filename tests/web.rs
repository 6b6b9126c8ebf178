//! The web application through its HTTP interface, in process: the role x
//! route x site matrix, sessions and CSRF, lockout, bad input, the OpenAPI
//! document, and two servers sharing one PostgreSQL.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use rampart_domain::{Id, Role, User};
use rampart_server::{AppState, ServerConfig, auth};
use rampart_store::{ApiToken, Credential, Database, ImportMode, Store};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::util;

fn id(s: &str) -> Id {
    Id::new(s).unwrap()
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
}

/// A server in process, on a store holding the demo organisation.
pub struct Web {
    pub db: Arc<dyn Database>,
    pub app: Router,
    pub org: Id,
}

impl Web {
    pub async fn on(db: Arc<dyn Database>, config: ServerConfig) -> Web {
        let doc = rampart_orgfile::parse(
            "demo-organisation.yaml",
            &std::fs::read_to_string(util::root().join("examples/demo-organisation.yaml")).unwrap(),
            rampart_orgfile::Format::Yaml,
        )
        .unwrap();
        let org = doc.organisation.id.clone();
        if db.organisation(&org).await.unwrap().is_none() {
            rampart_store::import_document(&*db, "test", &doc, ImportMode::CreateOnly, &|_| {})
                .await
                .unwrap();
        }
        Web::serving(db, config, org)
    }

    pub fn serving(db: Arc<dyn Database>, config: ServerConfig, org: Id) -> Web {
        let state = AppState::new(db.clone(), config, Arc::new(|_, _| Ok(())))
            .with_analysis(Arc::new(rampart_analyst::Analyst))
            .with_audits(Arc::new(rampart_analyst::AuditAnalyst))
            .with_reports(Arc::new(rampart_analyst::Analyst));
        Web {
            app: rampart_server::app(state),
            db,
            org,
        }
    }

    pub async fn sqlite() -> Web {
        let store = rampart_store_sqlite::SqliteStore::open(&rampart_store::DatabaseUrl::new(
            "sqlite::memory:",
        ))
        .await
        .unwrap();
        Web::on(Arc::new(store), ServerConfig::default()).await
    }

    /// A user with an API token whose secret is returned.
    pub async fn user_with_token(&self, login: &str, role: Role, sites: Option<&[&str]>) -> String {
        let user = User {
            id: id(login),
            display_name: login.to_owned(),
            email: None,
            role,
            all_sites: sites.is_none(),
            sites: sites.unwrap_or_default().iter().map(|s| id(s)).collect(),
            person: None,
            disabled: false,
        };
        let store: &dyn Store = &*self.db;
        store.create("test", &self.org, &user).await.unwrap();
        let secret = format!("rmp_{}", auth::random_secret().unwrap());
        self.db
            .insert_api_token(
                "test",
                &ApiToken {
                    id: format!("t-{login}"),
                    token_hash: auth::token_hash(&secret),
                    org: self.org.clone(),
                    user: user.id.clone(),
                    name: "tests".into(),
                    created_at: rampart_store::now_text(),
                    expires_at: None,
                    last_used_at: None,
                    revoked: false,
                },
            )
            .await
            .unwrap();
        secret
    }

    /// A user with a password, for session tests.
    pub async fn user_with_password(&self, login: &str, role: Role, password: &str) {
        let user = User {
            id: id(login),
            display_name: login.to_owned(),
            email: None,
            role,
            all_sites: true,
            sites: Vec::new(),
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
                    password_hash: auth::hash_password(password).unwrap(),
                    must_change: false,
                    updated_at: rampart_store::now_text(),
                },
            )
            .await
            .unwrap();
    }

    /// A user with a password who may see only `sites`.
    pub async fn scoped_user_with_password(
        &self,
        login: &str,
        role: Role,
        password: &str,
        sites: &[&str],
    ) {
        self.user_with_password(login, role, password).await;
        let store: &dyn Store = &*self.db;
        let stored = store
            .get::<User>(&self.org, &id(login))
            .await
            .unwrap()
            .unwrap();
        let scoped = User {
            all_sites: false,
            sites: sites.iter().map(|s| id(s)).collect(),
            ..stored.value
        };
        store
            .update("test", &self.org, &scoped, stored.version)
            .await
            .unwrap();
    }

    /// Log in; the session cookie (`name=value`) and its CSRF token.
    pub async fn session(&self, login: &str, password: &str) -> (String, String) {
        let req = Request::builder()
            .method(Method::POST)
            .uri("/api/v1/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"login": login, "password": password}).to_string(),
            ))
            .unwrap();
        let a = self.send(req).await;
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

    /// A page (or download) with a session cookie.
    pub async fn page(&self, cookie: &str, path: &str) -> (Answer, Vec<u8>) {
        let req = Request::builder()
            .uri(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (
            Answer {
                status,
                headers,
                body,
                text,
            },
            bytes,
        )
    }

    pub async fn send(&self, req: Request<Body>) -> Answer {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    /// A request with a bearer token and an optional JSON body.
    pub async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Answer {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        let body = match body {
            Some(v) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.send(b.body(body).unwrap()).await
    }
}

/// What each role may do to each kind, written out as the specification
/// (r read, w create/update, d delete), independently of the server's table.
fn may(role: Role, path: &str) -> &'static str {
    use Role::*;
    match (path, role) {
        ("users", Admin) => "rwd",
        ("users", _) => "",
        (_, Admin | SecurityManager) => "rwd",
        (
            "zones" | "assets" | "threats" | "risks" | "facility-models" | "floor-plans"
            | "inspections" | "acceptance-plans" | "audits",
            Assessor,
        ) => "rw",
        ("devices", Assessor | Responder) => "rw",
        (_, _) => "r",
    }
}

const ROLES: [Role; 5] = [
    Role::Admin,
    Role::SecurityManager,
    Role::Assessor,
    Role::Responder,
    Role::Viewer,
];

/// Site-scoped resources and a new record of each at `site` (some copy a
/// demo record of the site, which `admin` reads).
async fn fixture(web: &Web, admin: &str, path: &str, new_id: &str, site: &str) -> Value {
    let asset = if site == "dc" {
        "dc-customer-servers"
    } else {
        "hq-staff"
    };
    match path {
        "zones" => json!({"id": new_id, "site": site, "name": "Test zone"}),
        "assets" => {
            json!({"id": new_id, "site": site, "name": "Test asset", "kind": "physical", "value": 5})
        }
        "devices" => json!({"id": new_id, "site": site, "kind": "camera", "status": "operational"}),
        "risks" => {
            json!({"id": new_id, "site": site, "threat": "burglary", "asset": asset, "title": "Test risk",
                          "assessment": {"method": "fema452", "inherent": {"asset_value": 5, "threat": 5, "vulnerability": 5}}})
        }
        "applied-controls" => {
            json!({"id": new_id, "control": "ctl-perimeter-fence", "site": site, "status": "proposed"})
        }
        "facility-models" | "floor-plans" => {
            let source = if path == "facility-models" {
                "dc-pps"
            } else {
                "hq-lobby-plan"
            };
            let mut v = web
                .call(
                    admin,
                    Method::GET,
                    &format!("/api/v1/{path}/{source}"),
                    None,
                )
                .await
                .body;
            let obj = v.as_object_mut().unwrap();
            for meta in ["version", "updated_at", "updated_by", "zone"] {
                obj.remove(meta);
            }
            obj.insert("id".into(), json!(new_id));
            obj.insert("site".into(), json!(site));
            v
        }
        "audits" => json!({"id": new_id, "site": site, "framework": "physical-security",
                            "title": "Test audit", "status": "planned",
                            "planned_start": "2026-02-02", "planned_end": "2026-02-06"}),
        "inspections" => json!({"id": new_id, "site": site, "title": "Test round",
                                 "every": {"weeks": 2}, "start": "2026-01-05"}),
        "acceptance-plans" => json!({"id": new_id, "site": site, "title": "Test plan",
            "tests": [{"id": "t1", "title": "A test", "procedure": "Do it", "expected": "It works"}]}),
        _ => unreachable!("{path}"),
    }
}

const SITE_SCOPED: [&str; 10] = [
    "zones",
    "assets",
    "devices",
    "risks",
    "applied-controls",
    "facility-models",
    "floor-plans",
    "audits",
    "inspections",
    "acceptance-plans",
];

/// Organisation-wide catalogues, and a new record of each.
fn catalogue_fixture(path: &str, new_id: &str) -> Value {
    match path {
        "threats" => json!({"id": new_id, "name": "Test threat", "category": "criminal"}),
        "controls" => json!({"id": new_id, "name": "Test control", "function": "detect"}),
        "people" => json!({"id": new_id, "name": "Test person", "kind": "staff"}),
        "frameworks" => {
            json!({"id": new_id, "title": "Test checklist", "source": "builtin:physical-security"})
        }
        "users" => json!({"id": new_id, "display_name": "Test user", "role": "viewer"}),
        _ => unreachable!("{path}"),
    }
}

fn expect(ok: StatusCode, allowed: bool) -> StatusCode {
    if allowed { ok } else { StatusCode::FORBIDDEN }
}

#[track_caller]
fn check(answer: &Answer, expected: StatusCode, what: &str, seen: &mut Vec<String>) {
    if answer.status != expected {
        seen.push(format!(
            "{what}: expected {expected}, got {} {}",
            answer.status, answer.text
        ));
    }
}

/// Every role, scoped to the data centre, on every record route, on its own
/// site and on another; then the same routes with no credentials. Also
/// checks that the matrix covers every route of the OpenAPI document.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_role_matrix_holds_on_every_route() {
    let web = Web::sqlite().await;
    let admin = web.user_with_token("root", Role::Admin, None).await;
    let mut wrong = Vec::new();
    let mut walked: BTreeSet<(String, String)> = BTreeSet::new();
    let mut walk = |m: &str, p: String| {
        walked.insert((m.to_owned(), p));
    };
    let mut n = 0;
    for role in ROLES {
        let name = format!("{role:?}").to_lowercase();
        let token = web.user_with_token(&name, role, Some(&["dc"])).await;
        for path in SITE_SCOPED {
            let rights = may(role, path);
            let (r, w, d) = (
                rights.contains('r'),
                rights.contains('w'),
                rights.contains('d'),
            );
            for (site, own) in [("dc", true), ("hq", false)] {
                n += 1;
                let tag = format!("{name} {path} at {site}");
                // Records made by the all-sites admin, one per operation.
                let base = format!("m{n}");
                for suffix in ["get", "put", "del"] {
                    let body = fixture(&web, &admin, path, &format!("{base}-{suffix}"), site).await;
                    let a = web
                        .call(
                            &admin,
                            Method::POST,
                            &format!("/api/v1/{path}"),
                            Some(&body),
                        )
                        .await;
                    assert_eq!(a.status, StatusCode::CREATED, "fixture {tag}: {}", a.text);
                }
                let list = web
                    .call(
                        &token,
                        Method::GET,
                        &format!("/api/v1/{path}?site={site}&limit=500"),
                        None,
                    )
                    .await;
                check(
                    &list,
                    expect(StatusCode::OK, r),
                    &format!("{tag}: list"),
                    &mut wrong,
                );
                if list.status == StatusCode::OK {
                    let items = list.body["items"].as_array().unwrap();
                    let sees_fixture = items
                        .iter()
                        .any(|i| i["id"] == json!(format!("{base}-get")));
                    if sees_fixture != own {
                        wrong.push(format!("{tag}: list shows the fixture: {sees_fixture}"));
                    }
                    if items.iter().any(|i| i["site"] != json!("dc")) {
                        wrong.push(format!("{tag}: list shows another site's records"));
                    }
                }
                walk("get", format!("/api/v1/{path}"));
                let get = web
                    .call(
                        &token,
                        Method::GET,
                        &format!("/api/v1/{path}/{base}-get"),
                        None,
                    )
                    .await;
                let want = if !r {
                    StatusCode::FORBIDDEN
                } else if own {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                check(&get, want, &format!("{tag}: get"), &mut wrong);
                walk("get", format!("/api/v1/{path}/{{id}}"));

                let new = fixture(&web, &admin, path, &format!("{base}-new"), site).await;
                let create = web
                    .call(&token, Method::POST, &format!("/api/v1/{path}"), Some(&new))
                    .await;
                // A role that may not write is refused first; one that may
                // is refused another site's records.
                let want = if w && own {
                    StatusCode::CREATED
                } else {
                    StatusCode::FORBIDDEN
                };
                check(&create, want, &format!("{tag}: create"), &mut wrong);
                walk("post", format!("/api/v1/{path}"));

                let mut edited = fixture(&web, &admin, path, &format!("{base}-put"), site).await;
                edited["name"] = json!("Edited");
                if matches!(
                    path,
                    "risks" | "inspections" | "acceptance-plans" | "audits"
                ) {
                    edited.as_object_mut().unwrap().remove("name");
                    edited["title"] = json!("Edited");
                }
                if path == "devices" || path == "applied-controls" {
                    edited.as_object_mut().unwrap().remove("name");
                    edited["status"] = json!(if path == "devices" {
                        "degraded"
                    } else {
                        "planned"
                    });
                }
                let put = web
                    .call(
                        &token,
                        Method::PUT,
                        &format!("/api/v1/{path}/{base}-put?version=1"),
                        Some(&edited),
                    )
                    .await;
                let want = if !w {
                    StatusCode::FORBIDDEN
                } else if own {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                };
                check(&put, want, &format!("{tag}: update"), &mut wrong);
                walk("put", format!("/api/v1/{path}/{{id}}"));

                let del = web
                    .call(
                        &token,
                        Method::DELETE,
                        &format!("/api/v1/{path}/{base}-del?version=1"),
                        None,
                    )
                    .await;
                let want = if !d {
                    StatusCode::FORBIDDEN
                } else if own {
                    StatusCode::NO_CONTENT
                } else {
                    StatusCode::NOT_FOUND
                };
                check(&del, want, &format!("{tag}: delete"), &mut wrong);
                walk("delete", format!("/api/v1/{path}/{{id}}"));

                // Nothing was changed where the answer said no.
                let after = web
                    .call(
                        &admin,
                        Method::GET,
                        &format!("/api/v1/{path}/{base}-del"),
                        None,
                    )
                    .await;
                let deleted = after.status == StatusCode::NOT_FOUND;
                if deleted != (del.status == StatusCode::NO_CONTENT) {
                    wrong.push(format!(
                        "{tag}: delete answered {} but the record deleted = {deleted}",
                        del.status
                    ));
                }
                let after = web
                    .call(
                        &admin,
                        Method::GET,
                        &format!("/api/v1/{path}/{base}-put"),
                        None,
                    )
                    .await;
                let changed = after.body["version"] == json!(2);
                if changed != (put.status == StatusCode::OK) {
                    wrong.push(format!(
                        "{tag}: update answered {} but the record changed = {changed}",
                        put.status
                    ));
                }
            }
        }
        // Sites: the own site can be read and (by managers) edited; another
        // site is not found; creating a site needs access to every site.
        for (site, own) in [("dc", true), ("hq", false)] {
            let tag = format!("{name} sites at {site}");
            let get = web
                .call(&token, Method::GET, &format!("/api/v1/sites/{site}"), None)
                .await;
            check(
                &get,
                if own {
                    StatusCode::OK
                } else {
                    StatusCode::NOT_FOUND
                },
                &format!("{tag}: get"),
                &mut wrong,
            );
            let list = web.call(&token, Method::GET, "/api/v1/sites", None).await;
            check(&list, StatusCode::OK, &format!("{tag}: list"), &mut wrong);
            let ids: Vec<&Value> = list.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| &i["id"])
                .collect();
            if ids != [&json!("dc")] {
                wrong.push(format!("{tag}: list shows {ids:?}"));
            }
            let current = web
                .call(&admin, Method::GET, &format!("/api/v1/sites/{site}"), None)
                .await;
            let version = current.body["version"].as_i64().unwrap();
            let mut body = current.body.clone();
            for meta in ["version", "updated_at", "updated_by"] {
                body.as_object_mut().unwrap().remove(meta);
            }
            let put = web
                .call(
                    &token,
                    Method::PUT,
                    &format!("/api/v1/sites/{site}?version={version}"),
                    Some(&body),
                )
                .await;
            let w = may(role, "sites").contains('w');
            let want = if !w {
                StatusCode::FORBIDDEN
            } else if own {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            check(&put, want, &format!("{tag}: update"), &mut wrong);
            // The site is referenced, so even a permitted delete is refused.
            let del = web
                .call(
                    &token,
                    Method::DELETE,
                    &format!("/api/v1/sites/{site}?version=1"),
                    None,
                )
                .await;
            let d = may(role, "sites").contains('d');
            let want = if !d {
                StatusCode::FORBIDDEN
            } else if own {
                StatusCode::CONFLICT
            } else {
                StatusCode::NOT_FOUND
            };
            if !(del.status == want || (own && d && del.status == StatusCode::CONFLICT)) {
                check(&del, want, &format!("{tag}: delete"), &mut wrong);
            }
        }
        let new_site = json!({"id": format!("site-{name}"), "name": "New site"});
        let create = web
            .call(&token, Method::POST, "/api/v1/sites", Some(&new_site))
            .await;
        check(
            &create,
            StatusCode::FORBIDDEN,
            &format!("{name}: create a site"),
            &mut wrong,
        );
        for (m, p) in [
            ("get", "/api/v1/sites"),
            ("post", "/api/v1/sites"),
            ("get", "/api/v1/sites/{id}"),
            ("put", "/api/v1/sites/{id}"),
            ("delete", "/api/v1/sites/{id}"),
        ] {
            walk(m, p.to_owned());
        }
        // Catalogues belong to the organisation: no site dimension.
        for path in ["threats", "controls", "people", "users", "frameworks"] {
            let rights = may(role, path);
            let (r, w, d) = (
                rights.contains('r'),
                rights.contains('w'),
                rights.contains('d'),
            );
            // Accounts need an administrator who sees every site, which
            // these scoped users are not.
            let (r, w, d) = if path == "users" {
                (false, false, false)
            } else {
                (r, w, d)
            };
            let tag = format!("{name} {path}");
            n += 1;
            let base = format!("c{n}");
            for suffix in ["put", "del"] {
                let a = web
                    .call(
                        &admin,
                        Method::POST,
                        &format!("/api/v1/{path}"),
                        Some(&catalogue_fixture(path, &format!("{base}-{suffix}"))),
                    )
                    .await;
                assert_eq!(a.status, StatusCode::CREATED, "fixture {tag}: {}", a.text);
            }
            let list = web
                .call(&token, Method::GET, &format!("/api/v1/{path}"), None)
                .await;
            check(
                &list,
                expect(StatusCode::OK, r),
                &format!("{tag}: list"),
                &mut wrong,
            );
            let get = web
                .call(
                    &token,
                    Method::GET,
                    &format!("/api/v1/{path}/{base}-put"),
                    None,
                )
                .await;
            check(
                &get,
                expect(StatusCode::OK, r),
                &format!("{tag}: get"),
                &mut wrong,
            );
            let create = web
                .call(
                    &token,
                    Method::POST,
                    &format!("/api/v1/{path}"),
                    Some(&catalogue_fixture(path, &format!("{base}-new"))),
                )
                .await;
            check(
                &create,
                expect(StatusCode::CREATED, w),
                &format!("{tag}: create"),
                &mut wrong,
            );
            let mut edited = catalogue_fixture(path, &format!("{base}-put"));
            if path == "users" {
                edited["display_name"] = json!("Edited");
            } else if path == "frameworks" {
                edited["title"] = json!("Edited");
            } else {
                edited["name"] = json!("Edited");
            }
            let put = web
                .call(
                    &token,
                    Method::PUT,
                    &format!("/api/v1/{path}/{base}-put?version=1"),
                    Some(&edited),
                )
                .await;
            check(
                &put,
                expect(StatusCode::OK, w),
                &format!("{tag}: update"),
                &mut wrong,
            );
            let del = web
                .call(
                    &token,
                    Method::DELETE,
                    &format!("/api/v1/{path}/{base}-del?version=1"),
                    None,
                )
                .await;
            check(
                &del,
                expect(StatusCode::NO_CONTENT, d),
                &format!("{tag}: delete"),
                &mut wrong,
            );
            for (m, p) in [
                ("get", format!("/api/v1/{path}")),
                ("post", format!("/api/v1/{path}")),
                ("get", format!("/api/v1/{path}/{{id}}")),
                ("put", format!("/api/v1/{path}/{{id}}")),
                ("delete", format!("/api/v1/{path}/{{id}}")),
            ] {
                walk(m, p);
            }
        }
        // The rest: who am I, tokens, the audit log, passwords.
        let me = web.call(&token, Method::GET, "/api/v1/me", None).await;
        check(&me, StatusCode::OK, &format!("{name}: me"), &mut wrong);
        assert_eq!(me.body["sites"], json!(["dc"]));
        let audit = web
            .call(&token, Method::GET, "/api/v1/audit-log", None)
            .await;
        check(
            &audit,
            StatusCode::FORBIDDEN,
            &format!("{name}: audit log (scoped)"),
            &mut wrong,
        );
        let entry = web
            .call(&token, Method::GET, "/api/v1/audit-log/1", None)
            .await;
        check(
            &entry,
            StatusCode::FORBIDDEN,
            &format!("{name}: an audit entry (scoped)"),
            &mut wrong,
        );
        let tokens = web.call(&token, Method::GET, "/api/v1/tokens", None).await;
        check(
            &tokens,
            StatusCode::OK,
            &format!("{name}: tokens"),
            &mut wrong,
        );
        let made = web
            .call(
                &token,
                Method::POST,
                "/api/v1/tokens",
                Some(&json!({"name": "ci"})),
            )
            .await;
        check(
            &made,
            StatusCode::CREATED,
            &format!("{name}: create token"),
            &mut wrong,
        );
        if let Some(tid) = made.body["id"].as_str() {
            let revoke = web
                .call(
                    &token,
                    Method::DELETE,
                    &format!("/api/v1/tokens/{tid}"),
                    None,
                )
                .await;
            check(
                &revoke,
                StatusCode::NO_CONTENT,
                &format!("{name}: revoke token"),
                &mut wrong,
            );
        }
        let pw = web
            .call(
                &token,
                Method::PUT,
                "/api/v1/users/viewer/password",
                Some(&json!({"login": "v", "password": "a long enough passphrase"})),
            )
            .await;
        check(
            &pw,
            StatusCode::FORBIDDEN,
            &format!("{name}: set another's password"),
            &mut wrong,
        );
        // Logging out with a token ends no session and is harmless.
        let out = web
            .call(&token, Method::POST, "/api/v1/auth/logout", None)
            .await;
        check(
            &out,
            StatusCode::NO_CONTENT,
            &format!("{name}: log out with a token"),
            &mut wrong,
        );
        let change = web
            .call(
                &token,
                Method::POST,
                "/api/v1/auth/password",
                Some(&json!({"current_password": "x", "new_password": "a long enough passphrase"})),
            )
            .await;
        check(
            &change,
            StatusCode::CONFLICT,
            &format!("{name}: change password without one"),
            &mut wrong,
        );
    }
    // The all-sites administrator reads the log and manages accounts.
    let audit = web
        .call(&admin, Method::GET, "/api/v1/audit-log?limit=5", None)
        .await;
    assert_eq!(audit.status, StatusCode::OK, "{}", audit.text);
    assert_eq!(audit.body["items"].as_array().unwrap().len(), 5);
    // Pages leave the content out unless asked; one entry carries it.
    let items = audit.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|i| i["before"].is_null() && i["after"].is_null())
    );
    let seq = items[0]["seq"].as_i64().unwrap();
    let with = web
        .call(
            &admin,
            Method::GET,
            "/api/v1/audit-log?limit=1&content=true",
            None,
        )
        .await;
    assert_eq!(with.body["items"][0]["seq"], seq);
    let one = web
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/audit-log/{seq}"),
            None,
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    assert_eq!(one.body["hash"], items[0]["hash"]);
    assert_eq!(one.body["after"], with.body["items"][0]["after"]);
    assert!(!(one.body["before"].is_null() && one.body["after"].is_null()));
    let import = web
        .call(&admin, Method::GET, "/api/v1/audit-log/1", None)
        .await;
    assert_eq!(import.status, StatusCode::OK);
    assert!(
        import.body["after"].as_str().unwrap().len() > 10_000,
        "the import holds the organisation"
    );
    for missing in [
        "/api/v1/audit-log/999999",
        "/api/v1/audit-log/0",
        "/api/v1/audit-log/x",
    ] {
        let a = web.call(&admin, Method::GET, missing, None).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{missing}");
    }
    let bad = web
        .call(&admin, Method::GET, "/api/v1/audit-log?content=yes", None)
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let pw = web
        .call(
            &admin,
            Method::PUT,
            "/api/v1/users/viewer/password",
            Some(&json!({"login": "viewer", "password": "a long enough passphrase"})),
        )
        .await;
    assert_eq!(pw.status, StatusCode::NO_CONTENT, "{}", pw.text);
    for (m, p) in [
        ("get", "/api/v1/me"),
        ("get", "/api/v1/audit-log"),
        ("get", "/api/v1/audit-log/{seq}"),
        ("get", "/api/v1/tokens"),
        ("post", "/api/v1/tokens"),
        ("delete", "/api/v1/tokens/{id}"),
        ("put", "/api/v1/users/{id}/password"),
        ("post", "/api/v1/auth/password"),
        ("post", "/api/v1/auth/logout"),
    ] {
        walk(m, p.to_owned());
    }
    // Without credentials, every route but the public ones answers 401.
    let (doc, _) = rampart_server::api();
    let mut documented = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            documented.insert((method.clone(), path.clone()));
            let public = op.get("security") == Some(&json!([]));
            let uri = path.replace("{id}", "dc");
            let req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from("{}"))
                .unwrap();
            let a = web.send(req).await;
            if !public && a.status != StatusCode::UNAUTHORIZED {
                wrong.push(format!(
                    "anonymous {method} {path}: expected 401, got {}",
                    a.status
                ));
            }
            if public {
                walk(method, path.clone());
            }
        }
    }
    let unwalked: Vec<_> = documented.difference(&walked).collect();
    assert!(
        unwalked.is_empty(),
        "routes the matrix does not cover: {unwalked:?}"
    );
    let undocumented: Vec<_> = walked.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes walked but not documented: {undocumented:?}"
    );
    assert!(
        wrong.is_empty(),
        "{} wrong answers:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// Log in with a password, through the API, and return the cookie and the CSRF token.
async fn login(web: &Web, login: &str, password: &str) -> (Answer, Option<(String, String)>) {
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"login": login, "password": password}).to_string(),
        ))
        .unwrap();
    let a = web.send(req).await;
    let cookie = a
        .headers
        .get(header::SET_COOKIE)
        .and_then(|c| c.to_str().ok())
        .map(|c| c.split(';').next().unwrap().to_owned());
    let csrf = a.body["csrf_token"].as_str().map(str::to_owned);
    let pair = cookie.zip(csrf);
    (a, pair)
}

fn with_cookie(
    method: Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, cookie);
    if let Some(t) = csrf {
        b = b.header("x-csrf-token", t);
    }
    match body {
        Some(v) => b
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(v.to_string()))
            .unwrap(),
        None => b.body(Body::empty()).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_need_the_csrf_token_to_change_anything_and_end_at_logout() {
    let web = Web::sqlite().await;
    web.user_with_password("ann", Role::SecurityManager, "correct horse battery")
        .await;
    let (a, pair) = login(&web, "ann", "correct horse battery").await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text);
    let set_cookie = a
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attr), "{set_cookie}");
    }
    let (cookie, csrf) = pair.unwrap();
    // Reading needs no token.
    let me = web
        .send(with_cookie(Method::GET, "/api/v1/me", &cookie, None, None))
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["role"], "security_manager");
    // Writing without it, or with a wrong one, is refused and changes nothing.
    let zone = json!({"id": "csrf-zone", "site": "hq", "name": "Z"});
    for token in [None, Some("0".repeat(64))] {
        let a = web
            .send(with_cookie(
                Method::POST,
                "/api/v1/zones",
                &cookie,
                token.as_deref(),
                Some(zone.clone()),
            ))
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
        assert!(a.text.contains("X-CSRF-Token"), "{}", a.text);
    }
    let gone = web
        .send(with_cookie(
            Method::GET,
            "/api/v1/zones/csrf-zone",
            &cookie,
            None,
            None,
        ))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    // A cross-site request is refused even with the token.
    let mut req = with_cookie(
        Method::POST,
        "/api/v1/zones",
        &cookie,
        Some(&csrf),
        Some(zone.clone()),
    );
    req.headers_mut()
        .insert("sec-fetch-site", "cross-site".parse().unwrap());
    assert_eq!(web.send(req).await.status, StatusCode::FORBIDDEN);
    // With it, it works.
    let a = web
        .send(with_cookie(
            Method::POST,
            "/api/v1/zones",
            &cookie,
            Some(&csrf),
            Some(zone),
        ))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    // A second login is a second session; logging out ends only this one.
    let (_, second) = login(&web, "ann", "correct horse battery").await;
    let (cookie2, _) = second.unwrap();
    assert_ne!(cookie, cookie2);
    let out = web
        .send(with_cookie(
            Method::POST,
            "/api/v1/auth/logout",
            &cookie,
            Some(&csrf),
            None,
        ))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    let me = web
        .send(with_cookie(Method::GET, "/api/v1/me", &cookie, None, None))
        .await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let me2 = web
        .send(with_cookie(Method::GET, "/api/v1/me", &cookie2, None, None))
        .await;
    assert_eq!(me2.status, StatusCode::OK);
    // An audit entry names the web actor.
    let store: &dyn Store = &*web.db;
    let z = store
        .get::<rampart_domain::Zone>(&web.org, &id("csrf-zone"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(z.updated_by, "ann@web");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repeated_failed_logins_lock_the_account_even_for_the_right_password() {
    let web = Web::sqlite().await;
    web.user_with_password("bob", Role::Viewer, "the right password")
        .await;
    for _ in 0..5 {
        let (a, _) = login(&web, "bob", "a wrong password").await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{}", a.text);
        assert_eq!(a.headers[header::CONTENT_TYPE], "application/problem+json");
    }
    let (a, pair) = login(&web, "bob", "the right password").await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS, "{}", a.text);
    assert!(a.headers.contains_key(header::RETRY_AFTER));
    assert!(pair.is_none());
    // An unknown login fails the same way as a wrong password.
    let (a, _) = login(&web, "nobody", "whatever it is").await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.body["detail"], "the login name or the password is wrong");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_problem_and_stores_nothing() {
    let web = Web::sqlite().await;
    let t = web.user_with_token("root", Role::Admin, None).await;
    let post = |body: Body, ctype: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/v1/assets")
            .header(header::AUTHORIZATION, format!("Bearer {t}"))
            .header(header::CONTENT_TYPE, ctype.to_owned())
            .body(body)
            .unwrap()
    };
    let cases: Vec<(Body, &str, StatusCode, &str)> = vec![
        (Body::from("{\"id\": "), "application/json", StatusCode::BAD_REQUEST, "not valid JSON"),
        (Body::from(json!({"id": "x1", "site": "hq", "name": "A", "kind": "physical", "value": "high"}).to_string()), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "value"),
        (Body::from(json!({"id": "x2", "site": "hq", "name": "A", "kind": "physical", "value": 11}).to_string()), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "11"),
        (Body::from(json!({"id": "x3", "site": "hq", "name": "A", "kind": "physical", "value": 5, "colour": "red"}).to_string()), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "colour"),
        (Body::from(json!({"id": "../etc", "site": "hq", "name": "A", "kind": "physical", "value": 5}).to_string()), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "id"),
        (Body::from(json!({"id": "x4", "site": "hq", "zone": "dc-hall-a", "name": "A", "kind": "physical", "value": 5}).to_string()), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "site"),
        (Body::from(json!({"id": "x5", "site": "hq", "zone": "no-such-zone", "name": "A", "kind": "physical", "value": 5}).to_string()), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "does not exist"),
        (Body::from(json!({"id": "x6", "site": "hq", "name": "", "kind": "physical", "value": 5}).to_string()), "application/json", StatusCode::UNPROCESSABLE_ENTITY, "name"),
        (Body::from("id=x7"), "application/x-www-form-urlencoded", StatusCode::UNSUPPORTED_MEDIA_TYPE, "JSON"),
        (Body::from(vec![b' '; 2 * 1024 * 1024]), "application/json", StatusCode::PAYLOAD_TOO_LARGE, "larger"),
    ];
    for (body, ctype, status, needle) in cases {
        let a = web.send(post(body, ctype)).await;
        assert_eq!(a.status, status, "{needle}: {}", a.text);
        assert!(a.text.contains(needle), "{needle}: {}", a.text);
        assert_eq!(
            a.headers[header::CONTENT_TYPE],
            "application/problem+json",
            "{needle}"
        );
    }
    let store: &dyn Store = &*web.db;
    for n in 1..=7 {
        assert!(
            store
                .get::<rampart_domain::Asset>(&web.org, &id(&format!("x{n}")))
                .await
                .unwrap()
                .is_none()
        );
    }
    // HTML and SQL in text are stored as text and sent back as JSON text.
    let evil = json!({"id": "evil", "site": "hq", "name": "<script>alert(1)</script>'; DROP TABLE records; --", "kind": "physical", "value": 5});
    let a = web
        .call(&t, Method::POST, "/api/v1/assets", Some(&evil))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    let back = web.call(&t, Method::GET, "/api/v1/assets/evil", None).await;
    assert_eq!(back.body["name"], evil["name"]);
    assert_eq!(back.headers[header::CONTENT_TYPE], "application/json");
    // A stale version is a conflict, and the first edit stands.
    let mut edit = evil.clone();
    edit["name"] = json!("first");
    assert_eq!(
        web.call(
            &t,
            Method::PUT,
            "/api/v1/assets/evil?version=1",
            Some(&edit)
        )
        .await
        .status,
        StatusCode::OK
    );
    edit["name"] = json!("second");
    let stale = web
        .call(
            &t,
            Method::PUT,
            "/api/v1/assets/evil?version=1",
            Some(&edit),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    assert_eq!(
        web.call(&t, Method::GET, "/api/v1/assets/evil", None)
            .await
            .body["name"],
        "first"
    );
    // Unknown list parameters and bad pages are refused with what is allowed.
    let a = web
        .call(&t, Method::GET, "/api/v1/assets?colour=red", None)
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text.contains("limit, offset, site, sort"), "{}", a.text);
    assert_eq!(
        web.call(&t, Method::GET, "/api/v1/assets?limit=0", None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        web.call(&t, Method::GET, "/api/v1/assets?sort=colour", None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_filter_sort_and_page() {
    let web = Web::sqlite().await;
    let t = web.user_with_token("root", Role::Admin, None).await;
    let all = web
        .call(&t, Method::GET, "/api/v1/devices?site=dc&limit=500", None)
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    let total = all.body["total"].as_i64().unwrap();
    assert_eq!(total as usize, all.body["items"].as_array().unwrap().len());
    assert!(total > 10);
    // Pages of 7 cover the list exactly once, in order.
    let mut seen = Vec::new();
    let mut offset = Some(0);
    while let Some(o) = offset {
        let page = web
            .call(
                &t,
                Method::GET,
                &format!("/api/v1/devices?site=dc&limit=7&offset={o}&sort=id"),
                None,
            )
            .await;
        assert_eq!(page.body["total"], json!(total));
        for i in page.body["items"].as_array().unwrap() {
            seen.push(i["id"].as_str().unwrap().to_owned());
        }
        offset = page.body["next_offset"].as_i64();
    }
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted);
    assert_eq!(seen.len() as i64, total);
    // A filter returns exactly the records that match, as counted by hand.
    let cameras = all.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "camera")
        .count();
    let filtered = web
        .call(
            &t,
            Method::GET,
            "/api/v1/devices?site=dc&kind=camera&limit=500",
            None,
        )
        .await;
    assert_eq!(filtered.body["total"], json!(cameras));
    assert!(
        filtered.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["kind"] == "camera")
    );
    // Descending sort by a content field.
    let assets = web
        .call(
            &t,
            Method::GET,
            "/api/v1/assets?sort=-value,id&limit=500",
            None,
        )
        .await;
    let values: Vec<i64> = assets.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["value"].as_i64().unwrap())
        .collect();
    assert!(values.windows(2).all(|w| w[0] >= w[1]), "{values:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_routes_answer_and_every_page_carries_the_security_headers() {
    let web = Web::sqlite().await;
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/openapi.json",
        "/api/docs/",
    ] {
        let a = web
            .send(Request::builder().uri(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        let csp = a.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("script-src 'self' 'unsafe"), "{path}: {csp}");
        assert_eq!(a.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(a.headers[header::REFERRER_POLICY], "no-referrer");
        assert!(a.headers.contains_key("x-request-id"), "{path}");
    }
    let doc = web
        .send(
            Request::builder()
                .uri("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(doc.body["openapi"], "3.1.0");
    let metrics = web
        .send(
            Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        metrics.text.contains("rampart_http_requests_total"),
        "{}",
        metrics.text
    );
    assert!(
        metrics.text.contains("route=\"/healthz\""),
        "{}",
        metrics.text
    );
    // Swagger UI is served from the binary: no other host is referenced.
    let ui = web
        .send(
            Request::builder()
                .uri("/api/docs/")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        !ui.text.contains("http://") && !ui.text.contains("https://"),
        "{}",
        ui.text
    );
    // Compressed when asked.
    let gz = web
        .send(
            Request::builder()
                .uri("/api/openapi.json")
                .header(header::ACCEPT_ENCODING, "gzip")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(gz.headers[header::CONTENT_ENCODING], "gzip");
}

/// Two servers on one PostgreSQL: a session made on one is good on the
/// other, a lockout counted across both holds on both, a change made on
/// one is seen on the other with its version.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_share_sessions_lockouts_and_versions() {
    let Some(url) = util::postgres_url().await else {
        return;
    };
    let schema = util::unique_schema("web");
    let open = || async {
        rampart_store_postgres::PostgresStore::open_in_schema(
            &rampart_store::DatabaseUrl::new(url.clone()),
            Some(&schema),
        )
        .await
        .unwrap()
    };
    let first: Arc<dyn Database> = Arc::new(open().await);
    let a = Web::on(first, ServerConfig::default()).await;
    let second = open().await;
    let b = Web::serving(
        Arc::new(second.clone()),
        ServerConfig::default(),
        a.org.clone(),
    );
    a.user_with_password("carol", Role::Admin, "carol's long password")
        .await;
    let (ans, pair) = login(&a, "carol", "carol's long password").await;
    assert_eq!(ans.status, StatusCode::OK, "{}", ans.text);
    let (cookie, csrf) = pair.unwrap();
    let me = b
        .send(with_cookie(Method::GET, "/api/v1/me", &cookie, None, None))
        .await;
    assert_eq!(
        me.status,
        StatusCode::OK,
        "a session made on A works on B: {}",
        me.text
    );
    // Edit on B, read on A.
    let site = a
        .send(with_cookie(
            Method::GET,
            "/api/v1/sites/hq",
            &cookie,
            None,
            None,
        ))
        .await;
    let mut body = site.body.clone();
    let version = body["version"].as_i64().unwrap();
    for meta in ["version", "updated_at", "updated_by"] {
        body.as_object_mut().unwrap().remove(meta);
    }
    body["name"] = json!("Renamed on B");
    let put = b
        .send(with_cookie(
            Method::PUT,
            &format!("/api/v1/sites/hq?version={version}"),
            &cookie,
            Some(&csrf),
            Some(body.clone()),
        ))
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.text);
    let stale = a
        .send(with_cookie(
            Method::PUT,
            &format!("/api/v1/sites/hq?version={version}"),
            &cookie,
            Some(&csrf),
            Some(body),
        ))
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.text);
    let seen = a
        .send(with_cookie(
            Method::GET,
            "/api/v1/sites/hq",
            &cookie,
            None,
            None,
        ))
        .await;
    assert_eq!(seen.body["name"], "Renamed on B");
    // Failures alternate between the servers and still add up to a lockout.
    a.user_with_password("dave", Role::Viewer, "dave's long password")
        .await;
    for n in 0..5 {
        let web = if n % 2 == 0 { &a } else { &b };
        assert_eq!(
            login(web, "dave", "wrong password!").await.0.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login(&b, "dave", "dave's long password").await.0.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        login(&a, "dave", "dave's long password").await.0.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Logging out on B ends the session on A.
    let out = b
        .send(with_cookie(
            Method::POST,
            "/api/v1/auth/logout",
            &cookie,
            Some(&csrf),
            None,
        ))
        .await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(
        a.send(with_cookie(Method::GET, "/api/v1/me", &cookie, None, None))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    second.drop_schema_for_tests(&schema).await.unwrap();
}
