//! Who is calling and what they may do: password hashing, tokens, the
//! request extractor, login rate limits and the access policy.

pub mod extractor;
pub mod password;
pub mod policy;
pub mod rate_limit;
pub mod receipts;
pub mod tokens;

pub use extractor::AuthUser;
pub use policy::Actor;
