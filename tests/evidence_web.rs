//! Audit evidence through the pages, in process, with the real compliance
//! engine's checks: an upload stored once by its digest and shown beside
//! its item, the download's headers, the size limit (413, nothing stored),
//! names that are paths, SVG with script, site scope (404) and the CSRF
//! token.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use rampart_domain::{Id, Role};
use rampart_server::ServerConfig;
use rampart_store::{AuditQuery, Store};
use serde_json::Value;

use crate::audits_web::{assert_csp_clean, hidden};
use crate::web::{Answer, Web};

const PW: &str = "correct horse battery";
const HQ_AUDIT: &str = "hq-inspection-2025";
const DC_AUDIT: &str = "dc-inspection-2025";
const BOUNDARY: &str = "----rampart-test-boundary-7MA4YWxkTrZu0gW";

/// A PNG as far as its content goes: the signature and an IHDR chunk.
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

fn id(s: &str) -> Id {
    Id::new(s).unwrap()
}

/// SHA-256, hex, computed apart from the server (ring, not sha2).
fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A multipart form: text fields in order, then the file (if any).
fn form(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

async fn post(web: &Web, cookie: &str, path: &str, body: Vec<u8>, with_length: bool) -> Answer {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::COOKIE, cookie)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        );
    if with_length {
        req = req.header(header::CONTENT_LENGTH, body.len());
    }
    web.send(req.body(Body::from(body)).unwrap()).await
}

/// Upload `bytes` as `name` to an item of an audit, the way the
/// inspection page's form sends it.
async fn upload(
    web: &Web,
    (cookie, csrf): &(String, String),
    audit: &str,
    item: &str,
    name: &str,
    bytes: &[u8],
) -> Answer {
    let body = form(
        &[("csrf_token", csrf), ("back", "inspect"), ("item", item)],
        Some((name, bytes)),
    );
    post(
        web,
        cookie,
        &format!("/audits/{audit}/evidence"),
        body,
        true,
    )
    .await
}

async fn get(web: &Web, cookie: &str, path: &str) -> (Answer, Vec<u8>) {
    web.page(cookie, path).await
}

async fn attachments(web: &Web, audit: &str) -> Vec<rampart_store::Attachment> {
    web.db.attachments_of(&web.org, &id(audit)).await.unwrap()
}

