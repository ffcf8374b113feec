//! The demo's organisations and accounts.

use chrono::{DateTime, Utc};

use super::stories::DEMO_WORKER_NAME;
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

const OPERATOR: &str = "Madoguchi Platform Secretariat";
const TOKAI: &str = "Tokai Fresh Foods Co., Ltd.";
const MUSASHINO: &str = "Musashino Kensetsu K.K.";

/// The part each demo organisation plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Org {
    Operator,
    Cooperative,
    Support,
    Tokai,
    Musashino,
    Ngo,
    Adr,
}

struct OrganisationSeed {
    org: Org,
    name: &'static str,
    kind: OrganisationKind,
    email: &'static str,
    supervisor: Option<Org>,
}

const fn organisation(
    org: Org,
    name: &'static str,
    kind: OrganisationKind,
    email: &'static str,
    supervisor: Option<Org>,
) -> OrganisationSeed {
    OrganisationSeed { org, name, kind, email, supervisor }
}

use OrganisationKind as K;

/// In the order they are made: a supervising or support organisation before the employers it looks after.
const ORGANISATIONS: [OrganisationSeed; 7] = [
    organisation(Org::Operator, OPERATOR, K::Operator, "secretariat@madoguchi.example", None),
    organisation(
        Org::Cooperative,
        "Chubu Food Industry Cooperative",
        K::SupervisingOrg,
        "info@chubu-kumiai.example",
        None,
    ),
    organisation(Org::Support, "Kanto Life Support Co., Ltd.", K::SupportOrg, "info@kanto-support.example", None),
    organisation(Org::Tokai, TOKAI, K::Employer, "info@tokai-fresh.example", Some(Org::Cooperative)),
    organisation(Org::Musashino, MUSASHINO, K::Employer, "info@musashino-kensetsu.example", Some(Org::Support)),
    organisation(Org::Ngo, "Kizuna Migrant Support Network", K::Ngo, "help@kizuna-net.example", None),
    organisation(Org::Adr, "Tokai Bar Association ADR Centre", K::MediationBody, "adr@tokai-bar.example", None),
];

