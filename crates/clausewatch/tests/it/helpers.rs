use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;

use clausewatch::config::Config;
use clausewatch::track::{track, TrackOptions, TrackSummary};
use clausewatch_store::Store;

#[derive(Clone, Debug)]
pub struct Page {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: String,
    pub delay: Duration,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Page {
    pub fn html(body: &str) -> Page {
        Page {
            status: 200,
            body: body.as_bytes().to_vec(),
            content_type: "text/html; charset=utf-8".into(),
            delay: Duration::ZERO,
            etag: None,
            last_modified: None,
            headers: vec![],
        }
    }
}

/// A real HTTP server on 127.0.0.1 whose pages the test changes between runs.
#[derive(Clone)]
pub struct TestServer {
    pub addr: std::net::SocketAddr,
    pages: Arc<Mutex<HashMap<String, Page>>>,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    in_flight: Arc<(std::sync::atomic::AtomicUsize, std::sync::atomic::AtomicUsize)>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        TestServer::start_on("127.0.0.1").await
    }

    /// A server on another loopback address (127.0.0.2, ...), for tests that need two hosts.
    pub async fn start_on(ip: &str) -> TestServer {
        let pages: Arc<Mutex<HashMap<String, Page>>> = Arc::default();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let in_flight: Arc<(std::sync::atomic::AtomicUsize, std::sync::atomic::AtomicUsize)> = Arc::default();
        let (p, h, f) = (pages.clone(), hits.clone(), in_flight.clone());
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap| {
            let (pages, hits, flight) = (p.clone(), h.clone(), f.clone());
            async move {
                use std::sync::atomic::Ordering;
                let now = flight.0.fetch_add(1, Ordering::SeqCst) + 1;
                flight.1.fetch_max(now, Ordering::SeqCst);
                let r = serve_page(&pages, &hits, uri, headers).await;
                flight.0.fetch_sub(1, Ordering::SeqCst);
                r
            }
        });
        let listener = tokio::net::TcpListener::bind(format!("{ip}:0")).await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        TestServer { addr, pages, hits, in_flight }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn set(&self, path: &str, page: Page) {
        self.pages.lock().unwrap().insert(path.to_string(), page);
    }

    pub fn set_html(&self, path: &str, html: &str) {
        self.set(path, Page::html(html));
    }

    /// The most requests this server had in progress at once.
    pub fn max_in_flight(&self) -> usize {
        self.in_flight.1.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn serve_page(
    pages: &Mutex<HashMap<String, Page>>,
    hits: &Mutex<HashMap<String, usize>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_string();
    *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
    let page = pages.lock().unwrap().get(&path).cloned();
    let Some(page) = page else {
        return Response::builder().status(404).body(Body::from("not found")).unwrap();
    };
    if !page.delay.is_zero() {
        tokio::time::sleep(page.delay).await;
    }
    if let (Some(etag), Some(inm)) = (&page.etag, headers.get("if-none-match")) {
        if inm.to_str().ok() == Some(etag.as_str()) {
            return Response::builder()
                .status(StatusCode::NOT_MODIFIED)
                .header("etag", etag)
                .body(Body::empty())
                .unwrap();
        }
    }
    if let (Some(lm), Some(ims)) = (&page.last_modified, headers.get("if-modified-since")) {
        if ims.to_str().ok() == Some(lm.as_str()) {
            return Response::builder().status(StatusCode::NOT_MODIFIED).body(Body::empty()).unwrap();
        }
    }
    let mut b = Response::builder().status(page.status).header("content-type", &page.content_type);
    if let Some(etag) = &page.etag {
        b = b.header("etag", etag);
    }
    if let Some(lm) = &page.last_modified {
        b = b.header("last-modified", lm);
    }
    for (k, v) in &page.headers {
        b = b.header(k, v);
    }
    b.body(Body::from(page.body)).unwrap()
}

/// A store and a catalog in a temporary folder.
pub struct TestApp {
    pub dir: tempfile::TempDir,
    pub config: Config,
    pub store: Store,
}

impl TestApp {
    pub async fn new() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config =
            Config { data_dir: dir.path().join("data"), catalog_dir: dir.path().join("catalog"), ..Config::default() };
        config.fetch.total_timeout_secs = 2.0;
        config.fetch.connect_timeout_secs = 2.0;
        config.fetch.max_body_mb = 1.0;
        // Test servers are on loopback, which the address guard refuses by default.
        config.fetch.allow_hosts = vec!["127.0.0.0/8".into()];
        // Retries wait milliseconds, not seconds.
        config.fetch.retry_base_ms = 5;
        // Static fetching unless a test is about the browser (it turns it on).
        config.fetch.browser = false;
        std::fs::create_dir_all(&config.catalog_dir).unwrap();
        let store = Store::open(&config.data_dir).await.unwrap();
        TestApp { dir, config, store }
    }

    pub fn catalog_dir(&self) -> &Path {
        &self.config.catalog_dir
    }

    pub fn write_catalog(&self, id: &str, json: serde_json::Value) {
        std::fs::write(self.catalog_dir().join(format!("{id}.json")), serde_json::to_string_pretty(&json).unwrap())
            .unwrap();
    }

    pub async fn track(&self) -> TrackSummary {
        track(&self.store, &self.config, &TrackOptions { trigger: "test".into(), ..Default::default() }).await.unwrap()
    }

    pub async fn doc(&self, platform: &str, terms_type: &str) -> clausewatch_store::DocumentRow {
        self.store.find_document(platform, terms_type).await.unwrap().expect("document exists")
    }
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_clausewatch"))
}

impl TestApp {
    /// The `clausewatch` binary with `args`, on this app's store and catalog, quiet logs.
    pub fn command(&self, args: &[&str]) -> std::process::Command {
        let mut c = std::process::Command::new(bin());
        c.args(args)
            .arg("--data-dir")
            .arg(&self.config.data_dir)
            .arg("--catalog")
            .arg(&self.config.catalog_dir)
            .env("CLAUSEWATCH_LOG", "error")
            .env("CLAUSEWATCH_ALLOW_HOSTS", "127.0.0.0/8")
            .env("CLAUSEWATCH_RETRY_BASE_MS", "5")
            .env("CLAUSEWATCH_BROWSER", "false");
        c
    }
}

/// The shared real data, when unpacked (`../shared/unpack`); tests that need it skip without.
/// Whether Debian's chromium is here; when not, says which part of a test is skipped.
pub fn chromium_here(skipped: &str) -> bool {
    let here = clausewatch_fetch::browser::find_browser(None).is_some();
    if !here {
        eprintln!("skipped {skipped}: no chromium on this machine (.ci/run installs it)");
    }
    here
}

pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var("CLAUSEWATCH_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/tmp/clausewatch-shared"));
    if dir.join("fixtures/replay/states").is_dir() && dir.join("ota/declarations").is_dir() {
        Some(dir)
    } else {
        None
    }
}

/// A terms page with navigation and a banner around the legal text.
pub fn terms_page(nav: &str, banner: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Terms</title><script>var t={nav:?};</script></head><body>\
<nav>{nav}</nav><main><div class=\"banner\">{banner}</div><h1>Terms of Service</h1>{body}</main>\
<footer>© Example {nav}</footer></body></html>"
    )
}
