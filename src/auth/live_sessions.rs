//! Sessions recently confirmed live, so that the per-request session check
//! costs a database round trip at most once per session every few seconds.
//!
//! Every revocation made through this process (logout, a password change, a
//! deactivation, a reused refresh token) forgets all confirmations at once,
//! so here it takes effect on the very next request. A revocation made
//! elsewhere (another instance, the database itself) takes effect within
//! `auth.session_check_seconds`.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

use crate::domain::SessionFamilyId;

/// Beyond this many confirmations, drop the stale ones.
const PRUNE_ABOVE: usize = 10_000;

pub struct LiveSessions {
    ttl: Duration,
    confirmed: Mutex<HashMap<SessionFamilyId, DateTime<Utc>>>,
}

impl LiveSessions {
    pub fn new(ttl_seconds: u32) -> Self {
        Self { ttl: Duration::seconds(i64::from(ttl_seconds)), confirmed: Mutex::default() }
    }

    /// Whether the session was confirmed live less than the TTL ago.
    pub fn recently_confirmed(&self, family: SessionFamilyId, now: DateTime<Utc>) -> bool {
        let confirmed = self.confirmed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        confirmed.get(&family).is_some_and(|at| now - *at < self.ttl)
    }

    pub fn confirm(&self, family: SessionFamilyId, now: DateTime<Utc>) {
        if self.ttl <= Duration::zero() {
            return;
        }
        let mut confirmed = self.confirmed.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if confirmed.len() > PRUNE_ABOVE {
            let ttl = self.ttl;
            confirmed.retain(|_, at| now - *at < ttl);
        }
        confirmed.insert(family, now);
    }

    /// After any revocation: every session is checked afresh.
    pub fn forget_all(&self) {
        self.confirmed.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmations_last_the_ttl_and_are_forgotten_on_revocation() {
        let sessions = LiveSessions::new(2);
        let (family, t0) = (SessionFamilyId::new(), Utc::now());
        assert!(!sessions.recently_confirmed(family, t0));
        sessions.confirm(family, t0);
        assert!(sessions.recently_confirmed(family, t0 + Duration::milliseconds(1999)));
        assert!(!sessions.recently_confirmed(family, t0 + Duration::seconds(2)));
        sessions.confirm(family, t0);
        sessions.forget_all();
        assert!(!sessions.recently_confirmed(family, t0));
    }

    #[test]
    fn a_zero_ttl_checks_every_request() {
        let sessions = LiveSessions::new(0);
        let (family, t0) = (SessionFamilyId::new(), Utc::now());
        sessions.confirm(family, t0);
        assert!(!sessions.recently_confirmed(family, t0));
    }
}
