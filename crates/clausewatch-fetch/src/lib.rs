//! Fetching documents over HTTP: rustls, gzip/br/deflate, bounded redirects, connect and total
//! timeouts, a maximum body size, conditional GET, and per-host pools (a concurrency limit and
//! pacing between request starts).
//!
//! The address guard (`guard.rs`) refuses internal addresses after DNS resolution and on every
//! redirect hop. Seams for later work: `Fetcher::fetch` is where a headless-browser fetcher and
//! robots.txt plug in; every failure is classified by `FetchError::cause`.

pub mod guard;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;
use tokio::sync::{Mutex, Semaphore};

#[derive(Clone, Debug)]
pub struct FetchConfig {
    pub user_agent: String,
    pub connect_timeout: Duration,
    /// Whole request, body included.
    pub total_timeout: Duration,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub per_host_concurrency: usize,
    /// Minimum time between two request starts on one host.
    pub per_host_interval: Duration,
    /// Pace loopback hosts too (off by default: local test and benchmark servers).
    pub pace_loopback: bool,
    /// Addresses and ranges the address guard lets through (it refuses private, loopback,
    /// link-local, unique-local and metadata addresses otherwise).
    pub allow_hosts: Vec<guard::IpRange>,
}

impl Default for FetchConfig {
    fn default() -> Self {
        FetchConfig {
            user_agent: concat!(
                "Clausewatch/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/clausewatch/clausewatch; legal-document archiving)"
            )
            .to_string(),
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(60),
            max_body_bytes: 20 * 1024 * 1024,
            max_redirects: 10,
            per_host_concurrency: 2,
            per_host_interval: Duration::from_millis(200),
            pace_loopback: false,
            allow_hosts: Vec::new(),
        }
    }
}

/// What the caller knows from the last capture of this URL.
#[derive(Clone, Debug, Default)]
pub struct Conditional {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Clone, Debug)]
pub struct FetchResponse {
    pub url: String,
    pub final_url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    /// Empty when `not_modified`.
    pub body: Vec<u8>,
    pub not_modified: bool,
    pub fetched_at: DateTime<Utc>,
    pub fetcher: &'static str,
}

impl FetchResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum FetchError {
    #[error("invalid URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    #[error("DNS lookup failed: {0}")]
    Dns(String),
    #[error("connection failed: {0}")]
    Connect(String),
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("HTTP {status}")]
    HttpStatus { status: u16 },
    #[error("body larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("too many redirects (limit {0})")]
    TooManyRedirects(usize),
    #[error("could not read the body: {0}")]
    Decode(String),
    #[error("{0}")]
    AddressBlocked(String),
    #[error("request failed: {0}")]
    Other(String),
}

impl FetchError {
    /// Stable short names, shared with the track summary and (later) incidents.
    pub fn cause(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl { .. } => "invalid-url",
            FetchError::Dns(_) => "dns",
            FetchError::Connect(_) => "connect",
            FetchError::Tls(_) => "tls",
            FetchError::Timeout(_) => "timeout",
            FetchError::HttpStatus { status } if *status < 500 => "http-4xx",
            FetchError::HttpStatus { .. } => "http-5xx",
            FetchError::TooLarge { .. } => "too-large",
            FetchError::TooManyRedirects(_) => "redirect-loop",
            FetchError::Decode(_) => "decode-error",
            FetchError::AddressBlocked(_) => "address-blocked",
            FetchError::Other(_) => "other",
        }
    }
}

struct HostPool {
    permits: Semaphore,
    next_start: Mutex<Instant>,
}

