//! The wall clock, as the Unix milliseconds the identity store and the records use.
//!
//! The libraries below the server take time as an argument; this is where the server reads it.

/// Milliseconds since the Unix epoch (0 if the system clock is before 1970).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
