//! The demo's organisations and accounts.

use chrono::{DateTime, Utc};

use super::{DemoLogin, DemoOrganisation, DemoReport};
use crate::auth::policy::Actor;
use crate::db::DbConnection;
use crate::domain::{LanguageTag, OrganisationId, OrganisationKind, Role, UserId};
use crate::service::Error;
use crate::service::organisations::{self, NewOrganisationInput};
use crate::service::users::{self, NewUserInput};

/// An employer, its supervising or support organisation, and their staff.
pub(super) struct Employer {
    pub(super) id: OrganisationId,
    pub(super) name: &'static str,
    pub(super) staff: Actor,
    pub(super) supervisor: OrganisationId,
    pub(super) supervisor_staff: Actor,
}

/// Everyone who acts on the demo cases.
pub(super) struct Cast {
    pub(super) handler: Actor,
    pub(super) mediator: Actor,
    pub(super) mediator_id: UserId,
    pub(super) advocate: Actor,
    pub(super) worker: Actor,
    /// Tokai Fresh Foods (technical interns), Musashino Kensetsu (specified skilled workers).
    pub(super) employers: [Employer; 2],
}

pub(super) const OPERATOR: &str = "Madoguchi Platform Secretariat";
pub(super) const TOKAI: &str = "Tokai Fresh Foods Co., Ltd.";
pub(super) const MUSASHINO: &str = "Musashino Kensetsu K.K.";

