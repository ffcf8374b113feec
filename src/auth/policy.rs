//! The access policy: the one place that decides who may do what. Every
//! service function calls it before touching data.
//!
//! Wrong role → `Forbidden` (403). A resource that exists but belongs to
//! another organisation → `NotFound` (404), so its existence is not revealed.

use crate::domain::case::{PartyRole, Visibility};
use crate::domain::catalogue::Category;
use crate::domain::lifecycle::CaseRole;
use crate::domain::notification::Content;
use crate::domain::report::{AppliedFilter, ReportFilter};
use crate::domain::{CaseId, OrganisationId, Role, UserId};

/// Why the policy refuses. `Hidden` is for what the caller may not even
/// know exists (answered as "not found").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    Forbidden,
    Hidden,
}

/// Whoever is acting: a logged-in user, a worker holding a case's receipt
/// code, or the system itself (command line, background jobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    System,
    User { id: UserId, role: Role, organisation_id: Option<OrganisationId> },
    CaseSession { case_id: CaseId },
}

impl Actor {
    /// The account acting, if any (the system and receipt sessions have none).
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Self::User { id, .. } => Some(*id),
            Self::System | Self::CaseSession { .. } => None,
        }
    }
}

/// Role-level permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Create organisations; list them all.
    ManageOrganisations,
    /// Create users of any role; list them all.
    ManageUsers,
    /// Read any organisation's record (needed to route cases).
    ReadAnyOrganisation,
    /// See undelivered notifications and requeue dead ones.
    OperateOutbox,
    /// The directory for case work: organisations by kind and name,
    /// mediators with their languages, workload and conflicts, handlers'
    /// workload.
    ReadCaseWorkDirectory,
}

impl Permission {
    pub const ALL: [Permission; 5] = [
        Self::ManageOrganisations,
        Self::ManageUsers,
        Self::ReadAnyOrganisation,
        Self::OperateOutbox,
        Self::ReadCaseWorkDirectory,
    ];
}

/// Whether a role holds a permission. Exhaustive on purpose: a new role or
/// permission does not compile until someone decides.
pub fn role_allows(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::ManageOrganisations | Permission::ManageUsers | Permission::OperateOutbox => match role {
            Role::Admin => true,
            Role::Worker
            | Role::Advocate
            | Role::Handler
            | Role::EmployerStaff
            | Role::SupervisingOrgStaff
            | Role::Mediator
            | Role::Analyst => false,
        },
        Permission::ReadAnyOrganisation | Permission::ReadCaseWorkDirectory => match role {
            Role::Admin | Role::Handler => true,
            Role::Worker
            | Role::Advocate
            | Role::EmployerStaff
            | Role::SupervisingOrgStaff
            | Role::Mediator
            | Role::Analyst => false,
        },
    }
}

pub fn require(actor: &Actor, permission: Permission) -> Result<(), Denied> {
    match actor {
        Actor::System => Ok(()),
        Actor::User { role, .. } if role_allows(*role, permission) => Ok(()),
        Actor::User { .. } | Actor::CaseSession { .. } => Err(Denied::Forbidden),
    }
}

/// An organisation's record is visible to those who may read any, and to its own members.
pub fn require_organisation_visible(actor: &Actor, organisation: OrganisationId) -> Result<(), Denied> {
    match actor {
        Actor::System => Ok(()),
        Actor::User { role, .. } if role_allows(*role, Permission::ReadAnyOrganisation) => Ok(()),
        Actor::User { organisation_id: Some(own), .. } if *own == organisation => Ok(()),
        Actor::User { .. } | Actor::CaseSession { .. } => Err(Denied::Hidden),
    }
}

/// An account is visible to its holder, and to those who manage users.
pub fn require_user_visible(actor: &Actor, user: UserId) -> Result<(), Denied> {
    match actor {
        Actor::User { id, .. } if *id == user => Ok(()),
        Actor::User { .. } | Actor::CaseSession { .. } | Actor::System => require(actor, Permission::ManageUsers),
    }
}

/// Deactivating or reactivating an account is user management, and never
/// of one's own account (the last admin could lock everyone out).
pub fn require_may_set_active(actor: &Actor, user: UserId) -> Result<(), Denied> {
    require(actor, Permission::ManageUsers)?;
    if actor.user_id() == Some(user) { Err(Denied::Forbidden) } else { Ok(()) }
}

/// Whether a reader of the case-work directory sees staff accounts' e-mail
/// addresses. Handlers work with each other and with mediators through the
/// cases (the notices reach the right person), so they see names, languages
/// and workload only; admins, who manage the accounts, see the addresses.
pub fn directory_shows_staff_email(actor: &Actor) -> bool {
    require(actor, Permission::ManageUsers).is_ok()
}

/// Mediators declare their own languages and conflicts of interest; nobody
/// declares for them.
pub fn require_mediator(actor: &Actor) -> Result<UserId, Denied> {
    match actor {
        Actor::User { id, role: Role::Mediator, .. } => Ok(*id),
        Actor::User { .. } | Actor::CaseSession { .. } | Actor::System => Err(Denied::Forbidden),
    }
}

/// Who sees which handler owns a case: the staff on it. The worker's side
/// and the respondents deal with the service, not with one employee of it.
pub fn sees_assignee(role: CaseRole) -> bool {
    match role {
        CaseRole::Handler | CaseRole::Mediator | CaseRole::System => true,
        CaseRole::Worker | CaseRole::Advocate | CaseRole::Employer | CaseRole::Supervisor => false,
    }
}

