//! Fetching documents over HTTP: rustls, gzip/br/deflate, bounded redirects, connect and total
//! timeouts, a maximum body size, conditional GET, and per-host pools (a concurrency limit and
//! pacing between request starts).
//!
//! The address guard (`guard.rs`) refuses internal addresses after DNS resolution and on every
//! redirect hop. Seams for later work: `Fetcher::fetch` is where a headless-browser fetcher and
//! robots.txt plug in; every failure is classified by `FetchError::cause`.

pub mod browser;
pub mod guard;
pub mod proxy;
pub mod robots;

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
    /// Fetch and honour robots.txt (a source may still opt out, with a reason).
    pub respect_robots: bool,
    /// Retries of transient failures (connection refused or reset, 429, 502, 503, 504).
    pub retries: u32,
    /// First backoff; doubled at each retry, with jitter. `Retry-After` wins when given.
    pub retry_base: Duration,
    /// A `Retry-After` longer than this is not waited for: the fetch fails instead.
    pub max_retry_wait: Duration,
    /// The headless browser for `executeClientScripts` sources (None: look for `chromium`).
    pub browser_path: Option<std::path::PathBuf>,
    /// Use a headless browser at all (off: pages that need one fail `browser-unavailable`).
    pub use_browser: bool,
    /// Browser pages rendered at once.
    pub max_browser_tabs: usize,
    /// Whole render (browser start, page, scripts), separate from `total_timeout`: a browser
    /// needs longer than a plain request.
    pub browser_timeout: Duration,
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
            respect_robots: true,
            retries: 2,
            retry_base: Duration::from_secs(1),
            max_retry_wait: Duration::from_secs(60),
            browser_path: None,
            use_browser: true,
            max_browser_tabs: 2,
            browser_timeout: Duration::from_secs(60),
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
    HttpStatus { status: u16, retry_after: Option<Duration> },
    #[error("body larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("too many redirects (limit {0})")]
    TooManyRedirects(usize),
    #[error("could not read the body: {0}")]
    Decode(String),
    #[error("{0}")]
    AddressBlocked(String),
    #[error("{0}")]
    RobotsDisallowed(String),
    #[error("{why}")]
    RobotsUnavailable { status: u16, why: String },
    #[error("{0}")]
    BrowserUnavailable(String),
    #[error("bot-blocked: {0}")]
    BotBlocked(String),
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
            FetchError::HttpStatus { status, .. } if *status < 500 => "http-4xx",
            FetchError::HttpStatus { .. } => "http-5xx",
            FetchError::TooLarge { .. } => "too-large",
            FetchError::TooManyRedirects(_) => "redirect-loop",
            FetchError::Decode(_) => "decode-error",
            FetchError::AddressBlocked(_) => "address-blocked",
            FetchError::RobotsDisallowed(_) => "robots-disallowed",
            FetchError::RobotsUnavailable { status, .. } if *status < 500 => "http-4xx",
            FetchError::RobotsUnavailable { .. } => "http-5xx",
            FetchError::BrowserUnavailable(_) => "browser-unavailable",
            FetchError::BotBlocked(_) => "bot-blocked",
            FetchError::Other(_) => "other",
        }
    }
}

struct HostPool {
    /// Set when the host timed out or refused connections (after retries): the rest of the
    /// run fails fast for it instead of paying the timeout once per document.
    down: std::sync::Mutex<Option<FetchError>>,
    permits: Arc<Semaphore>,
    next_start: Mutex<Instant>,
}

/// One client for the whole run, with a pool per host.
/// Whether a fetch honours robots.txt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RobotsPolicy {
    Respect,
    /// The source opted out (its declaration records why).
    Ignore,
}

type RobotsCache = Mutex<HashMap<String, Arc<tokio::sync::OnceCell<robots::Robots>>>>;

