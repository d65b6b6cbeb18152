//! The servers a comparison runs against, behind one interface: `clubsync-server` (the real
//! release binary, device tokens from invites) and the reference automerge-repo sync server
//! (`bench/reference-server/server.mjs` under Node: no authentication, any document).
//!
//! Both are started in a fresh temporary data directory on a free loopback port, both are
//! killed when dropped, and for both the resident memory is VmRSS of the process itself (the
//! server binary; `node` for the reference, started directly, not through npm).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use clubsync_protocol::DocumentId;
use clubsync_testkit::harness::launch::stdout_lines;

use crate::server::{ServerProcess, Tokens, Writer, cpu_time_of, resident_bytes_of, terminate};

/// Which server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `clubsync-server`.
    Clubsync,
    /// The reference automerge-repo sync server.
    Reference,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Clubsync => "clubsync",
            Kind::Reference => "reference",
        })
    }
}

/// How to start each server, and which ones this run compares.
#[derive(Clone, Debug)]
pub struct Servers {
    /// The `clubsync-server` binary.
    pub clubsync_bin: PathBuf,
    /// `node` and the reference server's script, when the reference runs.
    pub reference: Option<ReferenceSetup>,
    /// Whether clubsync runs.
    pub clubsync: bool,
}

impl Servers {
    /// The servers to run, in order: clubsync first, then the reference.
    pub fn kinds(&self) -> Vec<Kind> {
        let mut kinds = Vec::new();
        if self.clubsync {
            kinds.push(Kind::Clubsync);
        }
        if self.reference.is_some() {
            kinds.push(Kind::Reference);
        }
        kinds
    }

    /// Starts one server; `clubsync_flags` are extra flags for clubsync-server only.
    pub fn start(&self, kind: Kind, clubsync_flags: &[String]) -> anyhow::Result<Target> {
        match kind {
            Kind::Clubsync => Ok(Target::Clubsync {
                process: ServerProcess::start_with(&self.clubsync_bin, clubsync_flags)?,
                tokens: None,
            }),
            Kind::Reference => {
                let setup = self
                    .reference
                    .as_ref()
                    .context("the reference server is not part of this run")?;
                Ok(Target::Reference(ReferenceProcess::start(setup)?))
            }
        }
    }
}

/// `node` and the reference server's script.
#[derive(Clone, Debug)]
pub struct ReferenceSetup {
    /// The `node` executable.
    pub node: PathBuf,
    /// `bench/reference-server/server.mjs`.
    pub script: PathBuf,
}

/// What became of the reference server for this run.
pub enum ReferenceCheck {
    /// It can run.
    Ready(ReferenceSetup),
    /// It cannot, and `CLUBSYNC_SKIP_JS=1` says to go on without it (the reason).
    Skipped(String),
}

impl ReferenceSetup {
    /// Checks that `node` runs and the script's dependencies are installed. When not: with
    /// `CLUBSYNC_SKIP_JS=1` the reference is skipped (and the caller says so); otherwise an
    /// error says what to do.
    pub fn check(node: &Path, script: &Path) -> anyhow::Result<ReferenceCheck> {
        let problem = if !script.is_file() {
            Some(format!(
                "no reference server script at {}",
                script.display()
            ))
        } else if !Command::new(node)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
        {
            Some(format!(
                "`{} --version` does not run (Node 20 or later is needed)",
                node.display()
            ))
        } else {
            let modules = script
                .parent()
                .map(|dir| dir.join("node_modules"))
                .unwrap_or_else(|| PathBuf::from("node_modules"));
            (!modules.is_dir()).then(|| {
                format!(
                    "{} is missing: run `npm ci` in {} (./run-tests does)",
                    modules.display(),
                    script.parent().unwrap_or(Path::new(".")).display()
                )
            })
        };
        match problem {
            None => Ok(ReferenceCheck::Ready(ReferenceSetup {
                node: node.to_owned(),
                script: script.to_owned(),
            })),
            Some(problem) if std::env::var("CLUBSYNC_SKIP_JS").is_ok_and(|v| v == "1") => {
                Ok(ReferenceCheck::Skipped(problem))
            }
            Some(problem) => bail!(
                "cannot run the reference automerge-repo sync server: {problem}.\n\
                 Set CLUBSYNC_SKIP_JS=1 to run without it, or pass --servers clubsync."
            ),
        }
    }
}

/// A running server of either kind; killed when dropped.
pub enum Target {
    /// `clubsync-server --demo`, with the device tokens made so far.
    Clubsync {
        /// The process.
        process: ServerProcess,
        /// Tokens for the devices, once [`Target::prepare`] made them.
        tokens: Option<Tokens>,
    },
    /// The reference server.
    Reference(ReferenceProcess),
}

impl Target {
    /// Which server this is.
    pub fn kind(&self) -> Kind {
        match self {
            Target::Clubsync { .. } => Kind::Clubsync,
            Target::Reference(_) => Kind::Reference,
        }
    }

    /// Gets ready for `devices` simulated devices: device tokens for clubsync (one per 8
    /// devices, from invites); nothing for the reference, which asks for none.
    pub async fn prepare(&mut self, devices: usize) -> anyhow::Result<()> {
        if let Target::Clubsync { process, tokens } = self {
            *tokens = Some(process.tokens_for(devices).await?);
        }
        Ok(())
    }