/// Filtering a case list by its owner is for those who may see owners on
/// every case in their scope: handlers (and the system).
pub fn may_filter_by_assignee(scope: CaseScope) -> bool {
    match scope {
        CaseScope::All => true,
        CaseScope::Worker(_)
        | CaseScope::AdvocateOrganisation(_)
        | CaseScope::Mediator(_)
        | CaseScope::Party(_, _)
        | CaseScope::OneCase(_) => false,
    }
}

/// `sees_assignee` for the caller of a case list.
pub fn scope_sees_assignee(scope: CaseScope) -> bool {
    match scope {
        CaseScope::All | CaseScope::Mediator(_) => true,
        CaseScope::Worker(_) | CaseScope::AdvocateOrganisation(_) | CaseScope::Party(_, _) | CaseScope::OneCase(_) => {
            false
        }
    }
}

/// Deactivating or reactivating an organisation is organisation
/// management, and never of one's own (it would lock its admins out).
pub fn require_may_set_organisation_active(actor: &Actor, organisation: OrganisationId) -> Result<(), Denied> {
    require(actor, Permission::ManageOrganisations)?;
    match actor {
        Actor::User { organisation_id: Some(own), .. } if *own == organisation => Err(Denied::Forbidden),
        Actor::User { .. } | Actor::CaseSession { .. } | Actor::System => Ok(()),
    }
}

/// Who stands how towards one case: the facts the decision needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccess {
    pub case_id: CaseId,
    pub worker_user_id: Option<UserId>,
    pub advocate_organisation_id: Option<OrganisationId>,
    pub mediator_user_id: Option<UserId>,
    /// Organisations made parties by referral.
    pub parties: Vec<(OrganisationId, PartyRole)>,
}

/// The actor's role on this case, or `None` when the case is none of their
/// business (callers answer 404, so its existence is not revealed).
pub fn case_role(actor: &Actor, case: &CaseAccess) -> Option<CaseRole> {
    let is_party = |organisation: &Option<OrganisationId>, wanted: PartyRole| {
        organisation.is_some_and(|own| case.parties.iter().any(|(org, role)| *org == own && *role == wanted))
    };
    match actor {
        Actor::System => Some(CaseRole::System),
        Actor::CaseSession { case_id } => (*case_id == case.case_id).then_some(CaseRole::Worker),
        Actor::User { id, role, organisation_id } => match role {
            Role::Worker => (case.worker_user_id == Some(*id)).then_some(CaseRole::Worker),
            Role::Advocate => (organisation_id.is_some() && case.advocate_organisation_id == *organisation_id)
                .then_some(CaseRole::Advocate),
            Role::Handler => Some(CaseRole::Handler),
            Role::EmployerStaff => is_party(organisation_id, PartyRole::Employer).then_some(CaseRole::Employer),
            Role::SupervisingOrgStaff => {
                is_party(organisation_id, PartyRole::Supervisor).then_some(CaseRole::Supervisor)
            }
            Role::Mediator => (case.mediator_user_id == Some(*id)).then_some(CaseRole::Mediator),
            // Analysts read pseudonymised reports; admins run the installation, not cases.
            Role::Analyst | Role::Admin => None,
        },
    }
}

pub use crate::domain::case::CaseScope;

pub fn case_scope(actor: &Actor) -> Result<CaseScope, Denied> {
    match actor {
        Actor::System => Ok(CaseScope::All),
        Actor::CaseSession { case_id } => Ok(CaseScope::OneCase(*case_id)),
        Actor::User { id, role, organisation_id } => {
            let organisation = || organisation_id.ok_or(Denied::Forbidden);
            match role {
                Role::Handler => Ok(CaseScope::All),
                Role::Worker => Ok(CaseScope::Worker(*id)),
                Role::Advocate => Ok(CaseScope::AdvocateOrganisation(organisation()?)),
                Role::Mediator => Ok(CaseScope::Mediator(*id)),
                Role::EmployerStaff => Ok(CaseScope::Party(organisation()?, PartyRole::Employer)),
                Role::SupervisingOrgStaff => Ok(CaseScope::Party(organisation()?, PartyRole::Supervisor)),
                Role::Analyst | Role::Admin => Err(Denied::Forbidden),
            }
        }
    }
}

/// Which cases a caller's statistics and exports cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportScope {
    All,
    /// Respondents see statistics on their own organisation's cases only.
    PartyOrganisation(OrganisationId),
}

pub fn report_scope(actor: &Actor) -> Result<ReportScope, Denied> {
    match actor {
        Actor::System => Ok(ReportScope::All),
        Actor::CaseSession { .. } => Err(Denied::Forbidden),
        Actor::User { role, organisation_id, .. } => match role {
            Role::Analyst | Role::Handler | Role::Admin => Ok(ReportScope::All),
            Role::EmployerStaff | Role::SupervisingOrgStaff => {
                organisation_id.map(ReportScope::PartyOrganisation).ok_or(Denied::Forbidden)
            }
            // Workers and advocates see their cases, not statistics built from others'.
            Role::Worker | Role::Advocate | Role::Mediator => Err(Denied::Forbidden),
        },
    }
}

