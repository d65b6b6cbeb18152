//! samod clients converging through the server, and refused without access.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_samod_clients_one_of_them_offline_converge_through_the_server() {
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());

    // A creates a collection with one donation; B finds it through the server.
    let (repo_a, dialer_a, lee) = samod_client(&club, "Volunteer Lee").await;
    let a = within(
        "samod creates the document",
        repo_a.create(new_collection(&lee, "Market Square")),
    )
    .await
    .expect("the repo runs");
    samod_donation(&a, &lee, 100);
    saved_on_server(&a, &dialer_a).await;
    let (park, url_b) = club.device("Volunteer Park");
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
    samod_donation(&b, &park, 201);
    samod_donation(&b, &park, 202);
    samod_donation(&a, &lee, 301);
    samod_donation(&a, &lee, 302);
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samod_clients_without_access_get_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let club = DemoClub::start(dir.path());
    let (repo, dialer, lee) = samod_client(&club, "Volunteer Lee").await;
    let handle = within(
        "samod creates the document",
        repo.create(new_collection(&lee, "Closed Door")),
    )
    .await
    .expect("the repo runs");
    samod_donation(&handle, &lee, 500);
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
