use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{chromium_here, terms_page, Page, TestApp, TestServer};

fn one_doc(app: &TestApp, server: &TestServer, path: &str) {
    app.write_catalog(
        "F",
        json!({"name": "F", "terms": {"Terms of Service": {"fetch": server.url(path), "select": "main"}}}),
    );
}

#[tokio::test]
async fn gzip_and_brotli_bodies_are_decoded() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    let html = terms_page("", "", "<p>Compressed terms.</p>");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(html.as_bytes()).unwrap();
    server.set(
        "/gz",
        Page {
            body: gz.finish().unwrap(),
            headers: vec![("content-encoding".into(), "gzip".into())],
            ..Page::html("")
        },
    );
    one_doc(&app, &server, "/gz");
    let s = app.track().await;
    assert_eq!(s.new_versions, 1, "{}", s.render());
    let doc = app.doc("F", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    assert!(v.markdown.contains("Compressed terms."));
    // The snapshot keeps the decoded bytes (what the page says), hashed as such.
    let snap = &app.store.snapshots(v.capture_id).await.unwrap()[0];
    assert_eq!(snap.content_hash, clausewatch_core::ContentHash::of(html.as_bytes()));
}

#[tokio::test]
async fn redirects_are_followed_and_loops_bounded() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    let redirect =
        |to: &str| Page { status: 301, headers: vec![("location".into(), to.into())], ..Page::html("moved") };
    server.set("/old", redirect("/new"));
    server.set_html("/new", &terms_page("", "", "<p>Moved terms.</p>"));
    server.set("/loop", redirect("/loop"));
    app.write_catalog(
        "R",
        json!({"name": "R", "terms": {
            "Terms of Service": {"fetch": server.url("/old"), "select": "main"},
            "Privacy Policy": {"fetch": server.url("/loop"), "select": "main"}
        }}),
    );
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (1, 1), "{}", s.render());
    assert_eq!(s.failures_by_cause.get("redirect-loop"), Some(&1), "{}", s.render());
    assert!(server.hits("/loop") <= app.config.fetch.max_redirects + 1);
    let doc = app.doc("R", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    let snap = &app.store.snapshots(v.capture_id).await.unwrap()[0];
    assert_eq!(snap.url, server.url("/old"));
    assert_eq!(snap.final_url, server.url("/new"));
}

#[tokio::test]
async fn per_host_concurrency_and_pacing_are_respected() {
    let server = TestServer::start().await;
    let mut app = TestApp::new().await;
    let mut terms = serde_json::Map::new();
    for (i, ty) in
        ["Terms of Service", "Privacy Policy", "Imprint", "Trackers Policy", "Developer Terms", "Commercial Terms"]
            .iter()
            .enumerate()
    {
        let path = format!("/d{i}");
        server.set(
            &path,
            Page { delay: Duration::from_millis(150), ..Page::html(&terms_page("", "", &format!("<p>Doc {i}.</p>"))) },
        );
        terms.insert(ty.to_string(), json!({"fetch": server.url(&path), "select": "main"}));
    }
    app.write_catalog("Paced", json!({"name": "Paced", "terms": terms}));
    app.config.fetch.per_host_concurrency = 2;
    app.config.fetch.per_host_interval_ms = 100;
    app.config.fetch.pace_loopback = true;
    let started = Instant::now();
    let s = app.track().await;
    let elapsed = started.elapsed();
    assert_eq!(s.new_versions, 6, "{}", s.render());
    assert!(server.max_in_flight() <= 2, "at most 2 requests at a time, saw {}", server.max_in_flight());
    // Six starts 100 ms apart: the last starts at >= 500 ms and takes 150 ms.
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
}

#[tokio::test]
async fn last_modified_conditional_get() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    let lm = "Wed, 21 Oct 2026 07:28:00 GMT";
    server.set("/lm", Page { last_modified: Some(lm.into()), ..Page::html(&terms_page("", "", "<p>Dated.</p>")) });
    one_doc(&app, &server, "/lm");
    app.track().await;
    let s = app.track().await;
    assert_eq!((s.fetched, s.unchanged, s.failed), (1, 1, 0), "{}", s.render());
    let doc = app.doc("F", "Terms of Service").await;
    let last = app.store.latest_snapshot_for_url(doc.id, &server.url("/lm")).await.unwrap().unwrap();
    assert!(last.not_modified && last.status == 304);
}

