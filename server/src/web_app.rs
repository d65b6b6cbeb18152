//! The phone app: the files `npm run build` writes to `web/dist`, served under `/app/`.
//!
//! `/` and `/app` redirect to `/app/`, which serves `index.html`. Hashed build output
//! (`/app/assets/...`) may be cached for a year; `index.html`, the service worker and the
//! manifest are revalidated on every load, so a new build reaches phones on their next visit
//! online (the service worker keeps the app working offline in between). The service worker
//! lives at `/app/sw.js`, so its scope is `/app/` without any extra header.
//!
//! The directory is read on every request: building the app while the server runs needs no
//! restart, and a server started before the build answers `/app/` with a 404 that says how to
//! build it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

/// Where the built app is looked for when neither `--web-dir` nor `CLUBSYNC_WEB_DIR` says.
pub const DEFAULT_WEB_DIR: &str = "web/dist";

/// The path the app is served under (with a trailing slash: the service worker's scope).
pub const MOUNT: &str = "/app/";

/// What the app's pages may load: only this origin (its websocket included), plus compiling
/// the automerge wasm.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     connect-src 'self'; img-src 'self' data:; style-src 'self'; manifest-src 'self'; \
     worker-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; \
     form-action 'self'";

/// Whether `dir` holds a built app.
pub fn is_built(dir: &Path) -> bool {
    dir.join("index.html").is_file()
}

/// The routes of the phone app, serving the files of `web_dir`.
pub fn router<S: Clone + Send + Sync + 'static>(web_dir: PathBuf) -> Router<S> {
    let dir = Arc::new(web_dir);
    let files = move |request: Request| {
        let dir = dir.clone();
        async move { serve(&dir, request).await }
    };
    Router::new()
        .route("/", get(|| async { Redirect::temporary(MOUNT) }))
        .route("/app", get(|| async { Redirect::permanent(MOUNT) }))
        .route("/app/", get(files.clone()))
        .route("/app/{*path}", get(files))
}

async fn serve(dir: &Path, request: Request) -> Response {
    if !is_built(dir) {
        return not_built(dir);
    }
    let (mut parts, body) = request.into_parts();
    // The path inside the app directory: `/app/assets/x.js` -> `/assets/x.js`.
    let inner = parts
        .uri
        .path()
        .strip_prefix("/app")
        .filter(|p| p.starts_with('/'))
        .unwrap_or("/")
        .to_owned();
    let path_and_query = match parts.uri.query() {
        Some(query) => format!("{inner}?{query}"),
        None => inner.clone(),
    };
    parts.uri = match Uri::builder().path_and_query(path_and_query).build() {
        Ok(uri) => uri,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let mut files = ServeDir::new(dir)
        .append_index_html_on_directories(true)
        .redirect_path_prefix("/app");
    let mut response = match files.try_call(Request::from_parts(parts, body)).await {
        Ok(response) => response.map(Body::new),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return (StatusCode::NOT_FOUND, "not found\n").into_response();
        }
        Err(e) => {
            tracing::warn!(%e, path = %inner, "cannot read a file of the phone app");
            return (StatusCode::INTERNAL_SERVER_ERROR, "cannot read this file\n").into_response();
        }
    };
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        add_headers(&inner, response.headers_mut());
    }
    response
}

/// Caching and security headers by file.
fn add_headers(path: &str, headers: &mut HeaderMap) {
    let static_value = HeaderValue::from_static;
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, static_value("nosniff"));
    let cache = if path.starts_with("/assets/") {
        // Names carry a hash of their content: a new build makes new names.
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    headers.insert(header::CACHE_CONTROL, static_value(cache));
    if path == "/sw.js" {
        headers.insert("service-worker-allowed", static_value(MOUNT));
    }
    let is_page = path.ends_with('/') || path.ends_with(".html");
    if is_page {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            static_value(CONTENT_SECURITY_POLICY),
        );
        headers.insert(header::REFERRER_POLICY, static_value("no-referrer"));
        headers.insert(header::X_FRAME_OPTIONS, static_value("DENY"));
    }
}

fn not_built(dir: &Path) -> Response {
    let message = format!(
        "The phone app is not built: {} has no index.html.\n\
         Build it with `npm ci && npm run build` in web/ (or start the server with ./run-demo, \
         which builds it), then reload this page.\n\
         A server whose app is elsewhere takes --web-dir DIR (or CLUBSYNC_WEB_DIR).\n",
        dir.display()
    );
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}
