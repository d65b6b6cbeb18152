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
use common::records::{amounts, donations, new_collection, record_donation};
use common::{LIMIT, QUIET, ServerProcess, connect};
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, SinkExt, StreamExt};
use samod::{BackoffConfig, DialError, DialerFailed, DialerHandle, DocHandle, Repo, Transport};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

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
async fn samod_client(club: &DemoClub, person: &str) -> (Repo, DialerHandle) {
    let repo = new_repo().await;
    let dialer = dial(&repo, &club.url(person)).await;
    (repo, dialer)
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
fn samod_donation(handle: &DocHandle, pence: i64) {
    handle.with_document(|doc| {
        let mut copy = doc.clone();
        record_donation(&mut copy, pence);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collection_samod_creates_is_read_by_a_clubsync_device_through_core() {
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());

    // 1. A samod repo creates a clubsync street collection (built by clubsync-core), then
    //    records two donations in it, and waits until the server has said it holds them.
    let (repo, dialer) = samod_client(&club, "Volunteer Lee").await;
    let handle = within(
        "samod creates the document",
        repo.create(new_collection("High Street, 14 March")),
    )
    .await
    .expect("the repo runs");
    samod_donation(&handle, 250);
    samod_donation(&handle, 1000);
    saved_on_server(&handle, &dialer).await;

    // 2. A clubsync device of another member reads it through the typed API.
    let doc = clubsync_id(&handle);
    let read = read_in_clubsync(&club, "Volunteer Park", doc).await;
    let heads: BTreeSet<ChangeHash> = read.get_heads().into_iter().collect();
    assert_eq!(heads, samod_heads(&handle));
    let collection = StreetCollection::from_automerge(read)
        .expect("samod's document is a valid street collection for clubsync-core");
    assert_eq!(collection.title().expect("title"), "High Street, 14 March");
    let records = collection.donations().expect("donations read");
    assert_eq!(records.len(), 2);
    assert_eq!(
        collection
            .donations_outside_tins_total()
            .expect("a total")
            .minor,
        1250
    );
    repo.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collection_a_clubsync_device_writes_is_found_and_read_by_samod() {
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());

    // 1. A clubsync device records two donations; the server saves them.
    let doc = DocumentId::random();
    let mut device = connect(&club.url("Volunteer Park"))
        .await
        .expect("connects");
    let mut collection = new_collection("Station Entrance");
    record_donation(&mut collection, 250);
    record_donation(&mut collection, 1999);
    device.docs.insert(doc, collection);
    device.sync(QUIET, LIMIT).await;
    assert!(device.all_saved_on_server(doc));

    // 2. A samod repo of another member finds it and reads the same records.
    let (repo, dialer) = samod_client(&club, "Volunteer Lee").await;
    let handle = within("samod finds the document", repo.find(samod_id(doc)))
        .await
        .expect("the repo runs")
        .expect("the server has the document");
    let connection = dialer.connection_id().expect("connected");
    within(
        "samod has the server's changes",
        handle.we_have_their_changes(connection),
    )
    .await;
    let local: BTreeSet<ChangeHash> = device.docs[&doc].get_heads().into_iter().collect();
    assert_eq!(samod_heads(&handle), local);
    assert_eq!(handle.with_document(|d| donations(d)), (2, 250 + 1999));
    handle.with_document(|d| {
        let collection = StreetCollection::from_automerge(d.clone()).expect("a collection");
        assert_eq!(collection.title().expect("title"), "Station Entrance");
    });

    // 3. samod adds a donation; the clubsync device receives it.
    samod_donation(&handle, 500);
    saved_on_server(&handle, &dialer).await;
    device.sync(QUIET, LIMIT).await;
    assert_eq!(device.seen.closed, None);
    assert_eq!(donations(&device.docs[&doc]), (3, 250 + 1999 + 500));
    let local: BTreeSet<ChangeHash> = device.docs[&doc].get_heads().into_iter().collect();
    assert_eq!(samod_heads(&handle), local);
    repo.stop().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_samod_clients_one_of_them_offline_converge_through_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());

    // A creates a collection with one donation; B finds it through the server.
    let (repo_a, dialer_a) = samod_client(&club, "Volunteer Lee").await;
    let a = within(
        "samod creates the document",
        repo_a.create(new_collection("Market Square")),
    )
    .await
    .expect("the repo runs");
    samod_donation(&a, 100);
    saved_on_server(&a, &dialer_a).await;
    let url_b = club.url("Volunteer Park");
    let repo_b = new_repo().await;
    let dialer_b = dial(&repo_b, &url_b).await;
    let b = within("B finds the document", repo_b.find(a.document_id().clone()))
        .await
        .expect("the repo runs")
        .expect("the server has the document");
    let connection = dialer_b.connection_id().expect("connected");
    within(
        "B has the server's changes",
        b.we_have_their_changes(connection),
    )
    .await;
    assert_eq!(samod_amounts(&b), BTreeSet::from([100]));

    // B goes offline; both record donations.
    dialer_b.close();
    until("B is offline", || {
        let (connections, _) = repo_b.connected_peers();
        if connections.is_empty() {
            Ok(())
        } else {
            Err(format!("{} connections", connections.len()))
        }
    })
    .await;
    samod_donation(&b, 201);
    samod_donation(&b, 202);
    samod_donation(&a, 301);
    samod_donation(&a, 302);
    saved_on_server(&a, &dialer_a).await;
    // While B was offline each saw only its own new donations: the edits are concurrent.
    assert_eq!(samod_amounts(&a), BTreeSet::from([100, 301, 302]));
    assert_eq!(samod_amounts(&b), BTreeSet::from([100, 201, 202]));

    // B comes back (a new connection, as after a restart of its network); both converge.
    let _dialer_b = dial(&repo_b, &url_b).await;
    let all = BTreeSet::from([100, 201, 202, 301, 302]);
    until("A and B converge", || {
        let (heads_a, heads_b) = (samod_heads(&a), samod_heads(&b));
        let (amounts_a, amounts_b) = (samod_amounts(&a), samod_amounts(&b));
        if heads_a == heads_b && amounts_a == all && amounts_b == all {
            Ok(())
        } else {
            Err(format!("A {amounts_a:?}, B {amounts_b:?}"))
        }
    })
    .await;
    let converged = samod_heads(&a);
    assert_eq!(converged.len(), 2, "two concurrent branches, merged");

    // The server holds that same version: a clubsync device pulls it.
    saved_on_server(&a, &dialer_a).await;
    let read = read_in_clubsync(&club, "Coordinator Kim", clubsync_id(&a)).await;
    let heads: BTreeSet<ChangeHash> = read.get_heads().into_iter().collect();
    assert_eq!(heads, converged);
    assert_eq!(amounts(&read), all);
    repo_a.stop().await;
    repo_b.stop().await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samod_clients_without_access_get_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());
    let (repo, dialer) = samod_client(&club, "Volunteer Lee").await;
    let handle = within(
        "samod creates the document",
        repo.create(new_collection("Closed Door")),
    )
    .await
    .expect("the repo runs");
    samod_donation(&handle, 500);
    saved_on_server(&handle, &dialer).await;
    let doc = handle.document_id().clone();

    // No token and a wrong token: the upgrade is refused with 401, so no handshake and no
    // document.
    let wrong = format!("cst_{}", "0".repeat(64));
    for token in [None, Some(wrong.clone())] {
        let stranger = new_repo().await;
        let (_dialer, established) = dial_bearer(&stranger, &club, token).await;
        match established {
            Err(DialerFailed::PermanentFailure(refused)) => {
                assert_eq!(refused.status, 401, "{refused}");
            }
            other => panic!("expected a refused upgrade, got {other:?}"),
        }
        let found = within("find without access", stranger.find(doc.clone()))
            .await
            .expect("the repo runs");
        assert!(found.is_none());
        stranger.stop().await;
    }

    // samod's stock dialer (token in the query) is refused too: it sees a failed dial and
    // retries (it treats every failure as transient) without ever connecting.
    let stranger = new_repo().await;
    let url = samod::Url::parse(&club.server.ws_url(Some(&wrong))).expect("a websocket URL");
    let limited = BackoffConfig {
        max_retries: Some(2),
        ..backoff()
    };
    let stock = stranger
        .dial_websocket(url, limited)
        .expect("the repo runs");
    let established = within("the stock dialer gives up", stock.established()).await;
    assert!(
        matches!(established, Err(DialerFailed::MaxRetriesReached)),
        "{established:?}"
    );
    let found = within("find without access", stranger.find(doc.clone()))
        .await
        .expect("the repo runs");
    assert!(found.is_none());
    stranger.stop().await;

    // Another club's device connects, but the server answers `doc-unavailable` for the
    // document, as if it did not exist.
    let code = club.server.other_club_invite("Seoul Club");
    let (status, joined) = club.server.join(&code, "stranger's phone");
    assert_eq!(status, 200, "{joined}");
    let token = joined["token"].as_str().expect("a token").to_owned();
    let stranger = new_repo().await;
    let (_dialer, established) = dial_bearer(&stranger, &club, Some(token)).await;
    assert!(established.is_ok(), "{established:?}");
    let found = within("find in another club", stranger.find(doc.clone()))
        .await
        .expect("the repo runs");
    assert!(found.is_none());
    stranger.stop().await;

    // The same dialer with a token of the document's club does get it, over the
    // `Authorization: Bearer` header: the refusals above are about access.
    let observer = new_repo().await;
    let token = club.server.token_for("Observer Choi");
    let (dialer, established) = dial_bearer(&observer, &club, Some(token)).await;
    assert!(established.is_ok(), "{established:?}");
    let found = within("find with access", observer.find(doc.clone()))
        .await
        .expect("the repo runs")
        .expect("the observer reads the document");
    let connection = dialer.connection_id().expect("connected");
    within(
        "the observer has the server's changes",
        found.we_have_their_changes(connection),
    )
    .await;
    assert_eq!(samod_amounts(&found), BTreeSet::from([500]));
    observer.stop().await;
    repo.stop().await;
}
