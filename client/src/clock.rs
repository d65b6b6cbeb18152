//! The device's wall clock, as the Unix milliseconds records and sync bookkeeping are stamped
//! with. The libraries below the client take time as an argument; this is where the device reads
//! it.

/// Milliseconds since the Unix epoch (0 if the system clock is before 1970).
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
