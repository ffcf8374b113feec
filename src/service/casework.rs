//! Case work for staff: the directory (organisations by kind and name,
//! mediators with their languages, workload and declared conflicts,
//! handlers with their workload), the languages a mediator declares, their
//! declarations of conflicts of interest, and mediator suggestions for a case.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::cases::{load_for, record_event};
use super::{Page, fetch_page};
use crate::auth::policy::{self, Actor, CaseAmendment, Permission};
use crate::db::casework::ConflictRow;
use crate::db::users::UserRow;
use crate::db::{self, DbConnection};
use crate::domain::case::Visibility;
use crate::domain::casework::{self, Candidate, ConflictSubject};
use crate::domain::event::{EventKind, NewEvent};
use crate::domain::lifecycle::CaseRole;
use crate::domain::{CaseId, ConflictId, LanguageTag, OrganisationId, OrganisationKind, Role, UserId};
use crate::service::Error;

/// An organisation as case work needs it: for an employer, who supervises it.
#[derive(Debug, Clone)]
pub struct DirectoryOrganisation {
    pub id: OrganisationId,
    pub name: String,
    pub kind: OrganisationKind,
    pub supervising_organisation: Option<(OrganisationId, String)>,
}

/// A declared conflict of interest.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub id: ConflictId,
    pub mediator_user_id: UserId,
    pub subject: ConflictSubject,
    pub reason: String,
    pub declared_at: DateTime<Utc>,
}

impl TryFrom<ConflictRow> for Declaration {
    type Error = anyhow::Error;
    fn try_from(row: ConflictRow) -> anyhow::Result<Self> {
        let subject =
            subject_of(&row).ok_or_else(|| anyhow::anyhow!("conflict declaration {} has no subject", row.id))?;
        Ok(Self {
            id: row.id,
            mediator_user_id: row.mediator_user_id,
            subject,
            reason: row.reason,
            declared_at: row.declared_at.and_utc(),
        })
    }
}

/// What a stored declaration is about (the table's CHECK keeps exactly one set).
pub fn subject_of(row: &ConflictRow) -> Option<ConflictSubject> {
    match (row.organisation_id, row.case_id) {
        (Some(organisation), _) => Some(ConflictSubject::Organisation(organisation)),
        (None, Some(case)) => Some(ConflictSubject::Case(case)),
        (None, None) => None,
    }
}

/// A member of staff as the directory shows them.
#[derive(Debug, Clone)]
pub struct StaffEntry {
    pub id: UserId,
    pub display_name: Option<String>,
    /// Only for readers the policy lets see staff addresses (admins).
    pub email: Option<String>,
    pub organisation: Option<(OrganisationId, String)>,
    /// Their account's language first, then those they declared.
    pub languages: Vec<LanguageTag>,
    /// Cases assigned to them that are not finished.
    pub open_cases: i64,
    /// For mediators: the conflicts of interest they declared.
    pub conflicts: Vec<Declaration>,
}

pub fn organisations(
    conn: &mut DbConnection,
    actor: &Actor,
    kind: Option<OrganisationKind>,
    text: Option<String>,
    cursor: Option<OrganisationId>,
    limit: Option<u32>,
) -> Result<Page<DirectoryOrganisation>, Error> {
    policy::require(actor, Permission::ReadCaseWorkDirectory)?;
    let text = casework::search_text(text.as_deref());
    let (rows, has_more) =
        fetch_page(limit, |limit| db::organisations::list(conn, kind, text.as_deref(), cursor, limit))?;
    let supervisors: Vec<OrganisationId> = rows.iter().filter_map(|r| r.supervising_organisation_id).collect();
    let names: HashMap<OrganisationId, String> =
        db::casework::organisation_names(conn, &supervisors)?.into_iter().collect();
    let items = rows
        .into_iter()
        .map(|row| DirectoryOrganisation {
            supervising_organisation: row
                .supervising_organisation_id
                .map(|id| (id, names.get(&id).cloned().unwrap_or_default())),
            id: row.id,
            name: row.name,
            kind: row.kind,
        })
        .collect();
    Ok(Page::new(items, has_more, |o| o.id.to_string()))
}

