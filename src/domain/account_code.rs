//! Single-use codes sent by e-mail for an account: one proves that a worker
//! owns the address they gave before it is attached (so registration cannot
//! be used to learn who is registered), one sets a forgotten password.

use chrono::Duration;

use super::names::string_enum;
use super::notification::AccountMail;

string_enum!(
    /// What a code may be spent on.
    CodePurpose {
        ConfirmEmail = "confirm_email",
        ResetPassword = "reset_password",
    }
);

impl CodePurpose {
    /// How long a code stays valid. A confirmation may wait for a worker
    /// who reads mail once a day on shared Wi-Fi; a password reset is a
    /// key to the account and expires within the hour.
    pub fn lifetime(self) -> Duration {
        match self {
            Self::ConfirmEmail => Duration::hours(72),
            Self::ResetPassword => Duration::hours(1),
        }
    }

    /// The mail that carries a code of this purpose.
    pub fn mail(self) -> AccountMail {
        match self {
            Self::ConfirmEmail => AccountMail::ConfirmEmail,
            Self::ResetPassword => AccountMail::ResetPassword,
        }
    }

    /// The path segment of the landing page a mailed link opens.
    pub fn page(self) -> &'static str {
        match self {
            Self::ConfirmEmail => "confirm-email",
            Self::ResetPassword => "reset-password",
        }
    }

    pub fn of_page(segment: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|purpose| purpose.page() == segment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_purpose_has_a_mail_a_page_and_a_short_life() {
        for &purpose in CodePurpose::ALL {
            assert_eq!(CodePurpose::of_page(purpose.page()), Some(purpose));
            assert!(purpose.lifetime() > Duration::zero() && purpose.lifetime() <= Duration::days(7));
            assert!(purpose.mail().carries_code());
        }
        assert!(CodePurpose::ResetPassword.lifetime() <= Duration::hours(1));
        assert_eq!(CodePurpose::of_page("reset_password"), None);
    }
}
