//! End-to-end tests of clubsync with real binaries, real sockets and foreign clients.
//!
//! The tests are in `tests/`; they start the real `clubsync-server` through the server's own
//! harness (`server/tests/common/mod.rs`, included by path). This library holds only what those
//! tests share beyond that harness:
//!
//! - [`browser`]: runs the playwright-core scripts of `tests/web/` that drive the phone app in
//!   headless Chromium, with checkpoints where the test looks at the server, and tells a failure
//!   as the user saw it.
//! - [`node`]: runs the stock automerge-repo clients of `tests/interop/` (Node scripts) and reads
//!   the JSON each prints.
//! - [`proxy`]: a loopback proxy the test controls, to take the network away, follow a restarted
//!   server, and cut connections in the middle of a sync.
#![deny(missing_docs)]

pub mod browser;
pub mod node;
pub mod proxy;
