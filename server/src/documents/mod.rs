//! The documents loaded in memory and the rule that keeps them safe: a change is committed to
//! storage before any peer hears of it.
//!
//! - [`host`]: one document as a sans-IO state machine ([`DocumentHost`]): commands and answers
//!   in ([`Input`]), one [`Effects`] value out. Every decision about a document is made here,
//!   and the server's tests drive this same code in a simulated world.
//! - [`actor`]: the tokio shell that runs one host and performs its effects; [`hub`]: finds or
//!   starts a document's actor and unloads idle ones; [`committer`]: one transaction for every
//!   document waiting to commit; [`load`]: what a host starts from.
//! - [`actor_book`]: which device owns each Automerge actor id, shared by every host.
//! - [`peer`], [`command`], [`effects`]: the types between connections, hosts and shells;
//!   [`outbox`]: a connection's bounded queue and what happens to a device that falls behind;
//!   [`club_edits`]: the server's own writes into a club document; [`upgrade`]: the containers
//!   it adds to a document an earlier build made.

pub(crate) mod actor;
pub mod actor_book;
pub mod club_edits;
pub mod command;
pub mod committer;
pub mod effects;
pub mod host;
pub mod hub;
pub(crate) mod load;
pub mod outbox;
pub mod peer;
pub mod upgrade;

pub use actor_book::ActorBook;
pub use command::{ClubEdit, DocCommand};
pub use effects::{Commit, Effects, HostLimits, IndexRequest, Input, Loaded, Registration};
pub use host::DocumentHost;
pub use hub::DocumentHub;
pub use outbox::{Outbox, OutboxLimits, OutboxReader, Queued, outbox};
pub use peer::{ConnId, Outbound, PeerInfo};