/// Mediators or handlers, optionally by a language they speak and a part of their name.
pub fn staff(
    conn: &mut DbConnection,
    actor: &Actor,
    role: Role,
    language: Option<LanguageTag>,
    text: Option<String>,
    cursor: Option<UserId>,
    limit: Option<u32>,
) -> Result<Page<StaffEntry>, Error> {
    policy::require(actor, Permission::ReadCaseWorkDirectory)?;
    let text = casework::search_text(text.as_deref());
    let language = language.map(|tag| tag.primary().to_owned());
    let (rows, has_more) = fetch_page(limit, |limit| {
        db::casework::search_staff(conn, role, language.as_deref(), text.as_deref(), cursor, limit)
    })?;
    let items = entries(conn, actor, role, rows)?;
    Ok(Page::new(items, has_more, |s| s.id.to_string()))
}

/// Directory entries for these accounts, with languages, workload and conflicts.
fn entries(conn: &mut DbConnection, actor: &Actor, role: Role, rows: Vec<UserRow>) -> Result<Vec<StaffEntry>, Error> {
    let ids: Vec<UserId> = rows.iter().map(|r| r.id).collect();
    let mut declared: HashMap<UserId, Vec<LanguageTag>> = HashMap::new();
    for (user, language) in db::casework::languages_of(conn, &ids)? {
        declared.entry(user).or_default().push(language);
    }
    let open: HashMap<UserId, i64> = match role {
        Role::Mediator => db::cases::open_cases_per_mediator(conn, &ids)?,
        _ => db::cases::open_cases_per_handler(conn, &ids)?,
    }
    .into_iter()
    .collect();
    let mut conflicts: HashMap<UserId, Vec<Declaration>> = HashMap::new();
    if role == Role::Mediator {
        for row in db::casework::conflicts_of(conn, &ids)? {
            conflicts.entry(row.mediator_user_id).or_default().push(row.try_into()?);
        }
    }
    let organisations: Vec<OrganisationId> = rows.iter().filter_map(|r| r.organisation_id).collect();
    let names: HashMap<OrganisationId, String> =
        db::casework::organisation_names(conn, &organisations)?.into_iter().collect();
    let shows_email = policy::directory_shows_staff_email(actor);
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut languages = vec![row.preferred_language.clone()];
            for language in declared.remove(&row.id).unwrap_or_default() {
                if !languages.contains(&language) {
                    languages.push(language);
                }
            }
            StaffEntry {
                id: row.id,
                display_name: row.display_name,
                email: if shows_email { row.email } else { None },
                organisation: row.organisation_id.map(|id| (id, names.get(&id).cloned().unwrap_or_default())),
                languages,
                open_cases: open.get(&row.id).copied().unwrap_or(0),
                conflicts: conflicts.remove(&row.id).unwrap_or_default(),
            }
        })
        .collect())
}

/// A mediator declares the languages they mediate in (besides their account's).
#[tracing::instrument(skip_all)]
pub fn set_languages(
    conn: &mut DbConnection,
    actor: &Actor,
    mut languages: Vec<LanguageTag>,
) -> Result<Vec<LanguageTag>, Error> {
    let mediator = policy::require_mediator(actor)?;
    languages.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    languages.dedup();
    if languages.len() > 20 {
        return Err(Error::validation("languages", "too_many", "at most 20 languages"));
    }
    db::write_transaction(conn, |conn| {
        db::casework::replace_languages(conn, mediator, &languages)?;
        Ok(languages)
    })
}

