//! Use cases. Each command checks the access policy, then runs as one
//! transaction. Services know nothing of HTTP.

pub mod account_codes;
pub mod cases;
pub mod casework;
pub mod deadlines;
pub mod erasure;
pub mod error;
pub mod health;
pub mod notifications;
pub mod organisations;
pub mod outbox;
pub mod personal_data;
pub mod reports;
pub mod sealing;
pub mod sessions;
pub mod users;
pub mod webhooks;

pub use error::{Conflict, Error};

/// A keyset page: `next_cursor` continues after the last item.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page whose cursor, when another page follows, is the key of its last item.
    pub fn new(items: Vec<T>, has_more: bool, key: impl Fn(&T) -> String) -> Self {
        let next_cursor = if has_more { items.last().map(key) } else { None };
        Self { items, next_cursor }
    }
}

/// Page sizes callers may ask for.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 200;

pub fn page_size(requested: Option<u32>) -> u32 {
    requested.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE)
}

/// Runs a keyset query for one page of the requested size. `query` is given
/// the row limit, one more than the page holds, to learn whether another page
/// follows. Returns the page's rows and that answer, for [`Page::new`].
pub fn fetch_page<R, E>(
    requested: Option<u32>,
    query: impl FnOnce(i64) -> Result<Vec<R>, E>,
) -> Result<(Vec<R>, bool), E> {
    let limit = page_size(requested);
    let rows = query(i64::from(limit) + 1)?;
    Ok(crate::db::split_page(rows, limit as usize))
}
