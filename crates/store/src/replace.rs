//! What survives an import that replaces an organisation: its users.
//!
//! An organisation file holds no accounts, so `ImportMode::Replace` keeps
//! the organisation's user records (and with them, by their row, every
//! credential, session and API token). What a kept user refers to may be
//! gone from the new file: such a site is removed from the user's scope and
//! such a linked person from the user, so no reference dangles. This module
//! decides what each kept user becomes; the backends apply it in the
//! import's transaction (an ordinary versioned update, audited, when the
//! user changes).

use std::collections::HashSet;

use rampart_domain::{EntityKind, Id, User};

use crate::{Record, Result, StoreError};

/// What a replacing import took from a user it kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserScopeChange {
    pub user: Id,
    /// Sites of the user's scope that the new organisation no longer has.
    pub removed_sites: Vec<Id>,
    /// The linked person, when the new organisation no longer has them.
    pub removed_person: Option<Id>,
}

impl std::fmt::Display for UserScopeChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "user {}:", self.user)?;
        if !self.removed_sites.is_empty() {
            let sites: Vec<&str> = self.removed_sites.iter().map(Id::as_str).collect();
            write!(
                f,
                " no longer sees site{} {} (not in the new file)",
                if sites.len() == 1 { "" } else { "s" },
                sites.join(", ")
            )?;
        }
        if let Some(p) = &self.removed_person {
            if !self.removed_sites.is_empty() {
                write!(f, ";")?;
            }
            write!(f, " no longer linked to person {p} (not in the new file)")?;
        }
        Ok(())
    }
}

/// A user kept across a replace: its record as it must be stored now, and
/// what it lost (`None`: unchanged, only its references are re-pointed).
#[derive(Debug, Clone, PartialEq)]
pub struct KeptUser {
    pub record: Record,
    pub change: Option<UserScopeChange>,
}

/// Decide what the stored user `body` becomes once `records` (the new
/// file's) replace the organisation: sites and a person the new records do
/// not hold are dropped. A body that is not a user is reported as corrupt.
pub fn keep_user(id: &str, body: &str, records: &[Record]) -> Result<KeptUser> {
    let corrupt = |reason: String| StoreError::Corrupt {
        kind: EntityKind::User,
        id: id.to_owned(),
        reason,
    };
    let mut user: User = serde_json::from_str(body).map_err(|e| corrupt(e.to_string()))?;
    let present: HashSet<(EntityKind, &Id)> = records
        .iter()
        .filter(|r| matches!(r.kind, EntityKind::Site | EntityKind::Person))
        .map(|r| (r.kind, &r.id))
        .collect();
    let (kept, removed): (Vec<Id>, Vec<Id>) = std::mem::take(&mut user.sites)
        .into_iter()
        .partition(|s| present.contains(&(EntityKind::Site, s)));
    user.sites = kept;
    let removed_person = match &user.person {
        Some(p) if !present.contains(&(EntityKind::Person, p)) => user.person.take(),
        _ => None,
    };
    let change = (!removed.is_empty() || removed_person.is_some()).then(|| UserScopeChange {
        user: user.id.clone(),
        removed_sites: removed,
        removed_person,
    });
    Ok(KeptUser {
        record: Record::from_entity(&user)?,
        change,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(kind: EntityKind, id: &str) -> Record {
        Record {
            kind,
            id: Id::new(id).unwrap(),
            site: None,
            refs: Vec::new(),
            body: serde_json::json!({}),
        }
    }

    #[test]
    fn a_kept_user_loses_only_what_the_new_file_lacks() {
        let body = r#"{"id":"ann","display_name":"Ann","role":"assessor","sites":["dc","hq"],"person":"p-ann"}"#;
        let records = [
            rec(EntityKind::Site, "hq"),
            rec(EntityKind::Zone, "dc"),
            rec(EntityKind::Person, "p-bob"),
        ];
        let kept = keep_user("ann", body, &records).unwrap();
        let change = kept.change.unwrap();
        assert_eq!(change.removed_sites, vec![Id::new("dc").unwrap()]);
        assert_eq!(change.removed_person, Some(Id::new("p-ann").unwrap()));
        assert_eq!(kept.record.body["sites"], serde_json::json!(["hq"]));
        assert!(kept.record.body.get("person").is_none());
        assert_eq!(
            kept.record.refs,
            vec![(EntityKind::Site, Id::new("hq").unwrap())]
        );
        assert_eq!(
            change.to_string(),
            "user ann: no longer sees site dc (not in the new file); no longer linked to person p-ann (not in the new file)"
        );
    }

    #[test]
    fn a_user_whose_references_all_remain_is_unchanged() {
        let body =
            r#"{"id":"admin","display_name":"Admin","role":"admin","all_sites":true,"person":"p"}"#;
        let kept = keep_user("admin", body, &[rec(EntityKind::Person, "p")]).unwrap();
        assert_eq!(kept.change, None);
        assert_eq!(kept.record.body["person"], "p");
        assert!(keep_user("x", "{}", &[]).is_err());
    }
}
