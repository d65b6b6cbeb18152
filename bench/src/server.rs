//! The server under test: the real `clubsync-server --demo` binary on `127.0.0.1:0` with a
//! temporary data directory, killed when dropped; started by the tests' launcher
//! (`clubsync_testkit::harness::launch`).
//!
//! Device tokens come as a club gets them: an invite (the demo's, or one made with the admin
//! command `clubsync-server invite`), redeemed over `POST /api/join`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::Duration;

use anyhow::{Context, bail};
use clubsync_protocol::DocumentId;
use clubsync_testkit::harness::launch::{Launch, find_invite_code, terminate_within};

use crate::http;

/// The demo's club, as `clubsync-server --demo` names it.
const DEMO_CLUB: &str = "Demo Club";

/// The demo invites the bench redeems: the two volunteers (they may create and write street
/// collections; the coordinator's and the observer's invites are left unused).
const DEMO_VOLUNTEERS: [&str; 2] = ["Volunteer Lee", "Volunteer Park"];

/// How many connections one device token may hold open (the server's
/// `MAX_CONNECTIONS_PER_DEVICE`).
pub const CONNECTIONS_PER_TOKEN: usize = 8;

/// Checks that the server binary exists, and says how to build it when it does not.
pub fn check_binary(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_file() {
        return Ok(path.to_owned());
    }
    bail!(
        "no server binary at {}.\nBuild it first (from the workspace root):\n    \
         cargo build --release -p clubsync-server\nor pass another binary with --server-bin PATH \
         (for a debug build: --server-bin target/debug/clubsync-server).",
        path.display()
    )
}

/// Who a simulated device writes as: what the server checks every new record and document
/// against (core's record rules).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Writer {
    /// The device id its token belongs to (`device_id` in the `/api/join` answer): a new
    /// record's `device` field must name it.
    pub device: String,
    /// The club document of the device's club (`club_document` in the `/api/join` answer): a
    /// new document's root `club` field must name it.
    pub club: DocumentId,
}

/// One redeemed invite: a device token and the device it belongs to.
struct Joined {
    token: String,
    writer: Writer,
}

/// Device tokens of the demo club, each with its device.
pub struct Tokens {
    /// One per 8 simulated devices.
    joined: Vec<Joined>,
}

impl Tokens {
    /// The token for simulated device `i` (devices 0 to 7 share the first token, and so on).
    pub fn for_device(&self, i: usize) -> anyhow::Result<&str> {
        Ok(&self.joined_by(i)?.token)
    }

    /// Who simulated device `i` writes as: the device of its token, and the club document.
    pub fn writer(&self, i: usize) -> anyhow::Result<&Writer> {
        Ok(&self.joined_by(i)?.writer)
    }

    fn joined_by(&self, i: usize) -> anyhow::Result<&Joined> {
        self.joined
            .get(i / CONNECTIONS_PER_TOKEN)
            .with_context(|| format!("no token for device {i}"))
    }
}

/// A running server process; killed when dropped.
pub struct ServerProcess {
    child: Child,
    bin: PathBuf,
    /// Holds the data directory until the server is gone.
    data_dir: tempfile::TempDir,
    /// Where it listens.
    pub addr: SocketAddr,
    /// Demo invite codes by person ("Volunteer Lee", ...).
    invites: BTreeMap<String, String>,
    /// The flags given besides `--demo`, `--listen` and `--data-dir`.
    extra: Vec<String>,
}

/// Starts `clubsync-server --demo` on a data directory with the tests' launcher; returns the
/// process, its address and the demo invites it printed.
fn spawn(
    bin: &Path,
    data_dir: &Path,
    extra: &[String],
) -> anyhow::Result<(Child, SocketAddr, BTreeMap<String, String>)> {
    let launched = Launch {
        bin,
        data_dir,
        extra,
        // Hundreds of devices join from one address at once.
        joins_per_minute: 1_000_000,
        // Quiet unless the caller asks for the server's logs (CLUBSYNC_LOG=debug).
        log: std::env::var("CLUBSYNC_LOG").unwrap_or_else(|_| "warn".into()),
        startup_limit: Duration::from_secs(60),
    }
    .start()?;
    // Keep draining its output so the server never blocks on a full pipe.
    let rest = launched.stdout_rest;
    std::thread::spawn(move || while rest.recv().is_ok() {});
    Ok((launched.child, launched.addr, launched.invites))
}

/// Asks a child process to stop with SIGTERM, waits up to 30 s for it, then kills it.
pub fn terminate(child: &mut Child) {
    let _ = terminate_within(child, Duration::from_secs(30));
}

impl ServerProcess {
    /// Starts `clubsync-server --demo` in a new temporary data directory and waits until it
    /// has printed its address and invites.
    pub fn start(bin: &Path) -> anyhow::Result<Self> {
        Self::start_with(bin, &[])
    }

    /// The same, with more flags for the server (such as `--idle-unload-secs 5`).
    pub fn start_with(bin: &Path, extra: &[String]) -> anyhow::Result<Self> {
        let data_dir = tempfile::Builder::new()
            .prefix("clubsync-bench-")
            .tempdir()
            .context("cannot make a temporary data directory")?;
        let (child, addr, invites) = spawn(bin, data_dir.path(), extra)?;
        Ok(Self {
            child,
            bin: bin.to_owned(),
            data_dir,
            addr,
            invites,
            extra: extra.to_vec(),
        })
    }

