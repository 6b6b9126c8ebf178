//! Errors a store reports, in terms its callers can act on.

use rampart_domain::{EntityKind, Id, Problem};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{kind} {id:?} does not exist")]
    NotFound { kind: EntityKind, id: Id },

    #[error("{kind} {id:?} already exists")]
    AlreadyExists { kind: EntityKind, id: Id },

    #[error(
        "{kind} {id:?} was changed by someone else (you edited version {expected}, it is now at version {actual}); reload it and apply your change again"
    )]
    Conflict {
        kind: EntityKind,
        id: Id,
        expected: i64,
        actual: i64,
    },

    #[error("{kind} {id:?} refers to {target_kind} {target:?}, which does not exist")]
    DanglingReference {
        kind: EntityKind,
        id: Id,
        target_kind: EntityKind,
        target: Id,
    },

    #[error("{kind} {id:?} cannot be deleted: {referrer_kind} {referrer:?} refers to it")]
    Referenced {
        kind: EntityKind,
        id: Id,
        referrer_kind: EntityKind,
        referrer: Id,
    },

    #[error("organisation {0:?} does not exist")]
    UnknownOrganisation(Id),

    #[error("organisation {0:?} already exists; import with replace to overwrite it")]
    OrganisationExists(Id),

    #[error("the organisation is not valid: {} problem(s), first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<Problem>),

    #[error("stored {kind} {id:?} cannot be read: {reason}")]
    Corrupt {
        kind: EntityKind,
        id: String,
        reason: String,
    },

    /// An [`crate::Invariant`] the write would have broken; nothing was written.
    #[error("{0}")]
    Refused(String),

    #[error("cannot encode an entity: {0}")]
    Encode(String),

    #[error("schema migration failed: {0}")]
    Migration(String),

    /// A database error. The message never holds the connection URL.
    #[error("database error: {0}")]
    Database(String),
}