/// Whether statistics and exports in this scope may carry the handlers'
/// forced-labour assessment. The respondents' side never sees it on a case,
/// so it may not see it in rows or counts built from their cases either.
pub fn sees_forced_labour_assessment(scope: ReportScope) -> bool {
    match scope {
        ReportScope::All => true,
        ReportScope::PartyOrganisation(_) => Projection::of(CaseRole::Employer, false).assessment,
    }
}

/// `Projection::sees_category` for the caller of a case list: a party
/// organisation's staff read their cases as respondents.
pub fn scope_sees_category(scope: CaseScope, category: Category) -> bool {
    match scope {
        CaseScope::Party(_, _) => Projection::of(CaseRole::Employer, false).sees_category(category),
        CaseScope::All
        | CaseScope::Worker(_)
        | CaseScope::AdvocateOrganisation(_)
        | CaseScope::Mediator(_)
        | CaseScope::OneCase(_) => true,
    }
}

/// A report filter narrowed to what its caller may see. Only
/// `authorise_report` makes one, and statistics and exports take nothing
/// else, so none of them can run on a filter the policy has not seen.
#[derive(Debug, Clone)]
pub struct AuthorisedFilter {
    filter: ReportFilter,
    assessment_visible: bool,
    /// The norm asked for, which the filter holds as its categories.
    norm: Option<String>,
}

impl AuthorisedFilter {
    pub fn filter(&self) -> &ReportFilter {
        &self.filter
    }

    /// Whether the handlers' forced-labour assessment may be shown.
    pub fn assessment_visible(&self) -> bool {
        self.assessment_visible
    }

    /// Only the reader's access scope, without the filters they asked for:
    /// which names may appear is decided over everything the reader may see,
    /// so it cannot be steered by narrowing the filter.
    pub fn scope(&self) -> ReportFilter {
        ReportFilter { party_organisation_id: self.filter.party_organisation_id, ..ReportFilter::default() }
    }

    /// The filters asked for, for a file to state what it covers.
    pub fn described(&self) -> Vec<AppliedFilter> {
        let mut described: Vec<AppliedFilter> = self
            .filter
            .described()
            .into_iter()
            .filter(|(name, _)| *name != "indicator")
            .map(|(name, value)| AppliedFilter { name: name.to_owned(), value })
            .collect();
        if let Some(norm) = &self.norm {
            described.push(AppliedFilter { name: "norm".to_owned(), value: norm.clone() });
        }
        described
    }

    /// True when the reader sees only cases their organisation is a party to.
    pub fn own_cases_only(&self) -> bool {
        self.filter.party_organisation_id.is_some()
    }

    /// Whether the reader asked for a subset (beyond their access scope).
    pub fn is_narrowed(&self) -> bool {
        !self.described().is_empty()
    }
}

/// Checks the caller may read statistics and narrows `filter` to their
/// scope: respondents to their own organisation's cases, and without a
/// filter on the assessment, which would reveal it through the count.
pub fn authorise_report(
    actor: &Actor,
    mut filter: ReportFilter,
    norm: Option<String>,
) -> Result<AuthorisedFilter, Denied> {
    let scope = report_scope(actor)?;
    if let ReportScope::PartyOrganisation(org) = scope {
        filter.party_organisation_id = Some(org);
    }
    let assessment_visible = sees_forced_labour_assessment(scope);
    if !assessment_visible {
        filter.indicator = None;
    }
    Ok(AuthorisedFilter { filter, assessment_visible, norm })
}

/// What of a case one reader may see: the one projection that every way a
/// case leaves the service applies (the case view, lists, exports, mail and
/// webhooks), so a field is withheld from a role in this one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Projection {
    role: CaseRole,
    /// The worker's name, contacts and document numbers.
    pub identity: bool,
    /// The handlers' forced-labour assessment.
    pub assessment: bool,
    /// The worker's narrative and the texts of messages.
    pub texts: bool,
    /// Internal notes and events (on top of what the role's standing allows).
    internal: bool,
}

impl Projection {
    /// What a reader standing in `role` on a case sees there. Respondents see
    /// the identity only while the worker's disclosure consent stands, and
    /// never the assessment, which accuses them.
    pub fn of(role: CaseRole, disclosure_consented: bool) -> Self {
        let respondent = match role {
            CaseRole::Worker | CaseRole::Advocate | CaseRole::Handler | CaseRole::Mediator | CaseRole::System => false,
            CaseRole::Employer | CaseRole::Supervisor => true,
        };
        Self {
            role,
            identity: !respondent || disclosure_consented,
            assessment: !respondent,
            texts: true,
            internal: true,
        }
    }

    /// What may go out by mail or webhook, to mailboxes and servers the
    /// service does not control: what happened, the stage, its due date and
    /// the priority; never who, what was said or the assessment, and nothing
    /// internal.
    pub fn outbound(self) -> Self {
        Self { identity: false, assessment: false, texts: false, internal: false, ..self }
    }

    /// Messages, events and evidence of a visibility (the domain's
    /// `Visibility::visible_to`, narrowed for what goes out).
    pub fn sees(self, visibility: Visibility) -> bool {
        visibility.visible_to(self.role) && (self.internal || visibility != Visibility::Internal)
    }

    /// A reprisal report stays with the worker side and the staff who handle
    /// it: respondents do not see a case's `reprisal` category.
    pub fn sees_category(self, category: Category) -> bool {
        category != Category::Reprisal || self.sees(Visibility::WorkerSide)
    }
}

