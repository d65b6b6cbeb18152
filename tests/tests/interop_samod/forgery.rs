//! samod, the second foreign client, rewriting money it may read and write: refused, and
//! nothing of it stored.

use automerge::ReadDoc;
use automerge::transaction::Transactable;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_samod_client_rewriting_a_donation_is_refused_and_nothing_is_stored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());

    // 1. Lee's samod repo records a donation of 12.50; the server saves it.
    let (repo, dialer, lee) = samod_client(&club, "Volunteer Lee").await;
    let handle = within(
        "samod creates the document",
        repo.create(new_collection(&lee, "Corn Exchange")),
    )
    .await
    .expect("the repo runs");
    samod_donation(&handle, &lee, 1_250);
    saved_on_server(&handle, &dialer).await;
    let doc = clubsync_id(&handle);

    // 2. Park's samod repo finds it and sets the amount to 1p, as one ordinary change.
    let (forger, forger_dialer, _) = samod_client(&club, "Volunteer Park").await;
    let found = within("Park finds the document", forger.find(samod_id(doc)))
        .await
        .expect("the repo runs")
        .expect("the server has the document");
    let connection = forger_dialer.connection_id().expect("connected");
    within(
        "Park has the server's changes",
        found.we_have_their_changes(connection),
    )
    .await;
    found.with_document(|d| {
        let (_, donations) = d
            .get(automerge::ROOT, "donations")
            .expect("read")
            .expect("there");
        let key = d.keys(&donations).next().expect("one donation");
        let (_, record) = d
            .get(&donations, key.as_str())
            .expect("read")
            .expect("there");
        let mut tx = d.transaction();
        tx.put(&record, "amount_minor", 1).expect("put");
        tx.commit();
    });

    // 3. The server counts the refusal and keeps 12.50.
    until("the server refuses the rewrite", || {
        let (_, _, text) = common::http_text(club.server.addr, "GET", "/metrics", &[]);
        if text.contains("clubsync_refusals_total{reason=\"field_changed\"}") {
            Ok(())
        } else {
            Err("no field_changed refusal yet".into())
        }
    })
    .await;
    let stored = read_in_clubsync(&club, "Coordinator Kim", doc).await;
    assert_eq!(amounts(&stored), BTreeSet::from([1_250]));
    forger.stop().await;
    repo.stop().await;
}
