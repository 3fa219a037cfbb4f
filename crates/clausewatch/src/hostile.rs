//! Hostile servers on 127.0.0.1, and `clausewatch bench-hostile`: each misbehaviour (a slow
//! drip, a never-ending body, a redirect loop, a gzip bomb, a 100 MB page, a wrong or invalid
//! charset, a mislabelled content type, deeply nested malformed HTML, a truncated PDF, a
//! decompression-bomb PDF, a silent server) is tracked on its own, one after the other, and
//! reported with the cause it ended as, the time it took and the memory it cost. Each case runs
//! in a fresh process (the binary re-run with `--case N`), so that memory freed by one case and
//! kept by the allocator cannot hide the next one's: its cost is the growth of that process's
//! peak resident set from just before tracking to the end. The integration tests serve the same
//! cases.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use clausewatch_core::{DocumentEntry, DocumentRules, PlatformEntry, Selector, SourceRules};
use clausewatch_store::Store;

use crate::config::Config;

/// One hostile case: the path that misbehaves and the failure cause it must end as ("ok" when
/// the document must be recorded despite the misbehaviour).
#[derive(Clone, Copy, Debug)]
pub struct Case {
    pub name: &'static str,
    pub path: &'static str,
    pub expected: &'static str,
}

pub const CASES: &[Case] = &[
    Case { name: "normal page", path: "/ok", expected: "ok" },
    Case { name: "slow drip (a byte every 0.5 s)", path: "/drip", expected: "timeout" },
    Case { name: "never-ending body", path: "/endless", expected: "too-large" },
    Case { name: "100 MB page", path: "/huge", expected: "too-large" },
    Case { name: "gzip bomb (200 MB of zeros)", path: "/gzip-bomb", expected: "too-large" },
    Case { name: "redirect loop", path: "/redirect-loop", expected: "redirect-loop" },
    Case { name: "wrong charset label (utf-16)", path: "/wrong-charset", expected: "ok" },
    Case { name: "invalid charset label", path: "/bogus-charset", expected: "ok" },
    Case { name: "HTML labelled image/png", path: "/mislabelled", expected: "ok" },
    Case { name: "100,000 nested unclosed elements", path: "/nested", expected: "decode-error" },
    Case { name: "truncated PDF", path: "/truncated.pdf", expected: "decode-error" },
    Case { name: "decompression-bomb PDF (300 MB stream)", path: "/bomb.pdf", expected: "too-large" },
    Case { name: "silent server", path: "/silent", expected: "timeout" },
];

/// The page a well-behaved case serves.
pub fn plain_terms(body: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Terms</title></head><body><nav>Home</nav><main>\
<h1>Terms of Service</h1>{body}</main><footer>© Example</footer></body></html>"
    )
}

/// A raw HTTP/1.1 server whose behaviour is chosen by the request path.
pub async fn hostile_server() -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            tokio::spawn(handle(stream));
        }
    });
    Ok(addr)
}

async fn read_head(stream: &mut TcpStream) -> (String, String) {
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
        let _ = gz.write_all(&zeros);
    }
    gz.finish().unwrap_or_default()
}

/// A PDF whose one content stream inflates to 300 MB of zeros.
fn pdf_bomb() -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..300 {
        let _ = z.write_all(&zeros);
    }
    let stream = z.finish().unwrap_or_default();
    let mut pdf = format!(
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n\
3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n4 0 obj << /Length {} /Filter /FlateDecode >>\nstream\n",
        stream.len()
    )
    .into_bytes();
    pdf.extend_from_slice(&stream);
    pdf.extend_from_slice(b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
    pdf
}

async fn send(stream: &mut TcpStream, status: &str, content_type: &str, extra: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: {content_type}\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body).await;
}