/// Whether the operator, reading the outbox, sees a recipient's address.
/// The operator stands on no case, so a worker's address (their identity)
/// is not theirs to read; staff addresses are work contacts they administer.
pub fn operator_sees_recipient(recipient_is_staff: bool) -> bool {
    recipient_is_staff
}

/// `Projection::sees` for a reader's standing, where consent does not matter.
pub fn sees(role: CaseRole, visibility: Visibility) -> bool {
    Projection::of(role, false).sees(visibility)
}

/// What a notice by mail may say to a reader: the outbound projection,
/// except that mail to the worker says only that there is news unless
/// `mail.worker_details` is on (on a shared or inspected phone, a subject
/// naming a grievance is itself a reprisal risk).
pub fn mail_content(role: CaseRole, worker_details: bool) -> Content {
    let outbound = Projection::of(role, false).outbound();
    debug_assert!(!(outbound.identity || outbound.texts || outbound.assessment));
    match role {
        CaseRole::Worker if !worker_details => Content::NewsOnly,
        CaseRole::Worker
        | CaseRole::Advocate
        | CaseRole::Handler
        | CaseRole::Employer
        | CaseRole::Supervisor
        | CaseRole::Mediator
        | CaseRole::System => Content::Summary,
    }
}

/// Nobody writes where they could not read: respondents write to `parties` only.
pub fn may_post(role: CaseRole, visibility: Visibility) -> bool {
    sees(role, visibility)
}

/// Evidence goes on a message only by whoever wrote it, in the role they
/// wrote it in (a receipt session is the worker who lodged the case).
pub fn may_attach_evidence(
    actor: &Actor,
    role: CaseRole,
    author_role: CaseRole,
    author_user_id: Option<UserId>,
) -> bool {
    author_role == role && author_user_id == actor.user_id()
}

/// Evidence of a remedy's delivery comes from whoever delivers it: staff of
/// the organisation responsible for the remedy, acting as the party it is
/// on the case (the same rule as marking it delivered).
pub fn may_attach_remedy_evidence(actor: &Actor, role: CaseRole, responsible: OrganisationId) -> bool {
    let party = match role {
        CaseRole::Employer | CaseRole::Supervisor => true,
        CaseRole::Worker | CaseRole::Advocate | CaseRole::Handler | CaseRole::Mediator | CaseRole::System => false,
    };
    party && matches!(actor, Actor::User { organisation_id: Some(own), .. } if *own == responsible)
}

/// Who may register webhooks: those who follow cases. Analysts and admins
/// see statistics and accounts, not case events; workers use the API.
pub fn may_register_webhook(role: Role) -> bool {
    match role {
        Role::Advocate | Role::Handler | Role::EmployerStaff | Role::SupervisingOrgStaff | Role::Mediator => true,
        Role::Worker | Role::Analyst | Role::Admin => false,
    }
}

/// The organisation whose webhooks the caller manages, and the role its
/// registrations are scoped to (what the caller's role may see).
pub fn webhook_owner(actor: &Actor) -> Result<(OrganisationId, Role), Denied> {
    match actor {
        Actor::User { role, organisation_id: Some(org), .. } if may_register_webhook(*role) => Ok((*org, *role)),
        Actor::User { .. } | Actor::CaseSession { .. } | Actor::System => Err(Denied::Forbidden),
    }
}

/// Whether a webhook registered by `registrant` of an organisation standing
/// on a case as `standing` hears an event of `visibility`: only when the
/// registrant's role is the one that standing is for (an NGO's analyst
/// hears nothing of its advocates' cases), and never an internal event,
/// which does not leave the service by webhook.
pub fn webhook_hears(registrant: Role, standing: CaseRole, visibility: Visibility) -> bool {
    let role_fits = matches!(
        (registrant, standing),
        (Role::EmployerStaff, CaseRole::Employer)
            | (Role::SupervisingOrgStaff, CaseRole::Supervisor)
            | (Role::Advocate, CaseRole::Advocate)
            | (Role::Mediator, CaseRole::Mediator)
            | (Role::Handler, CaseRole::Handler)
    );
    role_fits && Projection::of(standing, false).outbound().sees(visibility)
}

/// Who may lodge a grievance, and as what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lodger {
    /// A worker with an account, for themselves.
    Worker(UserId),
    /// An advocate for a worker, with the worker's consent.
    Advocate { user: UserId, organisation: OrganisationId },
    /// Anyone, without an account (the intake form).
    Anonymous,
    /// A handler recording a grievance the worker gave by phone, letter, in
    /// person or by chat, for a worker without an account.
    Handler { user: UserId, organisation: Option<OrganisationId> },
}

/// Who may record a grievance received outside the API for a worker: handlers.
pub fn recorder(actor: &Actor) -> Result<Lodger, Denied> {
    match actor {
        Actor::User { id, role: Role::Handler, organisation_id } => {
            Ok(Lodger::Handler { user: *id, organisation: *organisation_id })
        }
        Actor::User { .. } | Actor::CaseSession { .. } | Actor::System => Err(Denied::Forbidden),
    }
}

pub fn lodger(actor: Option<&Actor>) -> Result<Lodger, Denied> {
    match actor {
        None => Ok(Lodger::Anonymous),
        Some(Actor::User { id, role, organisation_id }) => match role {
            Role::Worker => Ok(Lodger::Worker(*id)),
            Role::Advocate => organisation_id
                .map(|organisation| Lodger::Advocate { user: *id, organisation })
                .ok_or(Denied::Forbidden),
            Role::Handler
            | Role::EmployerStaff
            | Role::SupervisingOrgStaff
            | Role::Mediator
            | Role::Analyst
            | Role::Admin => Err(Denied::Forbidden),
        },
        Some(Actor::System | Actor::CaseSession { .. }) => Err(Denied::Forbidden),
    }
}

