//! User accounts: created by admins (any role) or by workers themselves.

use chrono::{DateTime, Utc};

use super::{Page, fetch_page};
use crate::auth::password;
use crate::auth::policy::{self, Actor, Permission};
use crate::db::users::{NewUser, UserFilter, UserRow};
use crate::db::{self, DbConnection};
use crate::domain::user::{self as user_rules, User};
use crate::domain::{FieldError, FieldErrors, LanguageTag, OrganisationId, Role, SessionFamilyId, UserId};
use crate::service::{Conflict, Error, account_codes};

/// A new account, already parsed: names normalised, language tag valid.
#[derive(Debug, Clone)]
pub struct NewUserInput {
    pub email: Option<String>,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: Option<String>,
    pub password: String,
    pub role: Role,
    pub organisation_id: Option<OrganisationId>,
    pub preferred_language: LanguageTag,
}

impl NewUserInput {
    /// Checks the rules that need no database: a login name, password
    /// length, and that names are well formed. Normalises email and username.
    pub fn checked(mut self) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::default();
        if self.email.is_none() && self.username.is_none() {
            errors.push(FieldError::new("username", "required", "an email address or a username is required"));
        }
        if let Some(email) = &self.email {
            self.email = Some(user_rules::normalise_email(email));
        }
        if let Some(username) = &self.username {
            match user_rules::normalise_username(username) {
                Ok(name) => self.username = Some(name),
                Err(message) => errors.push(FieldError::new("username", "invalid_username", message)),
            }
        }
        if let Err(message) = user_rules::check_password(&self.password) {
            errors.push(FieldError::new("password", "weak_password", message));
        }
        errors.into_result().map(|()| self)
    }
}

/// An admin (or the command line) creates a user of any role.
#[tracing::instrument(skip_all, fields(role = %input.role))]
pub fn create(conn: &mut DbConnection, actor: &Actor, input: NewUserInput, now: DateTime<Utc>) -> Result<User, Error> {
    policy::require(actor, Permission::ManageUsers)?;
    insert_user(conn, input.checked()?, EmailRule::AtOnce, now)
}

/// A worker registers themselves: always the worker role, no organisation.
///
/// A username in use is refused (the worker must pick another, and
/// usernames are not secret). An e-mail address in use is not: the account
/// is created without it and the answer is the same as for a new address,
/// with the same work done, so that registration does not tell an outsider
/// whose address is registered.
#[tracing::instrument(skip_all)]
pub fn register_worker(conn: &mut DbConnection, mut input: NewUserInput, now: DateTime<Utc>) -> Result<User, Error> {
    input.role = Role::Worker;
    input.organisation_id = None;
    insert_user(conn, input.checked()?, EmailRule::AfterConfirmation, now)
}

/// How an account gets the e-mail address it was created with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EmailRule {
    /// At once, or 409 if another account has it: admins may know which
    /// addresses are registered, and vouch for the staff they create.
    AtOnce,
    /// Once its owner confirms it with the code mailed there; if another
    /// account has it, that account's owner is told instead. Either way the
    /// registrant sees the same answer.
    AfterConfirmation,
}

fn insert_user(
    conn: &mut DbConnection,
    mut input: NewUserInput,
    email_rule: EmailRule,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    // Hash before the transaction: it is slow and needs no database.
    let password_hash = password::hash(&input.password)?;
    let id = UserId::new();
    let at = db::timestamp(now);
    db::write_transaction(conn, |conn| {
        check_organisation(conn, input.role, input.organisation_id)?;
        if let Some(username) = &input.username
            && db::users::username_taken(conn, username)?
        {
            return Err(Error::Conflict(Conflict::UsernameTaken));
        }
        let to_confirm = match email_rule {
            EmailRule::AtOnce => {
                if let Some(email) = &input.email
                    && db::users::email_taken(conn, email)?
                {
                    return Err(Error::Conflict(Conflict::EmailTaken));
                }
                None
            }
            EmailRule::AfterConfirmation => input.email.take(),
        };
        db::users::insert(
            conn,
            &NewUser {
                id,
                email: input.email.as_deref(),
                username: input.username.as_deref(),
                phone: input.phone.as_deref(),
                display_name: input.display_name.as_deref(),
                password_hash: &password_hash,
                role: input.role,
                organisation_id: input.organisation_id,
                preferred_language: &input.preferred_language,
                created_at: at,
                updated_at: at,
            },
        )?;
        if let Some(email) = to_confirm {
            account_codes::request_confirmation(conn, id, &email, &input.preferred_language, now)?;
        }
        load(conn, id)
    })
}

/// The role decides whether, and to what kind of organisation, a user belongs.
fn check_organisation(
    conn: &mut DbConnection,
    role: Role,
    organisation_id: Option<OrganisationId>,
) -> Result<(), Error> {
    let kind = match organisation_id {
        None => None,
        Some(id) => {
            let row = db::organisations::find(conn, id)?.ok_or_else(|| {
                Error::validation("organisation_id", "unknown_organisation", "no organisation has this id")
            })?;
            if !row.active {
                return Err(Error::validation(
                    "organisation_id",
                    "organisation_inactive",
                    "this organisation has been deactivated",
                ));
            }
            Some(row.kind)
        }
    };
    let rule = role.organisation_rule();
    if rule.allows(kind) {
        Ok(())
    } else {
        Err(Error::validation(
            "organisation_id",
            "organisation_mismatch",
            &format!("a user with role {role} {}", rule.describe()),
        ))
    }
}

