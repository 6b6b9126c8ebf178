//! Audit evidence in SQLite: files by content, and their attachments to
//! audits' checklist items (see [`rampart_store::evidence`]).
//!
//! An upload or an attachment is one write transaction (`BEGIN IMMEDIATE`):
//! the bytes if they are new, the attachment, and the audit entry, or
//! nothing.

use async_trait::async_trait;
use rampart_domain::{EntityKind, Id};
use rampart_store::evidence::{attachment_audit_text, content_address};
use rampart_store::{
    AttachTo, Attached, Attachment, ChangeAction, Evidence, EvidenceFile, EvidenceStore,
    EvidenceUpload, Result, StoreError, now_text,
};
use sqlx::{Sqlite, Transaction};

use crate::{SqliteStore, append_audit, audit_head, db};

fn stored_id(what: &str, id: String) -> Result<Id> {
    Id::new(id.clone())
        .map_err(|e| StoreError::Database(format!("stored {what} id {id:?} cannot be read: {e}")))
}

/// Refuse an attachment to an audit that does not exist.
async fn audit_exists(tx: &mut Transaction<'_, Sqlite>, org: &Id, audit: &Id) -> Result<()> {
    let (o, a) = (org.as_str(), audit.as_str());
    let found = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!: i64" FROM records WHERE org_id = ?1 AND kind = 'audit' AND id = ?2"#,
        o,
        a
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    match found {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound {
            kind: EntityKind::Audit,
            id: audit.clone(),
        }),
    }
}

