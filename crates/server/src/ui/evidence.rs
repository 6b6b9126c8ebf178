//! Audit evidence on the pages: files and photos uploaded against an
//! audit's checklist items, and their download.
//!
//! **Upload** (`POST /audits/{id}/evidence`, a multipart form with
//! `csrf_token`, `item`, `back` and `file`): the same rules as an answer
//! (the role must write audits, the audit's site must be visible or the
//! answer is 404, the session's CSRF token must come with the form, before
//! the file, or nothing of the file is read). The file may be at most the
//! server's `max_evidence_bytes` (413 otherwise, nothing stored); what it
//! is comes from its content, checked by the compliance engine through
//! [`crate::audits::AuditAnalysis::check_evidence`] (never from its name or
//! the browser's type), and its name is only ever shown, made safe first.
//! The store keeps the bytes once per organisation under their SHA-256 and
//! writes the attachment and its audit entry in the same transaction.
//!
//! **Download** (`GET /audits/{id}/evidence/{sha256}`): only a file
//! attached to that audit, only to a user who may see the audit's site
//! (404 otherwise, whichever it is); with the stored type, `nosniff`, a
//! policy that lets nothing run, and as an attachment (shown in the
//! browser only when it is a raster image).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use rampart_domain::{Audit, EntityKind, Id};
use rampart_store::evidence::is_content_address;
use rampart_store::{AttachTo, Attachment, EvidenceUpload};

use super::audits::{checklist, in_frame, may_write};
use super::pages::load_one;
use super::{PageResult, PageUser, url_encode};
use crate::access::Action;
use crate::audits::{EvidenceRefusal, media_type_label};
use crate::auth::{self, Principal};
use crate::layers::MULTIPART_OVERHEAD;
use crate::problem::Problem;
use crate::resource;
use crate::state::AppState;

pub fn routes(r: Router<AppState>) -> Router<AppState> {
    // The body limit of uploads is the server's evidence limit, applied by
    // `layers::body_limit`, not axum's default for extractors.
    r.route(
        "/audits/{id}/evidence",
        post(upload).layer(DefaultBodyLimit::disable()),
    )
    .route("/audits/{id}/evidence/remove", post(remove))
    .route("/audits/{id}/evidence/{sha256}", get(download))
}

/// The media types a browser may show in place: raster images, which run
/// nothing. Everything else is downloaded.
const INLINE: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/// What an evidence download may do in a browser: nothing but be an image.
pub const EVIDENCE_CSP: &str = "default-src 'none'; img-src 'self'; sandbox; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// "812 bytes", "14.2 KiB", "3.1 MiB".
pub fn size_text(bytes: i64) -> String {
    const KIB: f64 = 1024.0;
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} byte{}", if bytes == 1 { "" } else { "s" })
    } else if b < KIB * KIB {
        format!("{:.1} KiB", b / KIB)
    } else {
        format!("{:.1} MiB", b / (KIB * KIB))
    }
}

/// One attached file, as the pages list it.
#[derive(Debug, Clone)]
pub struct EvidenceRow {
    pub sha256: String,
    pub name: String,
    pub href: String,
    pub kind: String,
    pub size: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

impl EvidenceRow {
    pub fn of(a: &Attachment) -> EvidenceRow {
        EvidenceRow {
            sha256: a.sha256.clone(),
            name: a.display_name.clone(),
            href: format!("/audits/{}/evidence/{}", a.audit, a.sha256),
            kind: media_type_label(&a.media_type).to_owned(),
            size: size_text(a.size),
            uploaded_by: a.attached_by.clone(),
            uploaded_at: a.attached_at.replace('T', " ").chars().take(16).collect(),
        }
    }
}

/// The files attached to a stored audit the caller has already found
/// visible, by item id, in the order they were attached.
pub async fn by_item(
    state: &AppState,
    p: &Principal,
    audit: &Id,
) -> Result<BTreeMap<String, Vec<EvidenceRow>>, Problem> {
    let mut out: BTreeMap<String, Vec<EvidenceRow>> = BTreeMap::new();
    for a in state.db.attachments_of(&p.org, audit).await? {
        out.entry(a.item.clone())
            .or_default()
            .push(EvidenceRow::of(&a));
    }
    Ok(out)
}

/// The upload form's fields, read in order.
#[derive(Default)]
struct Upload {
    csrf_ok: bool,
    item: String,
    back: String,
    file: Option<(String, Vec<u8>)>,
}

fn too_large(limit: u64) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "The file is larger than the {} this server accepts as evidence; nothing was stored. Upload a smaller photo, or split the document.",
            size_text(i64::try_from(limit).unwrap_or(i64::MAX))
        ),
    )
}

