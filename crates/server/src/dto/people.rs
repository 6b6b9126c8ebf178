//! People on the sites, and the application's user accounts.

use rampart_domain as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Id, boolean, holds, keep_visible, merge_visible, search, text};
use crate::auth::Principal;

/// Someone on the sites: staff, a contractor or a visitor. People belong
/// to no one site; a user sees only the granted sites among a person's
/// `sites`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonBody {
    /// The person's id (`p-okafor`).
    pub id: Id,
    /// Full name; must not be blank.
    #[schema(min_length = 1, pattern = r"\S", example = "Adaeze Okafor")]
    pub name: String,
    /// Staff, contractor or visitor.
    pub kind: PersonKind,
    /// The employing company, for contractors and visitors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    /// Work e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Job roles (security manager, guard, facilities technician...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    /// Sites the person is normally at. Sites not granted to the user are
    /// neither shown nor changed by the user's edits.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Id>,
    /// Whether the person may currently be on site; a suspended or
    /// terminated person's access should be revoked. Default `active`.
    #[serde(default)]
    pub status: PersonStatus,
}

/// The relationship of a person to the organisation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Staff,
    Contractor,
    Visitor,
}

/// Whether a person may currently be on site.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PersonStatus {
    #[default]
    Active,
    Suspended,
    Terminated,
}

fn site_of(s: &d::Id) -> &d::Id {
    s
}

/// A person as `principal` may see them: without the sites not granted.
pub fn person_scoped(mut p: d::Person, principal: &Principal) -> d::Person {
    keep_visible(&mut p.sites, site_of, principal);
    p
}

/// An edited person with the sites `principal` may not see put back from
/// the stored one.
pub fn person_merge_hidden(
    mut new: d::Person,
    old: &d::Person,
    principal: &Principal,
) -> d::Person {
    merge_visible(&mut new.sites, &old.sites, site_of, principal);
    new
}

mirrored!(People, d::Person, PersonBody, "people", "person",
    filters: &[
        text("kind", "kind", "Only people of this kind (`staff`, `contractor`, `visitor`)."),
        text("status", "status", "Only people in this status (`active`, `suspended`, `terminated`)."),
        holds("works_at", "sites", "Only people who are normally at this site."),
        search("q", "name", "People whose name contains this text (any case)."),
    ],
    sorts: &["name", "kind", "status"],
    hidden: person_scoped, person_merge_hidden);

/// An account of the application, with its role and the sites it may see.
/// Passwords and tokens are not part of it (see `/api/v1/users/{id}/password`
/// and the token endpoints). Only an administrator with access to every
/// site manages accounts. The last enabled administrator with access to
/// every site cannot be given another role, limited to some sites or
/// disabled (422, naming the field). Disabling an account ends its sessions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    /// The login name (`a.okafor`).
    pub id: Id,
    /// The name shown in the application and in the audit log; must not be blank.
    #[schema(min_length = 1, pattern = r"\S", example = "Adaeze Okafor")]
    pub display_name: String,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// What the user may do.
    pub role: Role,
    /// Whether the user sees every site (present and future); otherwise
    /// only `sites`. Default false.
    #[serde(default)]
    pub all_sites: bool,
    /// The sites granted, when not `all_sites`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Id>,
    /// The person record of the account holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<Id>,
    /// A disabled account cannot log in and its tokens stop working. Default false.
    #[serde(default)]
    pub disabled: bool,
}

/// What a user may do, from most to least privileged: `admin` (everything,
/// accounts included), `security_manager` (runs the programme),
/// `assessor` (zones, assets, threats, risks, devices, models),
/// `responder` (keeps device status current), `viewer` (reads).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    SecurityManager,
    Assessor,
    Responder,
    Viewer,
}

mirrored!(Users, d::User, UserBody, "users", "user",
    filters: &[
        text("role", "role", "Only users with this role (`admin`, `assessor`...)."),
        boolean("disabled", "disabled", "Only disabled (true) or enabled (false) accounts."),
    ],
    sorts: &["display_name", "role"]);
