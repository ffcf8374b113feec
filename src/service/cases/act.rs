//! Lifecycle actions: the published procedure. The service loads the facts,
//! the pure `domain::decision::decide` says what changes, and `persist`
//! writes it with its case event in the caller's transaction.

use chrono::{DateTime, Utc};

use super::read::{CaseView, view_with};
use super::{Loaded, load_for, record_event_telling, save};
use crate::auth::policy::Actor;
use crate::db::{self, DbConnection};
use crate::domain::command::{CaseCommand, Instruction};
use crate::domain::decision::{self, Decision, RemedyChange, Situation};
use crate::domain::notification::Happening;
use crate::domain::remedy::Remedy;
use crate::domain::{CaseId, OrganisationId};
use crate::seal::Sealer;
use crate::service::Error;
use crate::service::notifications::News;

#[tracing::instrument(skip_all, fields(case_id = %id, action = %instruction.command.action()))]
pub fn act(
    conn: &mut DbConnection,
    sealer: &Sealer,
    actor: &Actor,
    id: CaseId,
    instruction: Instruction,
    now: DateTime<Utc>,
) -> Result<CaseView, Error> {
    db::write_transaction(conn, |conn| {
        let loaded = load_for(conn, actor, id)?;
        let (after, remedies) = act_on_keeping(conn, actor, loaded, &instruction, now)?;
        view_with(conn, sealer, after, remedies, now)
    })
}

/// Decides and persists one command on a loaded case, inside the caller's
/// transaction, and tells whoever hears of the change. Returns the case as it now is.
pub(crate) fn act_on(
    conn: &mut DbConnection,
    actor: &Actor,
    loaded: &Loaded,
    instruction: &Instruction,
    now: DateTime<Utc>,
) -> Result<Loaded, Error> {
    let copy = Loaded {
        case: loaded.case.clone(),
        role: loaded.role,
        access: loaded.access.clone(),
        identity: loaded.identity.clone(),
        indicators: loaded.indicators.clone(),
        sealed_narrative: loaded.sealed_narrative.clone(),
    };
    Ok(act_on_keeping(conn, actor, copy, instruction, now)?.0)
}

/// [`act_on`], which also hands back the case's remedies when the command
/// left them as they were read, so the view need not read them again.
fn act_on_keeping(
    conn: &mut DbConnection,
    actor: &Actor,
    loaded: Loaded,
    instruction: &Instruction,
    now: DateTime<Utc>,
) -> Result<(Loaded, Option<Vec<Remedy>>), Error> {
    let remedies = remedies_of(conn, loaded.case.id)?;
    let employer_supervisor = match instruction.command {
        CaseCommand::Refer | CaseCommand::ReferBack => supervisor_of(conn, loaded.case.employer_organisation_id)?,
        _ => None,
    };
    let situation =
        Situation { case: &loaded.case, parties: &loaded.access.parties, remedies: &remedies, employer_supervisor };
    let decision = decision::decide(&situation, loaded.role, instruction, now)?;
    persist(conn, actor, &loaded, instruction.expected_version, &decision, now)?;
    // The case as the change left it, without reading it back.
    let mut after = loaded;
    decision.update.apply_to(&mut after.case);
    after.case.version += 1;
    after.case.updated_at = db::timestamp(now).and_utc();
    // Parties added now come last, by role name, as the database orders them.
    let mut added: Vec<_> =
        decision.new_parties.iter().copied().filter(|party| !after.access.parties.contains(party)).collect();
    added.sort_by_key(|(_, role)| role.as_str());
    after.access.parties.extend(added);
    let news = News::new(Happening::of_action(decision.action), &after.case, &after.access.parties, after.role);
    record_event_telling(conn, after.case.id, actor, after.role, &decision.event, Some(&news), now)?;
    let unchanged = decision.remedies.is_empty().then_some(remedies);
    Ok((after, unchanged))
}

/// Writes the decision's changes; its event is recorded by the caller, with the news.
fn persist(
    conn: &mut DbConnection,
    actor: &Actor,
    loaded: &Loaded,
    expected_version: i32,
    decision: &Decision,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let case_id = loaded.case.id;
    let at = db::timestamp(now);
    for (organisation, role) in &decision.new_parties {
        db::case_details::add_party(conn, case_id, *organisation, *role, at)?;
    }
    for change in &decision.remedies {
        match change {
            RemedyChange::Propose { id, remedy } => {
                db::remedies::insert_proposed(conn, *id, case_id, remedy, actor.user_id(), at)?;
            }
            RemedyChange::Step { id, from, to, evidence } => {
                db::remedies::move_status(conn, *id, *from, *to, evidence.as_deref(), at)?;
            }
        }
    }
    for category in &decision.update.added_categories {
        db::case_details::insert_category(conn, case_id, *category)?;
    }
    save(conn, loaded, expected_version, &(&decision.update).into(), now)
}

fn remedies_of(conn: &mut DbConnection, case_id: CaseId) -> Result<Vec<Remedy>, Error> {
    Ok(db::remedies::for_case(conn, case_id)?.into_iter().map(db::remedies::RemedyRow::into_domain).collect())
}

fn supervisor_of(conn: &mut DbConnection, employer: Option<OrganisationId>) -> Result<Option<OrganisationId>, Error> {
    let Some(employer) = employer else { return Ok(None) };
    Ok(db::organisations::find(conn, employer)?.and_then(|org| org.supervising_organisation_id))
}
