//! Audit evidence: files and photos stored by their content, and the
//! checklist items of audits they are attached to.
//!
//! A file is stored once per organisation under the SHA-256 of its bytes,
//! which the store computes itself (the caller's word is not taken for it):
//! the same photo uploaded twice, or attached to several items, is one row
//! of bytes. An **attachment** links a stored file to one item of one
//! audit, under the name the uploader gave it (already made safe to show by
//! the caller: never a path), with who attached it and when.
//!
//! What a file is (its media type, checked from its content), who may
//! upload or read it, and how large it may be are the server's business;
//! the store keeps the rows, writes each upload in one transaction (bytes,
//! attachment and audit entry together, or nothing), and never puts the
//! bytes in the audit log.
//!
//! Attachments name their audit by id and are checked against it when
//! made; they do not hang on the audit's row, so replacing an organisation
//! by an import (which writes its records anew) keeps its evidence.

use async_trait::async_trait;
use rampart_domain::Id;
use sha2::Digest;

use crate::Result;

/// A stored file, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub org: Id,
    /// SHA-256 of the bytes, 64 lower-case hex digits: the file's address.
    pub sha256: String,
    /// As the server found it from the content (`image/jpeg`).
    pub media_type: String,
    /// In bytes.
    pub size: i64,
    /// Who uploaded these bytes first, and when.
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// A stored file with its bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct EvidenceFile {
    pub evidence: Evidence,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for EvidenceFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceFile")
            .field("evidence", &self.evidence)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish()
    }
}

/// A file attached to one checklist item of one audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub org: Id,
    pub audit: Id,
    /// The checklist item's id (`PER-05`, `PE-3(1)`).
    pub item: String,
    pub sha256: String,
    /// The uploader's name for it, safe to show.
    pub display_name: String,
    pub attached_by: String,
    pub attached_at: String,
    /// The file's, for the lists that show attachments.
    pub media_type: String,
    pub size: i64,
}

/// Where a file is attached, and under which name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachTo<'a> {
    pub org: &'a Id,
    pub audit: &'a Id,
    pub item: &'a str,
    pub display_name: &'a str,
    /// When (the store's text form, [`crate::now_text`]).
    pub at: &'a str,
}

/// An upload: the bytes, what they are, and where they are attached.
#[derive(Clone, PartialEq, Eq)]
pub struct EvidenceUpload<'a> {
    pub to: AttachTo<'a>,
    /// As the server found it from the content.
    pub media_type: &'a str,
    pub bytes: &'a [u8],
}

impl std::fmt::Debug for EvidenceUpload<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvidenceUpload")
            .field("to", &self.to)
            .field("media_type", &self.media_type)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .finish()
    }
}

/// What an upload or an attachment changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    pub attachment: Attachment,
    /// The bytes were new to the organisation (otherwise the stored copy is
    /// used, with its first uploader).
    pub stored_new: bool,
    /// The attachment is new (otherwise the file was already attached to
    /// this item, under its first name, and nothing changed).
    pub attached_new: bool,
}

/// The evidence files of the organisations in the store.
#[async_trait]
pub trait EvidenceStore: Send + Sync + std::fmt::Debug {
    /// Store `upload`'s bytes under their SHA-256 (unless the organisation
    /// already has them) and attach them to the item, in one transaction
    /// with one audit entry (kind `evidence`, the audit's id, the name,
    /// digest, type and size; never the bytes). The audit must exist:
    /// otherwise `StoreError::NotFound` and nothing is stored. Attaching
    /// the same bytes to the same item again changes nothing and writes no
    /// audit entry.
    async fn put_evidence(&self, actor: &str, upload: &EvidenceUpload<'_>) -> Result<Attached>;

    /// Attach a file the organisation already holds (by digest) to another
    /// item, as [`EvidenceStore::put_evidence`] does: `Ok(None)` when there
    /// is no such file.
    async fn attach(
        &self,
        actor: &str,
        sha256: &str,
        to: &AttachTo<'_>,
    ) -> Result<Option<Attached>>;

    /// A stored file with its bytes.
    async fn evidence(&self, org: &Id, sha256: &str) -> Result<Option<EvidenceFile>>;

    /// The files attached to an audit's items, in the order they were
    /// attached.
    async fn attachments_of(&self, org: &Id, audit: &Id) -> Result<Vec<Attachment>>;

    /// Take a file off one item of an audit, in one transaction with one
    /// audit entry (a delete of kind `evidence` holding what was attached,
    /// never the bytes). The bytes stay: other items may hold them, and
    /// evidence once given is kept. `Ok(None)` when the file was not
    /// attached there (and nothing is written); otherwise the attachment
    /// that was removed.
    async fn detach(
        &self,
        actor: &str,
        org: &Id,
        audit: &Id,
        item: &str,
        sha256: &str,
    ) -> Result<Option<Attachment>>;
}

/// The content address of `bytes`: SHA-256, lower-case hex.
pub fn content_address(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Whether `s` has the form of a content address (64 lower-case hex digits).
pub fn is_content_address(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The audit text of an attachment: where, under which name, which bytes;
/// both backends write it with this, so entries read the same.
pub fn attachment_audit_text(a: &Attachment, stored_new: bool) -> String {
    serde_json::json!({
        "audit": a.audit.as_str(),
        "item": a.item,
        "name": a.display_name,
        "sha256": a.sha256,
        "media_type": a.media_type,
        "size": a.size,
        "stored_new": stored_new,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_address_is_the_sha256_of_the_bytes() {
        // FIPS 180-2, appendix B.1.
        assert_eq!(
            content_address(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(is_content_address(&content_address(b"")));
        assert!(!is_content_address(
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        ));
        assert!(!is_content_address("../../etc/passwd"));
        assert!(!is_content_address(&"a".repeat(63)));
    }
}