    /// Stops the server gracefully (SIGTERM: every document committed and unloaded) and starts
    /// it again on the same data directory, on a new port: device tokens stay valid, and
    /// documents are loaded from the store when first asked for.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        terminate(&mut self.child);
        let (child, addr, invites) = spawn(&self.bin, self.data_dir.path(), &self.extra)?;
        self.child = child;
        self.addr = addr;
        self.invites = invites;
        Ok(())
    }

    /// The process id, for reading its memory.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The websocket URL for a token.
    pub fn ws_url(&self, token: &str) -> String {
        format!("ws://{}/sync?token={token}", self.addr)
    }

    /// Device tokens enough for `connections` simulated devices, 8 per token: the demo
    /// volunteers' invites first, then invites made with the admin command.
    pub async fn tokens_for(&self, connections: usize) -> anyhow::Result<Tokens> {
        let needed = connections.div_ceil(CONNECTIONS_PER_TOKEN).max(1);
        let mut codes: Vec<String> = DEMO_VOLUNTEERS
            .iter()
            .filter_map(|name| self.invites.get(*name).cloned())
            .take(needed)
            .collect();
        if codes.len() < needed {
            let extra = needed - codes.len();
            eprintln!("making {extra} more device invites with `clubsync-server invite`...");
        }
        while codes.len() < needed {
            codes.push(self.admin_invite(codes.len())?);
        }
        let mut joined = Vec::with_capacity(needed);
        for (i, code) in codes.iter().enumerate() {
            joined.push(self.redeem(code, &format!("bench device {i}")).await?);
        }
        Ok(Tokens { joined })
    }

    /// One invite code per device, for devices that join as a phone does (redeeming the code
    /// themselves): the demo volunteers' invites first, then volunteer invites made with the
    /// admin command. Each code makes its own member and device, so its token is used by one
    /// device alone.
    pub fn device_invites(&self, devices: usize) -> anyhow::Result<Vec<String>> {
        let mut codes: Vec<String> = DEMO_VOLUNTEERS
            .iter()
            .filter_map(|name| self.invites.get(*name).cloned())
            .take(devices)
            .collect();
        if codes.len() < devices {
            let extra = devices - codes.len();
            eprintln!("making {extra} more device invites with `clubsync-server invite`...");
        }
        while codes.len() < devices {
            codes.push(self.admin_invite(codes.len())?);
        }
        Ok(codes)
    }

    /// Makes a volunteer invite with `clubsync-server --data-dir D invite`.
    fn admin_invite(&self, n: usize) -> anyhow::Result<String> {
        let name = format!("Bench Volunteer {n}");
        let out = Command::new(&self.bin)
            .arg("--data-dir")
            .arg(self.data_dir.path())
            .args([
                "invite",
                "--club",
                DEMO_CLUB,
                "--role",
                "volunteer",
                "--name",
            ])
            .arg(&name)
            .env("CLUBSYNC_LOG", "warn")
            .output()
            .context("cannot run `clubsync-server invite`")?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            bail!(
                "`clubsync-server invite` failed: {}{}",
                stdout,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        find_invite_code(&stdout)
            .with_context(|| format!("no invite code in the output of `invite`: {stdout}"))
    }

    /// Redeems an invite over `POST /api/join`; returns the device token, the device's id and
    /// the club document.
    async fn redeem(&self, invite: &str, device_name: &str) -> anyhow::Result<Joined> {
        let body = serde_json::json!({ "invite": invite, "device_name": device_name }).to_string();
        let (status, text) = http::request(self.addr, "POST", "/api/join", Some(&body)).await?;
        if status != 200 {
            bail!("POST /api/join answered {status}: {text}");
        }
        let json: serde_json::Value =
            serde_json::from_str(&text).with_context(|| format!("not JSON: {text}"))?;
        let token = json["token"]
            .as_str()
            .with_context(|| format!("no token in the answer to /api/join: {text}"))?;
        let device = json["device_id"]
            .as_str()
            .with_context(|| format!("no device id in the answer to /api/join: {text}"))?;
        let club = json["club_document"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("no club document in the answer to /api/join: {text}"))?;
        Ok(Joined {
            token: token.to_owned(),
            writer: Writer {
                device: device.to_owned(),
                club,
            },
        })
    }

    /// CPU time the server has used so far (user and system, all threads).
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        cpu_time_of(&self.pid().to_string())
    }

    /// The value of a counter or gauge on `/metrics`.
    pub async fn metric(&self, name: &str) -> anyhow::Result<u64> {
        let (status, text) = http::request(self.addr, "GET", "/metrics", None).await?;
        if status != 200 {
            bail!("GET /metrics answered {status}: {text}");
        }
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .find_map(|l| {
                let (key, value) = l.split_once(' ')?;
                (key == name).then(|| value.trim().parse().ok())?
            })
            .with_context(|| format!("no metric {name} on /metrics"))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The resident memory (VmRSS in `/proc/PID/status`) of a process, in bytes.
pub fn resident_bytes_of(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .with_context(|| format!("no VmRSS line in {path}"))?;
    Ok(kib * 1024)
}

/// CPU time (user and system, all threads) of a process, `self` or a pid, from
/// `/proc/PID/stat`, in clock ticks of 1/100 s (USER_HZ, 100 on Linux).
pub fn cpu_time_of(pid: &str) -> anyhow::Result<Duration> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
    // The command name, in parentheses, may hold spaces: fields are counted after it.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // Fields 14 and 15 of stat(5) (utime, stime) are 12 and 13 after the name and state.
    let ticks = |i: usize| -> anyhow::Result<u64> {
        fields
            .get(i)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("no CPU times in {path}"))
    };
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}
