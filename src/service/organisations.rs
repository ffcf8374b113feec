//! Organisations: create, read, list, edit, deactivate and reactivate.

use chrono::{DateTime, Utc};

use super::{Page, fetch_page};
use crate::auth::policy::{self, Actor, Permission};
use crate::db::organisations::{NewOrganisation, OrganisationRow};
use crate::db::{self, DbConnection};
use crate::domain::organisation::Organisation;
use crate::domain::{LanguageTag, OrganisationId, OrganisationKind};
use crate::service::Error;

#[derive(Debug, Clone)]
pub struct NewOrganisationInput {
    pub name: String,
    pub kind: OrganisationKind,
    pub contact_email: Option<String>,
    pub supervising_organisation_id: Option<OrganisationId>,
    pub preferred_language: LanguageTag,
}

#[tracing::instrument(skip_all, fields(kind = %input.kind))]
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    input: NewOrganisationInput,
    now: DateTime<Utc>,
) -> Result<Organisation, Error> {
    policy::require(actor, Permission::ManageOrganisations)?;
    let id = OrganisationId::new();
    let at = db::timestamp(now);
    db::write_transaction(conn, |conn| {
        check_supervisor(conn, input.kind, input.supervising_organisation_id)?;
        db::organisations::insert(
            conn,
            &NewOrganisation {
                id,
                name: &input.name,
                kind: input.kind,
                contact_email: input.contact_email.as_deref(),
                supervising_organisation_id: input.supervising_organisation_id,
                created_at: at,
                updated_at: at,
                preferred_language: &input.preferred_language,
            },
        )?;
        load(conn, id)
    })
}

pub fn get(conn: &mut DbConnection, actor: &Actor, id: OrganisationId) -> Result<Organisation, Error> {
    policy::require_organisation_visible(actor, id)?;
    load(conn, id)
}

pub fn list(
    conn: &mut DbConnection,
    actor: &Actor,
    kind: Option<OrganisationKind>,
    cursor: Option<OrganisationId>,
    limit: Option<u32>,
) -> Result<Page<Organisation>, Error> {
    policy::require(actor, Permission::ManageOrganisations)?;
    let (rows, has_more) = fetch_page(limit, |limit| db::organisations::list(conn, kind, None, cursor, limit))?;
    let items = rows.into_iter().map(OrganisationRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(items, has_more, |o| o.id.to_string()))
}

/// An admin's edit of an organisation, field by field: `None` keeps a
/// field, `Some(None)` clears a clearable one. The kind does not change
/// (its members' roles depend on it).
#[derive(Debug, Clone, Default)]
pub struct OrganisationPatch {
    pub name: Option<String>,
    pub contact_email: Option<Option<String>>,
    pub supervising_organisation_id: Option<Option<OrganisationId>>,
    pub preferred_language: Option<LanguageTag>,
}

#[tracing::instrument(skip_all, fields(organisation = %id))]
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    id: OrganisationId,
    patch: OrganisationPatch,
    now: DateTime<Utc>,
) -> Result<Organisation, Error> {
    policy::require(actor, Permission::ManageOrganisations)?;
    db::write_transaction(conn, |conn| {
        let current = db::organisations::find(conn, id)?.ok_or(Error::NotFound)?;
        if let Some(Some(supervisor)) = patch.supervising_organisation_id {
            if supervisor == id {
                return Err(Error::validation(
                    "supervising_organisation_id",
                    "not_a_supervisor",
                    "an organisation does not supervise itself",
                ));
            }
            check_supervisor(conn, current.kind, Some(supervisor))?;
        }
        let changes = db::organisations::OrganisationChanges {
            name: patch.name,
            contact_email: patch.contact_email,
            supervising_organisation_id: patch.supervising_organisation_id,
            preferred_language: patch.preferred_language,
        };
        let cases_follow = changes.name.is_some() || changes.supervising_organisation_id.is_some();
        db::organisations::update(conn, id, &changes, db::timestamp(now))?;
        // An employer's cases carry its name's key and its supervisor for the case list's filters.
        if cases_follow
            && current.kind == OrganisationKind::Employer
            && let Some(row) = db::organisations::find(conn, id)?
        {
            db::cases::refresh_employer_columns(conn, &row)?;
        }
        tracing::info!("organisation edited by an admin");
        load(conn, id)
    })
}

/// Deactivates an organisation (its members' sessions end at once, they
/// cannot log in, and it is named on no new case), or reactivates it.
/// Admins only, and not their own organisation.
#[tracing::instrument(skip_all, fields(organisation = %id, active))]
pub fn set_active(
    conn: &mut DbConnection,
    actor: &Actor,
    id: OrganisationId,
    active: bool,
    now: DateTime<Utc>,
) -> Result<Organisation, Error> {
    policy::require_may_set_organisation_active(actor, id)?;
    let at = db::timestamp(now);
    db::write_transaction(conn, |conn| {
        if !db::organisations::set_active(conn, id, active, at)? {
            return Err(Error::NotFound);
        }
        if !active {
            let mut ended = 0;
            for member in db::users::members_of(conn, id)? {
                ended += db::refresh_tokens::revoke_all_for_user(conn, member, None, at)?;
            }
            tracing::info!(sessions = ended, "organisation deactivated; its members' sessions ended");
        }
        load(conn, id)
    })
}

/// Only employers have a supervisor, and it must be a supervising or support organisation.
fn check_supervisor(
    conn: &mut DbConnection,
    kind: OrganisationKind,
    supervisor: Option<OrganisationId>,
) -> Result<(), Error> {
    let Some(supervisor) = supervisor else {
        return Ok(());
    };
    let field = "supervising_organisation_id";
    if kind != OrganisationKind::Employer {
        return Err(Error::validation(field, "not_an_employer", "only employers have a supervising organisation"));
    }
    let row = db::organisations::find(conn, supervisor)?
        .ok_or_else(|| Error::validation(field, "unknown_organisation", "no organisation has this id"))?;
    if !row.kind.can_supervise() {
        return Err(Error::validation(
            field,
            "not_a_supervisor",
            "must be an organisation of kind supervising_org or support_org",
        ));
    }
    if !row.active {
        return Err(Error::validation(field, "organisation_inactive", "this organisation has been deactivated"));
    }
    Ok(())
}

fn load(conn: &mut DbConnection, id: OrganisationId) -> Result<Organisation, Error> {
    Ok(db::organisations::find(conn, id)?.ok_or(Error::NotFound)?.into_domain()?)
}
