//! Who may do what: roles, the kinds of record they may change, and the
//! sites they may see.
//!
//! Two questions are asked on every request, in this order:
//! 1. **Scope**: is the record on a site granted to the user? A record of a
//!    site the user may not see answers 404, exactly as if it did not exist,
//!    so that scoping leaks nothing; creating or moving a record into such a
//!    site answers 403.
//! 2. **Role**: may this role read / write / delete this kind of record?
//!
//! The table is the one place these rules live; the role-matrix test walks
//! every route against it.

use rampart_domain::{EntityKind, Id, Role, User};

/// What is being done to a kind of record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
    Delete,
}

/// Whether `role` may do `action` on records of `kind`. Reading is allowed
/// to every role for every kind but users; writing follows the job:
/// managers run the programme, assessors assess (zones, assets, threats,
/// risks, devices), responders keep device status current, viewers read.
pub fn allows(role: Role, kind: EntityKind, action: Action) -> bool {
    use EntityKind as K;
    use Role as R;
    match (kind, action) {
        (K::User, _) => role == R::Admin,
        (_, Action::Read) => true,
        (_, Action::Delete) => matches!(role, R::Admin | R::SecurityManager),
        (K::Site | K::Control | K::AppliedControl | K::Person | K::Framework, Action::Write) => {
            matches!(role, R::Admin | R::SecurityManager)
        }
        (
            K::Zone
            | K::Asset
            | K::Threat
            | K::Risk
            | K::FacilityModel
            | K::FloorPlan
            | K::Audit
            | K::Inspection
            | K::AcceptancePlan,
            Action::Write,
        ) => matches!(role, R::Admin | R::SecurityManager | R::Assessor),
        (K::Device, Action::Write) => {
            matches!(
                role,
                R::Admin | R::SecurityManager | R::Assessor | R::Responder
            )
        }
    }
}

/// Accepting a newly installed system (signing its acceptance test plan
/// off): the people accountable for the programme. Assessors and
/// installers run the tests; they do not accept their own work.
pub fn may_sign_off(role: Role) -> bool {
    matches!(role, Role::Admin | Role::SecurityManager)
}

/// Reading the audit log: the people accountable for the programme.
pub fn may_read_audit_log(user: &User) -> bool {
    matches!(user.role, Role::Admin | Role::SecurityManager) && user.all_sites
}

/// Creating a site grants nothing to anyone, so only a user who sees every
/// site may do it (otherwise the new site would vanish from their view).
pub fn may_create_site(user: &User) -> bool {
    user.all_sites && allows(user.role, EntityKind::Site, Action::Write)
}

/// The sites a user may see: `None` for all.
pub fn visible_sites(user: &User) -> Option<Vec<Id>> {
    if user.all_sites {
        None
    } else {
        Some(user.sites.clone())
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::SecurityManager => "security_manager",
        Role::Assessor => "assessor",
        Role::Responder => "responder",
        Role::Viewer => "viewer",
    }
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Administrator",
        Role::SecurityManager => "Security manager",
        Role::Assessor => "Assessor",
        Role::Responder => "Responder",
        Role::Viewer => "Viewer",
    }
}

pub const ROLES: [Role; 5] = [
    Role::Admin,
    Role::SecurityManager,
    Role::Assessor,
    Role::Responder,
    Role::Viewer,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_as_the_job() {
        assert!(allows(Role::Viewer, EntityKind::Risk, Action::Read));
        assert!(!allows(Role::Viewer, EntityKind::Risk, Action::Write));
        assert!(allows(Role::Assessor, EntityKind::Risk, Action::Write));
        assert!(!allows(Role::Assessor, EntityKind::Risk, Action::Delete));
        assert!(!allows(Role::Assessor, EntityKind::Control, Action::Write));
        assert!(allows(Role::Responder, EntityKind::Device, Action::Write));
        assert!(!allows(Role::Responder, EntityKind::Asset, Action::Write));
        assert!(!allows(
            Role::SecurityManager,
            EntityKind::User,
            Action::Read
        ));
        assert!(allows(Role::Admin, EntityKind::User, Action::Delete));
        // Everyone reads everything but accounts.
        for role in ROLES {
            for kind in EntityKind::ALL {
                assert_eq!(
                    allows(role, kind, Action::Read),
                    kind != EntityKind::User || role == Role::Admin
                );
            }
        }
    }
}
