//! The Reports page in process, with the real report builder behind it: a
//! report holds only what its reader may see, and the file is what the
//! CLI's `rampart report` makes from the same data.

use axum::http::{StatusCode, header};
use rampart_domain::Role;

use crate::web::Web;

const PW: &str = "correct horse battery";

/// The text of a PDF (empty where poppler-utils is missing outside CI).
fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, bytes).unwrap();
    crate::report::pdf_text(&path).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_report_holds_only_that_site_and_others_are_refused() {
    let web = Web::sqlite().await;
    web.scoped_user_with_password("wh-lead", Role::SecurityManager, PW, &["whs"])
        .await;
    let (cookie, _) = web.session("wh-lead", PW).await;

    // The page offers the user's own site only.
    let (page, _) = web.page(&cookie, "/reports").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("value=\"whs\""), "{}", page.text);
    assert!(!page.text.contains("value=\"dc\""), "{}", page.text);

    // Another site: as if it did not exist. The whole organisation: refused.
    let (other, _) = web
        .page(
            &cookie,
            "/reports/build?kind=assessment&site=dc&format=html",
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "{}", other.text);
    let (whole, _) = web
        .page(&cookie, "/reports/build?kind=assessment&format=html")
        .await;
    assert_eq!(whole.status, StatusCode::FORBIDDEN, "{}", whole.text);
    assert!(whole.text.contains("every site"), "{}", whole.text);

    // The HTML report of the user's site names it and not the others.
    let (html, _) = web
        .page(
            &cookie,
            "/reports/build?kind=assessment&site=whs&format=html&as_of=2026-05-01",
        )
        .await;
    assert_eq!(html.status, StatusCode::OK, "{}", html.text);
    assert!(
        html.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
    );
    assert_eq!(
        html.headers[header::CONTENT_DISPOSITION].to_str().unwrap(),
        "attachment; filename=\"whs-assessment-2026-05-01.html\""
    );
    assert_eq!(html.headers[header::CACHE_CONTROL], "no-store");
    assert!(html.text.contains("M62 distribution warehouse"));
    assert!(html.text.contains("wh-lead"), "prepared by the user");
    for hidden in ["Manchester data centre", "Leeds head office"] {
        assert!(
            !html.text.contains(hidden),
            "{hidden} leaked into the report"
        );
    }

    // The PDF: a real PDF with the same content.
    let (pdf, bytes) = web
        .page(
            &cookie,
            "/reports/build?kind=briefing&site=whs&format=pdf&as_of=2026-05-01",
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let text = pdf_text(&bytes);
    for hidden in ["Manchester data centre", "Leeds head office"] {
        assert!(!text.contains(hidden), "{hidden} leaked into the PDF");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_report_needs_the_audits_site_and_bad_requests_say_why() {
    let web = Web::sqlite().await;
    web.scoped_user_with_password("wh-lead", Role::SecurityManager, PW, &["whs"])
        .await;
    web.user_with_password("boss", Role::SecurityManager, PW)
        .await;
    let (scoped, _) = web.session("wh-lead", PW).await;
    let (all, _) = web.session("boss", PW).await;

    // The demo's headquarters inspection is not the warehouse lead's.
    let path = "/reports/build?audit=hq-inspection-2025&format=html&as_of=2026-05-01";
    let (hidden, _) = web.page(&scoped, path).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.text);
    let (shown, _) = web.page(&all, path).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.text);
    assert!(shown.text.contains("hq-inspection-2025"), "{}", shown.text);
    assert_eq!(
        shown.headers[header::CONTENT_DISPOSITION].to_str().unwrap(),
        format!(
            "attachment; filename=\"{}-audit-hq-inspection-2025-2026-05-01.html\"",
            web.org
        )
    );

    for (q, status, words) in [
        (
            "kind=assessment&format=docx",
            StatusCode::BAD_REQUEST,
            "format",
        ),
        (
            "kind=assessment&as_of=May",
            StatusCode::BAD_REQUEST,
            "as_of",
        ),
        ("kind=novel", StatusCode::BAD_REQUEST, "kind"),
        (
            "audit=no-such-audit",
            StatusCode::NOT_FOUND,
            "no-such-audit",
        ),
    ] {
        let (a, _) = web.page(&all, &format!("/reports/build?{q}")).await;
        assert_eq!(a.status, status, "{q}: {}", a.text);
        assert!(a.text.contains(words), "{q}: {}", a.text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_remediation_status_of_a_site_shows_only_that_sites_plans() {
    let web = Web::sqlite().await;
    web.scoped_user_with_password("wh-lead", Role::SecurityManager, PW, &["whs"])
        .await;
    let (cookie, _) = web.session("wh-lead", PW).await;
    let (page, _) = web.page(&cookie, "/reports").await;
    assert!(page.text.contains("value=\"remediation\""), "{}", page.text);

    let (whole, _) = web
        .page(&cookie, "/reports/build?kind=remediation&format=html")
        .await;
    assert_eq!(whole.status, StatusCode::FORBIDDEN, "{}", whole.text);

    let (html, _) = web
        .page(
            &cookie,
            "/reports/build?kind=remediation&site=whs&format=html&as_of=2026-03-21",
        )
        .await;
    assert_eq!(html.status, StatusCode::OK, "{}", html.text);
    assert_eq!(
        html.headers[header::CONTENT_DISPOSITION].to_str().unwrap(),
        "attachment; filename=\"whs-remediation-2026-03-21.html\""
    );
    assert!(html.text.contains("whs-inspection-2025"), "{}", html.text);
    assert!(html.text.contains("expires in 10 days"), "{}", html.text);
    for hidden in ["hq-inspection-2025", "dc-800-53-2025"] {
        assert!(!html.text.contains(hidden), "{hidden} leaked");
    }
}
