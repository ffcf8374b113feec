//! Codes mailed for an account. A worker's address is attached only once its
//! owner confirms it with the code sent there, so registration answers and
//! `GET /me` read the same whoever holds the address; a forgotten password is
//! replaced with a code sent to the account's confirmed address.

use chrono::{DateTime, Utc};

use crate::crypto::sha256_hex;
use crate::db::account_codes::AccountCodeRow;
use crate::db::outbox::OutboxRow;
use crate::db::{self, DbConnection};
use crate::domain::account_code::CodePurpose;
use crate::domain::case::{normalise_receipt_code, receipt_code_from_bytes};
use crate::domain::notification::{AccountMail, AccountParams, Channel, OutboxTopic};
use crate::domain::user::normalise_email;
use crate::domain::{AccountCodeId, LanguageTag, UserId};
use crate::service::{Conflict, Error};

/// A new code, as mailed (grouped like a receipt code, easy to type on a
/// phone; about 94 bits), and the hash that is stored.
fn new_code() -> Result<(String, String), Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|error| Error::internal(anyhow::anyhow!("no randomness: {error}")))?;
    let code = receipt_code_from_bytes(&bytes);
    let hash = hash_code(&code);
    Ok((code, hash))
}

fn hash_code(code: &str) -> String {
    sha256_hex(normalise_receipt_code(code).as_bytes())
}

fn queue_mail(
    conn: &mut DbConnection,
    mail: AccountMail,
    to: &str,
    language: &LanguageTag,
    code: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let params = serde_json::to_string(&AccountParams { code })?;
    let row = OutboxRow::pending(
        Channel::Email,
        OutboxTopic::Account(mail),
        None,
        to.to_owned(),
        language.to_string(),
        params,
        db::timestamp(now),
    );
    Ok(db::outbox::insert(conn, &row)?)
}

/// Issues a code of `purpose` for `user`, voiding the ones sent before, and
/// returns it for mailing.
fn issue(
    conn: &mut DbConnection,
    user: UserId,
    purpose: CodePurpose,
    email: &str,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let at = db::timestamp(now);
    db::account_codes::void_unused(conn, user, purpose, at)?;
    let (code, code_hash) = new_code()?;
    db::account_codes::insert(
        conn,
        &AccountCodeRow {
            id: AccountCodeId::new(),
            user_id: user,
            purpose,
            email: email.to_owned(),
            code_hash,
            created_at: at,
            expires_at: db::timestamp(now + purpose.lifetime()),
            used_at: None,
        },
    )?;
    Ok(code)
}

/// Within the caller's transaction: asks the owner of `email` to confirm it
/// for `user`. The request is recorded either way (it is what `GET /me`
/// shows as pending); if another account has the address, its owner is told
/// instead and no usable code exists.
pub fn request_confirmation(
    conn: &mut DbConnection,
    user: UserId,
    email: &str,
    language: &LanguageTag,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let email = normalise_email(email);
    let code = issue(conn, user, CodePurpose::ConfirmEmail, &email, now)?;
    match db::users::find_by_email(conn, &email)? {
        Some(owner) => {
            // Not the address: the log must not confirm who has it.
            tracing::info!(user = %user, "an address already in use was given; its owner is told");
            queue_mail(conn, AccountMail::AddressInUse, &email, &owner.preferred_language, None, now)
        }
        None => queue_mail(conn, AccountMail::ConfirmEmail, &email, language, Some(code), now),
    }
}

/// The address `user` asked to attach and has not confirmed yet.
pub fn pending_email(conn: &mut DbConnection, user: UserId, now: DateTime<Utc>) -> Result<Option<String>, Error> {
    Ok(db::account_codes::pending_email(conn, user, db::timestamp(now))?)
}

fn invalid_code() -> Error {
    Error::validation("code", "invalid_code", "the code is wrong, already used or expired; ask for a new one")
}

/// Spends a live code of `purpose`, in the caller's transaction.
fn spend(
    conn: &mut DbConnection,
    purpose: CodePurpose,
    code: &str,
    now: DateTime<Utc>,
) -> Result<AccountCodeRow, Error> {
    let at = db::timestamp(now);
    let row = db::account_codes::find_live(conn, purpose, &hash_code(code), at)?.ok_or_else(invalid_code)?;
    if !db::account_codes::mark_used(conn, row.id, at)? {
        return Err(invalid_code());
    }
    Ok(row)
}

/// Attaches the address a confirmation code was sent to. Whoever holds the
/// code owns the address, so they may be told if it was taken meanwhile.
pub fn confirm_email(conn: &mut DbConnection, code: &str, now: DateTime<Utc>) -> Result<UserId, Error> {
    db::write_transaction(conn, |conn| {
        let row = spend(conn, CodePurpose::ConfirmEmail, code, now)?;
        if db::users::email_taken(conn, &row.email)? {
            return Err(Error::Conflict(Conflict::EmailTaken));
        }
        db::users::set_email(conn, row.user_id, &row.email, db::timestamp(now))?;
        tracing::info!(user = %row.user_id, "e-mail address confirmed and attached");
        Ok(row.user_id)
    })
}

/// Mails a password-reset code to the active account with this confirmed
/// address, if there is one. The caller answers the same either way.
pub fn request_password_reset(conn: &mut DbConnection, email: &str, now: DateTime<Utc>) -> Result<(), Error> {
    let email = normalise_email(email);
    db::write_transaction(conn, |conn| {
        let Some(user) = db::users::find_by_email(conn, &email)?.filter(|user| user.active) else {
            return Ok(());
        };
        let code = issue(conn, user.id, CodePurpose::ResetPassword, &email, now)?;
        queue_mail(conn, AccountMail::ResetPassword, &email, &user.preferred_language, Some(code), now)
    })
}

/// Sets the password a reset code was sent for (`hash` is the new one,
/// computed without a connection held) and ends every session of the
/// account: whoever had it before the reset is out.
pub fn reset_password(conn: &mut DbConnection, code: &str, hash: &str, now: DateTime<Utc>) -> Result<UserId, Error> {
    let at = db::timestamp(now);
    db::write_transaction(conn, |conn| {
        let row = spend(conn, CodePurpose::ResetPassword, code, now)?;
        let active = db::users::find(conn, row.user_id)?.is_some_and(|user| user.active);
        if !active {
            return Err(invalid_code());
        }
        db::users::set_password_hash(conn, row.user_id, hash, at)?;
        let ended = db::refresh_tokens::revoke_all_for_user(conn, row.user_id, None, at)?;
        tracing::info!(user = %row.user_id, sessions = ended, "password reset by mailed code; every session ended");
        Ok(row.user_id)
    })
}
