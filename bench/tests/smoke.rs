//! Smoke run of every scenario at its `--smoke` size against the debug server binary, so the
//! harness cannot rot: each must complete and print its table. No timing is asserted.
//!
//! The server binary is `target/debug/clubsync-server`. `cargo test --workspace` builds it
//! (the server's own integration tests need it, and cargo builds everything before running
//! any test); for `cargo test -p clubsync-bench` alone, run `cargo build -p clubsync-server`
//! first.

use std::path::PathBuf;
use std::process::Command;

fn server_bin() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/clubsync-server");
    assert!(
        path.is_file(),
        "no server binary at {}: run `cargo build -p clubsync-server` first",
        path.display()
    );
    path
}

/// Runs `clubsync-bench <scenario> --smoke` and checks that it printed its table.
fn smoke(scenario: &str, rows: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_clubsync-bench"))
        .arg("--server-bin")
        .arg(server_bin())
        .args([scenario, "--smoke"])
        .output()
        .expect("the bench binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{scenario} --smoke failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("| figure | value | target |"), "{stdout}");
    for row in rows {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {row} |")))
            .unwrap_or_else(|| panic!("no row {row:?} in:\n{stdout}"));
        assert!(
            line.chars().any(|c| c.is_ascii_digit()),
            "row without a number: {line}"
        );
    }
}

#[test]
fn idle_smoke() {
    smoke(
        "idle",
        &[
            "open connections (server's /metrics)",
            "memory per idle connection",
        ],
    );
}

#[test]
fn fanout_smoke() {
    smoke(
        "fanout",
        &["deliveries measured", "latency p50", "latency p99"],
    );
}

#[test]
fn commit_smoke() {
    smoke(
        "commit",
        &["changes persisted per second", "changes per commit"],
    );
}

#[test]
fn converge_smoke() {
    smoke(
        "converge",
        &[
            "total, reconnect to all converged (round 1 + round 2)",
            "floor: total",
            "ratio ours / floor",
            "every device holds every donation, exact total, same heads",
        ],
    );
}