    /// The websocket URL for simulated device `i` (with its token for clubsync).
    pub fn url(&self, i: usize) -> anyhow::Result<String> {
        match self {
            Target::Clubsync { process, tokens } => {
                let tokens = tokens
                    .as_ref()
                    .context("no device tokens: call prepare first")?;
                Ok(process.ws_url(tokens.for_device(i)?))
            }
            Target::Reference(process) => Ok(format!("ws://{}/", process.addr)),
        }
    }

    /// Who simulated device `i` writes as, for the records and documents it makes: for
    /// clubsync, the device of its token and the club's document (the server refuses a record
    /// naming another device and a document naming another club), so only after
    /// [`Target::prepare`]; for the reference, which checks neither, a name of its own and the
    /// one club id this server was given when it started.
    pub fn writer(&self, i: usize) -> anyhow::Result<Writer> {
        match self {
            Target::Clubsync { tokens, .. } => Ok(tokens
                .as_ref()
                .context("no device tokens: call prepare first")?
                .writer(i)?
                .clone()),
            Target::Reference(process) => Ok(Writer {
                device: format!("bench device {i}"),
                club: process.club,
            }),
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        match self {
            Target::Clubsync { process, .. } => process.pid(),
            Target::Reference(process) => process.child.id(),
        }
    }

    /// The server's resident memory (VmRSS), in bytes.
    pub fn resident_bytes(&self) -> anyhow::Result<u64> {
        resident_bytes_of(self.pid())
    }

    /// CPU time the server has used so far (user and system, all threads).
    pub fn cpu_time(&self) -> anyhow::Result<Duration> {
        cpu_time_of(&self.pid().to_string())
    }

    /// How many documents the server has loaded: clubsync-server's `clubsync_loaded_documents`
    /// gauge; `None` for the reference server, which has no such figure (it keeps every
    /// document it has seen).
    pub async fn loaded_documents(&self) -> anyhow::Result<Option<u64>> {
        match self {
            Target::Clubsync { process, .. } => {
                Ok(Some(process.metric("clubsync_loaded_documents").await?))
            }
            Target::Reference(_) => Ok(None),
        }
    }

    /// Stops the server gracefully and starts it again on the same data directory (a new
    /// port; tokens stay valid).
    pub fn restart(&mut self) -> anyhow::Result<()> {
        match self {
            Target::Clubsync { process, .. } => process.restart(),
            Target::Reference(process) => process.restart(),
        }
    }
}

/// The reference server under Node, in a temporary data directory; killed when dropped.
pub struct ReferenceProcess {
    child: Child,
    setup: ReferenceSetup,
    /// Holds the data directory until the server is gone.
    data_dir: tempfile::TempDir,
    /// Where it listens.
    pub addr: SocketAddr,
    /// The club the documents made for it name (chosen when it starts; it checks nothing).
    club: DocumentId,
}

impl ReferenceProcess {
    /// Starts `node server.mjs --port 0 --data DIR` and waits until it says it listens.
    pub fn start(setup: &ReferenceSetup) -> anyhow::Result<Self> {
        let data_dir = tempfile::Builder::new()
            .prefix("clubsync-bench-reference-")
            .tempdir()
            .context("cannot make a temporary data directory")?;
        let (child, addr) = spawn_reference(setup, data_dir.path())?;
        Ok(Self {
            child,
            setup: setup.clone(),
            data_dir,
            addr,
            club: DocumentId::random(),
        })
    }

    /// Stops it (SIGTERM: it lets pending writes finish) and starts it again on the same data.
    pub fn restart(&mut self) -> anyhow::Result<()> {
        terminate(&mut self.child);
        let (child, addr) = spawn_reference(&self.setup, self.data_dir.path())?;
        self.child = child;
        self.addr = addr;
        Ok(())
    }
}

impl Drop for ReferenceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_reference(setup: &ReferenceSetup, data_dir: &Path) -> anyhow::Result<(Child, SocketAddr)> {
    let mut child = Command::new(&setup.node)
        .arg(&setup.script)
        .args(["--port", "0", "--data"])
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| {
            format!(
                "cannot start {} {}",
                setup.node.display(),
                setup.script.display()
            )
        })?;
    let rx = stdout_lines(&mut child);
    let port: u16 = loop {
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("the reference server did not say it listens within 60 s");
            }
        };
        if let Some(port) = line.strip_prefix("reference-server listening on port ") {
            break port
                .trim()
                .parse()
                .with_context(|| format!("not a port: {port:?}"))?;
        }
    };
    std::thread::spawn(move || while rx.recv().is_ok() {});
    Ok((child, SocketAddr::from(([127, 0, 0, 1], port))))
}

/// One result per server (either may be missing: not run).
pub struct Pair<T> {
    /// clubsync-server's.
    pub clubsync: Option<T>,
    /// The reference server's.
    pub reference: Option<T>,
}

impl<T> Default for Pair<T> {
    fn default() -> Self {
        Self {
            clubsync: None,
            reference: None,
        }
    }
}

impl<T> Pair<T> {
    /// Records the result of one server.
    pub fn set(&mut self, kind: Kind, value: T) {
        match kind {
            Kind::Clubsync => self.clubsync = Some(value),
            Kind::Reference => self.reference = Some(value),
        }
    }

    /// One figure of both results, for a table row.
    pub fn get<U>(&self, f: impl Fn(&T) -> U) -> (Option<U>, Option<U>) {
        (
            self.clubsync.as_ref().map(&f),
            self.reference.as_ref().map(&f),
        )
    }
}
