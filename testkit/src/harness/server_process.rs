//! The real `clubsync-server` binary (and the `clubsync` CLI) for end-to-end tests: built on
//! first use into the test's own target directory, started on an ephemeral loopback port with
//! a temporary data directory, stopped (or killed) by the test; the admin commands run against
//! its data directory.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::Duration;

use super::http::http;
use super::launch::{Launch, find_invite_code, make_data_dir_private, terminate_within};
use super::records::Joined;

/// The `clubsync-server` binary under test.
///
/// Cargo builds no binary of a dependency, so the binary is built with `cargo build` on first
/// use, into the target directory that holds the test executable, with its profile: a test
/// never runs a stale server. `CLUBSYNC_SERVER_BIN` names a binary to run instead, for a long
/// soak run (the crash loop's thousand rounds) from copies set aside while development goes on.
pub fn server_bin() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| match std::env::var_os("CLUBSYNC_SERVER_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => build_workspace_bin("clubsync-server", "clubsync-server"),
    })
}

/// The device CLI `clubsync`, built on first use like [`server_bin`].
pub fn client_bin() -> &'static Path {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(|| build_workspace_bin("clubsync-client", "clubsync"))
}

/// Builds binary `bin` of workspace package `package` with the profile of the running test
/// executable (`<target>/<profile>/deps/<test>`) and returns `<target>/<profile>/<bin>`.
pub(crate) fn build_workspace_bin(package: &str, bin: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in <target>/<profile>/deps");
    let target_dir = profile_dir.parent().expect("a target directory");
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => "dev",
    };
    // Without the variables cargo sets for the running test: build scripts that watch one
    // (ring watches CARGO_MANIFEST_DIR) would otherwise rebuild on every other build.
    let mut cargo = Command::new(env!("CARGO"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("CARGO_PKG_")
            || name.starts_with("CARGO_BIN_")
            || name.starts_with("CARGO_MANIFEST_")
            || matches!(
                &*name,
                "CARGO_CRATE_NAME" | "CARGO_PRIMARY_PACKAGE" | "CARGO_TARGET_TMPDIR"
            )
        {
            cargo.env_remove(&*name);
        }
    }
    let status = cargo
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["build", "--quiet", "-p", package, "--bin", bin])
        .args(["--profile", profile, "--target-dir"])
        .arg(target_dir)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "`cargo build -p {package}` failed");
    let bin = profile_dir.join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the server binary is missing at {} after building it",
        bin.display()
    );
    bin
}

/// A running server process; killed when dropped.
pub struct ServerProcess {
    pub child: Child,
    pub addr: SocketAddr,
    pub scheme: String,
    /// Demo invite codes by person name ("Coordinator Kim", "Volunteer Lee", ...).
    pub invites: BTreeMap<String, String>,
    pub data_dir: PathBuf,
    pub stdout_rest: mpsc::Receiver<String>,
    /// What the server printed at start, up to its invite codes.
    pub banner: Vec<String>,
}

impl ServerProcess {
    /// Starts `clubsync-server --demo` in `data_dir` with extra flags, and waits until it listens.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Self {
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        let launched = Launch {
            bin: server_bin(),
            data_dir,
            extra: &extra,
            // Tests join many devices from one address within a minute; a test of the limit
            // passes --joins-per-minute, which wins over this.
            joins_per_minute: 100_000,
            log: "warn".into(),
            startup_limit: Duration::from_secs(30),
        }
        .start()
        .unwrap_or_else(|e| panic!("starting the server: {e}"));
        Self {
            child: launched.child,
            addr: launched.addr,
            scheme: launched.scheme,
            invites: launched.invites,
            data_dir: data_dir.to_owned(),
            stdout_rest: launched.stdout_rest,
            banner: launched.banner,
        }
    }

    /// Redeems an invite over `POST /api/join`; returns the JSON answer.
    pub fn join(&self, invite: &str, device_name: &str) -> (u16, serde_json::Value) {
        let body = serde_json::json!({ "invite": invite, "device_name": device_name }).to_string();
        http(
            self.addr,
            "POST",
            "/api/join",
            &[("content-type", "application/json")],
            &body,
        )
    }

    /// Redeems the demo invite of `person` and returns the device token.
    pub fn token_for(&self, person: &str) -> String {
        self.joined(person).token
    }

    /// Redeems the demo invite of `person`: the new device's token and who it writes as.
    pub fn joined(&self, person: &str) -> Joined {
        let (status, body) = self.join(&self.invites[person], person);
        assert_eq!(status, 200, "joining as {person}: {body}");
        Joined::from_answer(&body)
    }

    /// Creates another club (in Korea, accounts in KRW) with the admin CLI and returns a
    /// one-time invite code for a coordinator of it.
    pub fn other_club_invite(&self, club: &str) -> String {
        let (ok, out) = admin(
            &self.data_dir,
            &[
                "club",
                "create",
                "--country",
                "KR",
                "--currency",
                "KRW",
                club,
            ],
        );
        assert!(ok, "{out}");
        let (ok, out) = admin(
            &self.data_dir,
            &[
                "invite",
                "--club",
                club,
                "--role",
                "coordinator",
                "--name",
                "Stranger",
            ],
        );
        assert!(ok, "{out}");
        printed_code(&out)
    }

    pub fn ws_url(&self, token: Option<&str>) -> String {
        let scheme = if self.scheme == "https" { "wss" } else { "ws" };
        match token {
            Some(t) => format!("{scheme}://{}/sync?token={t}", self.addr),
            None => format!("{scheme}://{}/sync", self.addr),
        }
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        terminate_within(&mut self.child, Duration::from_secs(30))
            .expect("the server did not exit within 30 s of SIGTERM")
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The invite code (`XXXX-XXXX-XXXX-XXXXX`) an admin command printed.
pub fn printed_code(output: &str) -> String {
    find_invite_code(output).unwrap_or_else(|| panic!("no invite code in {output}"))
}

/// Makes an existing data directory (a test's temporary directory, made `0755`) private, as
/// an admin does before starting the server: the server refuses one other users can read.
pub fn make_private(data_dir: &Path) {
    make_data_dir_private(data_dir).expect("the test's data directory can be made private");
}

/// Runs an admin subcommand against a data directory; returns (success, stdout + stderr).
pub fn admin(data_dir: &Path, args: &[&str]) -> (bool, String) {
    make_private(data_dir);
    let out = Command::new(server_bin())
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("CLUBSYNC_LOG", "warn")
        .output()
        .expect("the admin command runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}
