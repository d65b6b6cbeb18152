//! What clubsync's tests share.
//!
//! - [`sim`]: a deterministic simulated world that runs the shipping code of both sides (the
//!   server's `DocumentHost` behind the protocol's `ServerConnection`, and the client's
//!   `DeviceSync`) over in-memory frame queues, with no sockets, clocks or SQLite.
//!   [`sim_server`] is its server.

pub mod sim;
pub mod sim_server;
