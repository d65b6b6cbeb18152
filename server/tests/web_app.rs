//! The phone app's files under `/app/`: what a browser needs to install and run it offline
//! (content types, caching, the service worker), the redirects to it, and the hint when the app
//! is not built.

use clubsync_testkit::harness as common;

use std::path::Path;

use common::{ServerProcess, http_text};

/// A built app as `npm run build` lays it out, small.
fn fake_build(dir: &Path) {
    std::fs::create_dir_all(dir.join("assets")).expect("assets dir");
    let files: [(&str, &[u8]); 5] = [
        ("index.html", b"<!doctype html><title>clubsync</title>"),
        ("sw.js", b"self.addEventListener('fetch', () => {})"),
        ("manifest.webmanifest", b"{\"name\": \"clubsync\"}"),
        ("assets/index-abc123.js", b"console.log('app')"),
        // The wasm magic number and version (valid UTF-8, so the test's reader can read it).
        ("assets/automerge_wasm_bg-abc123.wasm", b"\0asm\x01\0\0\0"),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).expect("write a file of the build");
    }
}

#[test]
fn the_built_app_is_served_under_app_with_the_right_types_and_caching() {
    let data = tempfile::tempdir().expect("temp dir");
    let site = tempfile::tempdir().expect("temp dir");
    let web = site.path().join("dist");
    fake_build(&web);
    // A file beside the app directory, which no request may reach.
    std::fs::write(site.path().join("secret.txt"), "not for the web").expect("write");
    let web_arg = web.to_str().expect("utf-8 path");
    let server = ServerProcess::start(data.path(), &["--web-dir", web_arg]);
    let get = |path: &str| http_text(server.addr, "GET", path, &[]);

    for (path, status, to) in [("/", 307, "/app/"), ("/app", 308, "/app/")] {
        let (got, headers, _) = get(path);
        assert_eq!(got, status, "{path}");
        assert_eq!(
            headers.get("location").map(String::as_str),
            Some(to),
            "{path}"
        );
    }

    let (status, headers, body) = get("/app/");
    assert_eq!(status, 200);
    assert_eq!(body, "<!doctype html><title>clubsync</title>");
    assert!(
        headers["content-type"].starts_with("text/html"),
        "{headers:?}"
    );
    assert_eq!(headers["cache-control"], "no-cache");
    assert!(
        headers["content-security-policy"].contains("'wasm-unsafe-eval'"),
        "{headers:?}"
    );

    let expected = [
        (
            "/app/assets/automerge_wasm_bg-abc123.wasm",
            "application/wasm",
            "public, max-age=31536000, immutable",
        ),
        (
            "/app/assets/index-abc123.js",
            "text/javascript",
            "public, max-age=31536000, immutable",
        ),
        (
            "/app/manifest.webmanifest",
            "application/manifest+json",
            "no-cache",
        ),
        ("/app/sw.js", "text/javascript", "no-cache"),
    ];
    for (path, content_type, cache) in expected {
        let (status, headers, _) = get(path);
        assert_eq!(status, 200, "{path}");
        assert_eq!(headers["content-type"], content_type, "{path}");
        assert_eq!(headers["cache-control"], cache, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
    }
    let (_, headers, body) = get("/app/assets/automerge_wasm_bg-abc123.wasm");
    assert_eq!(body.as_bytes(), b"\0asm\x01\0\0\0");
    assert_eq!(headers.get("content-length").map(String::as_str), Some("8"));
    let (_, headers, _) = get("/app/sw.js");
    assert_eq!(headers["service-worker-allowed"], "/app/");

    for path in [
        "/app/missing.js",
        "/app/../secret.txt",
        "/app/..%2fsecret.txt",
        "/app/%2e%2e/secret.txt",
    ] {
        let (status, _, body) = get(path);
        assert_ne!(status, 200, "{path} answered {body:?}");
        assert!(!body.contains("not for the web"), "{path}");
    }

    // The API beside it is untouched.
    assert_eq!(get("/healthz").0, 200);
    let (status, _, _) = http_text(server.addr, "POST", "/app/", &[]);
    assert_eq!(status, 405);
}

#[test]
fn without_a_build_the_app_path_says_how_to_build_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let missing = data.path().join("no-such-dist");
    let server = ServerProcess::start(
        data.path(),
        &["--web-dir", missing.to_str().expect("utf-8 path")],
    );
    for path in ["/app/", "/app/assets/index.js"] {
        let (status, headers, body) = http_text(server.addr, "GET", path, &[]);
        assert_eq!(status, 404, "{path}");
        assert!(
            headers["content-type"].starts_with("text/plain"),
            "{headers:?}"
        );
        assert!(body.contains("npm ci && npm run build"), "{body}");
        assert!(body.contains("./run-demo"), "{body}");
    }
    // The server itself works: devices can still join and sync.
    assert_eq!(http_text(server.addr, "GET", "/healthz", &[]).0, 200);
}
