//! The scenarios, and what they share: enough open files, and connecting many devices.
//!
//! - `idle`: memory per idle connection.
//! - `fanout`: latency from one writer to many subscribers of one document.
//! - `commit`: changes persisted per second, and changes per commit (group commit).
//! - `converge`: real devices (`clubsync-client`) that recorded offline reconnect at once; the
//!   time until all hold everything, against automerge merging the same data alone.

pub mod commit;
pub mod converge;
pub mod fanout;
pub mod idle;

use anyhow::bail;

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
