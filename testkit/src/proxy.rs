//! A loopback TCP proxy the test controls: devices connect to it at one fixed address while the
//! server behind it restarts on new ports, and the test can take the network away, cut every
//! connection, or cut connections after a number of bytes (in the middle of a large sync).
//!
//! Plain threads and blocking sockets: it works the same whatever runtime a test uses, and every
//! thread ends once its sockets close. Dropping the proxy closes everything.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

/// What the proxy does now.
#[derive(Default)]
struct Settings {
    /// Where connections go.
    upstream: Option<SocketAddr>,
    /// Refuse new connections (close them at once): the device is offline.
    offline: bool,
    /// Cut each of the next `.0` connections once `.1` bytes have passed (both directions
    /// together).
    cut_next: Option<(u64, u64)>,
}

struct Shared {
    settings: Mutex<Settings>,
    live: Mutex<Vec<TcpStream>>,
    stopped: AtomicBool,
    /// Connections cut because of `cut_after`.
    cuts: AtomicU64,
    /// Connections accepted.
    accepted: AtomicU64,
}

/// A running proxy; stops when dropped.
pub struct CuttingProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl CuttingProxy {
    /// Listens on a free loopback port and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            settings: Mutex::new(Settings {
                upstream: Some(upstream),
                ..Settings::default()
            }),
            live: Mutex::new(Vec::new()),
            stopped: AtomicBool::new(false),
            cuts: AtomicU64::new(0),
            accepted: AtomicU64::new(0),
        });
        let accepting = shared.clone();
        thread::spawn(move || accept_loop(listener, accepting));
        Ok(Self { addr, shared })
    }

    /// The address devices connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends new connections to another server address (after a restart).
    pub fn retarget(&self, upstream: SocketAddr) {
        self.settings().upstream = Some(upstream);
    }

    /// Takes the network away (`true`: every open connection is cut and new ones are closed at
    /// once) or gives it back.
    pub fn set_offline(&self, offline: bool) {
        self.settings().offline = offline;
        if offline {
            self.cut_all();
        }
    }

    /// Cuts each of the next `connections` connections once `bytes` bytes have passed through
    /// it: a transfer broken in the middle, `connections` times over, then a good network.
    pub fn cut_next(&self, connections: u64, bytes: u64) {
        self.settings().cut_next = (connections > 0).then_some((connections, bytes));
    }

    /// Cuts every open connection now.
    pub fn cut_all(&self) {
        let live = std::mem::take(&mut *self.live());
        for stream in live {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// How many connections were cut because of [`CuttingProxy::cut_next`].
    pub fn cuts(&self) -> u64 {
        self.shared.cuts.load(Ordering::SeqCst)
    }

    /// How many connections were accepted.
    pub fn accepted(&self) -> u64 {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    fn settings(&self) -> std::sync::MutexGuard<'_, Settings> {
        self.shared
            .settings
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn live(&self) -> std::sync::MutexGuard<'_, Vec<TcpStream>> {
        self.shared
            .live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for CuttingProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.cut_all();
        // Wake the accept loop so it sees `stopped`.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        shared.accepted.fetch_add(1, Ordering::SeqCst);
        let (upstream, offline, cut_after) = {
            let mut s = shared
                .settings
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let cut_after = s.cut_next.map(|(_, bytes)| bytes);
            s.cut_next = match s.cut_next {
                Some((n, bytes)) if n > 1 => Some((n - 1, bytes)),
                _ => None,
            };
            (s.upstream, s.offline, cut_after)
        };
        let server = match (offline, upstream) {
            (false, Some(addr)) => TcpStream::connect_timeout(&addr, Duration::from_secs(5)),
            _ => {
                let _ = client.shutdown(Shutdown::Both);
                continue;
            }
        };
        let Ok(server) = server else {
            // The server is down: the device sees its connection closed, as on a real network.
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let clones = (
            client.try_clone(),
            server.try_clone(),
            client.try_clone(),
            server.try_clone(),
        );
        let (Ok(c2), Ok(s2), Ok(c3), Ok(s3)) = clones else {
            continue;
        };
        {
            let mut live = shared
                .live
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            live.push(c3);
            live.push(s3);
        }
        let passed = Arc::new(AtomicU64::new(0));
        let cut = Arc::new(AtomicBool::new(false));
        for (from, to) in [(client, s2), (server, c2)] {
            let (passed, cut, shared) = (passed.clone(), cut.clone(), shared.clone());
            thread::spawn(move || pump(from, to, cut_after, &passed, &cut, &shared));
        }
    }
}

/// Copies bytes one way until either side closes or the byte budget runs out.
fn pump(
    mut from: TcpStream,
    mut to: TcpStream,
    cut_after: Option<u64>,
    passed: &AtomicU64,
    cut: &AtomicBool,
    shared: &Shared,
) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut n = n;
        if let Some(limit) = cut_after {
            let before = passed.fetch_add(n as u64, Ordering::SeqCst);
            if before + n as u64 > limit {
                // Pass what fits, then cut: the peer sees a frame end in the middle.
                n = usize::try_from(limit.saturating_sub(before)).unwrap_or(0);
                let _ = to.write_all(&buffer[..n]);
                if !cut.swap(true, Ordering::SeqCst) {
                    shared.cuts.fetch_add(1, Ordering::SeqCst);
                }
                break;
            }
        }
        if to.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
