//! End-to-end tests of clubsync with real binaries, real sockets and foreign clients.
//!
//! The tests are in `tests/`; they start the real `clubsync-server` through the harness of
//! `clubsync-testkit` (with its loopback proxy). This library holds only what those tests share
//! beyond it:
//!
//! - [`browser`]: runs the playwright-core scripts of `tests/web/` that drive the phone app in
//!   headless Chromium, with checkpoints where the test looks at the server, and tells a failure
//!   as the user saw it.
//! - [`node`]: runs the stock automerge-repo clients of `tests/interop/` (Node scripts) and reads
//!   the JSON each prints.
#![deny(missing_docs)]

pub mod browser;
pub mod node;