pub struct Fetcher {
    client: reqwest::Client,
    browser: browser::BrowserPool,
    guard: Arc<guard::AddressGuard>,
    robots: RobotsCache,
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
        let browser = browser::BrowserPool::new(
            if config.use_browser { browser::find_browser(config.browser_path.as_deref()) } else { None },
            config.max_browser_tabs,
            guard.clone(),
            config.connect_timeout,
            config.user_agent.clone(),
        );
        Ok(Fetcher {
            client,
            browser,
            guard,
            robots: Mutex::new(HashMap::new()),
            config,
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// Whether a headless browser is available for pages that need one.
    pub fn has_browser(&self) -> bool {
        self.browser.available()
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
                    down: std::sync::Mutex::new(None),
                    permits: Arc::new(Semaphore::new(self.config.per_host_concurrency.max(1))),
                    next_start: Mutex::new(Instant::now()),
                })
            })
            .clone()
    }

    /// Parse and admit a URL: http(s) only, the address guard for IP literals, robots.txt.
    async fn admit(&self, url: &str, robots_policy: RobotsPolicy) -> Result<url::Url, FetchError> {
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
        if self.config.respect_robots && robots_policy == RobotsPolicy::Respect {
            let rules = self.robots_for(&parsed).await;
            let path = match parsed.query() {
                Some(q) => format!("{}?{q}", parsed.path()),
                None => parsed.path().to_string(),
            };
            // A server failing on robots.txt is a server failure first (the incident says
            // http-5xx); the document is not fetched meanwhile.
            rules.check(&path).map_err(|why| match &rules {
                robots::Robots::Unreachable { status, .. } => FetchError::RobotsUnavailable { status: *status, why },
                _ => FetchError::RobotsDisallowed(why),
            })?;
        }
        let pool = self.host_pool(&host_key(&parsed)).await;
        if let Some(earlier) = pool.down.lock().ok().and_then(|d| d.clone()) {
            return Err(earlier);
        }
        Ok(parsed)
    }

    /// Wait for the host's turn: a permit of its pool, and the pacing interval since the last
    /// request start (loopback unpaced unless configured).
    async fn take_turn(&self, parsed: &url::Url) -> Result<tokio::sync::OwnedSemaphorePermit, FetchError> {
        let pool = self.host_pool(&host_key(parsed)).await;
        let permit = pool.permits.clone().acquire_owned().await.map_err(|e| FetchError::Other(e.to_string()))?;
        if self.config.pace_loopback || !is_loopback(parsed) {
            let wait_until = {
                let mut next = pool.next_start.lock().await;
                let start = (*next).max(Instant::now());
                *next = start + self.config.per_host_interval;
                start
            };
            tokio::time::sleep_until(wait_until.into()).await;
        }
        Ok(permit)
    }

    /// Fetch one URL, honouring robots.txt, waiting for its host's turn.
    pub async fn fetch(&self, url: &str, conditional: &Conditional) -> Result<FetchResponse, FetchError> {
        self.fetch_with(url, conditional, RobotsPolicy::Respect).await
    }

    /// Fetch one URL: address guard, robots.txt (unless ignored), then the request with
    /// retries of transient failures.
    pub async fn fetch_with(
        &self,
        url: &str,
        conditional: &Conditional,
        robots_policy: RobotsPolicy,
    ) -> Result<FetchResponse, FetchError> {
        let parsed = self.admit(url, robots_policy).await?;
        let pool = self.host_pool(&host_key(&parsed)).await;
        let mut attempt = 0u32;
        loop {
            let result = self.paced_request(&parsed, url, conditional).await;
            let Err(error) = &result else { return result };
            if attempt >= self.config.retries || !is_transient(error) {
                // A refused or unreachable host stays so for the run. (A slow page is not a
                // down host; a robots.txt that never answers is, see `robots_for`.)
                if let FetchError::Connect(_) = error {
                    if let Ok(mut down) = pool.down.lock() {
                        *down = Some(host_down(error));
                    }
                }
                return result;
            }
            let wait = match error {
                FetchError::HttpStatus { retry_after: Some(after), .. } => *after,
                _ => backoff(self.config.retry_base, attempt),
            };
            if wait > self.config.max_retry_wait {
                return result;
            }
            tracing::debug!(url, attempt, ?wait, %error, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Fetch a page that needs its scripts run: address guard and robots.txt as for `fetch`,
    /// the host's turn, then headless Chromium; waits for `wait_for` (a CSS selector) when
    /// given. A PDF the browser is served is fetched as bytes.
    pub async fn fetch_rendered(
        &self,
        url: &str,
        wait_for: Option<&str>,
        robots_policy: RobotsPolicy,
    ) -> Result<FetchResponse, FetchError> {
        let parsed = self.admit(url, robots_policy).await?;
        let permit = self.take_turn(&parsed).await?;
        let fetched_at = Utc::now();
        let rendered = self.browser.render(url, wait_for, self.config.browser_timeout).await?;
        drop(permit);
        if rendered.mime.eq_ignore_ascii_case("application/pdf") {
            let mut r = self.fetch_with(url, &Conditional::default(), RobotsPolicy::Ignore).await?;
            r.fetcher = "chromium+http";
            return Ok(r);
        }
        let body = rendered.html.into_bytes();
        if body.len() as u64 > self.config.max_body_bytes {
            return Err(FetchError::TooLarge { limit: self.config.max_body_bytes });
        }
        Ok(FetchResponse {
            url: url.into(),
            final_url: rendered.final_url,
            status: 200,
            headers: Vec::new(),
            content_type: Some("text/html; charset=utf-8".into()),
            body,
            not_modified: false,
            fetched_at,
            fetcher: "chromium",
        })
    }

    /// One request in its host's turn: the per-host permit and pacing, then the total timeout.
    async fn paced_request(
        &self,
        parsed: &url::Url,
        url: &str,
        conditional: &Conditional,
    ) -> Result<FetchResponse, FetchError> {
        let _permit = self.take_turn(parsed).await?;
        let started = Instant::now();
        let result = tokio::time::timeout(self.config.total_timeout, self.request(url, conditional)).await;
        match result {
            Ok(r) => r,
            Err(_) => Err(FetchError::Timeout(started.elapsed())),
        }
    }

    /// The origin's robots.txt, fetched once per run (concurrent fetches wait for the first).
    async fn robots_for(&self, parsed: &url::Url) -> robots::Robots {
        let origin = parsed.origin().ascii_serialization();
        let cell = {
            let mut cache = self.robots.lock().await;
            cache.entry(origin.clone()).or_insert_with(|| Arc::new(tokio::sync::OnceCell::new())).clone()
        };
        cell.get_or_init(|| async {
            let Ok(robots_url) = parsed.join("/robots.txt") else {
                return robots::Robots::AllowAll;
            };
            match self.paced_request(&robots_url, robots_url.as_str(), &Conditional::default()).await {
                Ok(r) => robots::Robots::parse(&String::from_utf8_lossy(&r.body)),
                // No robots.txt: everything allowed.
                Err(FetchError::HttpStatus { status, .. }) if status < 500 => robots::Robots::AllowAll,
                Err(FetchError::HttpStatus { status, .. }) => {
                    robots::Robots::Unreachable { status, why: format!("{robots_url} answered HTTP {status}") }
                }
                // The host does not answer at all: its documents fail fast with that cause
                // instead of each paying the timeout.
                Err(e @ (FetchError::Timeout(_) | FetchError::Connect(_))) => {
                    let pool = self.host_pool(&host_key(parsed)).await;
                    if let Ok(mut down) = pool.down.lock() {
                        *down = Some(host_down(&e));
                    }
                    robots::Robots::AllowAll
                }
                // Other failures: the document fetch reports the real cause.
                Err(_) => robots::Robots::AllowAll,
            }
        })
        .await
        .clone()
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
            let retry_after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            // Bot defences answer 403/406/429/503 with a challenge page: say so.
            if matches!(status, 403 | 406 | 429 | 503) {
                let mut head = Vec::new();
                let mut stream = resp.bytes_stream();
                while let Some(Ok(chunk)) = stream.next().await {
                    head.extend_from_slice(&chunk);
                    if head.len() >= 64 * 1024 {
                        break;
                    }
                }
                if let Some(marker) = challenge_marker(&head) {
                    return Err(FetchError::BotBlocked(format!("HTTP {status} with a bot challenge ({marker})")));
                }
            }
            return Err(FetchError::HttpStatus { status, retry_after });
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

/// Marks of bot-defence challenge pages (Cloudflare, Akamai, PerimeterX, DataDome, Imperva,
/// reCAPTCHA / hCaptcha), looked for in the first 64 KB of an error response.
fn challenge_marker(body: &[u8]) -> Option<&'static str> {
    const MARKERS: &[(&str, &str)] = &[
        ("cf-chl", "Cloudflare challenge"),
        ("challenge-platform", "Cloudflare challenge"),
        ("just a moment...", "Cloudflare interstitial"),
        ("attention required! | cloudflare", "Cloudflare block"),
        ("_incapsula_resource", "Imperva"),
        ("px-captcha", "PerimeterX"),
        ("captcha-delivery.com", "DataDome"),
        ("datadome", "DataDome"),
        ("ak_bmsc", "Akamai Bot Manager"),
        ("/_sec/cp_challenge", "Akamai challenge"),
        ("g-recaptcha", "reCAPTCHA"),
        ("h-captcha", "hCaptcha"),
        ("are you a robot", "robot check"),
        ("verify you are human", "human verification"),
    ];
    let text = String::from_utf8_lossy(body).to_lowercase();
    MARKERS.iter().find(|(m, _)| text.contains(m)).map(|(_, name)| *name)
}

fn host_key(parsed: &url::Url) -> String {
    format!("{}:{}", parsed.host_str().unwrap_or(""), parsed.port_or_known_default().unwrap_or(0))
}

/// The failure later documents of a host that is down get, without another request.
fn host_down(error: &FetchError) -> FetchError {
    match error {
        FetchError::Timeout(d) => FetchError::Timeout(*d),
        _ => FetchError::Connect(format!("the host did not answer earlier in this run ({error})")),
    }
}

/// Failures worth another try: the server was busy or the connection dropped.
fn is_transient(e: &FetchError) -> bool {
    match e {
        FetchError::HttpStatus { status, .. } => matches!(status, 429 | 502 | 503 | 504),
        FetchError::Connect(_) => true,
        _ => false,
    }
}

/// `base * 2^attempt`, with up to ±25 % jitter so hosts are not hit in lockstep.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(10));
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    let jitter = 0.75 + (nanos % 1000) as f64 / 2000.0;
    exp.mul_f64(jitter)
}

/// `Retry-After`: delay in seconds, or an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(7 * 24 * 3600)));
    }
    let when = DateTime::parse_from_rfc2822(v).ok()?.with_timezone(&Utc);
    Some((when - Utc::now()).to_std().unwrap_or(Duration::ZERO))
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