async fn handle(mut stream: TcpStream) {
    let (path, head) = read_head(&mut stream).await;
    let html = "text/html";
    match path.as_str() {
        "/robots.txt" => send(&mut stream, "404 Not Found", "text/plain", "", b"").await,
        "/ok" => send(&mut stream, "200 OK", html, "", plain_terms("<p>Normal terms.</p>").as_bytes()).await,
        // A bot defence: a challenge page for clients that are not browsers.
        "/challenge" => {
            if head.contains("sec-fetch-mode") {
                send(&mut stream, "200 OK", html, "", plain_terms("<p>Past the challenge.</p>").as_bytes()).await;
            } else {
                let body = "<html><head><title>Just a moment...</title></head><body><div id=cf-chl-widget></div></body></html>";
                send(&mut stream, "403 Forbidden", html, "", body.as_bytes()).await;
            }
        }
        // One byte every half second, forever.
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
        // Declares 100 MB and sends it.
        "/huge" => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 104857600\r\n\r\n<html>")
                .await;
            let chunk = vec![b'a'; 64 * 1024];
            let mut sent = 6usize;
            while sent < 104_857_600 && stream.write_all(&chunk).await.is_ok() {
                sent += chunk.len();
            }
        }
        "/gzip-bomb" => send(&mut stream, "200 OK", html, "content-encoding: gzip\r\n", &gzip_bomb()).await,
        "/redirect-loop" => {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 302 Found\r\nlocation: /redirect-loop\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
        }
        // Says UTF-16 or an unknown charset; is really UTF-8.
        "/wrong-charset" | "/bogus-charset" => {
            let charset = if path == "/wrong-charset" { "utf-16" } else { "x-no-such-charset" };
            let body = plain_terms("<p>Déjà vu — données personnelles.</p>");
            send(&mut stream, "200 OK", &format!("text/html; charset={charset}"), "", body.as_bytes()).await;
        }
        // HTML labelled as an image.
        "/mislabelled" => {
            send(&mut stream, "200 OK", "image/png", "", plain_terms("<p>Labelled wrong.</p>").as_bytes()).await
        }
        // 100,000 unclosed elements.
        "/nested" => {
            let body = format!("<html><body><main>{}deep", "<div><b>".repeat(100_000));
            send(&mut stream, "200 OK", html, "", body.as_bytes()).await;
        }
        // A PDF cut in the middle.
        "/truncated.pdf" => {
            let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n4 0 obj << /Length 400 >> stream\nBT /F1 12 Tf 72 720 Td (Terms";
            send(&mut stream, "200 OK", "application/pdf", "", pdf).await;
        }
        "/bomb.pdf" => send(&mut stream, "200 OK", "application/pdf", "", &pdf_bomb()).await,
        // Accepts, then says nothing.
        _ => tokio::time::sleep(Duration::from_secs(3600)).await,
    }
}

/// One case as the benchmark measured it.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct CaseResult {
    pub name: String,
    pub path: String,
    pub expected: String,
    pub cause: String,
    pub classified_as_expected: bool,
    pub secs: f64,
    /// Growth of the process's peak resident set during this case alone.
    pub peak_rss_growth_mb: f64,
    pub within_time: bool,
    pub within_memory: bool,
}

#[derive(Debug, Serialize)]
pub struct HostileReport {
    pub timeout_s: f64,
    pub body_limit_mb: f64,
    /// The stated bound on memory per case: what the body limit and the extraction caps allow.
    pub memory_bound_mb: f64,
    pub cases: Vec<CaseResult>,
    pub all_classified: bool,
    pub max_secs: f64,
    pub max_peak_rss_growth_mb: f64,
}

impl HostileReport {
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "case                                        expected       got            secs   peak RSS growth\n",
        );
        for c in &self.cases {
            out.push_str(&format!(
                "{:<43} {:<14} {:<14} {:>5.2}  {:>6.1} MB{}\n",
                c.name,
                c.expected,
                c.cause,
                c.secs,
                c.peak_rss_growth_mb,
                if c.classified_as_expected && c.within_time && c.within_memory { "" } else { "  ✗" }
            ));
        }
        out.push_str(&format!("cases: {}\n", self.cases.len()));
        out.push_str(&format!("timeout_s: {}\n", self.timeout_s));
        out.push_str(&format!("body_limit_mb: {:.1}\n", self.body_limit_mb));
        out.push_str(&format!("memory_bound_mb: {:.1}\n", self.memory_bound_mb));
        out.push_str(&format!("all_classified: {}\n", self.all_classified));
        out.push_str(&format!("all_within_time: {}\n", self.cases.iter().all(|c| c.within_time)));
        out.push_str(&format!("all_within_memory: {}\n", self.cases.iter().all(|c| c.within_memory)));
        out.push_str(&format!("max_secs: {:.2}\n", self.max_secs));
        out.push_str(&format!("max_peak_rss_growth_mb: {:.1}\n", self.max_peak_rss_growth_mb));
        out
    }
}