async fn evidence_log(web: &Web) -> Vec<Value> {
    let store: &dyn Store = &*web.db;
    store
        .audit_page(&AuditQuery {
            org: Some(web.org.clone()),
            kind: Some("evidence".into()),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str(e.after.as_deref().unwrap()).unwrap())
        .collect()
}

/// A security manager's session on a fresh demo store, and the id of the
/// head office audit's first item (read from its inspection page).
async fn manager() -> (Web, (String, String), String) {
    let web = Web::sqlite().await;
    web.user_with_password("mgr", Role::SecurityManager, PW)
        .await;
    let session = web.session("mgr", PW).await;
    let (page, _) = get(
        &web,
        &session.0,
        &format!("/audits/{HQ_AUDIT}/inspect?item=1"),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let item = hidden(&page.text, "item");
    (web, session, item)
}

fn location(a: &Answer) -> &str {
    a.headers[header::LOCATION].to_str().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_stored_once_by_its_digest_and_shown_beside_its_item() {
    let (web, session, item) = manager().await;
    let cookie = &session.0;
    let digest = sha256(PNG);

    let a = upload(&web, &session, HQ_AUDIT, &item, "gate 3.png", PNG).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    assert_eq!(
        location(&a),
        format!("/audits/{HQ_AUDIT}/inspect?item=1&added={digest}")
    );
    let (page, _) = get(&web, cookie, location(&a)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_csp_clean(&page.text);
    assert!(
        page.text
            .contains("Added gate 3.png to the evidence of this item.")
    );
    let link = format!("href=\"/audits/{HQ_AUDIT}/evidence/{digest}\">gate 3.png</a>");
    assert!(page.text.contains(&link), "{}", page.text);
    assert!(page.text.contains(&format!(
        "PNG image, {} bytes, uploaded by mgr@web",
        PNG.len()
    )));

    // The same bytes on the second item, from the audit page's form.
    let (second_page, _) = get(&web, cookie, &format!("/audits/{HQ_AUDIT}/inspect?item=2")).await;
    let second = hidden(&second_page.text, "item");
    assert_ne!(second, item);
    let body = form(
        &[
            ("csrf_token", &session.1),
            ("back", "audit"),
            ("item", &second),
        ],
        Some(("same photo.png", PNG)),
    );
    let b = post(
        &web,
        cookie,
        &format!("/audits/{HQ_AUDIT}/evidence"),
        body,
        true,
    )
    .await;
    assert_eq!(b.status, StatusCode::SEE_OTHER, "{}", b.text);
    assert_eq!(location(&b), format!("/audits/{HQ_AUDIT}#evidence"));

    // One file, two attachments, under the names each was given.
    let list = attachments(&web, HQ_AUDIT).await;
    let summary: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|a| (a.item.as_str(), a.display_name.as_str(), a.sha256.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (item.as_str(), "gate 3.png", digest.as_str()),
            (second.as_str(), "same photo.png", digest.as_str()),
        ]
    );
    let file = web.db.evidence(&web.org, &digest).await.unwrap().unwrap();
    assert_eq!(file.bytes, PNG);
    assert_eq!(file.evidence.media_type, "image/png");
    let log = evidence_log(&web).await;
    let stored_new: Vec<&Value> = log.iter().map(|e| &e["stored_new"]).collect();
    assert_eq!(
        stored_new,
        [&Value::Bool(false), &Value::Bool(true)],
        "newest first"
    );
    assert!(log.iter().all(|e| e["sha256"] == digest.as_str()));

    // The audit page lists both, beside their items, with type, size, who and when.
    let (audit, _) = get(&web, cookie, &format!("/audits/{HQ_AUDIT}")).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert_csp_clean(&audit.text);
    assert!(audit.text.contains("id=\"evidence\""));
    assert!(audit.text.contains(&link));
    assert!(audit.text.contains(&format!(
        "href=\"/audits/{HQ_AUDIT}/evidence/{digest}\">same photo.png</a>"
    )));
    assert!(audit.text.contains(">1 file</a>"));
    assert_eq!(audit.text.matches("<td>PNG image</td>").count(), 2);
    assert_eq!(audit.text.matches("<td>mgr@web</td>").count(), 2);
    assert!(audit.text.contains("enctype=\"multipart/form-data\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_carry_the_stored_type_and_headers_that_let_nothing_run() {
    let (web, session, item) = manager().await;
    let cookie = &session.0;
    for (name, bytes) in [
        ("gate.png", PNG),
        ("report.pdf", PDF),
        ("notes.txt", &b"Door 4 propped open at 02:10."[..]),
        (
            "plan.svg",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"4\" height=\"4\"/></svg>"[..],
        ),
    ] {
        let a = upload(&web, &session, HQ_AUDIT, &item, name, bytes).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{name}: {}", a.text);
    }
    let expect = [
        (PNG, "image/png", "inline; filename=\"gate.png\""),
        (
            PDF,
            "application/pdf",
            "attachment; filename=\"report.pdf\"",
        ),
        (
            &b"Door 4 propped open at 02:10."[..],
            "text/plain; charset=utf-8",
            "attachment; filename=\"notes.txt\"",
        ),
        (
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect width=\"4\" height=\"4\"/></svg>"[..],
            "image/svg+xml",
            "attachment; filename=\"plan.svg\"",
        ),
    ];
    for (bytes, content_type, disposition) in expect {
        let path = format!("/audits/{HQ_AUDIT}/evidence/{}", sha256(bytes));
        let (a, body) = get(&web, cookie, &path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}: {}", a.text);
        assert_eq!(body, bytes);
        let h = |n: header::HeaderName| a.headers[n].to_str().unwrap().to_owned();
        assert_eq!(h(header::CONTENT_TYPE), content_type);
        assert!(
            h(header::CONTENT_DISPOSITION).starts_with(disposition),
            "{}",
            h(header::CONTENT_DISPOSITION)
        );
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        let csp = h(header::CONTENT_SECURITY_POLICY);
        assert!(csp.starts_with("default-src 'none';"), "{csp}");
        assert!(csp.contains("sandbox"), "{csp}");
        assert!(!csp.contains("script-src"), "{csp}");
        assert!(h(header::CACHE_CONTROL).contains("no-store"));
    }
    // Only files attached to that audit, and only by their digest.
    let png = sha256(PNG);
    for path in [
        format!("/audits/{DC_AUDIT}/evidence/{png}"),
        format!("/audits/{HQ_AUDIT}/evidence/{}", sha256(b"never uploaded")),
        format!("/audits/{HQ_AUDIT}/evidence/{}", png.to_uppercase()),
        format!("/audits/{HQ_AUDIT}/evidence/passwd"),
        format!("/audits/no-such-audit/evidence/{png}"),
    ] {
        let (a, _) = get(&web, cookie, &path).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_over_the_limit_is_refused_with_413_and_nothing_is_stored() {
    let (web, session, item) = manager().await;
    let cookie = &session.0;
    // 50 MB, declared (as a browser declares it): refused before it is read.
    let mut big = PNG.to_vec();
    big.resize(50 * 1000 * 1000, 0);
    let a = upload(&web, &session, HQ_AUDIT, &item, "huge.png", &big).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        a.text.contains(
            "larger than the 20.0 MiB this server accepts as evidence; nothing was stored"
        ),
        "{}",
        a.text
    );
    // The same without a declared length: cut off while it is read.
    let body = form(
        &[("csrf_token", &session.1), ("item", &item)],
        Some(("huge.png", &big)),
    );
    let b = post(
        &web,
        cookie,
        &format!("/audits/{HQ_AUDIT}/evidence"),
        body,
        false,
    )
    .await;
    assert_eq!(b.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", b.text);
    assert!(b.text.contains("nothing was stored"), "{}", b.text);
    // Or in a field that is not the file.
    let long = "x".repeat(21 * 1024 * 1024);
    let body = form(
        &[("csrf_token", &session.1), ("item", &long)],
        Some(("small.png", PNG)),
    );
    let c = post(
        &web,
        cookie,
        &format!("/audits/{HQ_AUDIT}/evidence"),
        body,
        false,
    )
    .await;
    assert_eq!(c.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", c.text);
    assert!(attachments(&web, HQ_AUDIT).await.is_empty());
    assert!(evidence_log(&web).await.is_empty());
    // A photo of exactly the limit is taken whole (far above the 1 MiB of
    // other requests and axum's own 2 MB default).
    let mut photo = PNG.to_vec();
    photo.resize(20 * 1024 * 1024, 3);
    let ok = upload(&web, &session, HQ_AUDIT, &item, "full.png", &photo).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let stored = web
        .db
        .evidence(&web.org, &sha256(&photo))
        .await
        .unwrap()
        .unwrap();
    assert!(stored.bytes == photo);
    assert!(
        web.db
            .evidence(&web.org, &sha256(&big))
            .await
            .unwrap()
            .is_none()
    );

    // The limit is the server's setting: one byte over it is refused, at it accepted.
    let small = Web::serving(
        web.db.clone(),
        ServerConfig {
            max_evidence_bytes: 1000,
            ..ServerConfig::default()
        },
        web.org.clone(),
    );
    let session = small.session("mgr", PW).await;
    let mut file = PNG.to_vec();
    file.resize(1001, 7);
    let over = upload(&small, &session, HQ_AUDIT, &item, "over.png", &file).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.text);
    assert!(over.text.contains("1000 bytes"), "{}", over.text);
    file.truncate(1000);
    let at = upload(&small, &session, HQ_AUDIT, &item, "at.png", &file).await;
    assert_eq!(at.status, StatusCode::SEE_OTHER, "{}", at.text);
    let names: Vec<String> = attachments(&web, HQ_AUDIT)
        .await
        .into_iter()
        .map(|a| a.display_name)
        .collect();
    assert_eq!(names, ["full.png", "at.png"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_path_as_a_name_is_reduced_to_its_last_part() {
    let (web, session, item) = manager().await;
    let cookie = &session.0;
    // No extension left to say what it is: refused, naming the safe name only.
    let a = upload(
        &web,
        &session,
        HQ_AUDIT,
        &item,
        "../../etc/passwd",
        b"root:x:0:0:root",
    )
    .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text);
    assert!(a.text.contains("&#34;passwd&#34;"), "{}", a.text);
    assert!(!a.text.contains("etc/passwd"));
    assert!(attachments(&web, HQ_AUDIT).await.is_empty());

    let b = upload(
        &web,
        &session,
        HQ_AUDIT,
        &item,
        "../../etc/passwd.txt",
        b"root:x:0:0:root",
    )
    .await;
    assert_eq!(b.status, StatusCode::SEE_OTHER, "{}", b.text);
    let list = attachments(&web, HQ_AUDIT).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].display_name, "passwd.txt");
    let (page, _) = get(&web, cookie, location(&b)).await;
    assert!(page.text.contains(">passwd.txt</a>"));
    assert!(!page.text.contains("etc/passwd"));
    let (file, _) = get(
        &web,
        cookie,
        &format!("/audits/{HQ_AUDIT}/evidence/{}", list[0].sha256),
    )
    .await;
    assert_eq!(
        file.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"passwd.txt\"; filename*=UTF-8''passwd.txt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_svg_with_script_or_a_disguised_file_is_refused() {
    let (web, session, item) = manager().await;
    for (name, bytes, why) in [
        (
            "plan.svg",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(document.cookie)</script></svg>"[..],
            "an SVG that could run in a browser",
        ),
        (
            "plan.svg",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><rect onload=\"alert(1)\"/></svg>"[..],
            "an event handler attribute",
        ),
        ("page.html", &b"<html><script>alert(1)</script></html>"[..], "markup"),
        ("photo.jpg", PNG, "the content is PNG image"),
        ("empty.txt", &b""[..], "is empty"),
    ] {
        let a = upload(&web, &session, HQ_AUDIT, &item, name, bytes).await;
        assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", a.text);
        assert!(a.text.contains(why), "{name}: {}", a.text);
    }
    assert!(attachments(&web, HQ_AUDIT).await.is_empty());
    assert!(evidence_log(&web).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_of_another_site_get_404_for_upload_and_download() {
    let (web, session, item) = manager().await;
    let ok = upload(&web, &session, HQ_AUDIT, &item, "gate.png", PNG).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let path = format!("/audits/{HQ_AUDIT}/evidence/{}", sha256(PNG));

    // An assessor of the data centre: the head office's audit is not there.
    web.scoped_user_with_password("dc-ann", Role::Assessor, PW, &["dc"])
        .await;
    let dc = web.session("dc-ann", PW).await;
    let (down, _) = get(&web, &dc.0, &path).await;
    assert_eq!(down.status, StatusCode::NOT_FOUND);
    let (page, _) = get(&web, &dc.0, &format!("/audits/{HQ_AUDIT}/inspect?item=1")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let up = upload(
        &web,
        &dc,
        HQ_AUDIT,
        &item,
        "other.png",
        b"\x89PNG\r\n\x1a\nother",
    )
    .await;
    assert_eq!(up.status, StatusCode::NOT_FOUND, "{}", up.text);
    // Their own site's audit takes evidence.
    let (dc_page, _) = get(&web, &dc.0, &format!("/audits/{DC_AUDIT}/inspect?item=1")).await;
    let dc_item = hidden(&dc_page.text, "item");
    let mine = upload(
        &web,
        &dc,
        DC_AUDIT,
        &dc_item,
        "rack.png",
        b"\x89PNG\r\n\x1a\nrack",
    )
    .await;
    assert_eq!(mine.status, StatusCode::SEE_OTHER, "{}", mine.text);

    // A viewer of the head office reads the file but may not add one.
    web.scoped_user_with_password("hq-viv", Role::Viewer, PW, &["hq"])
        .await;
    let viewer = web.session("hq-viv", PW).await;
    let (read, body) = get(&web, &viewer.0, &path).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(body, PNG);
    let (inspect, _) = get(
        &web,
        &viewer.0,
        &format!("/audits/{HQ_AUDIT}/inspect?item=1"),
    )
    .await;
    assert!(!inspect.text.contains("enctype=\"multipart/form-data\""));
    let refused = upload(
        &web,
        &viewer,
        HQ_AUDIT,
        &item,
        "v.png",
        b"\x89PNG\r\n\x1a\nv",
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(attachments(&web, HQ_AUDIT).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_without_the_csrf_token_is_refused() {
    let (web, session, item) = manager().await;
    let (cookie, csrf) = &session;
    let path = format!("/audits/{HQ_AUDIT}/evidence");
    let cases = [
        form(&[("item", &item)], Some(("gate.png", PNG))),
        form(
            &[("csrf_token", "forged"), ("item", &item)],
            Some(("gate.png", PNG)),
        ),
        // The token after the file: the file is refused before it is read.
        {
            let mut body = form(&[("item", &item)], Some(("gate.png", PNG)));
            let end = format!("--{BOUNDARY}--\r\n");
            body.truncate(body.len() - end.len());
            body.extend_from_slice(
                format!(
                    "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n{end}"
                )
                .as_bytes(),
            );
            body
        },
    ];
    for body in cases {
        let a = post(&web, cookie, &path, body, true).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text);
        assert!(a.text.contains("security token"), "{}", a.text);
    }
    assert!(attachments(&web, HQ_AUDIT).await.is_empty());
    assert!(evidence_log(&web).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_taken_off_an_item_leaves_the_bytes_and_a_line_in_the_audit_log() {
    let (web, session, item) = manager().await;
    let cookie = &session.0;
    let digest = sha256(PNG);
    let a = upload(&web, &session, HQ_AUDIT, &item, "gate 3.png", PNG).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text);
    let (page, _) = get(&web, cookie, &format!("/audits/{HQ_AUDIT}")).await;
    let choice = format!("{item}|{digest}");
    assert!(
        page.text.contains(&format!("<option value=\"{choice}\">")),
        "{}",
        page.text
    );
    let path = format!("/audits/{HQ_AUDIT}/evidence/remove");

    // Without the session's CSRF token: refused, nothing removed.
    let no_csrf =
        crate::audits_web::post_form(&web, cookie, &path, &[("attachment", &choice)]).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN, "{}", no_csrf.text);
    assert_eq!(attachments(&web, HQ_AUDIT).await.len(), 1);
    // A viewer may not.
    web.user_with_password("eye", Role::Viewer, PW).await;
    let viewer = web.session("eye", PW).await;
    let refused = crate::audits_web::post_form(
        &web,
        &viewer.0,
        &path,
        &[("csrf_token", &viewer.1), ("attachment", &choice)],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert_eq!(attachments(&web, HQ_AUDIT).await.len(), 1);

    let done = crate::audits_web::post_form(
        &web,
        cookie,
        &path,
        &[("csrf_token", &session.1), ("attachment", &choice)],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(location(&done), format!("/audits/{HQ_AUDIT}#evidence"));
    assert!(attachments(&web, HQ_AUDIT).await.is_empty());
    // The bytes are kept; the log says what was taken off, and by whom.
    assert!(web.db.evidence(&web.org, &digest).await.unwrap().is_some());
    let store: &dyn Store = &*web.db;
    let last = store
        .audit_page(&AuditQuery {
            org: Some(web.org.clone()),
            kind: Some("evidence".into()),
            limit: 1,
            ..AuditQuery::default()
        })
        .await
        .unwrap()
        .remove(0);
    assert_eq!(last.action, "delete");
    assert_eq!(last.actor, "mgr@web");
    assert!(last.after.is_none());
    let before: Value = serde_json::from_str(last.before.as_deref().unwrap()).unwrap();
    assert_eq!(before["sha256"], digest.as_str());
    assert_eq!(before["name"], "gate 3.png");

    // Again: nothing there any more.
    let again = crate::audits_web::post_form(
        &web,
        cookie,
        &path,
        &[("csrf_token", &session.1), ("attachment", &choice)],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.text);
    let bad = crate::audits_web::post_form(
        &web,
        cookie,
        &path,
        &[
            ("csrf_token", &session.1),
            ("attachment", "../../etc/passwd"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
}
