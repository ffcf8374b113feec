//! Who is calling and what they may do: password hashing, tokens, receipt
//! codes, login rate limits and the access policy. The HTTP extractor built on
//! the tokens lives in `routes::extractor`.

pub mod failure;
pub mod live_sessions;
pub mod password;
pub mod policy;
pub mod rate_limit;
pub mod receipts;
pub mod tokens;

pub use failure::AuthFailure;
pub use policy::Actor;