#[tokio::test]
async fn legacy_charsets_are_decoded() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    let mut body = b"<html><body><main><p>Conditions g".to_vec();
    body.extend_from_slice(&[0xe9, b'n', 0xe9]);
    body.extend_from_slice(b"rales de vente</p></main></body></html>");
    server.set("/latin1", Page { body, content_type: "text/html; charset=iso-8859-1".into(), ..Page::html("") });
    one_doc(&app, &server, "/latin1");
    app.track().await;
    let doc = app.doc("F", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    assert!(v.markdown.contains("Conditions générales de vente"), "{}", v.markdown);
}

/// A minimal, valid one-page PDF with a text layer (offsets computed, not hand-counted).
pub fn tiny_pdf(text: &str) -> Vec<u8> {
    paged_pdf(&[&[text]])
}

/// A PDF with one page per entry, each line of a page drawn below the previous one.
pub fn paged_pdf(pages: &[&[&str]]) -> Vec<u8> {
    clausewatch_extract::pdf::text_pdf(pages)
}

#[tokio::test]
async fn pdf_pages_are_shown_beside_the_text_and_a_reflow_is_no_new_version() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    let pdf =
        |pages: &[&[&str]]| Page { body: paged_pdf(pages), content_type: "application/pdf".into(), ..Page::html("") };
    server.set(
        "/terms.pdf",
        pdf(&[
            &["1. Scope", "These terms apply to every user of the service."],
            &["2. Disputes", "Any dispute will be resolved by binding individual arbitration administered by JAMS."],
        ]),
    );
    app.write_catalog(
        "Pdf",
        json!({"name": "Pdf", "terms": {"Terms of Service": {"fetch": server.url("/terms.pdf")}}}),
    );
    assert_eq!(app.track().await.new_versions, 1);
    let out = app.command(&["show", "Pdf", "Terms of Service", "--pages"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let (p1, p2) = (text.find("<!-- page 1 -->").unwrap(), text.find("<!-- page 2 -->").unwrap());
    let refunds = text.find("Disputes").unwrap();
    assert!(p1 < text.find("Scope").unwrap() && p2 < refunds && text[p2..refunds].lines().count() <= 2, "{text}");
    // The web page of the version shows the page starts beside the text, and the page of
    // each finding's quote.
    clausewatch::analyze::analyze_stored(&app.store, None).await.unwrap();
    let doc = app.doc("Pdf", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    let base = crate::web::spawn_web(&app).await;
    let (status, page) = crate::web::get(&format!("{base}/versions/{}", v.id)).await;
    assert_eq!(status, 200);
    assert!(page.contains("── page 2 ──"), "{page}");
    assert!(page.contains("page 2, bytes"), "a finding on the second page names it: {page}");
    // Without --pages the stored text is printed as it is, with no page marks.
    let plain = app.command(&["show", "Pdf", "Terms of Service"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("<!--"));
    // The same text broken over pages differently is not a new version.
    server.set(
        "/terms.pdf",
        pdf(&[&[
            "1. Scope",
            "These terms apply to every user",
            "of the service.",
            "2. Disputes",
            "Any dispute will be resolved by binding individual arbitration administered by JAMS.",
        ]]),
    );
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (0, 0), "{}", s.render());
}

#[tokio::test]
async fn pdf_documents_become_text_versions() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    server.set(
        "/terms.pdf",
        Page { body: tiny_pdf("Refunds within 14 days."), content_type: "application/pdf".into(), ..Page::html("") },
    );
    app.write_catalog(
        "Pdf",
        json!({"name": "Pdf", "terms": {"Terms of Service": {"fetch": server.url("/terms.pdf")}}}),
    );
    let s = app.track().await;
    assert_eq!(s.new_versions, 1, "{}", s.render());
    let doc = app.doc("Pdf", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    assert!(v.markdown.contains("Refunds within 14 days."), "{}", v.markdown);
    server.set(
        "/terms.pdf",
        Page { body: tiny_pdf("Refunds within 30 days."), content_type: "application/pdf".into(), ..Page::html("") },
    );
    let s = app.track().await;
    assert_eq!(s.new_versions, 1, "{}", s.render());
    // A truncated PDF is a failed capture, not a version and not a crash.
    let mut broken = tiny_pdf("x");
    broken.truncate(60);
    server.set("/terms.pdf", Page { body: broken, content_type: "application/pdf".into(), ..Page::html("") });
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (0, 1), "{}", s.render());
    assert_eq!(app.store.versions(doc.id).await.unwrap().len(), 2);
}

/// The address guard: internal addresses are refused by default, before any request is sent,
/// after DNS resolution, and again on every redirect hop; the allow-list lets ranges through.
#[tokio::test]
async fn address_guard_refuses_internal_addresses_on_every_hop() {
    let allowed = TestServer::start().await; // 127.0.0.1
    let other = TestServer::start_on("127.0.0.2").await;
    other.set_html("/secret", &terms_page("", "", "<p>Internal.</p>"));
    allowed.set_html("/t", &terms_page("", "", "<p>Public terms.</p>"));
    let redirect = |to: String| Page { status: 302, headers: vec![("location".into(), to)], ..Page::html("moved") };
    allowed.set("/to-internal", redirect(other.url("/secret")));
    allowed.set("/to-name", redirect(format!("http://localhost:{}/t", allowed.addr.port())));

    // Default configuration: loopback refused, nothing reaches the server.
    let mut app = TestApp::new().await;
    app.config.fetch.allow_hosts.clear();
    one_doc(&app, &allowed, "/t");
    let s = app.track().await;
    assert_eq!(s.failures_by_cause.get("address-blocked"), Some(&1), "{}", s.render());
    assert_eq!(allowed.hits("/t"), 0);
    assert!(s.failures[0].message.contains("loopback"), "{}", s.failures[0].message);

    // Only 127.0.0.1 allowed: a redirect to 127.0.0.2 is refused at the hop; a redirect to a
    // name resolving to 127.0.0.1 (and ::1, dropped) is followed.
    let mut app = TestApp::new().await;
    app.config.fetch.allow_hosts = vec!["127.0.0.1/32".into()];
    app.write_catalog(
        "G",
        json!({"name": "G", "terms": {
            "Terms of Service": {"fetch": allowed.url("/to-name"), "select": "main"},
            "Privacy Policy": {"fetch": allowed.url("/to-internal"), "select": "main"}
        }}),
    );
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (1, 1), "{}", s.render());
    assert_eq!(s.failures_by_cause.get("address-blocked"), Some(&1), "{}", s.render());
    assert_eq!(other.hits("/secret"), 0, "the refused hop was never requested");

    // A name whose every address is refused fails at resolution.
    let mut app = TestApp::new().await;
    app.config.fetch.allow_hosts = vec!["127.0.0.2/32".into()];
    app.write_catalog(
        "H",
        json!({"name": "H", "terms": {"Terms of Service": {
            "fetch": format!("http://localhost:{}/t", allowed.addr.port()), "select": "main"}}}),
    );
    let s = app.track().await;
    assert_eq!(s.failures_by_cause.get("address-blocked"), Some(&1), "{}", s.render());
}

