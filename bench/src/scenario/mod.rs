//! The scenarios, and what they share: enough open files, connecting many devices, and putting
//! a document on a server.
//!
//! Against clubsync-server and the reference automerge-repo sync server in the same run (issue
//! 6), one server after the other:
//!
//! - `idle` (S1): memory per idle connection.
//! - `fanout` (S2): latency from one writer to many subscribers of one document.
//! - `storm` (S3): devices holding offline changes reconnect at once.
//! - `pull` (S4): a new device pulls a large collection.
//! - `many_docs` (S5): many documents touched once, then memory after the idle timeout.
//!
//! Against clubsync-server alone:
//!
//! - `commit`: changes persisted per second, and changes per commit (group commit).
//! - `converge`: real devices (`clubsync-client`) that recorded offline reconnect at once; the
//!   time until all hold everything, against automerge merging the same data alone.

pub mod commit;
pub mod converge;
pub mod fanout;
pub mod idle;
pub mod many_docs;
pub mod pull;
pub mod storm;

use std::time::Duration;

use anyhow::{Context, bail};
use automerge::Automerge;
use clubsync_protocol::DocumentId;

use crate::device::Device;
use crate::target::Target;

/// Descriptors the bench needs besides one per connection (the runtime, the server's pipes,
/// HTTP requests, the admin commands).
const SPARE_FILES: u64 = 256;

/// Raises the soft limit on open files to the hard limit (through the `rlimit` crate, without
/// `unsafe`), and fails with a clear message when that is still too few for `connections`
/// websockets. The server, started afterwards, inherits the raised limit.
pub fn ensure_open_files(connections: usize) -> anyhow::Result<()> {
    let needed = connections as u64 + SPARE_FILES;
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            eprintln!("warning: cannot read or raise the open-files limit: {e}");
            return Ok(());
        }
    };
    if limit < needed {
        let hard = rlimit::Resource::NOFILE
            .get()
            .map(|(_, hard)| hard.to_string())
            .unwrap_or_else(|_| "unknown".into());
        bail!(
            "{connections} connections need about {needed} open files in this process and as \
             many in the server, but the limit is {limit} (hard limit {hard}).\n\
             Raise it before running (as root: `ulimit -n {needed}`, or LimitNOFILE= for a \
             service), or ask for fewer connections."
        );
    }
    Ok(())
}

/// How many devices connect at once while a scenario sets up (the rest wait their turn), so
/// the server's accept queue never overflows.
pub const CONNECT_CONCURRENCY: usize = 64;

/// Puts a document on a server: device `device` connects, offers `doc` under `id`, waits until
/// the server's heads are the document's (for clubsync-server: committed), and leaves.
pub async fn seed(
    target: &Target,
    device: usize,
    id: DocumentId,
    doc: Automerge,
) -> anyhow::Result<()> {
    let mut seeder = Device::connect(&target.url(device)?)
        .await
        .context("the seeding device connects")?;
    seeder.open(id, doc).await?;
    seeder
        .until(Duration::from_secs(120), Device::in_sync)
        .await
        .context("the seeded document reaches the server")?;
    seeder.close().await;
    Ok(())
}