pub(super) fn create_cast(conn: &mut DbConnection, report: &mut DemoReport, at: DateTime<Utc>) -> Result<Cast, Error> {
    let mut organisation = |conn: &mut DbConnection,
                            name: &str,
                            kind: OrganisationKind,
                            email: &str,
                            supervisor: Option<OrganisationId>|
     -> Result<OrganisationId, Error> {
        let input = NewOrganisationInput {
            name: name.to_owned(),
            kind,
            contact_email: Some(email.to_owned()),
            supervising_organisation_id: supervisor,
            // All demo organisations are in Japan and read their notifications in Japanese.
            preferred_language: LanguageTag::parse("ja")?,
        };
        let created = organisations::create(conn, &Actor::System, input, at)?;
        report.organisations.push(DemoOrganisation { id: created.id, name: created.name, kind: created.kind });
        Ok(created.id)
    };
    use OrganisationKind as K;
    let operator = organisation(conn, OPERATOR, K::Operator, "secretariat@madoguchi.example", None)?;
    let cooperative =
        organisation(conn, "Chubu Food Industry Cooperative", K::SupervisingOrg, "info@chubu-kumiai.example", None)?;
    let support =
        organisation(conn, "Kanto Life Support Co., Ltd.", K::SupportOrg, "info@kanto-support.example", None)?;
    let tokai = organisation(conn, TOKAI, K::Employer, "info@tokai-fresh.example", Some(cooperative))?;
    let musashino = organisation(conn, MUSASHINO, K::Employer, "info@musashino-kensetsu.example", Some(support))?;
    let ngo = organisation(conn, "Kizuna Migrant Support Network", K::Ngo, "help@kizuna-net.example", None)?;
    let adr = organisation(conn, "Tokai Bar Association ADR Centre", K::MediationBody, "adr@tokai-bar.example", None)?;

    let mut account = |conn: &mut DbConnection,
                       role: Role,
                       login: Login,
                       name: &str,
                       organisation: Option<(OrganisationId, &str)>| {
        create_account(conn, report, role, login, name, organisation, at)
    };
    account(conn, Role::Admin, Login::Email("admin@madoguchi.example"), "Demo Admin", Some((operator, OPERATOR)))?;
    let handler = account(
        conn,
        Role::Handler,
        Login::Email("handler@madoguchi.example"),
        "Sato Yui",
        Some((operator, OPERATOR)),
    )?;
    let tokai_staff = account(
        conn,
        Role::EmployerStaff,
        Login::Email("hr@tokai-fresh.example"),
        "Tanaka Hiroshi",
        Some((tokai, TOKAI)),
    )?;
    let musashino_staff = account(
        conn,
        Role::EmployerStaff,
        Login::Email("soumu@musashino-kensetsu.example"),
        "Suzuki Kenji",
        Some((musashino, MUSASHINO)),
    )?;
    let cooperative_staff = account(
        conn,
        Role::SupervisingOrgStaff,
        Login::Email("staff@chubu-kumiai.example"),
        "Ito Mariko",
        Some((cooperative, "Chubu Food Industry Cooperative")),
    )?;
    let support_staff = account(
        conn,
        Role::SupervisingOrgStaff,
        Login::Email("staff@kanto-support.example"),
        "Watanabe Ryo",
        Some((support, "Kanto Life Support Co., Ltd.")),
    )?;
    let mediator = account(
        conn,
        Role::Mediator,
        Login::Email("mediator@tokai-bar.example"),
        "Yamamoto Keiko",
        Some((adr, "Tokai Bar Association ADR Centre")),
    )?;
    let advocate = account(
        conn,
        Role::Advocate,
        Login::Email("advocate@kizuna-net.example"),
        "Pham Minh Duc",
        Some((ngo, "Kizuna Migrant Support Network")),
    )?;
    account(
        conn,
        Role::Analyst,
        Login::Email("analyst@kizuna-net.example"),
        "Kobayashi Aya",
        Some((ngo, "Kizuna Migrant Support Network")),
    )?;
    let worker = account(conn, Role::Worker, Login::Username("lan.nguyen"), "Nguyễn Thị Lan", None)?;

    let actor_id = |actor: &Actor| match actor {
        Actor::User { id, .. } => Ok(*id),
        Actor::System | Actor::CaseSession { .. } => Err(Error::internal(anyhow::anyhow!("not a user"))),
    };
    Ok(Cast {
        mediator_id: actor_id(&mediator)?,
        handler,
        mediator,
        advocate,
        worker,
        employers: [
            Employer {
                id: tokai,
                name: TOKAI,
                staff: tokai_staff,
                supervisor: cooperative,
                supervisor_staff: cooperative_staff,
            },
            Employer {
                id: musashino,
                name: MUSASHINO,
                staff: musashino_staff,
                supervisor: support,
                supervisor_staff: support_staff,
            },
        ],
    })
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Login {
    Email(&'static str),
    Username(&'static str),
}

pub(super) fn create_account(
    conn: &mut DbConnection,
    report: &mut DemoReport,
    role: Role,
    login: Login,
    display_name: &str,
    organisation: Option<(OrganisationId, &str)>,
    at: DateTime<Utc>,
) -> Result<Actor, Error> {
    let password = new_password()?;
    let (email, username, login_field, login) = match login {
        Login::Email(email) => (Some(email.to_owned()), None, "email", email),
        Login::Username(name) => (None, Some(name.to_owned()), "username", name),
    };
    let language = if role == Role::Worker { "vi" } else { "ja" };
    let input = NewUserInput {
        email,
        username,
        phone: None,
        display_name: Some(display_name.to_owned()),
        password: password.clone(),
        role,
        organisation_id: organisation.map(|(id, _)| id),
        preferred_language: LanguageTag::parse(language)?,
    };
    let user = users::create(conn, &Actor::System, input, at)?;
    report.logins.push(DemoLogin {
        user_id: user.id,
        role,
        login_field,
        login: login.to_owned(),
        password,
        organisation: organisation.map(|(_, name)| name.to_owned()),
    });
    Ok(Actor::User { id: user.id, role, organisation_id: user.organisation_id })
}

/// 32 symbols without look-alikes (no l, o, 0, 1), so a byte maps without bias.
pub(super) const PASSWORD_ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";

/// A random password of 16 symbols (80 bits) in groups of four, easy to type.
pub(super) fn new_password() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|error| Error::internal(anyhow::anyhow!("no randomness: {error}")))?;
    // The modulo keeps every index in range; 256 is a multiple of 32, so there is no bias.
    let symbols: Vec<char> =
        bytes.iter().map(|b| char::from(PASSWORD_ALPHABET[usize::from(*b) % PASSWORD_ALPHABET.len()])).collect();
    Ok(symbols.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-"))
}
