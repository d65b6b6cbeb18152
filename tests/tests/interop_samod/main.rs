//! samod (the Rust implementation of automerge-repo, crates.io `samod`) as a second foreign
//! client against the real `clubsync-server`.
//!
//! 1. A collection a samod repo creates and edits is read by a clubsync device through
//!    `clubsync-core`'s typed API, and a collection a clubsync device writes is found and read
//!    (and edited) by a samod repo.
//! 2. Two samod repos, one of them offline for a while, edit one collection concurrently and
//!    converge through the server.
//! 3. A samod repo with no token, a wrong token or another club's token gets nothing.
//!
//! The samod repos dial `/sync` with samod's stock tokio-tungstenite dialer
//! (`Repo::dial_websocket`, token in the query) and keep their documents in samod's in-memory
//! storage. Scenario 3 also uses [`BearerDialer`], a small samod `Dialer` of this file that
//! sends the token as `Authorization: Bearer` and reports a refused upgrade's HTTP status.

use clubsync_testkit::harness as common;

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use automerge::{Automerge, ChangeHash};
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::TypedDocument;
use clubsync_protocol::DocumentId;
use common::records::{Joined, amounts, donations, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, connect};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, SinkExt, StreamExt};
use samod::{BackoffConfig, DialError, DialerFailed, DialerHandle, DocHandle, Repo, Transport};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

mod documents;
mod forgery;
mod sync;

/// The bound on every wait of these tests.
const WAIT: Duration = Duration::from_secs(30);

/// Awaits `future`, failing the test after [`WAIT`].
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(WAIT, future)
        .await
        .unwrap_or_else(|_| panic!("timed out after {WAIT:?}: {what}"))
}

/// A running server with the demo club.
struct DemoClub {
    server: ServerProcess,
}

impl DemoClub {
    fn start(dir: &std::path::Path) -> Self {
        Self {
            server: ServerProcess::start(dir, &[]),
        }
    }

    /// The websocket URL (token in the query) of a new device of `person`: redeems `person`'s
    /// demo invite, so once per person and test.
    fn url(&self, person: &str) -> String {
        self.server.ws_url(Some(&self.server.token_for(person)))
    }

    /// A new device of `person` (redeems `person`'s demo invite) and its websocket URL.
    fn device(&self, person: &str) -> (Joined, String) {
        let joined = self.server.joined(person);
        let url = self.server.ws_url(Some(&joined.token));
        (joined, url)
    }
}

/// Reconnection quickly after a cut, and never giving up (the tests bound every wait).
fn backoff() -> BackoffConfig {
    BackoffConfig {
        initial_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(500),
        max_retries: None,
    }
}

/// A samod repo with in-memory storage.
async fn new_repo() -> Repo {
    Repo::build_tokio()
        .with_storage(samod::storage::InMemoryStorage::new())
        .load()
        .await
}

/// Dials the server at `url` with samod's stock websocket dialer and waits for the handshake.
async fn dial(repo: &Repo, url: &str) -> DialerHandle {
    let url = samod::Url::parse(url).expect("a websocket URL");
    let dialer = repo.dial_websocket(url, backoff()).expect("the repo runs");
    within("samod connects to the server", dialer.established())
        .await
        .expect("samod connects to the server");
    dialer
}

/// A samod repo connected to the server as a new device of `person`.
async fn samod_client(club: &DemoClub, person: &str) -> (Repo, DialerHandle, Joined) {
    let repo = new_repo().await;
    let (joined, url) = club.device(person);
    let dialer = dial(&repo, &url).await;
    (repo, dialer, joined)
}

/// Waits until the server has said it holds every change of `handle` (the server sends heads
/// only after committing them).
async fn saved_on_server(handle: &DocHandle, dialer: &DialerHandle) {
    let connection = dialer.connection_id().expect("connected");
    within(
        "the server confirms samod's changes",
        handle.they_have_our_changes(connection),
    )
    .await;
}

/// Records a card donation in a samod document through `clubsync-core` (on a copy, whose new
/// change is then merged into samod's document, so samod sees an ordinary local change).
fn samod_donation(handle: &DocHandle, by: &Joined, pence: i64) {
    handle.with_document(|doc| {
        let mut copy = doc.clone();
        record_donation(&mut copy, by, pence);
        doc.merge(&mut copy).expect("the new change merges");
    });
}