/// The stored file's type and size, if the organisation holds it.
async fn file_meta(
    tx: &mut Transaction<'_, Sqlite>,
    org: &str,
    sha256: &str,
) -> Result<Option<(String, i64)>> {
    let row = sqlx::query!(
        r#"SELECT media_type, size AS "size!: i64" FROM evidence WHERE org_id = ?1 AND sha256 = ?2"#,
        org,
        sha256
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    Ok(row.map(|r| (r.media_type, r.size)))
}

/// Attach a stored file inside an open write transaction, with its audit
/// entry; nothing when it is already attached to that item.
async fn attach_in(
    tx: &mut Transaction<'_, Sqlite>,
    actor: &str,
    sha256: &str,
    media_type: String,
    size: i64,
    to: &AttachTo<'_>,
    stored_new: bool,
) -> Result<Attached> {
    let (o, a) = (to.org.as_str(), to.audit.as_str());
    let existing = sqlx::query!(
        r#"SELECT display_name, attached_by, attached_at FROM evidence_attachments
           WHERE org_id = ?1 AND audit_id = ?2 AND item_id = ?3 AND sha256 = ?4"#,
        o,
        a,
        to.item,
        sha256
    )
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?;
    let attachment = |display_name: String, attached_by: String, attached_at: String| Attachment {
        org: to.org.clone(),
        audit: to.audit.clone(),
        item: to.item.to_owned(),
        sha256: sha256.to_owned(),
        display_name,
        attached_by,
        attached_at,
        media_type: media_type.clone(),
        size,
    };
    if let Some(e) = existing {
        return Ok(Attached {
            attachment: attachment(e.display_name, e.attached_by, e.attached_at),
            stored_new,
            attached_new: false,
        });
    }
    sqlx::query!(
        r#"INSERT INTO evidence_attachments (org_id, audit_id, item_id, sha256, display_name, attached_by, attached_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"#,
        o,
        a,
        to.item,
        sha256,
        to.display_name,
        actor,
        to.at
    )
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    let made = attachment(
        to.display_name.to_owned(),
        actor.to_owned(),
        to.at.to_owned(),
    );
    let after = attachment_audit_text(&made, stored_new);
    let mut chain = audit_head(tx).await?;
    let entry = chain.append(
        &now_text(),
        actor,
        ChangeAction::Create,
        o,
        "evidence",
        a,
        None,
        Some(after),
    );
    append_audit(tx, &entry).await?;
    Ok(Attached {
        attachment: made,
        stored_new,
        attached_new: true,
    })
}

#[async_trait]
impl EvidenceStore for SqliteStore {
    async fn put_evidence(&self, actor: &str, upload: &EvidenceUpload<'_>) -> Result<Attached> {
        let to = &upload.to;
        let sha256 = content_address(upload.bytes);
        let o = to.org.as_str();
        let size = i64::try_from(upload.bytes.len())
            .map_err(|_| StoreError::Encode("an evidence file too large to store".into()))?;
        let mut tx = self.write_tx().await?;
        audit_exists(&mut tx, to.org, to.audit).await?;
        let (media_type, size, stored_new) = match file_meta(&mut tx, o, &sha256).await? {
            Some((media_type, size)) => (media_type, size, false),
            None => {
                sqlx::query!(
                    r#"INSERT INTO evidence (org_id, sha256, media_type, size, bytes, uploaded_by, uploaded_at)
                       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"#,
                    o,
                    sha256,
                    upload.media_type,
                    size,
                    upload.bytes,
                    actor,
                    to.at
                )
                .execute(&mut *tx)
                .await
                .map_err(db)?;
                (upload.media_type.to_owned(), size, true)
            }
        };
        let done = attach_in(&mut tx, actor, &sha256, media_type, size, to, stored_new).await?;
        tx.commit().await.map_err(db)?;
        Ok(done)
    }

    async fn attach(
        &self,
        actor: &str,
        sha256: &str,
        to: &AttachTo<'_>,
    ) -> Result<Option<Attached>> {
        let mut tx = self.write_tx().await?;
        audit_exists(&mut tx, to.org, to.audit).await?;
        let Some((media_type, size)) = file_meta(&mut tx, to.org.as_str(), sha256).await? else {
            return Ok(None);
        };
        let done = attach_in(&mut tx, actor, sha256, media_type, size, to, false).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(done))
    }

    async fn evidence(&self, org: &Id, sha256: &str) -> Result<Option<EvidenceFile>> {
        let o = org.as_str();
        let row = sqlx::query!(
            r#"SELECT org_id, sha256, media_type, size AS "size!: i64", bytes, uploaded_by, uploaded_at
               FROM evidence WHERE org_id = ?1 AND sha256 = ?2"#,
            o,
            sha256
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        row.map(|r| {
            Ok(EvidenceFile {
                evidence: Evidence {
                    org: stored_id("organisation", r.org_id)?,
                    sha256: r.sha256,
                    media_type: r.media_type,
                    size: r.size,
                    uploaded_by: r.uploaded_by,
                    uploaded_at: r.uploaded_at,
                },
                bytes: r.bytes,
            })
        })
        .transpose()
    }

    async fn attachments_of(&self, org: &Id, audit: &Id) -> Result<Vec<Attachment>> {
        let (o, a) = (org.as_str(), audit.as_str());
        let rows = sqlx::query!(
            r#"SELECT a.org_id, a.audit_id, a.item_id, a.sha256, a.display_name, a.attached_by, a.attached_at,
                      e.media_type, e.size AS "size!: i64"
               FROM evidence_attachments a
               JOIN evidence e ON e.org_id = a.org_id AND e.sha256 = a.sha256
               WHERE a.org_id = ?1 AND a.audit_id = ?2
               ORDER BY a.seq"#,
            o,
            a
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db)?;
        rows.into_iter()
            .map(|r| {
                Ok(Attachment {
                    org: stored_id("organisation", r.org_id)?,
                    audit: stored_id("audit", r.audit_id)?,
                    item: r.item_id,
                    sha256: r.sha256,
                    display_name: r.display_name,
                    attached_by: r.attached_by,
                    attached_at: r.attached_at,
                    media_type: r.media_type,
                    size: r.size,
                })
            })
            .collect()
    }

    async fn detach(
        &self,
        actor: &str,
        org: &Id,
        audit: &Id,
        item: &str,
        sha256: &str,
    ) -> Result<Option<Attachment>> {
        let (o, a) = (org.as_str(), audit.as_str());
        let mut tx = self.write_tx().await?;
        let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
            "SELECT t.display_name, t.attached_by, t.attached_at, e.media_type, e.size
             FROM evidence_attachments t
             JOIN evidence e ON e.org_id = t.org_id AND e.sha256 = t.sha256
             WHERE t.org_id = ?1 AND t.audit_id = ?2 AND t.item_id = ?3 AND t.sha256 = ?4",
        )
        .bind(o)
        .bind(a)
        .bind(item)
        .bind(sha256)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some((display_name, attached_by, attached_at, media_type, size)) = row else {
            return Ok(None);
        };
        sqlx::query(
            "DELETE FROM evidence_attachments
             WHERE org_id = ?1 AND audit_id = ?2 AND item_id = ?3 AND sha256 = ?4",
        )
        .bind(o)
        .bind(a)
        .bind(item)
        .bind(sha256)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let gone = Attachment {
            org: org.clone(),
            audit: audit.clone(),
            item: item.to_owned(),
            sha256: sha256.to_owned(),
            display_name,
            attached_by,
            attached_at,
            media_type,
            size,
        };
        let mut chain = audit_head(&mut tx).await?;
        let entry = chain.append(
            &now_text(),
            actor,
            ChangeAction::Delete,
            o,
            "evidence",
            a,
            Some(attachment_audit_text(&gone, false)),
            None,
        );
        append_audit(&mut tx, &entry).await?;
        tx.commit().await.map_err(db)?;
        Ok(Some(gone))
    }
}
