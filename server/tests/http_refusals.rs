//! Every refusal of the HTTP edge, in process: `routes::app()` driven with tower's `oneshot`,
//! no socket and no server binary. Each answer is the shared `ErrorBody` with its `ErrorCode`,
//! which is what devices match on.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use clubsync_core::club::Role;
use clubsync_protocol::http_api::{ErrorBody, ErrorCode, JoinResponse};
use clubsync_protocol::{DocumentId, Limits, StorageId};
use clubsync_server::identity::IdentityStore;
use clubsync_server::routes;
use clubsync_server::serve::{ServeConfig, Server, TlsMode};
use clubsync_server::storage::SharedStore;
use http_body_util::BodyExt;
use tower::ServiceExt;

const NOW: i64 = 1_795_600_000_000;

/// A server's router over fresh stores in `dir`, with one club whose coordinator's and
/// volunteer's tokens are returned, and the token of a revoked device.
struct App {
    router: axum::Router,
    coordinator: String,
    volunteer: String,
    revoked: String,
    identity: Arc<IdentityStore>,
    club: clubsync_server::identity::ClubId,
    _dir: tempfile::TempDir,
}

fn app() -> App {
    app_with(None)
}

fn app_with(metrics_token: Option<&str>) -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let identity = Arc::new(IdentityStore::open(dir.path()).expect("identity store"));
    let storage = Arc::new(SharedStore::open(dir.path()).expect("document store"));
    let club = identity
        .create_club("Leeds", DocumentId::random(), NOW)
        .expect("club");
    let token = |role: Role, name: &str| {
        let code = identity
            .create_invite(club, role, name, true, Duration::from_secs(3600), NOW)
            .expect("invite");
        let (device, token) = identity
            .redeem_invite(code.as_str(), &format!("{name}'s phone"), NOW)
            .expect("redeemed");
        (device, token.as_str().to_owned())
    };
    let (_, coordinator) = token(Role::Coordinator, "Min-ji");
    let (_, volunteer) = token(Role::Volunteer, "Lee");
    let (lost, revoked) = token(Role::Volunteer, "Park");
    identity.revoke_device(lost.id, NOW).expect("revoked");
    let config = ServeConfig {
        data_dir: dir.path().to_owned(),
        listen: "127.0.0.1:0".parse().expect("address"),
        tls: TlsMode::Off,
        idle_unload: Duration::from_secs(60),
        limits: Limits::default(),
        max_document_bytes: 1 << 20,
        max_new_documents_per_day: 1000,
        messages_per_second: 100,
        web_dir: dir.path().join("no-web-app"),
        http: Default::default(),
        metrics_token: metrics_token.map(str::to_owned),
        outbox: Default::default(),
    };
    let storage_id = StorageId::new("test-server").expect("storage id");
    let server = Server::new(identity.clone(), storage, storage_id, &config);
    App {
        router: routes::app(server.state, config.web_dir),
        coordinator,
        volunteer,
        revoked,
        identity,
        club,
        _dir: dir,
    }
}

async fn send(app: &App, request: Request<Body>) -> Response {
    app.router
        .clone()
        .oneshot(request)
        .await
        .expect("the router always answers")
}

async fn refusal(response: Response) -> (StatusCode, ErrorBody) {
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("a body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "not an ErrorBody ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    (status, body)
}

fn get(path: &str, token: Option<&str>) -> Request<Body> {
    let mut request = Request::get(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(Body::empty()).expect("request")
}

fn join(body: &str) -> Request<Body> {
    Request::post("/api/join")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request")
}

#[tokio::test]
async fn sync_refuses_a_missing_an_unknown_and_a_revoked_token_before_the_upgrade() {
    let app = app();
    let (status, body) = refusal(send(&app, get("/sync", None)).await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::UNAUTHORIZED, ErrorCode::NoToken)
    );
    assert!(
        body.message.contains("Authorization: Bearer"),
        "{}",
        body.message
    );

    let (status, body) = refusal(send(&app, get("/sync", Some("csd_not-a-token"))).await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized)
    );

    let (status, body) = refusal(send(&app, get("/sync", Some(&app.revoked))).await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::UNAUTHORIZED, ErrorCode::Revoked)
    );

    // The browser's form: the token in the query.
    let path = format!("/sync?token={}", app.revoked);
    let (_, body) = refusal(send(&app, get(&path, None)).await).await;
    assert_eq!(body.error, ErrorCode::Revoked);

    // A good token without a websocket upgrade is not a 401.
    let response = send(&app, get("/sync", Some(&app.volunteer))).await;
    assert_ne!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(response.status().is_client_error());
}