fn samod_heads(handle: &DocHandle) -> BTreeSet<ChangeHash> {
    handle.with_document(|doc| doc.get_heads().into_iter().collect())
}

fn samod_amounts(handle: &DocHandle) -> BTreeSet<i64> {
    handle.with_document(|doc| amounts(doc))
}

/// The clubsync id of a samod document.
fn clubsync_id(handle: &DocHandle) -> DocumentId {
    handle
        .document_id()
        .to_string()
        .parse()
        .expect("samod writes document ids as clubsync does")
}

fn samod_id(doc: DocumentId) -> samod::DocumentId {
    doc.to_string()
        .parse()
        .expect("clubsync writes document ids as samod does")
}

/// Syncs `doc` from the server into a new clubsync device of `person`; returns its copy.
async fn read_in_clubsync(club: &DemoClub, person: &str, doc: DocumentId) -> Automerge {
    let mut device = connect(&club.url(person)).await.expect("connects");
    device.want(doc);
    device.sync(QUIET, LIMIT).await;
    assert_eq!(device.seen.closed, None);
    assert!(device.seen.unavailable.is_empty(), "{:?}", device.seen);
    device.docs[&doc].clone()
}

/// Polls until `done` holds, failing after [`WAIT`] with `what` and the last state.
async fn until(what: &str, mut done: impl FnMut() -> Result<(), String>) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match done() {
            Ok(()) => return,
            Err(state) if tokio::time::Instant::now() >= deadline => {
                panic!("timed out after {WAIT:?}: {what}; last state: {state}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

/// A refused websocket upgrade: the HTTP status and body.
#[derive(Debug)]
struct Refused {
    status: u16,
    body: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "upgrade refused: {} {}", self.status, self.body)
    }
}

impl std::error::Error for Refused {}

/// A samod `Dialer` for clubsync's `/sync`: the token (if any) goes in an
/// `Authorization: Bearer` header, and a refused upgrade is a permanent failure carrying the
/// HTTP status, where samod's stock dialer would retry it as a transient error.
struct BearerDialer {
    url: samod::Url,
    token: Option<String>,
}

impl samod::Dialer for BearerDialer {
    type Error = Refused;

    fn url(&self) -> samod::Url {
        self.url.clone()
    }

    fn connect(&self) -> BoxFuture<'static, Result<Transport, DialError<Refused>>> {
        let url = self.url.to_string();
        let token = self.token.clone();
        async move {
            let mut request = url.into_client_request().map_err(DialError::transient)?;
            if let Some(token) = token {
                let value = format!("Bearer {token}")
                    .parse()
                    .map_err(DialError::transient)?;
                request.headers_mut().insert("authorization", value);
            }
            let ws = match tokio_tungstenite::connect_async(request).await {
                Ok((ws, _)) => ws,
                Err(tungstenite::Error::Http(response)) => {
                    return Err(DialError::PermanentFailure(Refused {
                        status: response.status().as_u16(),
                        body: response
                            .body()
                            .as_ref()
                            .map(|b| String::from_utf8_lossy(b).into_owned())
                            .unwrap_or_default(),
                    }));
                }
                Err(e) => return Err(DialError::transient(e)),
            };
            let (sink, stream) = ws.split();
            let stream = stream
                .filter_map(|message| async move {
                    match message {
                        Ok(tungstenite::Message::Binary(bytes)) => Some(Ok(bytes.to_vec())),
                        Ok(_) => None,
                        Err(e) => Some(Err(e)),
                    }
                })
                .boxed();
            let sink = sink.with(|bytes: Vec<u8>| async move {
                Ok::<_, tungstenite::Error>(tungstenite::Message::Binary(bytes.into()))
            });
            Ok(Transport::new(stream, Box::pin(sink)))
        }
        .boxed()
    }
}

/// Dials with [`BearerDialer`]; returns the handle and how the first attempt ended.
async fn dial_bearer(
    repo: &Repo,
    club: &DemoClub,
    token: Option<String>,
) -> (DialerHandle<Refused>, Result<(), DialerFailed<Refused>>) {
    let url = samod::Url::parse(&club.server.ws_url(None)).expect("a websocket URL");
    let dialer = repo
        .dial(backoff(), Arc::new(BearerDialer { url, token }))
        .expect("the repo runs");
    let established = within("the bearer dialer settles", dialer.established()).await;
    (dialer, established.map(|_| ()))
}
