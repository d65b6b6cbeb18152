//! The clubsync server: authenticates devices, decides per club and per document who may read
//! and write, persists every change before acknowledging it, and relays changes to the other
//! devices of the club, over websockets speaking automerge-repo protocol "1".
//!
//! # Layout
//!
//! - [`serve`]: start, serve (plain or TLS), graceful shutdown; [`http_connections`]: each
//!   HTTP connection served by hyper with a header-read timeout and a limit on connections.
//! - [`routes`]: the HTTP surface (`/sync`, `/api/...`, `/healthz`, `/readyz`, `/metrics`);
//!   [`api`]: the JSON endpoints; [`rebuild`]: a device's copy rebuilt after a refused
//!   change; [`device_token`]: a device swapping its token for a new one; [`web_app`]: the
//!   phone app's files under `/app/`.
//! - [`admin_api`]: the coordinators' HTTP API under `/api/club` (members, devices,
//!   revocation, invites, documents, CSV reports), for their own club only.
//! - [`connection`]: one websocket, driving the protocol's `ServerConnection`.
//! - [`documents`]: loaded documents. Each is a sans-IO [`documents::DocumentHost`] (apply,
//!   group-commit, then acknowledge: the durability rule) run by a thin tokio actor; the hub
//!   finds them by id and unloads idle ones.
//! - [`identity`]: clubs, members and roles, devices and their tokens, invites, and the registry
//!   of documents (document -> club, kind), in the server's own SQLite file.
//! - [`storage`]: the document store (`clubsync-core`) as the server shares it; [`data_dir`]:
//!   the data directory kept private (`0700`, files `0600`); [`data_dir_lock`]: one server
//!   (or restore) at a time on it.
//! - [`state`], [`metrics`], [`tls`], [`demo`], [`clock`]: shared state, counters, certificates,
//!   `--demo`, the wall clock.
#![deny(missing_docs)]

pub mod admin_api;
pub mod api;
pub mod clock;
pub mod connection;
pub mod data_dir;
pub mod data_dir_lock;
pub mod demo;
pub mod device_token;
pub mod documents;
pub mod flag_list;
pub mod http_connections;
pub mod identity;
pub mod join_rate;
pub mod log_text;
pub mod metrics;
pub mod rebuild;
pub mod routes;
pub mod serve;
pub mod state;
pub mod storage;
pub mod tls;
pub mod web_app;
