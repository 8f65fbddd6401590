//! Failed logins, counted per user name and per client address in fixed windows. Past the
//! limit, password checks are refused (429 with `Retry-After`) until the window ends, so a
//! password cannot be guessed at bcrypt speed and one address cannot lock everyone out alone.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    pub per_user: u32,
    pub per_address: u32,
    pub window: Duration,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            per_user: 5,
            per_address: 20,
            window: Duration::from_secs(60),
        }
    }
}

/// Failure counts; entries older than the window are dropped as the map grows.
pub struct FailedLogins {
    limits: LoginLimits,
    by_user: Mutex<HashMap<String, (Instant, u32)>>,
    by_address: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

fn over<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, (Instant, u32)>>,
    key: &K,
    limit: u32,
    window: Duration,
    now: Instant,
) -> Option<Duration> {
    let map = map.lock().unwrap_or_else(|e| e.into_inner());
    let (start, n) = map.get(key)?;
    let end = *start + window;
    (now < end && *n >= limit).then(|| end - now)
}

fn count<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, (Instant, u32)>>,
    key: K,
    window: Duration,
    now: Instant,
) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() > 10_000 {
        map.retain(|_, (start, _)| now < *start + window);
    }
    let e = map.entry(key).or_insert((now, 0));
    if now >= e.0 + window {
        *e = (now, 0);
    }
    e.1 += 1;
}

impl FailedLogins {
    pub fn new(limits: LoginLimits) -> FailedLogins {
        FailedLogins {
            limits,
            by_user: Mutex::default(),
            by_address: Mutex::default(),
        }
    }

    /// How long `user` from `address` must wait before trying a password again, if at all.
    pub fn wait(&self, user: &str, address: Option<IpAddr>, now: Instant) -> Option<Duration> {
        let l = self.limits;
        let u = over(&self.by_user, &user.to_string(), l.per_user, l.window, now);
        let a = address.and_then(|a| over(&self.by_address, &a, l.per_address, l.window, now));
        u.max(a)
    }

    pub fn failed(&self, user: &str, address: Option<IpAddr>, now: Instant) {
        count(&self.by_user, user.to_string(), self.limits.window, now);
        if let Some(a) = address {
            count(&self.by_address, a, self.limits.window, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_held_back_after_too_many_failures_until_the_window_ends() {
        let f = FailedLogins::new(LoginLimits {
            per_user: 3,
            per_address: 100,
            window: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        let addr = Some("127.0.0.1".parse().unwrap());
        for _ in 0..3 {
            assert_eq!(f.wait("alice", addr, t0), None);
            f.failed("alice", addr, t0);
        }
        assert_eq!(f.wait("alice", addr, t0), Some(Duration::from_secs(60)));
        assert_eq!(
            f.wait("bob", addr, t0),
            None,
            "other users are not held back"
        );
        assert_eq!(f.wait("alice", addr, t0 + Duration::from_secs(60)), None);
    }

    #[test]
    fn one_address_trying_many_users_is_held_back() {
        let f = FailedLogins::new(LoginLimits {
            per_user: 100,
            per_address: 2,
            window: Duration::from_secs(10),
        });
        let t0 = Instant::now();
        let a: Option<IpAddr> = Some("10.0.0.1".parse().unwrap());
        f.failed("u1", a, t0);
        f.failed("u2", a, t0);
        assert!(f.wait("u3", a, t0).is_some());
        assert_eq!(f.wait("u3", Some("10.0.0.2".parse().unwrap()), t0), None);
    }
}
