//! Collections made by samod read by clubsync, and the other way round.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_collection_samod_creates_is_read_by_a_clubsync_device_through_core() {
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());

    // 1. A samod repo creates a clubsync street collection (built by clubsync-core), then
    //    records two donations in it, and waits until the server has said it holds them.
    let (repo, dialer, lee) = samod_client(&club, "Volunteer Lee").await;
    let handle = within(
        "samod creates the document",
        repo.create(new_collection(&lee, "High Street, 14 March")),
    )
    .await
    .expect("the repo runs");
    samod_donation(&handle, &lee, 250);
    samod_donation(&handle, &lee, 1000);
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
    let (park, url) = club.device("Volunteer Park");
    let mut device = connect(&url).await.expect("connects");
    let mut collection = new_collection(&park, "Station Entrance");
    record_donation(&mut collection, &park, 250);
    record_donation(&mut collection, &park, 1999);
    device.docs.insert(doc, collection);
    device.sync(QUIET, LIMIT).await;
    assert!(device.all_saved_on_server(doc));

    // 2. A samod repo of another member finds it and reads the same records.
    let (repo, dialer, lee) = samod_client(&club, "Volunteer Lee").await;
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
    samod_donation(&handle, &lee, 500);
    saved_on_server(&handle, &dialer).await;
    device.sync(QUIET, LIMIT).await;
    assert_eq!(device.seen.closed, None);
    assert_eq!(donations(&device.docs[&doc]), (3, 250 + 1999 + 500));
    let local: BTreeSet<ChangeHash> = device.docs[&doc].get_heads().into_iter().collect();
    assert_eq!(samod_heads(&handle), local);
    repo.stop().await;
}
