//! Hostile servers, all on 127.0.0.1: each misbehaviour ends as a classified failure within
//! the configured timeout and under the body limit, and the rest of the run goes on.

use std::io::Write;
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{terms_page, TestApp};

/// A raw HTTP/1.1 server whose behaviour is chosen by the request path.
async fn hostile_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            tokio::spawn(handle(stream));
        }
    });
    addr
}

async fn read_path(stream: &mut TcpStream) -> (String, String) {
    let mut buf = vec![0u8; 8192];
    let mut got = 0;
    while got < buf.len() {
        let Ok(n) = stream.read(&mut buf[got..]).await else { break };
        if n == 0 {
            break;
        }
        got += n;
        if buf[..got].windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    let head = String::from_utf8_lossy(&buf[..got]).to_string();
    (head.split_whitespace().nth(1).unwrap_or("/").to_string(), head.to_ascii_lowercase())
}

fn gzip_bomb() -> Vec<u8> {
    // 200 MB of zeros compresses to about 200 KB.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..200 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap()
}

async fn handle(mut stream: TcpStream) {
    let (path, head) = read_path(&mut stream).await;
    let ok_html = |body: &str| {
        format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    match path.as_str() {
        "/robots.txt" => {
            let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
        }
        "/ok" => {
            let _ = stream.write_all(ok_html(&terms_page("", "", "<p>Normal terms.</p>")).as_bytes()).await;
        }
        // A bot defence: a challenge page for clients that are not browsers.
        "/challenge" => {
            if head.contains("sec-fetch-mode") {
                let _ = stream.write_all(ok_html(&terms_page("", "", "<p>Past the challenge.</p>")).as_bytes()).await;
            } else {
                let body = "<html><head><title>Just a moment...</title></head><body><div id=cf-chl-widget></div></body></html>";
                let head = format!(
                    "HTTP/1.1 403 Forbidden\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
            }
        }
        // One byte a second, forever.
        "/drip" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n<html><body><main>").await;
            loop {
                if stream.write_all(b"x").await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
        // A body that never ends, as fast as possible.
        "/endless" => {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n<html><body><main>").await;
            let chunk = vec![b'a'; 64 * 1024];
            while stream.write_all(&chunk).await.is_ok() {}
        }
        // Declares 100 MB.
        "/huge" => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 104857600\r\n\r\n<html>")
                .await;
            let chunk = vec![b'a'; 64 * 1024];
            while stream.write_all(&chunk).await.is_ok() {}
        }
        "/gzip-bomb" => {
            let body = gzip_bomb();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
        }
        "/redirect-loop" => {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 302 Found\r\nlocation: /redirect-loop\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
        }
        // Says UTF-16 and an unknown charset; is really UTF-8.
        "/wrong-charset" | "/bogus-charset" => {
            let charset = if path == "/wrong-charset" { "utf-16" } else { "x-no-such-charset" };
            let body = terms_page("", "", "<p>Déjà vu — données personnelles.</p>");
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset={charset}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        }
        // HTML labelled as an image.
        "/mislabelled" => {
            let body = terms_page("", "", "<p>Labelled wrong.</p>");
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        }
        // 100,000 unclosed elements.
        "/nested" => {
            let body = format!("<html><body><main>{}deep", "<div><b>".repeat(100_000));
            let _ = stream.write_all(ok_html(&body).as_bytes()).await;
        }
        // A PDF cut in the middle.
        "/truncated.pdf" => {
            let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n4 0 obj << /Length 400 >> stream\nBT /F1 12 Tf 72 720 Td (Terms";
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/pdf\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                pdf.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(pdf).await;
        }
        // Accepts, then says nothing.
        _ => tokio::time::sleep(Duration::from_secs(3600)).await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_end_as_classified_failures_and_the_run_goes_on() {
    let addr = hostile_server().await;
    let mut app = TestApp::new().await;
    // Room for the quick cases (an 11-hop redirect loop) on a loaded machine; the slow ones
    // cost exactly this.
    app.config.fetch.total_timeout_secs = 4.0;
    let paths = [
        ("Terms of Service", "/ok"),
        ("Privacy Policy", "/drip"),
        ("Trackers Policy", "/endless"),
        ("Imprint", "/huge"),
        ("Acceptable Use Policy", "/gzip-bomb"),
        ("Developer Terms", "/redirect-loop"),
        ("Commercial Terms", "/wrong-charset"),
        ("Community Guidelines", "/bogus-charset"),
        ("Copyright Claims Policy", "/mislabelled"),
        ("Law Enforcement Guidelines", "/nested"),
        ("Data Processor Agreement", "/truncated.pdf"),
        ("Brand Guidelines", "/silent"),
    ];
    let terms: serde_json::Map<String, serde_json::Value> = paths
        .iter()
        .map(|(t, p)| (t.to_string(), json!({"fetch": format!("http://{addr}{p}"), "select": "main"})))
        .collect();
    app.write_catalog("Hostile", json!({"name": "Hostile", "terms": terms}));

    let started = Instant::now();
    let s = app.track().await;
    let elapsed = started.elapsed();
    // Total timeout 4 s, body limit 1 MB. Requests run in parallel, two per host: the slow
    // ones cost the timeout each, nothing waits for a drip or a silent server.
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}\n{}", s.render());
    let cause =
        |t: &str| s.failures.iter().find(|f| f.terms_type == t).map(|f| f.cause.clone()).unwrap_or_else(|| "ok".into());
    assert_eq!(cause("Terms of Service"), "ok", "{}", s.render());
    assert_eq!(cause("Privacy Policy"), "timeout");
    assert_eq!(cause("Trackers Policy"), "too-large");
    assert_eq!(cause("Imprint"), "too-large");
    assert_eq!(cause("Acceptable Use Policy"), "too-large");
    assert_eq!(cause("Developer Terms"), "redirect-loop");
    assert_eq!(cause("Commercial Terms"), "ok", "a wrong charset label is overruled by the bytes");
    assert_eq!(cause("Community Guidelines"), "ok", "an unknown charset falls back to sniffing");
    assert_eq!(cause("Copyright Claims Policy"), "ok", "content is sniffed, not trusted to the label");
    assert_eq!(cause("Law Enforcement Guidelines"), "decode-error");
    assert_eq!(cause("Data Processor Agreement"), "decode-error");
    assert_eq!(cause("Brand Guidelines"), "timeout");
    let charset = app.doc("Hostile", "Commercial Terms").await;
    let v = app.store.latest_version(charset.id).await.unwrap().unwrap();
    assert!(v.markdown.contains("Déjà vu — données personnelles."), "{}", v.markdown);
    // Every failure is an open incident.
    assert_eq!(app.store.incidents(true, None).await.unwrap().len(), s.failed);
}

/// A bot challenge is classified as such, and a browser gets past it when there is one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_challenges_are_classified_and_retried_in_the_browser() {
    let addr = hostile_server().await;
    let catalog = json!({"name": "Guarded", "terms": {"Terms of Service": {
        "fetch": format!("http://{addr}/challenge"), "select": "main"}}});
    let mut app = TestApp::new().await;
    app.config.fetch.browser = true;
    app.config.fetch.browser_path = Some("/nonexistent/chromium".into());
    app.write_catalog("Guarded", catalog.clone());
    let s = app.track().await;
    assert_eq!(s.failures_by_cause.get("bot-blocked"), Some(&1), "{}", s.render());
    assert!(s.failures[0].message.contains("Cloudflare"), "{}", s.failures[0].message);

    if clausewatch_fetch::browser::find_browser(None).is_none() {
        eprintln!("skipped the browser half: no chromium on this machine");
        return;
    }
    let mut app = TestApp::new().await;
    app.config.fetch.browser = true;
    app.write_catalog("Guarded", catalog);
    let s = app.track().await;
    assert_eq!(s.new_versions, 1, "{}", s.render());
    let doc = app.doc("Guarded", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    assert!(v.markdown.contains("Past the challenge."), "{}", v.markdown);
}

/// A host that never answers costs the timeout once per run, not once per document; a host
/// that refuses connections fails its documents at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_host_costs_the_timeout_once() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let refused_addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let app = TestApp::new().await;
    let types =
        ["Terms of Service", "Privacy Policy", "Imprint", "Trackers Policy", "Developer Terms", "Commercial Terms"];
    let terms: serde_json::Map<String, serde_json::Value> = types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let addr = if i < 4 { silent_addr } else { refused_addr };
            (t.to_string(), json!({"fetch": format!("http://{addr}/doc/{i}"), "select": "main"}))
        })
        .collect();
    app.write_catalog("Dead", json!({"name": "Dead", "terms": terms}));
    let started = Instant::now();
    let s = app.track().await;
    let elapsed = started.elapsed();
    assert_eq!(s.failures_by_cause.get("timeout"), Some(&4), "{}", s.render());
    assert_eq!(s.failures_by_cause.get("connect"), Some(&2), "{}", s.render());
    // TestApp's timeout is 2 s: four documents on a silent host with two permits would take
    // 2 × 2 s more without the per-run memory of dead hosts.
    assert!(elapsed < Duration::from_millis(3500), "{elapsed:?}");
}
