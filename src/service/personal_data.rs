//! Access on request (APPI): everything the installation holds about the
//! worker asking, as they may see it: their account (if they have one) and
//! every case of theirs, or, in a receipt-code session, that one case;
//! each case with its identity, narrative, timeline, remedies and every
//! message and evidence file's record. Read through the same access policy
//! as any other read, so nothing of another worker's case can appear.

use chrono::{DateTime, Utc};

use super::cases::messages::{self, Message};
use super::cases::read::{self, CaseFilter, CaseView};
use crate::auth::policy::Actor;
use crate::db::{self, DbConnection, users::UserRow};
use crate::domain::{CaseId, Role};
use crate::seal::Sealer;
use crate::service::Error;

/// One case, with the whole conversation the worker may read.
pub struct HeldCase {
    pub case: CaseView,
    pub messages: Vec<Message>,
}

/// What is held about the caller.
pub struct HeldData {
    /// The worker's account; `None` in a receipt-code session.
    pub account: Option<UserRow>,
    pub cases: Vec<HeldCase>,
}

/// Everything held about the worker calling: only workers (in an account or
/// a receipt-code session) ask for their own data here.
#[tracing::instrument(skip_all)]
pub fn of_caller(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<HeldData, Error> {
    let (account, case_ids) = match actor {
        Actor::CaseSession { case_id } => (None, vec![*case_id]),
        Actor::User { id, role: Role::Worker, .. } => {
            let account = db::users::find(conn, *id)?.ok_or(Error::NotFound)?;
            (Some(account), own_cases(conn, actor, now)?)
        }
        Actor::User { .. } | Actor::System => return Err(Error::Forbidden),
    };
    let mut cases = Vec::with_capacity(case_ids.len());
    for id in case_ids {
        let case = read::get(conn, sealer, actor, id, now)?;
        cases.push(HeldCase { case, messages: all_messages(conn, sealer, actor, id)? });
    }
    Ok(HeldData { account, cases })
}

/// The ids of every case the worker's account may see (their own).
fn own_cases(conn: &mut DbConnection, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<CaseId>, Error> {
    let (mut ids, mut cursor) = (Vec::new(), None);
    loop {
        let page = read::list(conn, actor, &CaseFilter::default(), cursor, Some(super::MAX_PAGE_SIZE), now)?;
        ids.extend(page.items.iter().map(|summary| summary.id));
        match (page.next_cursor, page.items.last()) {
            (Some(_), Some(last)) => cursor = Some(last.id),
            _ => return Ok(ids),
        }
    }
}

fn all_messages(conn: &mut DbConnection, sealer: &Sealer, actor: &Actor, id: CaseId) -> Result<Vec<Message>, Error> {
    let (mut all, mut after) = (Vec::new(), None);
    loop {
        let page = messages::list(conn, sealer, actor, id, after, Some(super::MAX_PAGE_SIZE))?;
        let more = page.next_cursor.is_some();
        after = page.items.last().map(|message| message.id);
        all.extend(page.items);
        if !more {
            return Ok(all);
        }
    }
}
