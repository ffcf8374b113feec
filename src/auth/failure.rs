//! Why a request was not authenticated.

/// Why a request was not authenticated; each has its own stable code
/// (`crate::error::ProblemCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    MissingToken,
    InvalidToken,
    ExpiredToken,
    InvalidCredentials,
    InvalidRefreshToken,
    RefreshTokenReused,
    InvalidReceipt,
    /// The session behind a valid access token has ended: logout, a
    /// password change, a deactivated or deleted account.
    SessionEnded,
    /// Right password, but an admin has deactivated the account.
    AccountDisabled,
}

impl AuthFailure {
    pub fn detail(self) -> &'static str {
        match self {
            Self::MissingToken => "this endpoint needs a bearer access token",
            Self::InvalidToken => "the access token is not valid",
            Self::ExpiredToken => "the access token has expired; refresh it",
            Self::InvalidCredentials => "the login or password is wrong",
            Self::InvalidRefreshToken => "the refresh token is not valid or has expired; log in again",
            Self::InvalidReceipt => "the case reference or receipt code is wrong",
            Self::SessionEnded => {
                "this session has ended (logged out, password changed or account deactivated); log in again"
            }
            Self::AccountDisabled => "this account has been deactivated; ask the organisation that runs this service",
            Self::RefreshTokenReused => {
                "this refresh token was already used; the whole session has been ended for safety; log in again"
            }
        }
    }
}