/// robots.txt is fetched once per host and honoured; a source may opt out with a reason.
#[tokio::test]
async fn robots_txt_is_honoured_unless_a_source_opts_out() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    server.set(
        "/robots.txt",
        Page { content_type: "text/plain".into(), ..Page::html("User-agent: *\nDisallow: /private\n") },
    );
    for path in ["/terms", "/private/terms", "/private/imprint"] {
        server.set_html(path, &terms_page("", "", &format!("<p>Text of {path}.</p>")));
    }
    app.write_catalog(
        "Robots",
        json!({"name": "Robots", "terms": {
            "Terms of Service": {"fetch": server.url("/terms"), "select": "main"},
            "Privacy Policy": {"fetch": server.url("/private/terms"), "select": "main"},
            "Imprint": {"fetch": server.url("/private/imprint"), "select": "main",
                        "ignoreRobots": "legal notice the operator must publish; checked with them"}
        }}),
    );
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (2, 1), "{}", s.render());
    assert_eq!(s.failures_by_cause.get("robots-disallowed"), Some(&1), "{}", s.render());
    assert!(s.failures[0].message.contains("Disallow: /private"), "{}", s.failures[0].message);
    assert_eq!(server.hits("/private/terms"), 0);
    assert_eq!(server.hits("/private/imprint"), 1);
    assert_eq!(server.hits("/robots.txt"), 1, "cached per host for the run");

    // A robots.txt the server cannot serve (5xx) means complete disallow (RFC 9309); the
    // incident names the server failure.
    let other = TestServer::start().await;
    other.set("/robots.txt", Page { status: 503, ..Page::html("down") });
    other.set_html("/t", &terms_page("", "", "<p>T.</p>"));
    let app = TestApp::new().await;
    one_doc(&app, &other, "/t");
    let s = app.track().await;
    assert_eq!(s.failures_by_cause.get("http-5xx"), Some(&1), "{}", s.render());
    assert!(s.failures[0].message.contains("robots.txt answered HTTP 503"), "{}", s.failures[0].message);
    assert_eq!(other.hits("/t"), 0);
}

