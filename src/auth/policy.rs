//! The access policy: the one place that decides who may do what. Every
//! service function calls it before touching data.
//!
//! Wrong role → `Forbidden` (403). A resource that exists but belongs to
//! another organisation → `NotFound` (404), so its existence is not revealed.

use crate::domain::{OrganisationId, Role, UserId};
use crate::error::AppError;

/// Whoever is acting: a logged-in user, or the system itself (command line,
/// background jobs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    System,
    User {
        id: UserId,
        role: Role,
        organisation_id: Option<OrganisationId>,
    },
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
}

impl Permission {
    pub const ALL: [Permission; 3] = [
        Self::ManageOrganisations,
        Self::ManageUsers,
        Self::ReadAnyOrganisation,
    ];
}

/// Whether a role holds a permission. Exhaustive on purpose: a new role or
/// permission does not compile until someone decides.
pub fn role_allows(role: Role, permission: Permission) -> bool {
    match permission {
        Permission::ManageOrganisations | Permission::ManageUsers => match role {
            Role::Admin => true,
            Role::Worker
            | Role::Advocate
            | Role::Handler
            | Role::EmployerStaff
            | Role::SupervisingOrgStaff
            | Role::Mediator
            | Role::Analyst => false,
        },
        Permission::ReadAnyOrganisation => match role {
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

pub fn require(actor: &Actor, permission: Permission) -> Result<(), AppError> {
    match actor {
        Actor::System => Ok(()),
        Actor::User { role, .. } if role_allows(*role, permission) => Ok(()),
        Actor::User { .. } => Err(AppError::Forbidden),
    }
}

/// An organisation's record is visible to those who may read any, and to its own members.
pub fn require_organisation_visible(
    actor: &Actor,
    organisation: OrganisationId,
) -> Result<(), AppError> {
    match actor {
        Actor::System => Ok(()),
        Actor::User { role, .. } if role_allows(*role, Permission::ReadAnyOrganisation) => Ok(()),
        Actor::User {
            organisation_id: Some(own),
            ..
        } if *own == organisation => Ok(()),
        Actor::User { .. } => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, organisation_id: Option<OrganisationId>) -> Actor {
        Actor::User {
            id: UserId::new(),
            role,
            organisation_id,
        }
    }

    #[test]
    fn only_admins_manage_organisations_and_users() {
        for role in Role::ALL {
            for permission in [Permission::ManageOrganisations, Permission::ManageUsers] {
                let result = require(&user(role, None), permission);
                if role == Role::Admin {
                    assert!(result.is_ok(), "{role}");
                } else {
                    assert!(matches!(result, Err(AppError::Forbidden)), "{role}");
                }
            }
        }
    }

    #[test]
    fn the_system_may_do_everything() {
        for permission in Permission::ALL {
            assert!(require(&Actor::System, permission).is_ok());
        }
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
                assert!(matches!(result, Err(AppError::NotFound)), "{role}");
            }
        }
    }
}
