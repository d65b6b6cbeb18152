//! Counters an operator reads at `/metrics`, in the Prometheus text format.
//!
//! Plain atomics: every update is one relaxed add, cheap enough for the hot path.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The server's counters and gauges.
#[derive(Default)]
pub struct Metrics {
    /// Open websocket connections.
    pub connections: AtomicU64,
    /// Documents loaded in memory.
    pub loaded_documents: AtomicU64,
    /// Changes committed to storage.
    pub changes_persisted: AtomicU64,
    /// Commits (transactions) made.
    pub commits: AtomicU64,
    /// Sum of commit durations, in microseconds.
    pub commit_micros: AtomicU64,
    /// Bytes received in frames.
    pub bytes_in: AtomicU64,
    /// Bytes sent in frames.
    pub bytes_out: AtomicU64,
    /// Refusals by reason (unauthenticated, revoked, protocol errors...). A std mutex: updates
    /// are rare (one per refusal) and short.
    refusals: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// Counts one refusal for `reason` (a short, fixed label).
    pub fn refused(&self, reason: &'static str) {
        if let Ok(mut map) = self.refusals.lock() {
            *map.entry(reason).or_default() += 1;
        }
    }

    /// Counts one commit of `changes` changes that took `micros` microseconds.
    pub fn committed(&self, changes: u64, micros: u64) {
        self.commits.fetch_add(1, Relaxed);
        self.changes_persisted.fetch_add(changes, Relaxed);
        self.commit_micros.fetch_add(micros, Relaxed);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let gauge = |out: &mut String, name: &str, help: &str, kind: &str, v: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
            );
        };
        gauge(
            &mut out,
            "clubsync_connections",
            "Open websocket connections.",
            "gauge",
            self.connections.load(Relaxed),
        );
        gauge(
            &mut out,
            "clubsync_loaded_documents",
            "Documents loaded in memory.",
            "gauge",
            self.loaded_documents.load(Relaxed),
        );
        gauge(
            &mut out,
            "clubsync_changes_persisted_total",
            "Changes committed to storage.",
            "counter",
            self.changes_persisted.load(Relaxed),
        );
        gauge(
            &mut out,
            "clubsync_commits_total",
            "Storage commits.",
            "counter",
            self.commits.load(Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP clubsync_commit_seconds_sum Time spent committing.\n# TYPE clubsync_commit_seconds_sum counter\nclubsync_commit_seconds_sum {}",
            self.commit_micros.load(Relaxed) as f64 / 1e6
        );
        gauge(
            &mut out,
            "clubsync_bytes_in_total",
            "Bytes received in frames.",
            "counter",
            self.bytes_in.load(Relaxed),
        );
        gauge(
            &mut out,
            "clubsync_bytes_out_total",
            "Bytes sent in frames.",
            "counter",
            self.bytes_out.load(Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP clubsync_refusals_total Refused requests and connections by reason.\n# TYPE clubsync_refusals_total counter"
        );
        if let Ok(map) = self.refusals.lock() {
            for (reason, n) in map.iter() {
                let _ = writeln!(out, "clubsync_refusals_total{{reason=\"{reason}\"}} {n}");
            }
        }
        out
    }
}
