//! The tamper-evident audit log.
//!
//! Each entry records who changed what, when, and the content before and
//! after. Its hash is the SHA-256 of a canonical encoding of its fields and
//! of the previous entry's hash, so editing or deleting any entry breaks the
//! chain from there on, and [`Verifier`] finds where. Rewriting the whole
//! chain after an edit is only detectable against a head hash kept elsewhere:
//! verification prints the head so that it can be recorded (in a ticket, a
//! report, a SIEM) and checked later.
//!
//! Backends append entries inside the transaction of the change they record,
//! one writer at a time, so the chain stays linear.

use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash the first entry chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    Create,
    Update,
    Delete,
    /// A whole organisation written at once: `after` holds everything the
    /// import wrote, `before` everything it replaced.
    Import,
}

impl ChangeAction {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::Create => "create",
            ChangeAction::Update => "update",
            ChangeAction::Delete => "delete",
            ChangeAction::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeAction> {
        match s {
            "create" => Some(ChangeAction::Create),
            "update" => Some(ChangeAction::Update),
            "delete" => Some(ChangeAction::Delete),
            "import" => Some(ChangeAction::Import),
            _ => None,
        }
    }
}

impl fmt::Display for ChangeAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of the audit log, exactly as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// `create`, `update`, `delete` or `import` (kept as text so that a tampered value
    /// is still read, and then fails verification).
    pub action: String,
    pub org: String,
    /// Entity kind, or `organisation`.
    pub kind: String,
    pub entity_id: String,
    /// Content before the change (JSON text), absent for a creation.
    pub before: Option<String>,
    /// Content after the change (JSON text), absent for a deletion.
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The fields of an entry that its hash covers, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct EntryFields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub org: &'a str,
    pub kind: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub prev_hash: &'a str,
}

impl EntryFields<'_> {
    /// SHA-256, hex, of the canonical encoding: a JSON array of the fields in
    /// a fixed order. JSON string escaping makes the encoding unambiguous
    /// (no field can run into the next).
    pub fn hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.at,
            self.actor,
            self.action,
            self.org,
            self.kind,
            self.entity_id,
            self.before,
            self.after,
            self.prev_hash,
        ]);
        let mut h = Sha256::new();
        h.update(canonical.to_string().as_bytes());
        hex::encode(h.finalize())
    }
}

impl AuditEntry {
    pub fn fields(&self) -> EntryFields<'_> {
        EntryFields {
            seq: self.seq,
            at: &self.at,
            actor: &self.actor,
            action: &self.action,
            org: &self.org,
            kind: &self.kind,
            entity_id: &self.entity_id,
            before: self.before.as_deref(),
            after: self.after.as_deref(),
            prev_hash: &self.prev_hash,
        }
    }
}

/// Appends entries to the chain: a backend reads the head inside its write
/// transaction, then builds the entries of that transaction with this.
#[derive(Debug, Clone)]
pub struct Chain {
    next_seq: i64,
    prev_hash: String,
}

impl Chain {
    /// Continue after the entry `(seq, hash)`, or from the start.
    pub fn after(head: Option<(i64, String)>) -> Chain {
        match head {
            Some((seq, hash)) => Chain {
                next_seq: seq + 1,
                prev_hash: hash,
            },
            None => Chain {
                next_seq: 1,
                prev_hash: GENESIS_HASH.to_owned(),
            },
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn append(
        &mut self,
        at: &str,
        actor: &str,
        action: ChangeAction,
        org: &str,
        kind: &str,
        entity_id: &str,
        before: Option<String>,
        after: Option<String>,
    ) -> AuditEntry {
        let hash = EntryFields {
            seq: self.next_seq,
            at,
            actor,
            action: action.as_str(),
            org,
            kind,
            entity_id,
            before: before.as_deref(),
            after: after.as_deref(),
            prev_hash: &self.prev_hash,
        }
        .hash();
        let entry = AuditEntry {
            seq: self.next_seq,
            at: at.to_owned(),
            actor: actor.to_owned(),
            action: action.as_str().to_owned(),
            org: org.to_owned(),
            kind: kind.to_owned(),
            entity_id: entity_id.to_owned(),
            before,
            after,
            prev_hash: std::mem::replace(&mut self.prev_hash, hash.clone()),
            hash,
        };
        self.next_seq += 1;
        entry
    }
}

/// A place where the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditBreak {
    pub seq: i64,
    pub reason: String,
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditVerification {
    pub entries: u64,
    /// Hash of the last entry: record it to detect a rewritten chain later.
    pub head: String,
    pub breaks: Vec<AuditBreak>,
}

impl AuditVerification {
    pub fn is_intact(&self) -> bool {
        self.breaks.is_empty()
    }
}

/// Checks entries one at a time, in order.
#[derive(Debug)]
pub struct Verifier {
    expected_seq: i64,
    prev_hash: String,
    entries: u64,
    breaks: Vec<AuditBreak>,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            entries: 0,
            breaks: Vec::new(),
        }
    }
}