/// Changes to a case outside the lifecycle (whose roles are in its own table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAmendment {
    /// Let the employer side see the worker's identity, or withdraw that.
    DisclosureConsent,
    AssignMediator,
    /// Take the case, give it to another handler, or leave it unowned.
    AssignHandler,
    /// Link a named employer to its registered organisation.
    LinkEmployer,
    /// Priority, categories and forced-labour indicators.
    Classify,
    UpdateIdentity,
    /// Add, replace or remove the advocate organisation acting for the worker.
    Advocate,
    /// Issue a new receipt code, ending the old one.
    ReplaceReceiptCode,
    /// Ask for the case's personal data to be erased (APPI).
    RequestErasure,
    /// Approve or refuse a request for erasure.
    DecideErasure,
    /// Set or clear a legal hold, which keeps the case past its retention period.
    LegalHold,
}

impl CaseAmendment {
    pub const ALL: &'static [CaseAmendment] = &[
        Self::DisclosureConsent,
        Self::AssignMediator,
        Self::AssignHandler,
        Self::LinkEmployer,
        Self::Classify,
        Self::UpdateIdentity,
        Self::Advocate,
        Self::ReplaceReceiptCode,
        Self::RequestErasure,
        Self::DecideErasure,
        Self::LegalHold,
    ];
}

/// Who may make each amendment, by their role on the case.
pub fn may_amend(role: CaseRole, amendment: CaseAmendment) -> bool {
    use CaseRole as R;
    let allowed: &[CaseRole] = match amendment {
        // The worker's consent is theirs (or their advocate's) to give.
        CaseAmendment::DisclosureConsent => &[R::Worker, R::Advocate],
        CaseAmendment::AssignMediator
        | CaseAmendment::AssignHandler
        | CaseAmendment::LinkEmployer
        | CaseAmendment::Classify => &[R::Handler],
        CaseAmendment::UpdateIdentity => &[R::Worker, R::Advocate, R::Handler],
        // Who speaks for the worker is the worker's choice; a handler carries
        // it out only on the worker's recorded consent (`advocate_change_needs_consent`).
        CaseAmendment::Advocate => &[R::Worker, R::Handler],
        // After checking the worker's identity, for a worker who lost the code.
        CaseAmendment::ReplaceReceiptCode => &[R::Handler],
        // The data is the worker's: they, or whoever acts for them, ask; a handler decides.
        CaseAmendment::RequestErasure => &[R::Worker, R::Advocate],
        CaseAmendment::DecideErasure | CaseAmendment::LegalHold => &[R::Handler],
    };
    allowed.contains(&role)
}

