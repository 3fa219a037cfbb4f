//! `clausewatch bench-fetch`: tracking under politeness limits against many local hosts, some
//! of them broken. 1,000 documents over 50 hosts (127.0.2.1 ..), two requests at a time and
//! five a second per host; two hosts refuse connections, one answers 500, one 404, and one
//! accepts connections and never answers. Reports the wall time against the time the
//! politeness limits alone impose (the largest host's documents ÷ requests per second), peak
//! RSS, and the incidents produced (every failure must be classified; nothing else may fail).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Instant;

use axum::body::Body;
use axum::http::Uri;
use axum::response::Response;
use serde::Serialize;

use clausewatch_store::Store;

use crate::config::Config;

#[derive(Debug, Serialize)]
pub struct FetchBenchReport {
    pub documents: usize,
    pub hosts: usize,
    pub per_host_concurrency: usize,
    pub per_host_per_s: f64,
    pub timeout_s: f64,
    pub wall_s: f64,
    pub politeness_floor_s: f64,
    pub wall_over_floor: f64,
    pub new_versions: usize,
    pub failed: usize,
    pub peak_rss_mb: f64,
    /// Failures by cause, and by the kind of host they came from.
    pub incidents_by_cause: BTreeMap<String, usize>,
    pub incidents_by_host_kind: BTreeMap<String, BTreeMap<String, usize>>,
    /// Failures on hosts that serve their pages normally: must be none.
    pub unexpected_failures: Vec<String>,
}

impl FetchBenchReport {
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("documents: {}\n", self.documents));
        out.push_str(&format!("hosts: {}\n", self.hosts));
        out.push_str(&format!("per_host_concurrency: {}\n", self.per_host_concurrency));
        out.push_str(&format!("per_host_per_s: {}\n", self.per_host_per_s));
        out.push_str(&format!("timeout_s: {}\n", self.timeout_s));
        out.push_str(&format!("wall_s: {:.2}\n", self.wall_s));
        out.push_str(&format!("politeness_floor_s: {:.2}\n", self.politeness_floor_s));
        out.push_str(&format!("wall_over_floor: {:.2}\n", self.wall_over_floor));
        out.push_str(&format!("new_versions: {}\n", self.new_versions));
        out.push_str(&format!("failed: {}\n", self.failed));
        out.push_str(&format!("peak_rss_mb: {:.1}\n", self.peak_rss_mb));
        for (cause, n) in &self.incidents_by_cause {
            out.push_str(&format!("incidents_{cause}: {n}\n"));
        }
        for (kind, causes) in &self.incidents_by_host_kind {
            let list: Vec<String> = causes.iter().map(|(c, n)| format!("{c} {n}")).collect();
            out.push_str(&format!("host {kind}: {}\n", list.join(", ")));
        }
        out.push_str(&format!("unexpected_failures: {}\n", self.unexpected_failures.len()));
        for u in self.unexpected_failures.iter().take(20) {
            out.push_str(&format!("    {u}\n"));
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HostKind {
    Normal,
    Refuses,
    Answers500,
    Answers404,
    Silent,
}

impl HostKind {
    fn name(self) -> &'static str {
        match self {
            HostKind::Normal => "normal",
            HostKind::Refuses => "refuses-connections",
            HostKind::Answers500 => "answers-500",
            HostKind::Answers404 => "answers-404",
            HostKind::Silent => "never-answers",
        }
    }
}

fn kind_of(h: usize, hosts: usize) -> HostKind {
    match hosts - h {
        1 => HostKind::Silent,
        2 => HostKind::Answers404,
        3 => HostKind::Answers500,
        4 | 5 => HostKind::Refuses,
        _ => HostKind::Normal,
    }
}