/// A mediator declares a conflict of interest with an organisation or on
/// one of their cases, with a reason. Each case it touches that they
/// mediate records it in its timeline, for all parties to see; the
/// declaration itself stays on record.
#[tracing::instrument(skip_all)]
pub fn declare_conflict(
    conn: &mut DbConnection,
    actor: &Actor,
    subject: ConflictSubject,
    reason: String,
    now: DateTime<Utc>,
) -> Result<(Declaration, Vec<CaseId>), Error> {
    let mediator = policy::require_mediator(actor)?;
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::validation("reason", "length", "say why, in 1 to 2000 characters"));
    }
    db::write_transaction(conn, |conn| {
        let affected = match subject {
            ConflictSubject::Case(case_id) => {
                // Only a case of their own: any other is not found.
                load_for(conn, actor, case_id)?;
                vec![case_id]
            }
            ConflictSubject::Organisation(organisation) => {
                if db::organisations::find(conn, organisation)?.is_none() {
                    return Err(Error::validation(
                        "organisation_id",
                        "unknown_organisation",
                        "no organisation has this id",
                    ));
                }
                db::cases::mediated_touching(conn, mediator, organisation)?
            }
        };
        let (organisation_id, case_id) = match subject {
            ConflictSubject::Organisation(org) => (Some(org), None),
            ConflictSubject::Case(case) => (None, Some(case)),
        };
        let row = ConflictRow {
            id: ConflictId::new(),
            mediator_user_id: mediator,
            organisation_id,
            case_id,
            reason: reason.clone(),
            declared_at: db::timestamp(now),
        };
        db::casework::insert_conflict(conn, &row)?;
        let details = json!({
            "conflict_id": row.id.to_string(),
            "mediator_user_id": mediator.to_string(),
            "organisation_id": organisation_id.map(|o| o.to_string()),
            "reason": reason,
        });
        for case in &affected {
            let event = NewEvent::note(EventKind::ConflictDeclared, Visibility::Parties, details.clone());
            record_event(conn, *case, actor, CaseRole::Mediator, &event, now)?;
        }
        Ok((row.try_into()?, affected))
    })
}

/// A suggested mediator for a case, with what the ranking used.
#[derive(Debug, Clone)]
pub struct MediatorSuggestion {
    pub entry: StaffEntry,
    pub speaks_workers_language: bool,
}

/// Mediators for a case, best first (see `casework::suggest`): for those
/// who assign mediators.
pub fn suggest_mediators(
    conn: &mut DbConnection,
    actor: &Actor,
    id: CaseId,
) -> Result<(LanguageTag, Vec<MediatorSuggestion>), Error> {
    let loaded = load_for(conn, actor, id)?;
    if !policy::may_amend(loaded.role, CaseAmendment::AssignMediator) {
        return Err(Error::Forbidden);
    }
    let touches = super::cases::touches(&loaded);
    let conflicted: Vec<UserId> = db::casework::conflicts_touching(conn, None, id, &touches.organisations)?
        .iter()
        .filter(|row| subject_of(row).is_some_and(|subject| subject.touches(&touches)))
        .map(|row| row.mediator_user_id)
        .collect();
    let rows = db::casework::active_mediators(conn)?;
    let mut entries: HashMap<UserId, StaffEntry> =
        entries(conn, actor, Role::Mediator, rows)?.into_iter().map(|e| (e.id, e)).collect();
    let candidates = entries
        .values()
        .map(|e| Candidate {
            user_id: e.id,
            languages: e.languages.clone(),
            open_cases: e.open_cases,
            conflicted: conflicted.contains(&e.id),
        })
        .collect();
    let language = loaded.case.narrative_language.clone();
    let suggestions = casework::suggest(candidates, &language)
        .into_iter()
        .filter_map(|s| {
            entries
                .remove(&s.user_id)
                .map(|entry| MediatorSuggestion { entry, speaks_workers_language: s.speaks_workers_language })
        })
        .collect();
    Ok((language, suggestions))
}