impl Verifier {
    pub fn check(&mut self, e: &AuditEntry) {
        self.entries += 1;
        if e.seq != self.expected_seq {
            let reason = if e.seq > self.expected_seq {
                if e.seq == self.expected_seq + 1 {
                    format!("entry {} is missing (deleted)", self.expected_seq)
                } else {
                    format!(
                        "entries {} to {} are missing (deleted)",
                        self.expected_seq,
                        e.seq - 1
                    )
                }
            } else {
                format!(
                    "entry {} is out of order (expected {})",
                    e.seq, self.expected_seq
                )
            };
            self.breaks.push(AuditBreak { seq: e.seq, reason });
        }
        if e.prev_hash != self.prev_hash {
            self.breaks.push(AuditBreak {
                seq: e.seq,
                reason: format!(
                    "entry {} does not chain from the entry before it (an entry before it was deleted, inserted or rewritten)",
                    e.seq
                ),
            });
        }
        if e.fields().hash() != e.hash {
            self.breaks.push(AuditBreak {
                seq: e.seq,
                reason: format!(
                    "entry {}'s content does not match its hash (it was edited)",
                    e.seq
                ),
            });
        }
        if ChangeAction::parse(&e.action).is_none() {
            self.breaks.push(AuditBreak {
                seq: e.seq,
                reason: format!("entry {} has an unknown action {:?}", e.seq, e.action),
            });
        }
        self.expected_seq = e.seq + 1;
        self.prev_hash = e.hash.clone();
    }

    pub fn finish(self) -> AuditVerification {
        AuditVerification {
            entries: self.entries,
            head: self.prev_hash,
            breaks: self.breaks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let after = format!("{{\"id\":\"a{seq}\"}}");
                let f = EntryFields {
                    seq,
                    at: "2026-01-01T00:00:00.000000Z",
                    actor: "alice",
                    action: "create",
                    org: "acme",
                    kind: "asset",
                    entity_id: "a",
                    before: None,
                    after: Some(&after),
                    prev_hash: &prev,
                };
                let hash = f.hash();
                let e = AuditEntry {
                    seq,
                    at: f.at.into(),
                    actor: f.actor.into(),
                    action: f.action.into(),
                    org: f.org.into(),
                    kind: f.kind.into(),
                    entity_id: f.entity_id.into(),
                    before: None,
                    after: Some(after.clone()),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    fn verify(entries: &[AuditEntry]) -> AuditVerification {
        let mut v = Verifier::default();
        entries.iter().for_each(|e| v.check(e));
        v.finish()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let c = chain(5);
        let v = verify(&c);
        assert!(v.is_intact(), "{v:?}");
        assert_eq!(v.entries, 5);
        assert_eq!(v.head, c[4].hash);
    }

    #[test]
    fn an_edit_is_found_at_the_edited_entry() {
        let mut c = chain(5);
        c[2].actor = "mallory".into();
        let v = verify(&c);
        assert_eq!(v.breaks.len(), 1, "{v:?}");
        assert_eq!(v.breaks[0].seq, 3);
    }

    #[test]
    fn an_edit_with_a_recomputed_hash_breaks_the_next_link() {
        let mut c = chain(5);
        c[2].after = Some("{}".into());
        c[2].hash = c[2].fields().hash();
        let v = verify(&c);
        assert_eq!(v.breaks.len(), 1, "{v:?}");
        assert_eq!(v.breaks[0].seq, 4);
    }

    #[test]
    fn a_deletion_is_found() {
        let mut c = chain(5);
        c.remove(1);
        let v = verify(&c);
        assert!(
            v.breaks
                .iter()
                .any(|b| b.seq == 3 && b.reason.contains("entry 2 is missing")),
            "{v:?}"
        );
    }

    #[test]
    fn hashing_is_unambiguous_between_fields() {
        let base = EntryFields {
            seq: 1,
            at: "t",
            actor: "ab",
            action: "create",
            org: "o",
            kind: "k",
            entity_id: "c",
            before: None,
            after: None,
            prev_hash: GENESIS_HASH,
        };
        let shifted = EntryFields {
            actor: "a",
            entity_id: "bc",
            ..base
        };
        assert_ne!(base.hash(), shifted.hash());
    }
}