/// One client for the whole run, with a pool per host.
pub struct Fetcher {
    client: reqwest::Client,
    guard: Arc<guard::AddressGuard>,
    config: FetchConfig,
    hosts: Mutex<HashMap<String, Arc<HostPool>>>,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Self, FetchError> {
        let guard = Arc::new(guard::AddressGuard { allow: config.allow_hosts.clone() });
        let max_redirects = config.max_redirects;
        let redirect_guard = guard.clone();
        // Every hop is checked: IP-literal targets here, names when they are resolved.
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max_redirects {
                return attempt.error(format!("too many redirects (limit {max_redirects})"));
            }
            if let Some(ip) = ip_literal(attempt.url()) {
                if let Err(why) = redirect_guard.check(ip) {
                    return attempt.error(why);
                }
            }
            attempt.follow()
        });
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.total_timeout)
            .redirect(policy)
            .dns_resolver(Arc::new(guard::GuardedResolver { guard: guard.clone() }))
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .pool_max_idle_per_host(config.per_host_concurrency.max(1))
            .build()
            .map_err(|e| FetchError::Other(e.to_string()))?;
        Ok(Fetcher { client, guard, config, hosts: Mutex::new(HashMap::new()) })
    }

    pub fn config(&self) -> &FetchConfig {
        &self.config
    }

    async fn host_pool(&self, host: &str) -> Arc<HostPool> {
        let mut hosts = self.hosts.lock().await;
        hosts
            .entry(host.to_string())
            .or_insert_with(|| {
                Arc::new(HostPool {
                    permits: Semaphore::new(self.config.per_host_concurrency.max(1)),
                    next_start: Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    /// Fetch one URL, waiting for its host's turn.
    pub async fn fetch(&self, url: &str, conditional: &Conditional) -> Result<FetchResponse, FetchError> {
        let parsed =
            url::Url::parse(url).map_err(|e| FetchError::InvalidUrl { url: url.into(), reason: e.to_string() })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(FetchError::InvalidUrl {
                url: url.into(),
                reason: "only http and https can be fetched".into(),
            });
        }
        if let Some(ip) = ip_literal(&parsed) {
            self.guard.check(ip).map_err(FetchError::AddressBlocked)?;
        }
        let host_key = format!("{}:{}", parsed.host_str().unwrap_or(""), parsed.port_or_known_default().unwrap_or(0));
        let pool = self.host_pool(&host_key).await;
        let _permit = pool.permits.acquire().await.map_err(|e| FetchError::Other(e.to_string()))?;
        if self.config.pace_loopback || !is_loopback(&parsed) {
            let wait_until = {
                let mut next = pool.next_start.lock().await;
                let start = (*next).max(Instant::now());
                *next = start + self.config.per_host_interval;
                start
            };
            tokio::time::sleep_until(wait_until.into()).await;
        }
        let started = Instant::now();
        let result = tokio::time::timeout(self.config.total_timeout, self.request(url, conditional)).await;
        match result {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(started.elapsed())),
        }
    }

    async fn request(&self, url: &str, conditional: &Conditional) -> Result<FetchResponse, FetchError> {
        let mut req = self.client.get(url);
        if let Some(etag) = &conditional.etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &conditional.last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
        let fetched_at = Utc::now();
        let resp = req.send().await.map_err(|e| self.classify(e))?;
        let status = resp.status().as_u16();
        let final_url = resp.url().to_string();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .take(100)
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).chars().take(1000).collect()))
            .collect();
        let content_type =
            resp.headers().get(reqwest::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        if status == 304 {
            return Ok(FetchResponse {
                url: url.into(),
                final_url,
                status,
                headers,
                content_type,
                body: Vec::new(),
                not_modified: true,
                fetched_at,
                fetcher: "http",
            });
        }
        if status >= 400 {
            return Err(FetchError::HttpStatus { status });
        }
        let limit = self.config.max_body_bytes;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        // Sized from Content-Length when given (bounded by the limit), so the body is not
        // copied again at every doubling.
        let mut body = Vec::with_capacity(resp.content_length().unwrap_or(64 * 1024).min(limit) as usize);
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.classify(e))?;
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::TooLarge { limit });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchResponse {
            url: url.into(),
            final_url,
            status,
            headers,
            content_type,
            body,
            not_modified: false,
            fetched_at,
            fetcher: "http",
        })
    }

    fn classify(&self, e: reqwest::Error) -> FetchError {
        let chain = error_chain(&e);
        if chain.contains(guard::BLOCKED_MARK) {
            return FetchError::AddressBlocked(chain);
        }
        if e.is_timeout() {
            return FetchError::Timeout(self.config.total_timeout);
        }
        if e.is_redirect() {
            return FetchError::TooManyRedirects(self.config.max_redirects);
        }
        let lower = chain.to_lowercase();
        if e.is_connect() {
            if lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve") {
                return FetchError::Dns(chain);
            }
            if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
                return FetchError::Tls(chain);
            }
            return FetchError::Connect(chain);
        }
        if e.is_body() || e.is_decode() {
            return FetchError::Decode(chain);
        }
        FetchError::Other(chain)
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

fn ip_literal(url: &url::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}
