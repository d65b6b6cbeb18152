//! How often `/api/join` may be tried: per client address and for the whole server, so that a
//! flood of guesses (or of joins) neither costs the server its database's time nor gives
//! anyone many tries at a code. An 83-bit code is out of reach of guessing at any rate; the
//! limit keeps the flood cheap.
//!
//! Token buckets: an address may try [`JoinRate::per_minute`] times a minute (in a burst, as a
//! classroom joining together behind one address does), the server ten times that. A refused
//! try is told when to come back (`429` with `Retry-After`).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most addresses remembered; past it, those whose bucket is full again are forgotten.
const MAX_ADDRESSES: usize = 10_000;

struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(capacity: f64, now: Instant) -> Self {
        Self {
            tokens: capacity,
            last: now,
        }
    }

    /// Takes a token, or says how long until one is back.
    fn take(&mut self, capacity: f64, per_second: f64, now: Instant) -> Result<(), Duration> {
        let refill = now.saturating_duration_since(self.last).as_secs_f64() * per_second;
        self.tokens = (self.tokens + refill).min(capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / per_second))
        }
    }
}

/// The join buckets of a server.
pub struct JoinRate {
    per_minute: u32,
    addresses: Mutex<HashMap<IpAddr, Bucket>>,
    global: Mutex<Bucket>,
}

impl JoinRate {
    /// `per_minute` tries per address (the whole server: ten times that).
    pub fn new(per_minute: u32) -> Self {
        let per_minute = per_minute.max(1);
        Self {
            per_minute,
            addresses: Mutex::new(HashMap::new()),
            global: Mutex::new(Bucket::full(f64::from(per_minute) * 10.0, Instant::now())),
        }
    }

    /// Tries one join from `address` (unknown for a request that did not come over a socket).
    /// `Err` holds the seconds to wait, at least one.
    pub fn allow(&self, address: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        // Rounded up: a device that waits what it is told finds a token back.
        let wait = |d: Duration| (d.as_secs_f64().ceil() as u64).max(1);
        if let Some(ip) = address {
            let mut map = self.addresses.lock().unwrap_or_else(|e| e.into_inner());
            if map.len() >= MAX_ADDRESSES {
                map.retain(|_, b| {
                    b.tokens + now.saturating_duration_since(b.last).as_secs_f64() * per_second
                        < capacity
                });
            }
            map.entry(ip)
                .or_insert_with(|| Bucket::full(capacity, now))
                .take(capacity, per_second, now)
                .map_err(wait)?;
        }
        let mut global = self.global.lock().unwrap_or_else(|e| e.into_inner());
        global
            .take(capacity * 10.0, per_second * 10.0, now)
            .map_err(wait)
    }

    /// Tries per address per minute.
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }
}

impl Default for JoinRate {
    fn default() -> Self {
        Self::new(crate::http_connections::HttpLimits::default().joins_per_minute)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_past_its_minute_waits_and_another_address_does_not() {
        let rate = JoinRate::new(30);
        let now = Instant::now();
        let a: IpAddr = "192.0.2.1".parse().expect("ip");
        let b: IpAddr = "192.0.2.2".parse().expect("ip");
        for _ in 0..30 {
            assert_eq!(rate.allow(Some(a), now), Ok(()));
        }
        assert_eq!(rate.allow(Some(a), now), Err(2), "one try back every 2 s");
        assert_eq!(rate.allow(Some(b), now), Ok(()));
        assert_eq!(rate.allow(Some(a), now + Duration::from_secs(2)), Ok(()));
    }

    #[test]
    fn the_whole_server_takes_ten_times_an_address() {
        let rate = JoinRate::new(3);
        let now = Instant::now();
        for i in 0..30u8 {
            let ip = IpAddr::from([198, 51, 100, i]);
            assert_eq!(rate.allow(Some(ip), now), Ok(()), "{i}");
        }
        assert!(
            rate.allow(Some(IpAddr::from([198, 51, 100, 200])), now)
                .is_err()
        );
    }
}
