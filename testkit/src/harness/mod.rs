//! The real-process harness of the end-to-end tests (what `server/tests/common` was): the real
//! `clubsync-server` binary on an ephemeral loopback port with a temporary data directory, the
//! admin commands, raw HTTP, and protocol test devices over real websockets (plain or TLS).
//! Tests name it `common` (`use clubsync_testkit::harness as common;`).

mod device;
pub mod hostile;
mod http;
pub mod launch;
pub mod records;
mod server_process;
pub mod tls;

pub use device::*;
pub use http::*;
pub use server_process::*;