async fn start_host(h: usize, kind: HostKind) -> anyhow::Result<SocketAddr> {
    let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 2, (h + 1) as u8));
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, 0)).await?;
    let addr = listener.local_addr()?;
    match kind {
        // Nothing listens on the port any more: connections are refused.
        HostKind::Refuses => drop(listener),
        HostKind::Silent => {
            tokio::spawn(async move {
                let mut held = Vec::new();
                while let Ok((stream, _)) = listener.accept().await {
                    held.push(stream);
                }
            });
        }
        _ => {
            let app = axum::Router::new().fallback(move |uri: Uri| async move {
                let status = match kind {
                    HostKind::Answers500 => 500,
                    HostKind::Answers404 => 404,
                    _ => 200,
                };
                let i: Option<usize> = uri.path().strip_prefix("/p/").and_then(|s| s.parse().ok());
                match (status, i) {
                    (200, Some(i)) => Response::builder()
                        .header("content-type", "text/html; charset=utf-8")
                        .body(Body::from(crate::bench::page(i, false)))
                        .expect("response"),
                    (200, None) => Response::builder().status(404).body(Body::empty()).expect("response"),
                    (s, _) => Response::builder().status(s).body(Body::from("error")).expect("response"),
                }
            });
            tokio::spawn(async move { axum::serve(listener, app).await });
        }
    }
    Ok(addr)
}

pub async fn run(
    documents: usize,
    hosts: usize,
    timeout_s: f64,
    work_dir: &std::path::Path,
) -> anyhow::Result<FetchBenchReport> {
    anyhow::ensure!((6..=250).contains(&hosts), "--hosts must be 6..=250 (five of them are broken on purpose)");
    let mut addrs = Vec::new();
    for h in 0..hosts {
        addrs.push((start_host(h, kind_of(h, hosts)).await?, kind_of(h, hosts)));
    }
    let per_host_concurrency = 2;
    let per_host_per_s = 5.0;
    let mut config = Config {
        data_dir: work_dir.join("data"),
        catalog_dir: work_dir.join("no-catalog"),
        concurrency: hosts * per_host_concurrency,
        ..Config::default()
    };
    config.fetch.per_host_concurrency = per_host_concurrency;
    config.fetch.per_host_interval_ms = (1000.0 / per_host_per_s) as u64;
    config.fetch.pace_loopback = true;
    config.fetch.total_timeout_secs = timeout_s;
    config.fetch.connect_timeout_secs = timeout_s;
    config.fetch.allow_hosts = vec!["127.0.0.0/8".into()];
    config.fetch.browser = false;
    config.validate()?;

    let store = Store::open(&config.data_dir).await?;
    let host_addrs: Vec<SocketAddr> = addrs.iter().map(|(a, _)| *a).collect();
    for entry in crate::bench::catalog(&host_addrs, documents) {
        store.sync_platform(&entry, chrono::Utc::now()).await?;
    }
    // Document i is page i on host i mod N, in platform i / 5 under the (i mod 5)th type.
    let types = crate::bench::TERMS_TYPES;
    let host_of_doc: BTreeMap<(String, String), HostKind> = (0..documents)
        .map(|i| ((format!("Bench {:04}", i / types.len()), types[i % types.len()].to_string()), addrs[i % hosts].1))
        .collect();

    let started = Instant::now();
    let opts = crate::track::TrackOptions { trigger: "bench-fetch".into(), ..Default::default() };
    let summary = crate::track::track(&store, &config, &opts).await?;
    let wall_s = started.elapsed().as_secs_f64();

    let largest_host = (0..hosts).map(|h| (0..documents).filter(|i| i % hosts == h).count()).max().unwrap_or(0);
    let politeness_floor_s = largest_host as f64 / per_host_per_s;
    let mut incidents_by_cause = BTreeMap::new();
    let mut incidents_by_host_kind: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    let mut unexpected_failures = Vec::new();
    for i in store.incidents(true, None).await? {
        *incidents_by_cause.entry(i.cause.clone()).or_default() += 1;
        let kind =
            host_of_doc.get(&(i.platform_name.clone(), i.terms_type.clone())).copied().unwrap_or(HostKind::Normal);
        *incidents_by_host_kind.entry(kind.name().to_string()).or_default().entry(i.cause.clone()).or_default() += 1;
        if kind == HostKind::Normal {
            unexpected_failures.push(format!("{} / {}: {} {}", i.platform_name, i.terms_type, i.cause, i.last_message));
        }
    }
    store.close().await;
    Ok(FetchBenchReport {
        documents,
        hosts,
        per_host_concurrency,
        per_host_per_s,
        timeout_s,
        wall_s,
        politeness_floor_s,
        wall_over_floor: if politeness_floor_s > 0.0 { wall_s / politeness_floor_s } else { 0.0 },
        new_versions: summary.new_versions,
        failed: summary.failed,
        peak_rss_mb: crate::bench::peak_rss_mb(),
        incidents_by_cause,
        incidents_by_host_kind,
        unexpected_failures,
    })
}