#[derive(Debug, Clone, Copy)]
enum Login {
    Email(&'static str),
    Username(&'static str),
}

struct AccountSeed {
    role: Role,
    login: Login,
    display_name: &'static str,
    organisation: Option<Org>,
}

const fn account(role: Role, login: Login, display_name: &'static str, organisation: Option<Org>) -> AccountSeed {
    AccountSeed { role, login, display_name, organisation }
}

/// A user for every role; one employer staff per employer, one supervisor staff per supervisor.
const ACCOUNTS: [AccountSeed; 10] = [
    account(Role::Admin, Login::Email("admin@madoguchi.example"), "Demo Admin", Some(Org::Operator)),
    account(Role::Handler, Login::Email("handler@madoguchi.example"), "Sato Yui", Some(Org::Operator)),
    account(Role::EmployerStaff, Login::Email("hr@tokai-fresh.example"), "Tanaka Hiroshi", Some(Org::Tokai)),
    account(
        Role::EmployerStaff,
        Login::Email("soumu@musashino-kensetsu.example"),
        "Suzuki Kenji",
        Some(Org::Musashino),
    ),
    account(
        Role::SupervisingOrgStaff,
        Login::Email("staff@chubu-kumiai.example"),
        "Ito Mariko",
        Some(Org::Cooperative),
    ),
    account(Role::SupervisingOrgStaff, Login::Email("staff@kanto-support.example"), "Watanabe Ryo", Some(Org::Support)),
    account(Role::Mediator, Login::Email("mediator@tokai-bar.example"), "Yamamoto Keiko", Some(Org::Adr)),
    account(Role::Advocate, Login::Email("advocate@kizuna-net.example"), "Pham Minh Duc", Some(Org::Ngo)),
    account(Role::Analyst, Login::Email("analyst@kizuna-net.example"), "Kobayashi Aya", Some(Org::Ngo)),
    account(Role::Worker, Login::Username("lan.nguyen"), DEMO_WORKER_NAME, None),
];

/// Makes the organisations and accounts of the tables above, in order, and casts them.
pub(super) fn create_cast(conn: &mut DbConnection, report: &mut DemoReport, at: DateTime<Utc>) -> Result<Cast, Error> {
    let mut made = Made::default();
    for seed in &ORGANISATIONS {
        let supervisor = seed.supervisor.map(|org| made.organisation(org)).transpose()?;
        let id = create_organisation(conn, report, seed, supervisor, at)?;
        made.organisations.push((seed.org, id));
    }
    for seed in &ACCOUNTS {
        let organisation = match seed.organisation {
            Some(org) => Some((made.organisation(org)?, seed_of(org)?.name)),
            None => None,
        };
        let actor = create_account(conn, report, seed, organisation, at)?;
        made.accounts.push((seed.role, seed.organisation, actor));
    }
    let mediator = made.member(Role::Mediator, Some(Org::Adr))?;
    Ok(Cast {
        handler: made.member(Role::Handler, Some(Org::Operator))?,
        mediator_id: user_id(&mediator)?,
        mediator,
        advocate: made.member(Role::Advocate, Some(Org::Ngo))?,
        worker: made.member(Role::Worker, None)?,
        employers: [made.employer(Org::Tokai)?, made.employer(Org::Musashino)?],
    })
}

/// What `create_cast` has made so far, by the part each plays.
#[derive(Default)]
struct Made {
    organisations: Vec<(Org, OrganisationId)>,
    accounts: Vec<(Role, Option<Org>, Actor)>,
}

impl Made {
    fn organisation(&self, org: Org) -> Result<OrganisationId, Error> {
        let found = self.organisations.iter().find(|(made, _)| *made == org).map(|(_, id)| *id);
        found.ok_or_else(|| Error::internal(anyhow::anyhow!("demo organisation {org:?} is not made yet")))
    }

    /// The first account with `role` in `organisation`.
    fn member(&self, role: Role, organisation: Option<Org>) -> Result<Actor, Error> {
        let found = self.accounts.iter().find(|(r, org, _)| *r == role && *org == organisation);
        found
            .map(|(_, _, actor)| actor.clone())
            .ok_or_else(|| Error::internal(anyhow::anyhow!("no demo {role} in {organisation:?}")))
    }

    fn employer(&self, org: Org) -> Result<Employer, Error> {
        let seed = seed_of(org)?;
        let supervisor = seed
            .supervisor
            .ok_or_else(|| Error::internal(anyhow::anyhow!("demo employer {org:?} has no supervisor")))?;
        Ok(Employer {
            id: self.organisation(org)?,
            name: seed.name,
            staff: self.member(Role::EmployerStaff, Some(org))?,
            supervisor: self.organisation(supervisor)?,
            supervisor_staff: self.member(Role::SupervisingOrgStaff, Some(supervisor))?,
        })
    }
}

fn seed_of(org: Org) -> Result<&'static OrganisationSeed, Error> {
    ORGANISATIONS
        .iter()
        .find(|seed| seed.org == org)
        .ok_or_else(|| Error::internal(anyhow::anyhow!("no demo organisation {org:?}")))
}

fn user_id(actor: &Actor) -> Result<UserId, Error> {
    match actor {
        Actor::User { id, .. } => Ok(*id),
        Actor::System | Actor::CaseSession { .. } => Err(Error::internal(anyhow::anyhow!("not a user"))),
    }
}

fn create_organisation(
    conn: &mut DbConnection,
    report: &mut DemoReport,
    seed: &OrganisationSeed,
    supervisor: Option<OrganisationId>,
    at: DateTime<Utc>,
) -> Result<OrganisationId, Error> {
    let input = NewOrganisationInput {
        name: seed.name.to_owned(),
        kind: seed.kind,
        contact_email: Some(seed.email.to_owned()),
        supervising_organisation_id: supervisor,
        // All demo organisations are in Japan and read their notifications in Japanese.
        preferred_language: LanguageTag::parse("ja")?,
    };
    let created = organisations::create(conn, &Actor::System, input, at)?;
    report.organisations.push(DemoOrganisation { id: created.id, name: created.name, kind: created.kind });
    Ok(created.id)
}

fn create_account(
    conn: &mut DbConnection,
    report: &mut DemoReport,
    seed: &AccountSeed,
    organisation: Option<(OrganisationId, &str)>,
    at: DateTime<Utc>,
) -> Result<Actor, Error> {
    let password = new_password()?;
    let (email, username, login_field, login) = match seed.login {
        Login::Email(email) => (Some(email.to_owned()), None, "email", email),
        Login::Username(name) => (None, Some(name.to_owned()), "username", name),
    };
    let role = seed.role;
    let language = if role == Role::Worker { "vi" } else { "ja" };
    let input = NewUserInput {
        email,
        username,
        phone: None,
        display_name: Some(seed.display_name.to_owned()),
        password: password.clone(),
        role,
        organisation_id: organisation.map(|(id, _)| id),
        preferred_language: LanguageTag::parse(language)?,
    };
    let user = users::create(conn, &Actor::System, input, at)?;
    if role == Role::Mediator {
        // The demo's mediator also mediates in the workers' languages most cases are in.
        let languages = [LanguageTag::parse("vi")?, LanguageTag::parse("en")?];
        crate::db::casework::replace_languages(conn, user.id, &languages)?;
    }
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

#[cfg(test)]
mod tests {
    use super::{ACCOUNTS, ORGANISATIONS, Org};
    use crate::domain::Role;

    #[test]
    fn the_tables_make_each_organisation_before_it_is_needed_and_every_role() {
        let made_before = |org: Org, index: usize| ORGANISATIONS[..index].iter().any(|seed| seed.org == org);
        for (index, seed) in ORGANISATIONS.iter().enumerate() {
            assert!(!made_before(seed.org, index), "{:?} twice", seed.org);
            assert!(seed.supervisor.is_none_or(|org| made_before(org, index)), "{:?}", seed.org);
        }
        for account in &ACCOUNTS {
            assert!(account.organisation.is_none_or(|org| made_before(org, ORGANISATIONS.len())));
        }
        for role in Role::ALL {
            assert!(ACCOUNTS.iter().any(|account| account.role == role), "{role}");
        }
    }
}