fn unreadable(e: &MultipartError, limit: u64) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(limit)
    } else {
        Problem::bad_request(format!("the upload could not be read: {}", e.body_text()))
    }
}

fn csrf_refused() -> Problem {
    Problem::forbidden(
        "the form did not carry this session's security token before the file; reload the page and try again",
    )
}

/// Read the form. The CSRF token must come before the file (as the page's
/// form sends it), so a forged upload is refused before its file is read.
async fn read_form(
    p: &Principal,
    headers: &HeaderMap,
    mut form: Multipart,
    limit: u64,
) -> Result<Upload, Problem> {
    let expected = p.csrf_token().unwrap_or("");
    let matches = |sent: &str| {
        !expected.is_empty() && auth::constant_time_eq(sent.as_bytes(), expected.as_bytes())
    };
    let mut up = Upload {
        csrf_ok: headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .is_some_and(matches),
        ..Upload::default()
    };
    while let Some(mut field) = form.next_field().await.map_err(|e| unreadable(&e, limit))? {
        let name = field.name().unwrap_or("").to_owned();
        match name.as_str() {
            "csrf_token" | "item" | "back" => {
                let text = field.text().await.map_err(|e| unreadable(&e, limit))?;
                match name.as_str() {
                    "csrf_token" => up.csrf_ok = up.csrf_ok || matches(&text),
                    "item" => up.item = text.trim().to_owned(),
                    _ => up.back = text,
                }
            }
            "file" => {
                if !up.csrf_ok {
                    return Err(csrf_refused());
                }
                if up.file.is_some() {
                    return Err(Problem::bad_request(
                        "file: one file per upload; add the others one at a time",
                    ));
                }
                let claimed = field.file_name().unwrap_or("").to_owned();
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| unreadable(&e, limit))? {
                    if (bytes.len() + chunk.len()) as u64 > limit {
                        return Err(too_large(limit));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                up.file = Some((claimed, bytes));
            }
            // Anything else is not ours: skipped unread.
            _ => {}
        }
    }
    if !up.csrf_ok {
        return Err(csrf_refused());
    }
    Ok(up)
}

async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    form: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let title = "Evidence not added";
    if !may_write(&p) {
        return Err(in_frame(
            &p,
            Problem::forbidden("your role may not add audit evidence"),
            title,
        ));
    }
    // Scope before reading anything: an audit of a site the user may not
    // see is not found, as on every page.
    let stored = load_one::<Audit>(&state, &p, &id).await?;
    let limit = state.config.max_evidence_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit.saturating_add(MULTIPART_OVERHEAD)) {
        return Err(in_frame(&p, too_large(limit), title));
    }
    let form = form.map_err(|e| {
        in_frame(
            &p,
            Problem::bad_request(format!("the upload is not a multipart form: {e}")),
            title,
        )
    })?;
    let up = read_form(&p, &headers, form, limit)
        .await
        .map_err(|e| in_frame(&p, e, title))?;
    let (_, items) = checklist(&state, &p, &stored.value).await?;
    let Some(item) = items.iter().find(|i| i.id == up.item) else {
        return Err(in_frame(
            &p,
            Problem::not_found(format!(
                "item {:?} is not in the scope of audit {}",
                up.item, stored.value.id
            )),
            title,
        ));
    };
    let (claimed, bytes) = match up.file {
        Some((name, bytes)) if !(name.is_empty() && bytes.is_empty()) => (name, bytes),
        _ => {
            return Err(in_frame(
                &p,
                Problem::field("file", "choose a file to upload"),
                title,
            ));
        }
    };
    let checked = state
        .audits
        .check_evidence(&claimed, &bytes, limit)
        .map_err(|refusal| {
            let problem = match refusal {
                EvidenceRefusal::TooLarge(_) => too_large(limit),
                EvidenceRefusal::Refused(why) => Problem::field("file", why),
            };
            in_frame(&p, problem, title)
        })?;
    let now = rampart_store::now_text();
    let done = state
        .db
        .put_evidence(
            &p.actor(),
            &EvidenceUpload {
                to: AttachTo {
                    org: &p.org,
                    audit: &stored.value.id,
                    item: &item.id,
                    display_name: &checked.display_name,
                    at: &now,
                },
                media_type: &checked.media_type,
                bytes: &bytes,
            },
        )
        .await
        .map_err(|e| in_frame(&p, e.into(), title))?;
    let a = &stored.value.id;
    let to = if up.back == "audit" {
        format!("/audits/{a}#evidence")
    } else {
        format!(
            "/audits/{a}/inspect?item={}&added={}",
            item.position,
            url_encode(&done.attachment.sha256)
        )
    };
    Ok(Redirect::to(&to).into_response())
}