/// Transient failures are retried with backoff; Retry-After is honoured, and one longer than
/// the configured maximum is not waited for; permanent failures are not retried.
#[tokio::test]
async fn transient_failures_are_retried_with_backoff() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    let status = |code: u16, retry_after: Option<&str>| Page {
        status: code,
        headers: retry_after.map(|r| vec![("retry-after".into(), r.into())]).unwrap_or_default(),
        ..Page::html("busy")
    };
    server.set("/busy", status(503, Some("0")));
    server.set("/later", status(429, Some("3600")));
    server.set("/broken", status(500, None));
    server.set("/gone", status(404, None));
    app.write_catalog(
        "Busy",
        json!({"name": "Busy", "terms": {
            "Terms of Service": {"fetch": server.url("/busy"), "select": "main"},
            "Privacy Policy": {"fetch": server.url("/later"), "select": "main"},
            "Imprint": {"fetch": server.url("/broken"), "select": "main"},
            "Trackers Policy": {"fetch": server.url("/gone"), "select": "main"}
        }}),
    );
    let started = std::time::Instant::now();
    let s = app.track().await;
    assert_eq!(s.failed, 4, "{}", s.render());
    let retries = app.config.fetch.retries as usize;
    assert_eq!(server.hits("/busy"), 1 + retries, "503 is retried");
    assert_eq!(server.hits("/later"), 1, "a Retry-After of an hour is not waited for");
    assert_eq!(server.hits("/broken"), 1, "500 is not transient");
    assert_eq!(server.hits("/gone"), 1);
    assert!(started.elapsed() < Duration::from_secs(5));
}

/// Incidents: one open per (document, cause); a later failure counts another occurrence, a
/// success resolves, a relapse reopens; never a version from a failed fetch.
#[tokio::test]
async fn incidents_open_resolve_and_reopen() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    one_doc(&app, &server, "/t");
    server.set("/t", Page { status: 404, ..Page::html("missing") });
    app.track().await;
    app.track().await;
    let open = app.store.incidents(true, None).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!((open[0].cause.as_str(), open[0].occurrences), ("http-4xx", 2));
    let doc = app.doc("F", "Terms of Service").await;
    assert!(app.store.latest_version(doc.id).await.unwrap().is_none(), "no version from a failed fetch");

    server.set_html("/t", &terms_page("", "", "<p>Back.</p>"));
    app.track().await;
    assert!(app.store.incidents(true, None).await.unwrap().is_empty(), "recovery resolves");
    let all = app.store.incidents(false, None).await.unwrap();
    assert!(all[0].resolved_at.is_some());

    server.set("/t", Page { status: 404, ..Page::html("missing") });
    app.track().await;
    let open = app.store.incidents(true, None).await.unwrap();
    assert_eq!((open.len(), open[0].reopened, open[0].occurrences), (1, 1, 3), "relapse reopens");

    // A different cause is its own incident; the CLI lists open ones.
    server.set("/t", Page { status: 200, ..Page::html("<html><body><nav>only a menu</nav></body></html>") });
    app.track().await;
    let out = app.command(&["incidents"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("selector-matched-nothing") && text.contains("http-4xx"), "{text}");
    assert!(text.contains("open: 2"), "{text}");
}

/// A login or error page served with 200 instead of the document is an incident, not a version.
#[tokio::test]
async fn a_page_that_is_not_the_document_is_an_incident() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    one_doc(&app, &server, "/t");
    let clauses: String =
        (0..40).map(|i| format!("<p>Clause {i}: you agree that we may process your data.</p>")).collect();
    server.set_html("/t", &terms_page("", "", &format!("<h2>Scope</h2>{clauses}<h2>Law</h2><p>Irish law.</p>")));
    assert_eq!(app.track().await.new_versions, 1);
    server.set_html(
        "/t",
        &terms_page("", "", "").replace("<h1>Terms of Service</h1>", "<h1>Sign in</h1><p>Enter your password.</p>"),
    );
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (0, 1), "{}", s.render());
    assert_eq!(s.failures_by_cause.get("not-the-document"), Some(&1), "{}", s.render());
    let open = app.store.incidents(true, None).await.unwrap();
    assert_eq!(open[0].cause, "not-the-document");
}

