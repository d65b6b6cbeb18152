//! `clubsync-server devices` and `revoke`: the devices of a club, and cutting one off.

use super::*;

pub(super) fn list_devices(data_dir: &Path, club: &str, out: &mut dyn Write) -> anyhow::Result<()> {
    let identity = IdentityStore::open_existing(data_dir)?;
    let club = find_club(&identity, club)?;
    let devices = identity.list_devices(club.id)?;
    if devices.is_empty() {
        writeln!(
            out,
            "{:?} has no devices yet: make an invite with `clubsync-server invite`.",
            club.name
        )?;
        return Ok(());
    }
    writeln!(out, "Devices of {:?}:", club.name)?;
    for info in devices {
        let d = &info.device;
        let status = match info.revoked_at {
            Some(at) => format!("REVOKED at {at}"),
            None => "active".to_owned(),
        };
        let seen = info
            .last_seen_at
            .map_or_else(|| "never".to_owned(), |t| t.to_string());
        writeln!(out, "  {}  {:?}  ({status})", d.id, d.name)?;
        writeln!(
            out,
            "      member {} ({}, id {})",
            info.member_name, d.role, d.member
        )?;
        writeln!(out, "      joined {}, last seen {seen}", info.created_at)?;
    }
    Ok(())
}

pub(super) fn revoke(
    data_dir: &Path,
    device: DeviceId,
    now_ms: i64,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let identity = IdentityStore::open_existing(data_dir)?;
    let info = identity.device(device)?.with_context(|| {
        format!(
            "no device {device} on this server; `clubsync-server devices --club CLUB` lists them"
        )
    })?;
    let d = &info.device;
    if let Some(at) = info.revoked_at {
        writeln!(
            out,
            "Device {device} ({:?} of {}) was already revoked at {at}; nothing changed.",
            d.name, info.member_name
        )?;
        return Ok(());
    }
    identity.revoke_device(device, now_ms)?;
    writeln!(
        out,
        "Revoked device {device} ({:?} of {}, {}) at {}.",
        d.name,
        info.member_name,
        d.role,
        Timestamp::from_millis(now_ms)
    )?;
    writeln!(
        out,
        "Its token is refused from now on, and a running server closes its open connections."
    )?;
    Ok(())
}
