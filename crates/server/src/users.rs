//! Account management: the rules the API and the Users pages share, so
//! each rule has one path.
//!
//! - Only an administrator with access to every site manages accounts
//!   ([`require_account_admin`]; `resource::require` says the same for the
//!   user records of the API).
//! - The organisation never loses its last enabled administrator with
//!   access to every site: a change that would demote, narrow or disable
//!   that account is refused, naming the field ([`check_change`]).
//!   The same rule is checked again inside the store's write transaction
//!   ([`last_admin_rule`]), so two administrators demoting or deleting
//!   each other at the same moment cannot both succeed.
//! - Disabling an account ends its sessions at once ([`after_change`]);
//!   its API tokens stop working while it is disabled (authentication
//!   refuses a disabled user) but are not revoked, so enabling it again
//!   restores exactly what it had.
//! - A password made here is a one-time password: shown once, stored
//!   hashed, to be replaced at the next login; setting it ends the
//!   account's sessions (`auth::set_password`). The audit log records the
//!   credential change, never the password or its hash.
//!
//! Who may see what is decided here and in `access`; the store keeps the
//! records, and writes each change with its audit entry.

use rampart_domain::{EntityKind, Id, Role, User};
use rampart_store::{ListQuery, Stored, StoredRecord};

use crate::auth::{self, Principal};
use crate::endpoints;
use crate::problem::{ApiResult, Problem};
use crate::resource;
use crate::state::AppState;

/// Whether `user` manages accounts: an enabled administrator of every site.
pub fn is_account_admin(user: &User) -> bool {
    user.role == Role::Admin && user.all_sites && !user.disabled
}

/// Refuse anyone but an administrator with access to every site.
pub fn require_account_admin(p: &Principal) -> ApiResult<()> {
    if is_account_admin(&p.user) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "accounts are managed by an administrator with access to every site",
        ))
    }
}

/// The rule every change of a user record obeys, whoever makes it: the
/// last enabled administrator with access to every site stays one. The
/// error names the field that would take it away.
pub async fn check_change(state: &AppState, org: &Id, old: &User, new: &User) -> ApiResult<()> {
    if !is_account_admin(old) || is_account_admin(new) {
        return Ok(());
    }
    let others = state
        .store()
        .list::<User>(org, &ListQuery::all())
        .await?
        .into_iter()
        .filter(|u| u.value.id != old.id && is_account_admin(&u.value))
        .count();
    if others > 0 {
        return Ok(());
    }
    let (field, what) = if new.disabled {
        ("/disabled", "disabled")
    } else if new.role != Role::Admin {
        ("/role", "given another role")
    } else {
        ("/all_sites", "limited to some sites")
    };
    Err(Problem::field(
        field,
        format!(
            "{} is the last enabled administrator with access to every site and cannot be {what}: make another account an administrator of every site first",
            old.id
        ),
    ))
}

/// The store-side form of [`check_change`], for
/// [`rampart_store::Invariant`]: among the user records as the write would
/// leave them, at least one is an enabled administrator with access to
/// every site. Checked inside the write's transaction (writes are
/// serialised), it closes the race two concurrent changes would otherwise
/// win together.
pub fn last_admin_rule(records: &[StoredRecord]) -> Result<(), String> {
    let admins = records
        .iter()
        .filter_map(|r| r.clone().decode::<User>().ok())
        .filter(|u| is_account_admin(&u.value))
        .count();
    if admins > 0 {
        Ok(())
    } else {
        Err("the organisation would be left without an enabled administrator with access to every site (another change just made this account the last one): reload and make another account an administrator of every site first".to_owned())
    }
}

/// Whether a change of a user record needs [`last_admin_rule`] checked in its
/// transaction: it takes an account administrator away.
pub fn needs_last_admin_rule(old: &User, new: &User) -> bool {
    is_account_admin(old) && !is_account_admin(new)
}

/// What follows a change that was written: a disabled account's sessions end.
pub async fn after_change(state: &AppState, org: &Id, old: &User, new: &User) -> ApiResult<()> {
    if new.disabled && !old.disabled {
        let ended = state.db.delete_sessions_of(org, &new.id).await?;
        tracing::info!(user = %new.id, sessions = ended, "account disabled; its sessions ended");
    }
    Ok(())
}

/// Create an account that logs in with its id and a one-time password,
/// returned here to be shown once (what `rampart user create` does). The
/// user record goes through the API's create (`resource::create_entity`);
/// a login name another account already has is refused on `/id` first.
pub async fn create_with_one_time_password(
    state: &AppState,
    p: &Principal,
    user: &User,
) -> ApiResult<(Stored<User>, String)> {
    require_account_admin(p)?;
    if state
        .store()
        .get_record(&p.org, EntityKind::User, &user.id)
        .await?
        .is_some()
    {
        return Err(Problem::conflict(format!(
            "there is already a user {:?}",
            user.id.as_str()
        )));
    }
    if state
        .db
        .credential_by_login(user.id.as_str())
        .await?
        .is_some()
    {
        return Err(Problem::field(
            "/id",
            "another account already logs in with this name",
        ));
    }
    // The password first: nothing is written if it cannot be made.
    let password = auth::random_password()?;
    let stored = resource::create_entity(state, p, user).await?;
    if let Err(e) = endpoints::set_password_of(
        state,
        p,
        user.id.as_str(),
        user.id.as_str(),
        &password,
        true,
    )
    .await
    {
        // The record and the credential live in two stores' transactions:
        // an account that cannot log in is taken away again (both steps
        // are in the audit log), rather than left half made.
        if let Err(undo) = state
            .store()
            .delete_record(
                &p.actor(),
                &p.org,
                EntityKind::User,
                &user.id,
                stored.version,
                None,
            )
            .await
        {
            tracing::error!(user = %user.id, error = %undo, "an account without a password could not be removed again");
        }
        return Err(e);
    }
    Ok((stored, password))
}

/// Give an account a new one-time password (its login name is kept, or is
/// its id when it had no password): the old password stops working, the
/// account's sessions end, and the user chooses a new password at the next
/// login. Returns (login, password) to be shown once.
pub async fn reset_password(
    state: &AppState,
    p: &Principal,
    user: &Id,
) -> ApiResult<(String, String)> {
    require_account_admin(p)?;
    let login = state
        .db
        .credential_of(&p.org, user)
        .await?
        .map(|c| c.login)
        .unwrap_or_else(|| user.to_string());
    let password = auth::random_password()?;
    endpoints::set_password_of(state, p, user.as_str(), &login, &password, true).await?;
    Ok((login, password))
}
