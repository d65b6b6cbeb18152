//! `clubsync devices` and `clubsync revoke`: the club's devices with when each was last seen,
//! and revoking one (a lost phone): its token is refused from then on, its connections end at
//! once, and it erases the club's records the next time it reaches the server.

use std::io::Write as _;

use anyhow::{Context as _, bail};
use clubsync_client::club_api;
use clubsync_protocol::club_api::ClubDevice;

use super::parse::on_club_clock as when;
use super::{Context, runtime, terminal_text::safe};

/// Lists the devices: `clubsync devices`.
pub fn list(context: &Context) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let devices = runtime()?
        .block_on(club_api::devices(&membership))
        .context("could not read the devices from the server")?;
    let zone = home.time_zone(&membership);
    let mut out = context.out();
    writeln!(
        out,
        "{:<24}  {:<24}  {:<12}  {:<22}  id",
        "device", "member", "role", "last seen"
    )?;
    for d in &devices {
        let seen = match (&d.revoked_at, &d.last_seen_at) {
            (Some(at), _) => format!("revoked {}", when(at, &zone)),
            (None, _) if d.open_connections > 0 => "connected now".to_owned(),
            (None, Some(at)) => when(at, &zone),
            (None, None) => "never".to_owned(),
        };
        let this = if d.id == membership.device_id {
            "  (this device)"
        } else {
            ""
        };
        writeln!(
            out,
            "{:<24}  {:<24}  {:<12}  {:<22}  {}{this}",
            safe(&d.name),
            safe(&d.member_name),
            d.role,
            seen,
            d.id
        )?;
    }
    Ok(())
}

/// Revokes a device: `clubsync revoke DEVICE`.
pub fn revoke(context: &Context, query: &str) -> anyhow::Result<()> {
    let (_, membership) = context.club()?;
    let rt = runtime()?;
    let devices = rt
        .block_on(club_api::devices(&membership))
        .context("could not read the devices from the server")?;
    let device = pick_device(&devices, query)?;
    if device.id == membership.device_id {
        bail!(
            "{} is this device: revoke it from another coordinator's device",
            safe(&device.name)
        );
    }
    let revoked = rt
        .block_on(club_api::revoke(&membership, &device.id))
        .context("the server did not revoke the device")?;
    writeln!(
        context.out(),
        "Revoked {} of {}{}: {} connection(s) closed. It erases the club's records the next \
         time it reaches the server.",
        safe(&revoked.device.name),
        safe(&revoked.device.member_name),
        if revoked.newly_revoked {
            ""
        } else {
            " (it was revoked already)"
        },
        revoked.closed_connections
    )?;
    Ok(())
}

/// The device named by part of its name or its member's name, or the start of its id.
fn pick_device<'a>(devices: &'a [ClubDevice], query: &str) -> anyhow::Result<&'a ClubDevice> {
    let wanted = query.trim().to_lowercase();
    if wanted.is_empty() {
        bail!("name the device: part of its name, or the start of its id");
    }
    if let Some(exact) = devices.iter().find(|d| d.id == wanted) {
        return Ok(exact);
    }
    let live = || devices.iter().filter(|d| !d.revoked);
    let named: Vec<&ClubDevice> = live().filter(|d| d.name.to_lowercase() == wanted).collect();
    if let [one] = named.as_slice() {
        return Ok(one);
    }
    let matching: Vec<&ClubDevice> = live()
        .filter(|d| {
            d.id.starts_with(&wanted)
                || d.name.to_lowercase().contains(&wanted)
                || d.member_name.to_lowercase().contains(&wanted)
        })
        .collect();
    match matching.as_slice() {
        [one] => Ok(one),
        [] => bail!("no device {query:?} that is not revoked: `clubsync devices` lists them"),
        several => bail!(
            "{query:?} matches {} devices: {}; give more of the name or the id",
            several.len(),
            several
                .iter()
                .map(|d| format!("{} ({})", safe(&d.name), safe(&d.member_name)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
