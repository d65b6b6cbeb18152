//! Smoke run of every scenario at its `--smoke` size against the debug server binary, so the
//! harness cannot rot: each must complete and print its table. No timing is asserted.
//!
//! The server binary is `target/debug/clubsync-server`. `cargo test --workspace` builds it
//! (the server's own integration tests need it, and cargo builds everything before running
//! any test); for `cargo test -p clubsync-bench` alone, run `cargo build -p clubsync-server`
//! first.
//!
//! The comparison scenarios (idle, fanout, storm, pull, many-docs) also run the reference
//! automerge-repo sync server: that needs `node` and `bench/reference-server/node_modules`
//! (`./run-tests` runs `npm ci` there). Without them the bench fails and says so, unless
//! `CLUBSYNC_SKIP_JS=1`, which skips the reference (the bench prints why, and its column says
//! "not run"); these tests then check the clubsync column only.

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

/// The reference server's script.
fn reference_server() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("reference-server/server.mjs")
}

/// Runs `clubsync-bench <scenario> --smoke` and returns its standard output, failing with
/// both outputs when it fails.
fn run_smoke(scenario: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_clubsync-bench"))
        .arg("--server-bin")
        .arg(server_bin())
        .arg("--reference-server")
        .arg(reference_server())
        .args([scenario, "--smoke"])
        .output()
        .expect("the bench binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{scenario} --smoke failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout.into_owned()
}

/// Runs a clubsync-only scenario at its smoke size and checks that it printed its table.
fn smoke(scenario: &str, rows: &[&str]) {
    let stdout = run_smoke(scenario);
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

/// Runs a comparison scenario at its smoke size and checks its table: each row has a number
/// for clubsync, and one for the reference unless `CLUBSYNC_SKIP_JS=1` skipped it (then the
/// bench must have said so).
fn compare(scenario: &str, rows: &[&str]) {
    let stdout = run_smoke(scenario);
    assert!(
        stdout.contains("| figure | clubsync | reference | ratio | target |"),
        "{stdout}"
    );
    let skipped = std::env::var("CLUBSYNC_SKIP_JS").is_ok_and(|v| v == "1")
        && stdout.contains("skipping the reference automerge-repo sync server");
    for row in rows {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {row} |")))
            .unwrap_or_else(|| panic!("no row {row:?} in:\n{stdout}"));
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // ["", figure, clubsync, reference, ratio, target, ""]
        let number = |cell: &str| cell.chars().any(|c| c.is_ascii_digit());
        assert!(number(cells[2]), "no clubsync figure: {line}");
        if skipped {
            assert_eq!(cells[3], "not run", "{line}");
        } else {
            assert!(number(cells[3]), "no reference figure: {line}");
            assert!(number(cells[4]), "no ratio: {line}");
        }
    }
}

#[test]
fn idle_smoke() {
    compare(
        "idle",
        &[
            "server resident memory with all idle",
            "memory per idle connection",
        ],
    );
}

#[test]
fn fanout_smoke() {
    compare("fanout", &["latency p50", "latency p99"]);
}

#[test]
fn storm_smoke() {
    compare(
        "storm",
        &[
            "all connected at once → the server has every change",
            "all connected at once → every device has converged",
        ],
    );
}

#[test]
fn pull_smoke() {
    compare(
        "pull",
        &[
            "pull, the document loaded in the server",
            "pull, right after a server restart",
        ],
    );
}

#[test]
fn many_docs_smoke() {
    compare(
        "many-docs",
        &[
            "server resident memory, idle baseline (before any connection)",
            "server resident memory after the idle timeout",
        ],
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
