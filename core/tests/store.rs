//! The SQLite document store: what is committed survives a reopen, compaction loses nothing,
//! and a file that is not a clubsync store gives a clear error.

mod fixtures;

use automerge::sync::{State, SyncDoc};
use clubsync_core::collection::StreetCollection;
use clubsync_core::document::TypedDocument;
use clubsync_core::store::{DocumentStore, SqliteStore, StoreError};
use clubsync_protocol::ids::{DocumentId, StorageId};
use fixtures::{card_donation, world};

/// Records `n` donations, storing each change as its own chunk, as a device does.
fn record_and_store(store: &mut SqliteStore, id: &DocumentId, c: &mut StreetCollection, n: i64) {
    let who = world().ana;
    for i in 0..n {
        let before = c.heads();
        c.record_donation(&card_donation(100 + i, who, i))
            .expect("recorded");
        store
            .append_chunk(id, &c.changes_since(&before))
            .expect("committed");
    }
}

#[test]
fn reopening_keeps_every_document_and_chunk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("club.db");
    let w = world();
    let id = DocumentId::random();
    let mut c = w.collection.clone();
    {
        let mut store = SqliteStore::open(&path).expect("store opens");
        store
            .append_chunk(&id, &c.automerge().save())
            .expect("initial state");
        record_and_store(&mut store, &id, &mut c, 20);
    }
    let store = SqliteStore::open(&path).expect("store reopens");
    let loaded =
        StreetCollection::from_automerge(store.load(&id).expect("loads").expect("present"))
            .expect("a collection");
    assert_eq!(loaded.heads(), c.heads());
    assert_eq!(
        loaded.donations().expect("read"),
        c.donations().expect("read")
    );
    assert_eq!(store.documents().expect("listed"), vec![id]);
    assert!(store.load(&DocumentId::random()).expect("query").is_none());
}

#[test]
fn compaction_folds_chunks_into_a_snapshot_and_later_chunks_still_load() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("club.db");
    let id = DocumentId::random();
    let mut c = world().collection;
    let mut store = SqliteStore::open(&path).expect("opens");
    store
        .append_chunk(&id, &c.automerge().save())
        .expect("initial");
    record_and_store(&mut store, &id, &mut c, 10);
    let done = store.compact(&id).expect("compacted");
    assert_eq!(done.chunks_folded, 11);
    record_and_store(&mut store, &id, &mut c, 5);
    drop(store);
    let store = SqliteStore::open(&path).expect("reopens");
    let loaded =
        StreetCollection::from_automerge(store.load(&id).expect("loads").expect("present"))
            .expect("a collection");
    assert_eq!(loaded.donations().expect("read").len(), 15);
    assert_eq!(loaded.heads(), c.heads());
}

#[test]
fn a_batch_of_many_documents_commits_together() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    let docs: Vec<(DocumentId, StreetCollection)> = (0..5)
        .map(|_| (DocumentId::random(), world().collection))
        .collect();
    let batch: Vec<(DocumentId, Vec<u8>)> = docs
        .iter()
        .map(|(id, c)| (*id, c.automerge().save()))
        .collect();
    SqliteStore::open(&path)
        .expect("opens")
        .commit_batch(&batch)
        .expect("group commit");
    let store = SqliteStore::open(&path).expect("reopens");
    for (id, c) in &docs {
        let loaded = store.load(id).expect("loads").expect("present");
        assert_eq!(loaded.get_heads(), c.heads());
    }
}

#[test]
fn sync_states_are_kept_per_document_and_peer_storage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("club.db");
    let id = DocumentId::random();
    let c = world().collection;
    let mut state = State::new();
    // Generating a message records what we sent in the state's shared heads.
    let _ = c.automerge().generate_sync_message(&mut state);
    let phone = StorageId::new("phone-storage").expect("valid");
    {
        let mut store = SqliteStore::open(&path).expect("opens");
        store.save_sync_state(&id, &phone, &state).expect("saved");
    }
    let store = SqliteStore::open(&path).expect("reopens");
    let loaded = store
        .load_sync_state(&id, &phone)
        .expect("read")
        .expect("present");
    assert_eq!(loaded.encode(), state.encode());
    let laptop = StorageId::new("laptop-storage").expect("valid");
    assert!(store.load_sync_state(&id, &laptop).expect("read").is_none());
}

#[test]
fn a_file_that_is_not_a_database_gives_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("photo.jpg");
    let junk: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &junk).expect("written");
    let err = SqliteStore::open(&path).expect_err("not a store");
    assert!(matches!(err, StoreError::NotADatabase { .. }), "{err}");
    assert!(err.to_string().contains("photo.jpg"));
}

#[test]
fn another_applications_database_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("other.db");
    let other = rusqlite::Connection::open(&path).expect("opens");
    other
        .execute_batch("CREATE TABLE songs (title TEXT);")
        .expect("created");
    drop(other);
    let err = SqliteStore::open(&path).expect_err("foreign");
    assert!(
        matches!(
            err,
            StoreError::ForeignFile {
                application_id: 0,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_store_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("club.db");
    drop(SqliteStore::open(&path).expect("created"));
    let conn = rusqlite::Connection::open(&path).expect("opens");
    conn.pragma_update(None, "user_version", 99).expect("set");
    drop(conn);
    let err = SqliteStore::open(&path).expect_err("too new");
    assert!(matches!(err, StoreError::TooNew { found: 99, .. }), "{err}");
}

#[test]
fn a_damaged_chunk_gives_a_document_error_not_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("club.db");
    let id = DocumentId::random();
    let mut store = SqliteStore::open(&path).expect("opens");
    let mut bytes = world().collection.automerge().save();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xFF;
    store.append_chunk(&id, &bytes).expect("stored as given");
    let err = store.load(&id).expect_err("damaged");
    assert!(
        matches!(err, StoreError::CorruptDocument { id: d, .. } if d == id),
        "{err}"
    );
}

#[test]
fn the_store_runs_in_wal_mode() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("club.db");
    let store = SqliteStore::open(&path).expect("opens");
    store.check_integrity().expect("sound");
    let conn = rusqlite::Connection::open(&path).expect("opens");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("read");
    assert_eq!(mode, "wal");
    let backup = dir.path().join("backup.db");
    store.backup_to(&backup).expect("backed up");
    drop(SqliteStore::open(&backup).expect("a backup is a store"));
}

