//! Organisations: create, read, list.

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
    let (rows, has_more) = fetch_page(limit, |limit| db::organisations::list(conn, kind, cursor, limit))?;
    let items = rows.into_iter().map(OrganisationRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    Ok(Page::new(items, has_more, |o| o.id.to_string()))
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
    Ok(())
}

fn load(conn: &mut DbConnection, id: OrganisationId) -> Result<Organisation, Error> {
    Ok(db::organisations::find(conn, id)?.ok_or(Error::NotFound)?.into_domain()?)
}
