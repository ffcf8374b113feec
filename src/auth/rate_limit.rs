//! Keyed rate limits for login and registration (GCRA, in memory, per process).

use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::RateLimitSettings;

/// Beyond this many tracked keys, forget those that have fully recovered.
const PRUNE_ABOVE_KEYS: usize = 10_000;

pub struct Limiter<K: Hash + Eq + Clone> {
    inner: DefaultKeyedRateLimiter<K>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    fn per_minute(count: u32) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        Self { inner: RateLimiter::keyed(Quota::per_minute(count)) }
    }

    fn per_hour(count: u32) -> Self {
        let count = NonZeroU32::new(count).unwrap_or(NonZeroU32::MIN);
        Self { inner: RateLimiter::keyed(Quota::per_hour(count)) }
    }

    /// `Err(wait)` when the key has used up its allowance.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        if self.inner.len() > PRUNE_ABOVE_KEYS {
            self.inner.retain_recent();
        }
        self.inner.check_key(key).map_err(|not_until| not_until.wait_time_from(self.inner.clock().now()))
    }
}

/// Attempts on one key (an account, a case reference): a fast allowance per
/// caller's address, so an outsider who spends theirs does not lock the
/// owner out, and a slow one from all addresses together, so guessing from
/// many addresses is slowed too.
pub struct KeyLimit {
    per_address: Limiter<(Option<IpAddr>, String)>,
    everywhere: Limiter<String>,
}

impl KeyLimit {
    fn new(per_address_per_minute: u32, everywhere_per_hour: u32) -> Self {
        Self {
            per_address: Limiter::per_minute(per_address_per_minute),
            everywhere: Limiter::per_hour(everywhere_per_hour),
        }
    }

    /// `Err(wait)` when either allowance is used up.
    pub fn check(&self, address: Option<IpAddr>, key: &str) -> Result<(), Duration> {
        self.per_address.check(&(address, key.to_owned()))?;
        self.everywhere.check(&key.to_owned())
    }
}

pub struct RateLimits {
    pub login_by_ip: Limiter<IpAddr>,
    /// Keyed by the account's id when it exists, so its e-mail and its
    /// username share one allowance; otherwise by the name tried.
    pub login_by_account: KeyLimit,
    pub register_by_ip: Limiter<IpAddr>,
    pub intake_by_ip: Limiter<IpAddr>,
    pub receipt_by_ip: Limiter<IpAddr>,
    pub receipt_by_reference: KeyLimit,
}

impl RateLimits {
    pub fn from_settings(settings: &RateLimitSettings) -> Self {
        Self {
            login_by_ip: Limiter::per_minute(settings.login_per_ip_per_minute),
            login_by_account: KeyLimit::new(settings.login_per_account_per_minute, settings.login_per_account_per_hour),
            register_by_ip: Limiter::per_minute(settings.register_per_ip_per_minute),
            intake_by_ip: Limiter::per_minute(settings.intake_per_ip_per_minute),
            receipt_by_ip: Limiter::per_minute(settings.receipt_per_ip_per_minute),
            receipt_by_reference: KeyLimit::new(
                settings.receipt_per_reference_per_minute,
                settings.receipt_per_reference_per_hour,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_asks_to_wait() {
        let limiter = Limiter::<String>::per_minute(3);
        let key = "someone".to_owned();
        for _ in 0..3 {
            assert!(limiter.check(&key).is_ok());
        }
        let wait = limiter.check(&key).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(20), "{wait:?}");
        assert!(limiter.check(&"someone else".to_owned()).is_ok());
    }
}