/// Take a file off an item (`POST /audits/{id}/evidence/remove`, a form
/// with `csrf_token` and `attachment` = `ITEM|SHA256`): the same rules as an
/// upload (role, scope, CSRF). The bytes are kept; the audit log records
/// what was taken off, by whom.
async fn remove(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageUser(p): PageUser,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let title = "Evidence not removed";
    let values = super::FormData(form);
    super::check_csrf(&p, &values, &headers).map_err(|e| in_frame(&p, e, "Not allowed"))?;
    if !may_write(&p) {
        return Err(in_frame(
            &p,
            Problem::forbidden("your role may not remove audit evidence"),
            title,
        ));
    }
    let stored = load_one::<Audit>(&state, &p, &id).await?;
    let choice = values.get("attachment");
    let Some((item, sha256)) = choice
        .rsplit_once('|')
        .filter(|(item, sha)| !item.is_empty() && is_content_address(sha))
    else {
        return Err(in_frame(
            &p,
            Problem::field("attachment", "choose a file to remove"),
            title,
        ));
    };
    let removed = state
        .db
        .detach(&p.actor(), &p.org, &stored.value.id, item, sha256)
        .await
        .map_err(|e| in_frame(&p, e.into(), title))?;
    if removed.is_none() {
        return Err(in_frame(
            &p,
            Problem::not_found(format!(
                "audit {} has no file {sha256} on item {item:?}",
                stored.value.id
            )),
            title,
        ));
    }
    Ok(Redirect::to(&format!("/audits/{}#evidence", stored.value.id)).into_response())
}

/// `filename` for Content-Disposition: an ASCII fallback and the name
/// itself (RFC 6266, RFC 8187).
fn disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

async fn download(
    State(state): State<AppState>,
    PageUser(p): PageUser,
    Path((id, sha256)): Path<(String, String)>,
) -> PageResult {
    resource::require(&p, EntityKind::Audit, Action::Read)?;
    let stored = load_one::<Audit>(&state, &p, &id).await?;
    let missing = || {
        in_frame(
            &p,
            Problem::not_found(format!(
                "audit {} has no evidence file {sha256:?}",
                stored.value.id
            )),
            "Not found",
        )
    };
    if !is_content_address(&sha256) {
        return Err(missing());
    }
    let attachments = state.db.attachments_of(&p.org, &stored.value.id).await?;
    let Some(attached) = attachments.iter().find(|a| a.sha256 == sha256) else {
        return Err(missing());
    };
    let Some(file) = state.db.evidence(&p.org, &sha256).await? else {
        return Err(missing());
    };
    let media = file.evidence.media_type.as_str();
    let content_type = if media.starts_with("text/") {
        format!("{media}; charset=utf-8")
    } else {
        media.to_owned()
    };
    let kind = if INLINE.contains(&media) {
        "inline"
    } else {
        "attachment"
    };
    let mut res = file.bytes.into_response();
    let h = res.headers_mut();
    let mut set = |name: header::HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(header::CONTENT_TYPE, &content_type);
    set(
        header::CONTENT_DISPOSITION,
        &disposition(kind, &attached.display_name),
    );
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::CONTENT_SECURITY_POLICY, EVIDENCE_CSP);
    set(header::CACHE_CONTROL, "private, no-store");
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_words() {
        assert_eq!(size_text(1), "1 byte");
        assert_eq!(size_text(812), "812 bytes");
        assert_eq!(size_text(14_540), "14.2 KiB");
        assert_eq!(size_text(20 * 1024 * 1024), "20.0 MiB");
    }

    #[test]
    fn download_names_are_quoted_and_encoded() {
        assert_eq!(
            disposition("attachment", "gate 3.jpg"),
            "attachment; filename=\"gate 3.jpg\"; filename*=UTF-8''gate%203.jpg"
        );
        assert_eq!(
            disposition("inline", "clôture.png"),
            "inline; filename=\"cl_ture.png\"; filename*=UTF-8''cl%C3%B4ture.png"
        );
        assert!(HeaderValue::from_str(&disposition("attachment", "a\"b\\c.txt")).is_ok());
    }
}
