use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{bin, terms_page, TestApp, TestServer};

pub(crate) async fn spawn_web(app: &TestApp) -> String {
    let state =
        clausewatch::web::AppState { store: app.store.clone(), config: std::sync::Arc::new(app.config.clone()) };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, clausewatch::web::router(state)).await.unwrap() });
    format!("http://{addr}")
}

pub(crate) async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn demo_is_browsable_with_provenance_and_rebuilds() {
    let app = TestApp::new().await;
    let report = clausewatch::demo::load(&app.store).await.unwrap();
    assert!(report.platforms >= 2 && report.captures >= 10, "{report:?}");
    assert!(report.attribution.contains("ODC-BY"));
    let base = spawn_web(&app).await;
    let (status, index) = get(&base).await;
    assert_eq!(status, 200);
    assert!(index.contains("DeepSeek") && index.contains("Grok"), "{index}");

    let doc = app.doc("DeepSeek", "Privacy Policy").await;
    assert!(doc.versions >= 2, "the demo shows real changes");
    let (_, page) = get(&format!("{base}/documents/{}", doc.id)).await;
    assert!(page.contains("first record") && page.contains("/changes/"), "{page}");
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    let analysed = clausewatch::analyze::analyze_stored(&app.store, None).await.unwrap();
    assert!(analysed.analyzed >= report.versions, "{analysed:?}");
    let (_, vpage) = get(&format!("{base}/versions/{}", v.id)).await;
    assert!(
        vpage.contains("What this version says") && vpage.contains("href=\"#finding-1\""),
        "summary links its findings"
    );
    assert!(
        vpage.contains("<blockquote>") && vpage.contains("Analyser <code>"),
        "findings quote the text and name the analyser"
    );
    // Provenance: text hash, capture time, snapshot URL and hash.
    assert!(vpage.contains(&v.text_hash.to_hex()), "version page shows the text hash");
    assert!(vpage.contains("https://cdn.deepseek.com/"), "version page shows the snapshot URL");
    let change = app.store.change_to(v.id).await.unwrap().unwrap();
    let (status, cpage) = get(&format!("{base}/changes/{}", change.id)).await;
    assert_eq!(status, 200);
    assert!(cpage.contains("<ins>") || cpage.contains("<del>"), "redline");
    assert!(cpage.contains("<h2>Significance: "), "the structured summary comes first: {cpage}");
    assert!(cpage.contains(&format!(">version {}</a>", v.seq)), "the change names its versions: {cpage}");
    assert!(cpage.contains("moved. Paragraphs:"), "{cpage}");
    let (_, ppage) = get(&format!("{base}/platforms/{}", doc.platform_id)).await;
    assert!(ppage.contains("Governance timeline") && ppage.contains("first record"), "{ppage}");
    let (status, _) = get(&format!("{base}/versions/999999")).await;
    assert_eq!(status, 404);
    let (status, _) = get(&format!("{base}/documents/not-a-number")).await;
    assert_eq!(status, 400);

    let r = clausewatch::rebuild::rebuild(&app.store, false).await.unwrap();
    assert!(r.mismatches.is_empty(), "{}", r.render());
}

#[tokio::test]
async fn document_text_is_escaped_in_pages() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    app.write_catalog("Evil", json!({"name": "Evil <b>Corp</b>", "terms": {"Terms of Service": {"fetch": server.url("/t"), "select": "main"}}}));
    server.set_html("/t", &terms_page("", "", "<p>&lt;script&gt;alert(1)&lt;/script&gt; terms</p>"));
    app.track().await;
    server.set_html(
        "/t",
        &terms_page(
            "",
            "",
            "<p>&lt;script&gt;alert(2)&lt;/script&gt; terms are governed by the laws of &lt;b&gt;Ireland.</p>",
        ),
    );
    app.track().await;
    clausewatch::analyze::analyze_stored(&app.store, None).await.unwrap();
    let base = spawn_web(&app).await;
    let doc = app.doc("Evil", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    assert!(v.markdown.contains("<script>alert(2)</script>"), "the text keeps what the page says");
    let (_, vpage) = get(&format!("{base}/versions/{}", v.id)).await;
    assert!(!vpage.contains("<script>alert"), "{vpage}");
    assert!(vpage.contains("&lt;script&gt;alert(2)"));
    let change = app.store.change_to(v.id).await.unwrap().unwrap();
    let (_, cpage) = get(&format!("{base}/changes/{}", change.id)).await;
    assert!(!cpage.contains("<script>alert"), "{cpage}");
    let (_, index) = get(&base).await;
    assert!(index.contains("Evil &lt;b&gt;Corp&lt;/b&gt;"));
}

/// `serve` as a user runs it: no configuration but a data folder, schedule on, offline demo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_loads_demo_and_tracks_on_a_schedule() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    app.write_catalog(
        "Local",
        json!({"name": "Local", "terms": {"Terms of Service": {"fetch": server.url("/t"), "select": "main"}}}),
    );
    server.set_html("/t", &terms_page("", "", "<p>Local terms.</p>"));
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin())
        .current_dir(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--schedule-hours", "0.0005"])
        .arg("--catalog")
        .arg(app.catalog_dir())
        .env("CLAUSEWATCH_LOG", "error")
        .env("CLAUSEWATCH_ALLOW_HOSTS", "127.0.0.0/8")
        .env("CLAUSEWATCH_RETRY_BASE_MS", "5")
        // Demo sources point at the real hosts; keep test traffic on loopback by refusing them
        // at the proxy level: an unroutable proxy on 127.0.0.1 makes them fail fast.
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("listening on ").expect("serve prints its address").to_string();
    assert!(dir.path().join("data/clausewatch.db").exists(), "serve creates ./data");
    let (status, index) = get(&base).await;
    assert_eq!(status, 200);
    assert!(index.contains("DeepSeek") && index.contains("Local"), "demo loaded, catalog synced: {index}");
    // At least two scheduled runs complete, one at a time, each with its summary stored.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, runs) = get(&format!("{base}/runs")).await;
        // Runs may follow each other back to back; two finished ones, each with its summary.
        if runs.matches("schedule").count() >= 2 && runs.matches("fetched ").count() >= 2 {
            assert!(runs.contains("fetched 1") || runs.contains("fetched 1 "), "{runs}");
            break;
        }
        assert!(Instant::now() < deadline, "no two scheduled runs within 30 s: {runs}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
}