/// Whether changing the case's advocate needs the worker's recorded consent:
/// for everyone but the worker.
pub fn advocate_change_needs_consent(role: CaseRole) -> bool {
    match role {
        CaseRole::Worker => false,
        CaseRole::Advocate
        | CaseRole::Handler
        | CaseRole::Employer
        | CaseRole::Supervisor
        | CaseRole::Mediator
        | CaseRole::System => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, organisation_id: Option<OrganisationId>) -> Actor {
        Actor::User { id: UserId::new(), role, organisation_id }
    }

    #[test]
    fn webhooks_hear_what_their_registrants_role_may_see_and_nothing_internal() {
        use CaseRole as C;
        for registrant in Role::ALL {
            for standing in [C::Worker, C::Advocate, C::Handler, C::Employer, C::Supervisor, C::Mediator, C::System] {
                for visibility in [Visibility::Parties, Visibility::WorkerSide, Visibility::Internal] {
                    let fits = matches!(
                        (registrant, standing),
                        (Role::EmployerStaff, C::Employer)
                            | (Role::SupervisingOrgStaff, C::Supervisor)
                            | (Role::Advocate, C::Advocate)
                            | (Role::Mediator, C::Mediator)
                            | (Role::Handler, C::Handler)
                    );
                    let expected = fits && visibility != Visibility::Internal && visibility.visible_to(standing);
                    assert_eq!(
                        webhook_hears(registrant, standing, visibility),
                        expected,
                        "{registrant:?} {standing:?} {visibility:?}"
                    );
                }
            }
            let follows_cases = !matches!(registrant, Role::Worker | Role::Analyst | Role::Admin);
            assert_eq!(may_register_webhook(registrant), follows_cases, "{registrant:?}");
        }
        assert!(!webhook_hears(Role::EmployerStaff, C::Employer, Visibility::WorkerSide));
        assert!(!webhook_hears(Role::Handler, C::Handler, Visibility::Internal));
        assert!(!webhook_hears(Role::Analyst, C::Advocate, Visibility::Parties));
    }

    #[test]
    fn statistics_scope_and_the_assessment_by_role() {
        let org = OrganisationId::new();
        for role in Role::ALL {
            let expected = match role {
                Role::Analyst | Role::Handler | Role::Admin => Some((ReportScope::All, true)),
                Role::EmployerStaff | Role::SupervisingOrgStaff => Some((ReportScope::PartyOrganisation(org), false)),
                Role::Worker | Role::Advocate | Role::Mediator => None,
            };
            let scope = report_scope(&user(role, Some(org))).ok();
            assert_eq!(scope.map(|s| (s, sees_forced_labour_assessment(s))), expected, "{role:?}");
        }
        assert_eq!(report_scope(&Actor::System), Ok(ReportScope::All));
        assert!(report_scope(&Actor::CaseSession { case_id: crate::domain::CaseId::new() }).is_err());
    }

    #[test]
    fn only_admins_manage_organisations_and_users() {
        for role in Role::ALL {
            for permission in [Permission::ManageOrganisations, Permission::ManageUsers] {
                let result = require(&user(role, None), permission);
                if role == Role::Admin {
                    assert!(result.is_ok(), "{role}");
                } else {
                    assert!(matches!(result, Err(Denied::Forbidden)), "{role}");
                }
            }
        }
    }

    #[test]
    fn accounts_are_read_by_their_holder_and_managed_by_admins_but_never_deactivated_by_themselves() {
        let own = UserId::new();
        let other = UserId::new();
        for role in Role::ALL {
            let actor = Actor::User { id: own, role, organisation_id: None };
            let admin = role == Role::Admin;
            assert!(require_user_visible(&actor, own).is_ok(), "{role}");
            assert_eq!(require_user_visible(&actor, other).is_ok(), admin, "{role}");
            assert_eq!(require_may_set_active(&actor, other).is_ok(), admin, "{role}");
            assert_eq!(require_may_set_active(&actor, own), Err(Denied::Forbidden), "{role}");
        }
        let session = Actor::CaseSession { case_id: CaseId::new() };
        assert_eq!(require_user_visible(&session, own), Err(Denied::Forbidden));
        assert_eq!(require_may_set_active(&session, own), Err(Denied::Forbidden));
        assert!(
            require_user_visible(&Actor::System, own).is_ok() && require_may_set_active(&Actor::System, own).is_ok()
        );
    }

    #[test]
    fn organisations_are_deactivated_by_admins_but_never_their_own() {
        let (own, other) = (OrganisationId::new(), OrganisationId::new());
        for role in Role::ALL {
            let actor = user(role, Some(own));
            let admin = role == Role::Admin;
            assert_eq!(require_may_set_organisation_active(&actor, other).is_ok(), admin, "{role}");
            assert_eq!(require_may_set_organisation_active(&actor, own), Err(Denied::Forbidden), "{role}");
            assert_eq!(require_may_set_organisation_active(&user(role, None), other).is_ok(), admin, "{role}");
        }
        assert!(require_may_set_organisation_active(&Actor::System, own).is_ok());
        let session = Actor::CaseSession { case_id: CaseId::new() };
        assert_eq!(require_may_set_organisation_active(&session, own), Err(Denied::Forbidden));
    }

    #[test]
    fn webhooks_belong_to_the_registrants_organisation_and_role() {
        let org = OrganisationId::new();
        for role in Role::ALL {
            let expected = may_register_webhook(role).then_some((org, role));
            assert_eq!(webhook_owner(&user(role, Some(org))).ok(), expected, "{role}");
            assert_eq!(webhook_owner(&user(role, None)), Err(Denied::Forbidden), "{role} without an organisation");
        }
        assert!(webhook_owner(&Actor::System).is_err());
        assert!(webhook_owner(&Actor::CaseSession { case_id: CaseId::new() }).is_err());
    }

    #[test]
    fn what_each_case_role_sees_and_where_it_may_write() {
        use CaseRole as R;
        use Visibility as V;
        // (role, identity without consent, assessment, [parties, worker side, internal])
        let table = [
            (R::Worker, true, true, [true, true, false]),
            (R::Advocate, true, true, [true, true, false]),
            (R::Handler, true, true, [true, true, true]),
            (R::Mediator, true, true, [true, true, true]),
            (R::System, true, true, [true, true, true]),
            (R::Employer, false, false, [true, false, false]),
            (R::Supervisor, false, false, [true, false, false]),
        ];
        assert_eq!(table.len(), R::ALL.len());
        for (role, identity, assessment, visibilities) in table {
            let seen = Projection::of(role, false);
            assert_eq!(seen.identity, identity, "{role}");
            assert!(Projection::of(role, true).identity, "{role}: consent discloses");
            assert_eq!(seen.assessment, assessment, "{role}");
            assert!(seen.texts, "{role}");
            assert_eq!(seen.sees_category(Category::Reprisal), visibilities[1], "{role}");
            for (visibility, expected) in [V::Parties, V::WorkerSide, V::Internal].into_iter().zip(visibilities) {
                assert_eq!(seen.sees(visibility), expected, "{role} {visibility}");
                assert_eq!(may_post(role, visibility), expected, "{role} {visibility}");
                // What goes out by mail or webhook: the same, less anything internal.
                let out = Projection::of(role, true).outbound();
                assert_eq!(out.sees(visibility), expected && visibility != V::Internal, "{role} {visibility}");
                assert!(!(out.identity || out.assessment || out.texts), "{role}");
            }
            let mail = mail_content(role, false);
            assert_eq!(mail, if role == R::Worker { Content::NewsOnly } else { Content::Summary }, "{role}");
            assert_eq!(mail_content(role, true), Content::Summary, "{role}");
        }
    }

    #[test]
    fn evidence_goes_only_on_ones_own_message() {
        let author = UserId::new();
        let worker = Actor::User { id: author, role: Role::Worker, organisation_id: None };
        let handler = user(Role::Handler, None);
        let session = Actor::CaseSession { case_id: CaseId::new() };
        assert!(may_attach_evidence(&worker, CaseRole::Worker, CaseRole::Worker, Some(author)));
        assert!(!may_attach_evidence(&handler, CaseRole::Handler, CaseRole::Worker, Some(author)));
        assert!(!may_attach_evidence(&handler, CaseRole::Handler, CaseRole::Handler, Some(author)));
        // The receipt holder wrote the worker's messages sent without an account.
        assert!(may_attach_evidence(&session, CaseRole::Worker, CaseRole::Worker, None));
        assert!(!may_attach_evidence(&session, CaseRole::Worker, CaseRole::Worker, Some(author)));
        assert!(!may_attach_evidence(&session, CaseRole::Worker, CaseRole::Advocate, None));
    }

    #[test]
    fn remedy_evidence_comes_only_from_the_responsible_organisation_as_a_party() {
        let responsible = OrganisationId::new();
        for &role in CaseRole::ALL {
            for (organisation, is_responsible) in
                [(Some(responsible), true), (Some(OrganisationId::new()), false), (None, false)]
            {
                let actor = user(Role::EmployerStaff, organisation);
                let expected = is_responsible && matches!(role, CaseRole::Employer | CaseRole::Supervisor);
                assert_eq!(may_attach_remedy_evidence(&actor, role, responsible), expected, "{role} {organisation:?}");
            }
        }
        let session = Actor::CaseSession { case_id: CaseId::new() };
        assert!(!may_attach_remedy_evidence(&session, CaseRole::Worker, responsible));
        assert!(!may_attach_remedy_evidence(&Actor::System, CaseRole::System, responsible));
    }

    #[test]
    fn respondents_reports_cover_their_cases_and_never_filter_by_the_assessment() {
        let org = OrganisationId::new();
        let asked = ReportFilter {
            indicator: Some("FL-7".into()),
            party_organisation_id: Some(OrganisationId::new()),
            ..ReportFilter::default()
        };
        for role in Role::ALL {
            let result = authorise_report(&user(role, Some(org)), asked.clone(), None);
            match report_scope(&user(role, Some(org))) {
                Ok(ReportScope::All) => {
                    let granted = result.unwrap();
                    assert_eq!(granted.filter(), &asked, "{role}");
                    assert!(granted.assessment_visible(), "{role}");
                }
                Ok(ReportScope::PartyOrganisation(own)) => {
                    let granted = result.unwrap();
                    assert_eq!(granted.filter().party_organisation_id, Some(own), "{role}");
                    assert_eq!(granted.filter().indicator, None, "{role}");
                    assert!(!granted.assessment_visible(), "{role}");
                }
                Err(denied) => assert_eq!(result.unwrap_err(), denied, "{role}"),
            }
        }
    }

    #[test]
    fn the_case_work_directory_is_for_handlers_and_admins_and_only_admins_see_staff_addresses() {
        for role in Role::ALL {
            let actor = user(role, Some(OrganisationId::new()));
            let reads = matches!(role, Role::Handler | Role::Admin);
            assert_eq!(require(&actor, Permission::ReadCaseWorkDirectory).is_ok(), reads, "{role}");
            assert_eq!(directory_shows_staff_email(&actor), role == Role::Admin, "{role}");
            assert_eq!(require_mediator(&actor).is_ok(), role == Role::Mediator, "{role}");
        }
        let session = Actor::CaseSession { case_id: CaseId::new() };
        assert_eq!(require(&session, Permission::ReadCaseWorkDirectory), Err(Denied::Forbidden));
        assert!(!directory_shows_staff_email(&session));
        assert_eq!(require_mediator(&session), Err(Denied::Forbidden));
        assert_eq!(require_mediator(&Actor::System), Err(Denied::Forbidden), "nobody declares for a mediator");
    }

    #[test]
    fn the_owner_of_a_case_is_seen_and_filtered_on_by_staff_only() {
        use CaseRole as R;
        for &role in R::ALL {
            assert_eq!(sees_assignee(role), matches!(role, R::Handler | R::Mediator | R::System), "{role}");
        }
        let org = OrganisationId::new();
        let table = [
            (CaseScope::All, true),
            (CaseScope::Worker(UserId::new()), false),
            (CaseScope::AdvocateOrganisation(org), false),
            (CaseScope::Mediator(UserId::new()), false),
            (CaseScope::Party(org, PartyRole::Employer), false),
            (CaseScope::OneCase(CaseId::new()), false),
        ];
        for (scope, allowed) in table {
            assert_eq!(may_filter_by_assignee(scope), allowed, "{scope:?}");
            let sees = matches!(scope, CaseScope::All | CaseScope::Mediator(_));
            assert_eq!(scope_sees_assignee(scope), sees, "{scope:?}");
        }
    }

    #[test]
    fn the_system_may_do_everything() {
        for permission in Permission::ALL {
            assert!(require(&Actor::System, permission).is_ok());
        }
    }

    #[test]
    fn case_roles_follow_the_relationship_not_just_the_role() {
        let worker = UserId::new();
        let mediator = UserId::new();
        let ngo = OrganisationId::new();
        let employer = OrganisationId::new();
        let supervisor = OrganisationId::new();
        let mut case = CaseAccess {
            case_id: CaseId::new(),
            worker_user_id: Some(worker),
            advocate_organisation_id: Some(ngo),
            mediator_user_id: Some(mediator),
            parties: vec![],
        };
        let person = |id, role, organisation_id| Actor::User { id, role, organisation_id };
        assert_eq!(case_role(&person(worker, Role::Worker, None), &case), Some(CaseRole::Worker));
        assert_eq!(case_role(&person(UserId::new(), Role::Worker, None), &case), None);
        assert_eq!(case_role(&person(UserId::new(), Role::Advocate, Some(ngo)), &case), Some(CaseRole::Advocate));
        assert_eq!(case_role(&person(UserId::new(), Role::Advocate, Some(OrganisationId::new())), &case), None);
        assert_eq!(case_role(&person(UserId::new(), Role::Handler, None), &case), Some(CaseRole::Handler));
        assert_eq!(case_role(&person(mediator, Role::Mediator, None), &case), Some(CaseRole::Mediator));
        assert_eq!(case_role(&person(UserId::new(), Role::Mediator, None), &case), None);
        assert_eq!(case_role(&person(UserId::new(), Role::Analyst, Some(ngo)), &case), None);
        assert_eq!(case_role(&person(UserId::new(), Role::Admin, None), &case), None);

        // Respondents see a case only once referral made them parties.
        let staff = person(UserId::new(), Role::EmployerStaff, Some(employer));
        let supervisor_staff = person(UserId::new(), Role::SupervisingOrgStaff, Some(supervisor));
        assert_eq!(case_role(&staff, &case), None);
        case.parties = vec![(employer, PartyRole::Employer), (supervisor, PartyRole::Supervisor)];
        assert_eq!(case_role(&staff, &case), Some(CaseRole::Employer));
        assert_eq!(case_role(&supervisor_staff, &case), Some(CaseRole::Supervisor));
        let other_staff = person(UserId::new(), Role::EmployerStaff, Some(OrganisationId::new()));
        assert_eq!(case_role(&other_staff, &case), None);

        assert_eq!(case_role(&Actor::CaseSession { case_id: case.case_id }, &case), Some(CaseRole::Worker));
        assert_eq!(case_role(&Actor::CaseSession { case_id: CaseId::new() }, &case), None);
    }

    #[test]
    fn only_workers_advocates_and_anonymous_callers_lodge() {
        assert!(matches!(lodger(None), Ok(Lodger::Anonymous)));
        for role in Role::ALL {
            let result = lodger(Some(&user(role, Some(OrganisationId::new()))));
            assert_eq!(result.is_ok(), matches!(role, Role::Worker | Role::Advocate), "{role}");
        }
    }

    #[test]
    fn only_handlers_record_grievances_received_outside_the_api() {
        for role in Role::ALL {
            let result = recorder(&user(role, Some(OrganisationId::new())));
            assert_eq!(result.is_ok(), role == Role::Handler, "{role}");
            assert!(matches!(result, Ok(Lodger::Handler { .. }) | Err(Denied::Forbidden)), "{role}");
        }
        assert_eq!(recorder(&Actor::System), Err(Denied::Forbidden));
        assert_eq!(recorder(&Actor::CaseSession { case_id: CaseId::new() }), Err(Denied::Forbidden));
    }

    #[test]
    fn organisations_are_visible_to_members_and_hidden_from_others() {
        let own = OrganisationId::new();
        let other = OrganisationId::new();
        for role in Role::ALL {
            let actor = user(role, Some(own));
            assert!(require_organisation_visible(&actor, own).is_ok(), "{role}");
            let result = require_organisation_visible(&actor, other);
            if matches!(role, Role::Admin | Role::Handler) {
                assert!(result.is_ok(), "{role}");
            } else {
                assert!(matches!(result, Err(Denied::Hidden)), "{role}");
            }
        }
    }

    #[test]
    fn every_amendment_and_role_follows_the_reference_table() {
        use CaseRole as R;
        let expected = |amendment: CaseAmendment| -> Vec<CaseRole> {
            match amendment {
                CaseAmendment::DisclosureConsent => vec![R::Worker, R::Advocate],
                CaseAmendment::AssignMediator
                | CaseAmendment::AssignHandler
                | CaseAmendment::LinkEmployer
                | CaseAmendment::Classify => vec![R::Handler],
                CaseAmendment::UpdateIdentity => vec![R::Worker, R::Advocate, R::Handler],
                CaseAmendment::Advocate => vec![R::Worker, R::Handler],
                CaseAmendment::ReplaceReceiptCode => vec![R::Handler],
                CaseAmendment::RequestErasure => vec![R::Worker, R::Advocate],
                CaseAmendment::DecideErasure | CaseAmendment::LegalHold => vec![R::Handler],
            }
        };
        for &amendment in CaseAmendment::ALL {
            for &role in CaseRole::ALL {
                assert_eq!(may_amend(role, amendment), expected(amendment).contains(&role), "{amendment:?} {role}");
            }
        }
        // Respondents and the system never amend a case.
        for role in [R::Employer, R::Supervisor, R::System, R::Mediator] {
            assert!(CaseAmendment::ALL.iter().all(|a| !may_amend(role, *a)), "{role}");
        }
        // An advocate cannot appoint or dismiss an advocate: that is the worker's choice.
        assert!(!may_amend(R::Advocate, CaseAmendment::Advocate));
    }

    #[test]
    fn only_the_worker_changes_their_advocate_without_recorded_consent() {
        for &role in CaseRole::ALL {
            assert_eq!(advocate_change_needs_consent(role), role != CaseRole::Worker, "{role}");
        }
    }
}