fn case_entry(addr: SocketAddr, case: &Case) -> PlatformEntry {
    let rules = DocumentRules {
        sources: vec![SourceRules {
            url: format!("http://{addr}{}", case.path),
            select: vec![Selector::Css("main".into())],
            remove: vec![],
            filters: vec![],
            execute_client_scripts: false,
            origin: Some("bench-hostile".into()),
            ignore_robots: None,
        }],
    };
    let mut documents = BTreeMap::new();
    documents.insert(
        "Terms of Service".to_string(),
        DocumentEntry { terms_type: "Terms of Service".into(), rules, history: vec![], retired_at: None },
    );
    PlatformEntry {
        id: "hostile".into(),
        name: "Hostile".into(),
        category: None,
        jurisdiction: None,
        website: None,
        imported_from: None,
        documents,
    }
}

fn settings(timeout_s: f64) -> anyhow::Result<Config> {
    let mut config = Config { catalog_dir: std::path::PathBuf::from("no-catalog"), ..Config::default() };
    config.fetch.total_timeout_secs = timeout_s;
    config.fetch.connect_timeout_secs = timeout_s;
    config.fetch.allow_hosts = vec!["127.0.0.0/8".into()];
    config.fetch.browser = false;
    config.validate()?;
    Ok(config)
}

/// The stated bound on the memory one case may cost: the body is held once as received and
/// once decoded, each at most the body limit; a PDF's streams are inflated only to be counted
/// (capped, nothing kept); parse trees and Markdown of a body that passed are a few MB more.
pub fn memory_bound_mb(body_limit_mb: f64) -> f64 {
    32.0 + 2.0 * body_limit_mb
}

/// Runs case `index` in this process, against a hostile server of its own, on a store in
/// `work_dir`. Meant for a fresh process: the peak resident set it reports is the process's.
pub async fn run_case(index: usize, timeout_s: f64, work_dir: &std::path::Path) -> anyhow::Result<CaseResult> {
    let case = CASES.get(index).ok_or_else(|| anyhow::anyhow!("no case {index}: there are {}", CASES.len()))?;
    let addr = hostile_server().await?;
    let mut config = settings(timeout_s)?;
    config.data_dir = work_dir.join("data");
    config.catalog_dir = work_dir.join("no-catalog");
    let store = Store::open(&config.data_dir).await?;
    store.sync_platform(&case_entry(addr, case), chrono::Utc::now()).await?;
    let baseline = crate::bench::status_mb("VmRSS:");
    let started = Instant::now();
    let opts = crate::track::TrackOptions { trigger: "bench-hostile".into(), ..Default::default() };
    let summary = crate::track::track(&store, &config, &opts).await?;
    let secs = started.elapsed().as_secs_f64();
    let peak_rss_growth_mb = (crate::bench::status_mb("VmHWM:") - baseline).max(0.0);
    store.close().await;
    let cause = summary.failures.first().map(|f| f.cause.clone()).unwrap_or_else(|| "ok".into());
    Ok(CaseResult {
        name: case.name.into(),
        path: case.path.into(),
        expected: case.expected.into(),
        classified_as_expected: cause == case.expected,
        cause,
        secs,
        peak_rss_growth_mb,
        // The timeout, plus room for robots.txt and the run's own bookkeeping.
        within_time: secs <= timeout_s + 2.0,
        within_memory: peak_rss_growth_mb <= memory_bound_mb(config.fetch.max_body_mb),
    })
}

/// Every case, each in a fresh process running this binary with `--case N`.
pub async fn run(timeout_s: f64, work_dir: &std::path::Path) -> anyhow::Result<HostileReport> {
    let config = settings(timeout_s)?;
    let exe = std::env::current_exe()?;
    let mut cases = Vec::new();
    for index in 0..CASES.len() {
        let dir = work_dir.join(format!("case-{index}"));
        let mut command = std::process::Command::new(&exe);
        command
            .args(["bench-hostile", "--format", "json", "--timeout-secs"])
            .arg(timeout_s.to_string())
            .arg("--case")
            .arg(index.to_string())
            .arg("--data-dir")
            .arg(&dir);
        let out = tokio::task::spawn_blocking(move || command.output()).await??;
        let text = String::from_utf8_lossy(&out.stdout);
        let case: CaseResult = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("case {index} printed no result ({e}): {}", String::from_utf8_lossy(&out.stderr))
        })?;
        cases.push(case);
    }
    let body_limit_mb = config.fetch.max_body_mb;
    Ok(HostileReport {
        timeout_s,
        body_limit_mb,
        memory_bound_mb: memory_bound_mb(body_limit_mb),
        all_classified: cases.iter().all(|c| c.classified_as_expected),
        max_secs: cases.iter().map(|c| c.secs).fold(0.0, f64::max),
        max_peak_rss_growth_mb: cases.iter().map(|c| c.peak_rss_growth_mb).fold(0.0, f64::max),
        cases,
    })
}
