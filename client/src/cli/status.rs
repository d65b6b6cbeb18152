//! `clubsync status`: per document, what has not reached the server yet.

use super::Context;
use std::io::Write as _;

pub fn status(context: &Context) -> anyhow::Result<()> {
    let (home, membership) = context.club()?;
    if let Some(reason) = &membership.refused {
        writeln!(
            context.out(),
            "This device can no longer sync with club {}: {reason}",
            membership.club_id
        )?;
    }
    let documents = home.status(&membership.club_id)?;
    let waiting: usize = documents.iter().map(|d| d.pending).sum();
    writeln!(
        context.out(),
        "{:<36}  {:<18}  {:>8}  {:<20}  title",
        "document",
        "kind",
        "pending",
        "last sync"
    )?;
    for d in &documents {
        let kind = d.kind.map(|k| k.as_str()).unwrap_or("-");
        let last = match (d.last_sync_at, d.unavailable) {
            (_, true) => "not on the server".to_owned(),
            (Some(at), false) => at.to_string(),
            (None, false) => "never".to_owned(),
        };
        writeln!(
            context.out(),
            "{:<36}  {:<18}  {:>8}  {:<20}  {}",
            d.id,
            kind,
            d.pending,
            last,
            d.title
        )?;
    }
    if waiting == 0 {
        writeln!(
            context.out(),
            "All saved on the server ({} documents).",
            documents.len()
        )?;
    } else {
        writeln!(
            context.out(),
            "{waiting} change(s) on this device have not reached the server yet: they are saved here; \
             run `clubsync sync` when online."
        )?;
    }
    Ok(())
}