/// `executeClientScripts` sources are rendered by headless Chromium (Debian's `chromium`,
/// installed by .ci/run): the text written by scripts is captured, requests the page makes go
/// through the address guard, and without a browser the source fails with a clear incident.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_rendered_pages_use_headless_chromium() {
    let server = TestServer::start().await;
    let internal = TestServer::start_on("127.0.0.2").await;
    internal.set("/beacon.js", Page { content_type: "text/javascript".into(), ..Page::html("window.leaked = 1;") });
    let page = format!(
        "<!doctype html><html><body><main id=app></main><script src=\"{}\"></script><script>\
         setTimeout(function () {{ document.getElementById('app').innerHTML = \
         '<section id=terms><h2>Rendered terms</h2><p>Written by scripts.</p></section>'; }}, 300);</script></body></html>",
        internal.url("/beacon.js")
    );
    server.set_html("/js", &page);
    let mut app = TestApp::new().await;
    app.config.fetch.browser = true;
    app.config.fetch.allow_hosts = vec!["127.0.0.1/32".into()];
    app.write_catalog(
        "Js",
        json!({"name": "Js", "terms": {"Terms of Service": {
            "fetch": server.url("/js"), "select": "#terms", "executeClientScripts": true}}}),
    );
    if chromium_here("the rendering half") {
        let s = app.track().await;
        assert_eq!(s.new_versions, 1, "{}", s.render());
        let doc = app.doc("Js", "Terms of Service").await;
        let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
        assert!(v.markdown.contains("Written by scripts."), "{}", v.markdown);
        let snap = &app.store.snapshots(v.capture_id).await.unwrap()[0];
        assert_eq!(snap.fetcher, "chromium");
        assert_eq!(internal.hits("/beacon.js"), 0, "the page's request to a refused address never left");
    }

    // No browser: a clear incident, not a crash.
    let mut app = TestApp::new().await;
    app.config.fetch.browser = true;
    app.config.fetch.browser_path = Some("/nonexistent/chromium".into());
    app.write_catalog(
        "Js",
        json!({"name": "Js", "terms": {"Terms of Service": {
            "fetch": server.url("/js"), "select": "#terms", "executeClientScripts": true}}}),
    );
    let s = app.track().await;
    assert_eq!(s.failures_by_cause.get("browser-unavailable"), Some(&1), "{}", s.render());
    assert!(s.failures[0].message.contains("chromium"), "{}", s.failures[0].message);
}

/// A source not marked as needing scripts whose static page is an empty shell (the selectors
/// match nothing) is looked at again in the browser.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_shells_switch_to_the_browser() {
    if !chromium_here("the test") {
        return;
    }
    let server = TestServer::start().await;
    server.set_html(
        "/shell",
        "<!doctype html><html><body><div id=root></div><script>document.getElementById('root').innerHTML = \
         '<article id=terms><h2>Terms</h2><p>Filled in by scripts.</p></article>';</script></body></html>",
    );
    let mut app = TestApp::new().await;
    app.config.fetch.browser = true;
    app.write_catalog(
        "Shell",
        json!({"name": "Shell", "terms": {"Terms of Service": {"fetch": server.url("/shell"), "select": "#terms"}}}),
    );
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (1, 0), "{}", s.render());
    let doc = app.doc("Shell", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    assert!(v.markdown.contains("Filled in by scripts."), "{}", v.markdown);
    assert_eq!(app.store.snapshots(v.capture_id).await.unwrap()[0].fetcher, "chromium");
    assert!(app.store.incidents(true, None).await.unwrap().is_empty());
}

/// A static page that holds the document but not the element the rule selects (scripts add it)
/// is looked at in the browser before it may be read automatically: the rule applies to the
/// rendered page, and nothing is left to fix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_comes_before_reading_automatically() {
    if !chromium_here("the test") {
        return;
    }
    let server = TestServer::start().await;
    let clauses = "<p>You may use the service for lawful purposes only, and we may suspend accounts that break \
                   these terms after notice, unless the law requires otherwise.</p>"
        .repeat(8);
    server.set_html(
        "/wrapped",
        &format!(
            "<!doctype html><html><body><div id=root><h1>Terms of Service</h1>{clauses}</div><script>\
             const r = document.getElementById('root'); r.innerHTML = '<article id=terms>' + r.innerHTML + '</article>';\
             </script></body></html>"
        ),
    );
    let mut app = TestApp::new().await;
    app.config.fetch.browser = true;
    app.write_catalog(
        "Wrapped",
        json!({"name": "Wrapped", "terms": {"Terms of Service": {"fetch": server.url("/wrapped"), "select": "#terms"}}}),
    );
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed, s.read_automatically.len()), (1, 0, 0), "{}", s.render());
    let doc = app.doc("Wrapped", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    assert!(v.automatic_sources.is_empty(), "read by the rule in the rendered page");
    assert_eq!(app.store.snapshots(v.capture_id).await.unwrap()[0].fetcher, "chromium");
    assert!(app.store.incidents(true, None).await.unwrap().is_empty());
    let report = clausewatch::rebuild::rebuild(&app.store, false).await.unwrap();
    assert!(report.mismatches.is_empty(), "{}", report.render());
}
