//! What clubsync's tests share.
//!
//! - [`sim`]: a deterministic simulated world that runs the shipping code of both sides (the
//!   server's `DocumentHost` behind the protocol's `ServerConnection`, and the client's
//!   `DeviceSync`) over in-memory frame queues, with no sockets, clocks or SQLite.
//!   [`sim_server`] is its server.
//! - [`harness`]: the real `clubsync-server` binary on a loopback port, its admin commands, raw
//!   HTTP, and protocol test devices over real websockets (plain or TLS).
//! - [`proxy`]: a loopback proxy the test controls, to take the network away, follow a restarted
//!   server, and cut connections in the middle of a sync.

pub mod harness;
pub mod proxy;
pub mod sim;
pub mod sim_server;
