//! The registry and the database file: one club per document, unique club names, foreign and newer files refused, WAL.

use super::*;

#[test]
fn a_document_belongs_to_one_club_for_ever() {
    let (_dir, store) = store();
    let leeds_document = DocumentId::random();
    let leeds = store
        .create_club("Leeds", leeds_document, NOW)
        .expect("club");
    let york = club(&store, "York");
    let (leeds_device, _) = join(&store, leeds, Role::Volunteer, "Asha");
    let (york_device, _) = join(&store, york, Role::Volunteer, "Yan");

    // The club document is registered with the club.
    assert_eq!(
        store.document(&leeds_document).expect("query"),
        Some((leeds, DocumentKind::Club))
    );
    assert_eq!(
        store.club_document(leeds).expect("club document"),
        leeds_document
    );

    // 1. A Leeds device creates a collection; registering it again is harmless.
    let collection = DocumentId::random();
    store
        .register_document(
            &collection,
            leeds,
            DocumentKind::StreetCollection,
            leeds_device.id,
            NOW,
        )
        .expect("registered");
    store
        .register_document(
            &collection,
            leeds,
            DocumentKind::StreetCollection,
            leeds_device.id,
            NOW + 1,
        )
        .expect("idempotent");
    assert_eq!(
        store.document(&collection).expect("query"),
        Some((leeds, DocumentKind::StreetCollection))
    );

    // 2. York cannot claim it, nor can Leeds change its kind.
    let err = store
        .register_document(
            &collection,
            york,
            DocumentKind::StreetCollection,
            york_device.id,
            NOW,
        )
        .expect_err("another club");
    assert!(
        matches!(err, IdentityError::DocumentOfAnotherClub { .. }),
        "{err:?}"
    );
    let err = store
        .register_document(
            &collection,
            leeds,
            DocumentKind::Petition,
            leeds_device.id,
            NOW,
        )
        .expect_err("another kind");
    assert!(
        matches!(err, IdentityError::DocumentKindConflict { .. }),
        "{err:?}"
    );

    // 3. No second club document, and no registering for another club's device.
    let err = store
        .register_document(
            &DocumentId::random(),
            leeds,
            DocumentKind::Club,
            leeds_device.id,
            NOW,
        )
        .expect_err("second club document");
    assert!(
        matches!(err, IdentityError::SecondClubDocument { .. }),
        "{err:?}"
    );
    let err = store
        .register_document(
            &DocumentId::random(),
            leeds,
            DocumentKind::Petition,
            york_device.id,
            NOW,
        )
        .expect_err("device of York");
    assert!(
        matches!(err, IdentityError::DeviceOfAnotherClub { .. }),
        "{err:?}"
    );
    let err = store
        .create_club("Hull", collection, NOW)
        .expect_err("document taken");
    assert!(
        matches!(err, IdentityError::DocumentAlreadyRegistered(_)),
        "{err:?}"
    );

    // 4. Each club lists its own documents, club document first.
    let listed: Vec<_> = store
        .list_documents(leeds)
        .expect("list")
        .into_iter()
        .map(|d| (d.id, d.kind))
        .collect();
    assert_eq!(
        listed,
        vec![
            (leeds_document, DocumentKind::Club),
            (collection, DocumentKind::StreetCollection)
        ]
    );
    assert_eq!(store.list_documents(york).expect("list").len(), 1);
    assert_eq!(store.document(&DocumentId::random()).expect("query"), None);
}

#[test]
fn clubs_have_unique_names_and_survive_a_reopen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let leeds = {
        let store = IdentityStore::open(dir.path()).expect("open");
        let leeds = club(&store, "Leeds Uni");
        let err = store
            .create_club(" leeds uni ", DocumentId::random(), NOW)
            .expect_err("taken");
        assert!(matches!(err, IdentityError::ClubNameTaken(_)), "{err:?}");
        assert!(matches!(
            store.create_club("  ", DocumentId::random(), NOW),
            Err(IdentityError::EmptyName { .. })
        ));
        leeds
    };
    let store = IdentityStore::open_existing(dir.path()).expect("reopen");
    let clubs = store.list_clubs().expect("clubs");
    assert_eq!(clubs.len(), 1);
    assert_eq!(clubs[0].id, leeds);
    assert_eq!(
        store
            .find_club_by_name("LEEDS UNI")
            .expect("query")
            .map(|c| c.id),
        Some(leeds)
    );
}

#[test]
fn files_that_are_not_ours_are_refused_and_left_unchanged() {
    // Another program's SQLite database.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(DATABASE_FILE);
    let conn = rusqlite::Connection::open(&path).expect("create");
    conn.execute_batch("CREATE TABLE photos (id INTEGER PRIMARY KEY, data BLOB);")
        .expect("table");
    drop(conn);
    let before = std::fs::read(&path).expect("read");
    let err = IdentityStore::open(dir.path()).expect_err("foreign file");
    assert!(
        matches!(err, IdentityError::NotAServerDatabase { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains("is not a clubsync server database"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&path).expect("read"),
        before,
        "the file was not changed"
    );

    // Not SQLite at all.
    std::fs::write(
        &path,
        b"these are my holiday notes, not a database at all, no",
    )
    .expect("write");
    let err = IdentityStore::open(dir.path()).expect_err("not sqlite");
    assert!(
        matches!(err, IdentityError::NotAServerDatabase { .. }),
        "{err:?}"
    );

    // A directory that was never initialised, for admin commands.
    let empty = tempfile::tempdir().expect("temp dir");
    let err = IdentityStore::open_existing(empty.path()).expect_err("nothing there");
    assert!(
        matches!(err, IdentityError::NotInitialised { .. }),
        "{err:?}"
    );
}

#[test]
fn a_database_from_a_newer_server_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    drop(IdentityStore::open(dir.path()).expect("create"));
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).expect("open");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .expect("bump");
    drop(conn);

    let err = IdentityStore::open(dir.path()).expect_err("too new");
    assert!(
        matches!(err, IdentityError::SchemaTooNew { found, supported, .. }
            if found == SCHEMA_VERSION + 1 && supported == SCHEMA_VERSION),
        "{err:?}"
    );
    assert!(err.to_string().contains("newer clubsync-server"), "{err}");
}

#[test]
fn the_database_is_in_wal_mode() {
    let (dir, _store) = store();
    let conn = rusqlite::Connection::open(dir.path().join(DATABASE_FILE)).expect("open");
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
}