pub fn get(conn: &mut DbConnection, actor: &Actor, id: UserId) -> Result<User, Error> {
    policy::require_user_visible(actor, id)?;
    load(conn, id)
}

#[derive(Debug, Clone, Default)]
pub struct UserListFilter {
    pub role: Option<Role>,
    pub organisation_id: Option<OrganisationId>,
}

pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    filter: UserListFilter,
    cursor: Option<UserId>,
    limit: Option<u32>,
) -> Result<Page<User>, Error> {
    policy::require(actor, Permission::ManageUsers)?;
    let db_filter = UserFilter { role: filter.role, organisation_id: filter.organisation_id };
    let (rows, has_more) = fetch_page(limit, |limit| db::users::list(conn, db_filter, cursor, limit))?;
    let items = rows.into_iter().map(UserRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(items, has_more, |u| u.id.to_string()))
}

fn load(conn: &mut DbConnection, id: UserId) -> Result<User, Error> {
    Ok(db::users::find(conn, id)?.ok_or(Error::NotFound)?.into_domain()?)
}

/// An admin's edit of an account, field by field: `None` keeps a field,
/// `Some(None)` clears it. The role and organisation do not change (they
/// are in every access token; make a new account instead). An account
/// keeps at least one login name.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub email: Option<Option<String>>,
    pub username: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub display_name: Option<Option<String>>,
    pub preferred_language: Option<LanguageTag>,
}

#[tracing::instrument(skip_all, fields(user = %id))]
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: UserId,
    mut patch: UserPatch,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    policy::require(actor, Permission::ManageUsers)?;
    let mut errors = FieldErrors::default();
    if let Some(Some(email)) = &mut patch.email {
        *email = user_rules::normalise_email(email);
    }
    if let Some(Some(username)) = &mut patch.username {
        match user_rules::normalise_username(username) {
            Ok(name) => *username = name,
            Err(message) => errors.push(FieldError::new("username", "invalid_username", message)),
        }
    }
    errors.into_result()?;
    db::write_transaction(conn, |conn| {
        let current = db::users::find(conn, id)?.ok_or(Error::NotFound)?;
        let email = patch.email.clone().unwrap_or(current.email);
        let username = patch.username.clone().unwrap_or(current.username);
        if email.is_none() && username.is_none() {
            return Err(Error::validation("username", "required", "an account keeps an email address or a username"));
        }
        if let Some(Some(email)) = &patch.email
            && db::users::email_taken_by_other(conn, email, id)?
        {
            return Err(Error::Conflict(Conflict::EmailTaken));
        }
        if let Some(Some(username)) = &patch.username
            && db::users::username_taken_by_other(conn, username, id)?
        {
            return Err(Error::Conflict(Conflict::UsernameTaken));
        }
        let changes = db::users::UserChanges {
            email: patch.email,
            username: patch.username,
            phone: patch.phone,
            display_name: patch.display_name,
            preferred_language: patch.preferred_language,
        };
        db::users::update(conn, id, &changes, db::timestamp(now))?;
        tracing::info!(user = %id, "account edited by an admin");
        load(conn, id)
    })
}

/// Deactivates (ending every session at once) or reactivates an account.
/// Admins only, and not their own: the last admin must not lock everyone out.
pub fn set_active(
    conn: &mut DbConnection,
    actor: &Actor,
    id: UserId,
    active: bool,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    policy::require_may_set_active(actor, id)?;
    let at = db::timestamp(now);
    db::write_transaction(conn, |conn| {
        if !db::users::set_active(conn, id, active, at)? {
            return Err(Error::NotFound);
        }
        if !active {
            let ended = db::refresh_tokens::revoke_all_for_user(conn, id, None, at)?;
            tracing::info!(user = %id, sessions = ended, "account deactivated; its sessions ended");
        }
        load(conn, id)
    })
}

/// Password change, step 1 (database): the account's current hash.
pub fn password_hash_of(conn: &mut DbConnection, user: UserId) -> Result<String, Error> {
    Ok(db::users::find(conn, user)?.ok_or(Error::NotFound)?.password_hash)
}

/// Password change, step 2 (CPU only, no connection held): check the
/// current password and hash the new one.
pub fn rehash_password(stored: &str, current: &str, new: &str) -> Result<String, Error> {
    check_new_password(new)?;
    if !password::verify(current, stored) {
        return Err(Error::validation("current_password", "wrong_password", "the current password is not right"));
    }
    Ok(password::hash(new)?)
}

/// A new password's hash (CPU only, no connection held), if it is strong enough.
pub fn hash_new_password(new: &str) -> Result<String, Error> {
    check_new_password(new)?;
    Ok(password::hash(new)?)
}

fn check_new_password(new: &str) -> Result<(), Error> {
    user_rules::check_password(new).map_err(|message| Error::validation("new_password", "weak_password", message))
}

/// Password change, step 3: store the new hash. Every other session of the
/// account ends at once; the caller's stays.
pub fn change_password(
    conn: &mut DbConnection,
    user: UserId,
    session: SessionFamilyId,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let at = db::timestamp(now);
    db::write_transaction(conn, |conn| {
        db::users::set_password_hash(conn, user, hash, at)?;
        let ended = db::refresh_tokens::revoke_all_for_user(conn, user, Some(session), at)?;
        tracing::info!(user = %user, sessions = ended, "password changed; other sessions ended");
        Ok(())
    })
}
