//! Invite lifetimes as typed (`7d`) and as printed (`7 days`).

use std::time::Duration;

use clubsync_server::identity;

/// Parses an invite lifetime: a whole number and a unit, `m`, `h`, `d` or `w` (`30m`, `7d`).
pub(super) fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let problem = || {
        format!("{text:?} is not a duration: write a number and a unit, like 30m, 12h, 7d or 2w")
    };
    let unit_at = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(problem)?;
    let (number, unit) = text.split_at(unit_at);
    let number: u64 = number.parse().map_err(|_| problem())?;
    let seconds = match unit {
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(problem()),
    };
    let ttl = Duration::from_secs(number.saturating_mul(seconds));
    if ttl < identity::INVITE_MIN_LIFETIME || ttl > identity::INVITE_MAX_LIFETIME {
        return Err(format!(
            "{text} is outside the allowed range of 1 minute to 90 days"
        ));
    }
    Ok(ttl)
}

/// A duration in the largest unit that divides it (`7 days`, `12 hours`, `90 minutes`).
pub(super) fn human_duration(d: Duration) -> String {
    let secs = d.as_secs();
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if secs.is_multiple_of(86_400) {
        plural(secs / 86_400, "day")
    } else if secs.is_multiple_of(3600) {
        plural(secs / 3600, "hour")
    } else {
        plural(secs / 60, "minute")
    }
}