#[tokio::test]
async fn join_names_a_wrong_code_and_a_malformed_body() {
    let app = app();
    let (status, body) = refusal(
        send(
            &app,
            join(r#"{"invite": "K7QM-X2PA-9F", "device_name": "phone"}"#),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body.error),
        (StatusCode::NOT_FOUND, ErrorCode::InviteNotFound)
    );

    let (status, body) = refusal(send(&app, join(r#"{"code": "K7QM"}"#)).await).await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(body.error, ErrorCode::BadBody);
    assert!(body.message.contains("device_name"), "{}", body.message);

    // A used code is refused the second time (the server redeems at its own clock's time).
    let code = app
        .identity
        .create_invite(
            app.club,
            Role::Volunteer,
            "Kim",
            true,
            Duration::from_secs(60),
            clubsync_server::clock::now_ms(),
        )
        .expect("invite");
    let request = format!(
        r#"{{"invite": "{}", "device_name": "Kim's phone"}}"#,
        code.as_str()
    );
    let first = send(&app, join(&request)).await;
    if first.status() != StatusCode::OK {
        panic!("{:?}", refusal(first).await);
    }
    let bytes = first.into_body().collect().await.expect("body").to_bytes();
    let joined: JoinResponse = serde_json::from_slice(&bytes).expect("a JoinResponse");
    assert_eq!(joined.role, "volunteer");
    assert_eq!(joined.member_name.as_deref(), Some("Kim"));
    let (status, body) = refusal(send(&app, join(&request)).await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::GONE, ErrorCode::InviteUsed)
    );
}

#[tokio::test]
async fn the_coordinators_api_needs_a_coordinators_token_in_the_header() {
    let app = app();
    let (status, body) = refusal(send(&app, get("/api/club/members", None)).await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::UNAUTHORIZED, ErrorCode::NoToken)
    );

    // Never from the query: a token there would land in proxies' logs.
    let path = format!("/api/club/members?token={}", app.coordinator);
    let (_, body) = refusal(send(&app, get(&path, None)).await).await;
    assert_eq!(body.error, ErrorCode::NoToken);

    let (status, body) =
        refusal(send(&app, get("/api/club/members", Some(&app.volunteer))).await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::FORBIDDEN, ErrorCode::CoordinatorRoleRequired)
    );
    let (status, body) =
        refusal(send(&app, get("/api/club/members", Some(&app.revoked))).await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::UNAUTHORIZED, ErrorCode::Revoked)
    );

    let ok = send(&app, get("/api/club/members", Some(&app.coordinator))).await;
    assert_eq!(ok.status(), StatusCode::OK);
    let (status, body) =
        refusal(send(&app, get("/api/club/no-such-thing", Some(&app.coordinator))).await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::NOT_FOUND, ErrorCode::NotFound)
    );
}

#[tokio::test]
async fn a_storage_fault_is_a_503_with_retry_after_never_an_answer_about_the_token() {
    let app = app();
    // The identity database fails under the server (as a full disk or a broken file would):
    // here the devices table is gone.
    let db = app
        ._dir
        .path()
        .join(clubsync_server::identity::DATABASE_FILE);
    rusqlite::Connection::open(&db)
        .and_then(|c| c.execute_batch("PRAGMA foreign_keys = OFF; DROP TABLE devices"))
        .expect("the table is dropped");
    for path in ["/sync", "/api/club/members"] {
        let response = send(&app, get(path, Some(&app.volunteer))).await;
        let retry = response.headers().get(header::RETRY_AFTER).cloned();
        let (status, body) = refusal(response).await;
        assert_eq!(
            (status, body.error),
            (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            "{path}: {}",
            body.message
        );
        assert_eq!(
            retry.as_ref().map(|v| v.as_bytes()),
            Some(&b"5"[..]),
            "{path}"
        );
        assert!(body.message.contains("try again"), "{}", body.message);
    }
}

#[tokio::test]
async fn a_flood_of_wrong_invite_codes_from_one_address_is_slowed_and_others_still_join() {
    let app = app();
    let from = |ip: &str, body: &str| {
        let mut request = join(body);
        let addr: std::net::SocketAddr = format!("{ip}:40000").parse().expect("address");
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        request
    };
    let wrong = r#"{"invite": "ABCD-EFGH-JKMN-PQRST", "device_name": "guesser"}"#;
    for _ in 0..30 {
        let (status, body) = refusal(send(&app, from("192.0.2.1", wrong)).await).await;
        assert_eq!(
            (status, body.error),
            (StatusCode::NOT_FOUND, ErrorCode::InviteNotFound)
        );
    }
    let response = send(&app, from("192.0.2.1", wrong)).await;
    let retry = response.headers().get(header::RETRY_AFTER).cloned();
    let (status, body) = refusal(response).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
        "{}",
        body.message
    );
    assert_eq!(retry.as_ref().map(|v| v.as_bytes()), Some(&b"2"[..]));
    // Another address is not slowed by the first.
    let (status, body) = refusal(send(&app, from("192.0.2.2", wrong)).await).await;
    assert_eq!(
        (status, body.error),
        (StatusCode::NOT_FOUND, ErrorCode::InviteNotFound)
    );
}

#[tokio::test]
async fn metrics_answer_loopback_or_the_metrics_token_only() {
    let from = |ip: &str, token: Option<&str>| {
        let mut request = get("/metrics", token);
        let addr: std::net::SocketAddr = format!("{ip}:40000").parse().expect("address");
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        request
    };
    let open = app();
    assert_eq!(
        send(&open, from("127.0.0.1", None)).await.status(),
        StatusCode::OK
    );
    let (status, body) = refusal(send(&open, from("192.0.2.7", None)).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.message.contains("--metrics-token"), "{}", body.message);

    let guarded = app_with(Some("s3cret-metrics"));
    assert_eq!(
        send(&guarded, from("192.0.2.7", Some("s3cret-metrics")))
            .await
            .status(),
        StatusCode::OK
    );
    for token in [None, Some("wrong")] {
        let status = send(&guarded, from("127.0.0.1", token)).await.status();
        assert_eq!(status, StatusCode::FORBIDDEN, "{token:?}");
    }
}
