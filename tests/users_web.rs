//! Accounts managed through the web application, in process: the Users
//! forms (create with a one-time password, edit with its version, reset a
//! password) and the API's user routes obey the same rules (only an
//! administrator of every site; the last one cannot step down; disabling
//! ends the sessions).

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use rampart_domain::{Id, Role, User};
use rampart_store::Store;
use serde_json::json;

use crate::web::{Answer, Web};

const PASSWORD: &str = "correct horse battery staple";

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

/// POST a form, with a session cookie when given.
async fn post_form(web: &Web, cookie: Option<&str>, path: &str, fields: &[(&str, &str)]) -> Answer {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    web.send(req.body(Body::from(body)).unwrap()).await
}

async fn page(web: &Web, cookie: &str, path: &str) -> Answer {
    let req = Request::builder()
        .uri(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    web.send(req).await
}

/// Log in through the API: the session cookie and its CSRF token.
async fn session(web: &Web, login: &str, password: &str) -> (String, String) {
    web.session(login, password).await
}

fn after<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"));
    let rest = &html[at + marker.len()..];
    rest.split('"').next().unwrap()
}

async fn stored(web: &Web, user: &str) -> rampart_store::Stored<User> {
    let store: &dyn Store = &*web.db;
    store
        .get::<User>(&web.org, &Id::new(user).unwrap())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_accounts_from_the_users_pages() {
    let web = Web::sqlite().await;
    web.user_with_password("root", Role::Admin, PASSWORD).await;
    web.user_with_password("mgr", Role::SecurityManager, PASSWORD)
        .await;
    let (root, csrf) = session(&web, "root", PASSWORD).await;

    // Create: the one-time password is shown once, never cached.
    let made = post_form(
        &web,
        Some(&root),
        "/users",
        &[
            ("csrf_token", &csrf),
            ("id", "dora"),
            ("display_name", "Dora Eze"),
            ("email", "dora@example.com"),
            ("role", "responder"),
            ("all_sites", "false"),
            ("sites", "whs"),
        ],
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text);
    assert_eq!(made.headers[header::CACHE_CONTROL], "no-store");
    let shown = &made.text[made.text.find("id=\"one-time-password\"").unwrap()..];
    let one_time = after(shown, "value=\"").to_owned();
    assert_eq!(one_time.len(), 20);
    let dora = stored(&web, "dora").await;
    assert_eq!(
        (dora.value.role, dora.value.sites.clone()),
        (Role::Responder, vec![Id::new("whs").unwrap()])
    );

    // The one-time password works at /login once, to choose a new one.
    let ask = post_form(
        &web,
        None,
        "/login",
        &[("login", "dora"), ("password", &one_time)],
    )
    .await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(ask.text.contains("one-time password"), "{}", ask.text);
    let chosen = post_form(
        &web,
        None,
        "/login",
        &[
            ("login", "dora"),
            ("password", &one_time),
            ("must_change", "1"),
            ("new_password", "dora's chosen passphrase"),
        ],
    )
    .await;
    assert_eq!(chosen.status, StatusCode::SEE_OTHER, "{}", chosen.text);
    let twice = post_form(
        &web,
        None,
        "/login",
        &[("login", "dora"), ("password", &one_time)],
    )
    .await;
    assert_eq!(twice.status, StatusCode::UNAUTHORIZED);
    let (dora_cookie, _) = session(&web, "dora", "dora's chosen passphrase").await;

    // Edit with the version shown; a second edit on that version is stale.
    let form = page(&web, &root, "/users/dora/edit").await;
    assert_eq!(form.status, StatusCode::OK);
    let version = after(&form.text, "name=\"version\" value=\"").to_owned();
    let edit = |v: &str, disabled: bool| {
        let mut f = vec![
            ("csrf_token".to_owned(), csrf.clone()),
            ("version".to_owned(), v.to_owned()),
            ("display_name".to_owned(), "Dora E.".to_owned()),
            ("role".to_owned(), "viewer".to_owned()),
            ("all_sites".to_owned(), "true".to_owned()),
        ];
        if disabled {
            f.push(("disabled".to_owned(), "1".to_owned()));
        }
        f
    };
    let pairs = |f: &[(String, String)]| -> Vec<(String, String)> { f.to_vec() };
    let first = pairs(&edit(&version, true));
    let first: Vec<(&str, &str)> = first
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let ok = post_form(&web, Some(&root), "/users/dora", &first).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let dora = stored(&web, "dora").await;
    assert!(dora.value.disabled && dora.value.all_sites);
    // Disabling ended her session.
    let me = page(&web, &dora_cookie, "/api/v1/me").await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
    let stale = post_form(&web, Some(&root), "/users/dora", &first).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert!(stale.text.contains("Changed by someone else"));

    // A security manager sees none of it.
    let (mgr, mgr_csrf) = session(&web, "mgr", PASSWORD).await;
    assert_eq!(
        page(&web, &mgr, "/users/new").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = post_form(
        &web,
        Some(&mgr),
        "/users/dora/password",
        &[("csrf_token", &mgr_csrf)],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The last administrator cannot make themself a viewer.
    let root_form = page(&web, &root, "/users/root/edit").await;
    let v = after(&root_form.text, "name=\"version\" value=\"").to_owned();
    let demote = edit(&v, false);
    let demote: Vec<(&str, &str)> = demote
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let no = post_form(&web, Some(&root), "/users/root", &demote).await;
    assert_eq!(no.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no.text.contains("last enabled administrator"),
        "{}",
        no.text
    );
    assert_eq!(stored(&web, "root").await.value.role, Role::Admin);

    // Every change is in the audit log; no password is.
    let store: &dyn Store = &*web.db;
    let audit = serde_json::to_string(&store.audit_entries(0, 10_000).await.unwrap()).unwrap();
    assert!(audit.contains("dora"));
    assert!(!audit.contains(&one_time));
    assert!(!audit.contains("dora's chosen passphrase"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_keeps_the_last_administrator_and_ends_a_disabled_users_sessions() {
    let web = Web::sqlite().await;
    let root = web.user_with_token("root", Role::Admin, None).await;
    web.user_with_password("vic", Role::Viewer, PASSWORD).await;
    let (vic, _) = session(&web, "vic", PASSWORD).await;

    let me = web
        .call(&root, Method::GET, "/api/v1/users/root", None)
        .await;
    let mut body = me.body.clone();
    for meta in ["version", "updated_at", "updated_by"] {
        body.as_object_mut().unwrap().remove(meta);
    }
    body["role"] = json!("viewer");
    let refused = web
        .call(
            &root,
            Method::PUT,
            "/api/v1/users/root?version=1",
            Some(&body),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.text
    );
    assert_eq!(refused.body["errors"][0]["field"], "/role");
    assert_eq!(stored(&web, "root").await.version, 1);

    let mut v = web
        .call(&root, Method::GET, "/api/v1/users/vic", None)
        .await
        .body;
    for meta in ["version", "updated_at", "updated_by"] {
        v.as_object_mut().unwrap().remove(meta);
    }
    v["disabled"] = json!(true);
    let done = web
        .call(&root, Method::PUT, "/api/v1/users/vic?version=1", Some(&v))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    assert_eq!(
        page(&web, &vic, "/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Its password is kept (not revoked): enabling it again restores the login.
    assert!(web.db.credential_by_login("vic").await.unwrap().is_some());
}