/// Runs the Automerge sync protocol between two documents until neither has anything to send.
fn sync_until_quiet(
    a: &mut automerge::Automerge,
    sa: &mut State,
    b: &mut automerge::Automerge,
    sb: &mut State,
) {
    for _ in 0..20 {
        let to_b = a.generate_sync_message(sa);
        let to_a = b.generate_sync_message(sb);
        if to_b.is_none() && to_a.is_none() {
            return;
        }
        if let Some(m) = to_b {
            b.receive_sync_message(sb, m).expect("b receives");
        }
        if let Some(m) = to_a {
            a.receive_sync_message(sa, m).expect("a receives");
        }
    }
    panic!("sync did not settle");
}

#[test]
fn a_saved_sync_state_lets_a_device_resume_syncing_after_a_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("server.db");
    let id = DocumentId::random();
    let w = world();
    let phone_storage = StorageId::new("phone").expect("valid");
    let mut phone = w.collection.automerge().fork();
    let mut phone_state = State::new();

    // 1. The server first hears of the document from the phone, and stores what it received.
    let mut server = automerge::Automerge::new();
    let mut server_state = State::new();
    sync_until_quiet(&mut phone, &mut phone_state, &mut server, &mut server_state);
    {
        let mut store = SqliteStore::open(&path).expect("opens");
        store.append_chunk(&id, &server.save()).expect("stored");
        store
            .save_sync_state(&id, &phone_storage, &server_state)
            .expect("state saved");
    }

    // 2. The server restarts; the phone recorded two donations meanwhile.
    let mut c = StreetCollection::from_automerge(phone).expect("collection");
    c.record_donation(&card_donation(300, w.ana, 1))
        .expect("recorded");
    c.record_donation(&card_donation(400, w.ana, 2))
        .expect("recorded");
    let mut phone = c.automerge().clone();
    let store = SqliteStore::open(&path).expect("reopens");
    let mut server = store.load(&id).expect("loads").expect("present");
    let mut server_state = store
        .load_sync_state(&id, &phone_storage)
        .expect("read")
        .expect("present");

    // 3. Resuming from the saved state, the two converge.
    sync_until_quiet(&mut phone, &mut phone_state, &mut server, &mut server_state);
    let server = StreetCollection::from_automerge(server).expect("collection");
    assert_eq!(
        server.donations_outside_tins_total().expect("total").minor,
        700
    );
    assert_eq!(server.heads(), c.heads());
}

#[test]
fn stored_size_counts_bytes_and_chunks_until_compaction() {
    use automerge::transaction::Transactable;
    use clubsync_core::store::{DocumentStore, SqliteStore};
    use clubsync_protocol::DocumentId;

    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(dir.path().join("documents.sqlite")).expect("opens");
    let id = DocumentId::random();
    assert_eq!(store.stored_size(&id).expect("size").bytes, 0);
    let mut doc = automerge::Automerge::new();
    let mut heads = Vec::new();
    for i in 0..3 {
        let mut tx = doc.transaction();
        tx.put(automerge::ROOT, format!("k{i}"), i).expect("put");
        tx.commit();
        let chunk = doc.save_after(&heads);
        heads = doc.get_heads();
        store.append_chunk(&id, &chunk).expect("append");
    }
    let size = store.stored_size(&id).expect("size");
    assert_eq!(size.chunks, 3);
    assert!(size.bytes > 0);
    store.compact(&id).expect("compacts");
    let after = store.stored_size(&id).expect("size");
    assert_eq!(after.chunks, 0);
    assert!(after.bytes > 0);
}

#[test]
fn erased_documents_leave_nothing_readable_in_the_files() {
    use automerge::transaction::Transactable;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("device.sqlite");
    let secret = "Signer Kim Ji-woo, 04524, kim.jiwoo@example.org";
    let (erased, kept) = (DocumentId::random(), DocumentId::random());
    let mut store = SqliteStore::open(&path).expect("store opens");
    for (id, text) in [(erased, secret), (kept, "the other club's notice board")] {
        let mut doc = automerge::AutoCommit::new();
        doc.put(automerge::ROOT, "note", text).expect("put");
        store.append_chunk(&id, &doc.save()).expect("stored");
    }
    let raw = || {
        let mut bytes = Vec::new();
        for entry in std::fs::read_dir(dir.path()).expect("dir") {
            bytes.extend(std::fs::read(entry.expect("entry").path()).expect("read"));
        }
        bytes
    };
    let holds = |bytes: &[u8], text: &str| bytes.windows(text.len()).any(|w| w == text.as_bytes());
    // Automerge compresses columns; a short document keeps its strings as they are.
    assert!(
        holds(&raw(), secret),
        "the test's document is in the files before"
    );
    store.erase_documents(&[erased]).expect("erased");
    assert!(store.load(&erased).expect("read").is_none());
    assert!(
        store.load(&kept).expect("read").is_some(),
        "other documents stay"
    );
    drop(store);
    assert!(
        !holds(&raw(), secret),
        "nothing of the erased document stays in the files"
    );
}
