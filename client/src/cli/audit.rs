//! `clubsync audit`: the server's audit trail of a document, for coordinators: which device and
//! member sent each change, when the server received it, and which records it touched.

use std::io::Write;

use anyhow::Context as _;
use clap::Args;
use clubsync_client::club_api;
use clubsync_protocol::http_api::AuditTrail;

use super::{Context, pick, runtime};

/// `clubsync audit DOCUMENT [--record PATH]`.
#[derive(Args, Debug)]
pub struct AuditArgs {
    /// The document: its id, the start of its id, or part of its title.
    document: String,
    /// Only the changes that touched this record, as `container/id` (for example
    /// `donations/0194f1a2-7c3e-7d41-9b6e-2f0c4a1d5e77`).
    #[arg(long)]
    record: Option<String>,
}

pub fn run(context: &Context, args: AuditArgs) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    let document = pick::any_document(&home, &membership, &args.document)?;
    let trail = runtime()?
        .block_on(club_api::audit_trail(
            &membership,
            document,
            args.record.as_deref(),
        ))
        .context("could not read the audit trail from the server")?;
    print(
        &trail,
        args.record.as_deref(),
        &mut std::io::stdout().lock(),
    )?;
    Ok(())
}

/// The trail as a table, oldest first.
fn print(trail: &AuditTrail, record: Option<&str>, out: &mut dyn Write) -> std::io::Result<()> {
    if trail.entries.is_empty() {
        return match record {
            Some(record) => writeln!(
                out,
                "No change of document {} touched {record}.",
                trail.document
            ),
            None => writeln!(
                out,
                "No device has sent changes to document {} yet.",
                trail.document
            ),
        };
    }
    writeln!(
        out,
        "{:<20}  {:<24}  {:<20}  records",
        "received (UTC)", "device", "member"
    )?;
    for e in &trail.entries {
        let device = e.device_name.clone().unwrap_or_else(|| e.device.clone());
        let member = e.member_name.clone().unwrap_or_else(|| e.member.clone());
        writeln!(
            out,
            "{:<20}  {:<24}  {:<20}  {}",
            e.received_at,
            super::terminal_text::safe(&device),
            super::terminal_text::safe(&member),
            super::terminal_text::safe(&e.records.join(", "))
        )?;
    }
    writeln!(out, "{} change(s).", trail.entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clubsync_protocol::http_api::AuditEntry;

    #[test]
    fn the_trail_prints_names_and_records_and_says_when_there_is_nothing() {
        let mut trail = AuditTrail {
            document: "4NMNnkMhL8jXrdJ9jamS58PAVdXu".into(),
            entries: vec![AuditEntry {
                change: "ab".into(),
                actor: "cd".into(),
                device: "d-1".into(),
                device_name: Some("Lee's phone".into()),
                member: "m-1".into(),
                member_name: None,
                received_at: "2026-12-02T09:30:00Z".into(),
                received_at_ms: 0,
                records: vec!["donations/x".into(), "donations/y".into()],
            }],
        };
        let mut out = Vec::new();
        print(&trail, None, &mut out).expect("printed");
        let text = String::from_utf8(out).expect("text");
        assert!(text.contains("2026-12-02T09:30:00Z  Lee's phone"), "{text}");
        assert!(
            text.contains("m-1") && text.contains("donations/x, donations/y"),
            "{text}"
        );
        assert!(text.ends_with("1 change(s).\n"), "{text}");
        trail.entries.clear();
        let mut out = Vec::new();
        print(&trail, Some("donations/z"), &mut out).expect("printed");
        assert!(
            String::from_utf8(out)
                .expect("text")
                .contains("touched donations/z")
        );
    }
}
