//! `clausewatch bench`: tracking throughput against floors measured in the same run.
//!
//! Generates terms pages of 20–200 KB (headings, lists, boilerplate; noise outside the
//! selected content and inside a removed element), serves them from local servers on
//! 127.0.0.1..127.0.0.N run by a child process that generated every page beforehand (so the
//! pass and floor figures — time, CPU, memory — are the tracker's alone), and measures:
//! - floor_download: every page fetched with the tracker's client and concurrency;
//! - floor_parse: the same plus one HTML parse of every body;
//! - pass 1 on an empty store; pass 2 with 10% of pages changed in their text and another 10%
//!   changed only in noise (no ETag or Last-Modified, so every body comes back).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::Uri;
use axum::response::Response;
use futures::StreamExt;
use serde::Serialize;

use clausewatch_core::{DocumentEntry, DocumentRules, PlatformEntry, Selector, SourceRules};
use clausewatch_fetch::{Conditional, Fetcher};
use clausewatch_store::Store;

use crate::config::Config;

/// Most pages a benchmark serves: its page server holds them all (about 2.6 GB at this size).
pub const MAX_PAGES: usize = 20_000;

pub const TERMS_TYPES: [&str; 5] =
    ["Terms of Service", "Privacy Policy", "Acceptable Use Policy", "Developer Terms", "Trackers Policy"];

#[derive(Clone, Debug, Serialize)]
pub struct BenchReport {
    pub pages: usize,
    pub hosts: usize,
    pub concurrency: usize,
    /// `generated`, or `real: DIR` for captured pages.
    pub pages_from: String,
    /// Share of a generated page's bytes that is the legal document ([`DEFAULT_TEXT_SHARE`]
    /// unless asked; none for real pages).
    pub text_share: Option<f64>,
    pub bytes: u64,
    pub floor_download_s: f64,
    pub floor_parse_s: f64,
    pub pass1_s: f64,
    pub pass2_s: f64,
    pub pass1_over_floor_parse: f64,
    pub pass2_over_pass1: f64,
    pub pass1_pages_per_s: f64,
    pub pass1_mb_per_s: f64,
    pub pass2_pages_per_s: f64,
    pub pass1_new_versions: usize,
    /// Pages pass 1 could not record (real pages only: a generated page always extracts).
    pub pass1_failed: usize,
    pub pass2_text_changed_pages: usize,
    pub pass2_noise_changed_pages: usize,
    pub pass2_new_versions: usize,
    pub pass2_failed: usize,
    /// CPU time (user + system, all threads) spent during each pass, to tell CPU-bound from waiting.
    pub pass1_cpu_s: f64,
    pub pass2_cpu_s: f64,
    pub peak_rss_mb: f64,
}

impl BenchReport {
    pub fn render(&self) -> String {
        labelled_lines(self)
    }
}

/// Several benchmark runs in one: every figure is the median over the runs (wall times vary
/// by ±15% from run to run on a shared 2-core machine), and the two target ratios also get
/// their worst run (`*_max`). Same labelled names as a single run, plus `runs`.
#[derive(Debug, Serialize)]
pub struct BenchMedians {
    pub runs: usize,
    #[serde(flatten)]
    pub median: serde_json::Map<String, serde_json::Value>,
    pub pass1_over_floor_parse_max: f64,
    pub pass2_over_pass1_max: f64,
}

impl BenchMedians {
    pub fn of(reports: &[BenchReport]) -> anyhow::Result<BenchMedians> {
        anyhow::ensure!(!reports.is_empty(), "no benchmark run to summarise");
        let values: Vec<serde_json::Value> = reports.iter().map(serde_json::to_value).collect::<Result<_, _>>()?;
        let mut median = serde_json::Map::new();
        if let Some(first) = values[0].as_object() {
            for key in first.keys() {
                let mut xs: Vec<f64> = values.iter().filter_map(|v| v[key].as_f64()).collect();
                xs.sort_by(f64::total_cmp);
                let n = xs.len();
                // A figure no run measured (peak RSS where /proc is absent serialises as null).
                let m = match n {
                    // A label every run shares (where the pages came from) is kept as it is.
                    0 if values.iter().all(|v| v[key] == first[key]) => first[key].clone(),
                    0 => serde_json::Value::Null,
                    _ if n % 2 == 1 => serde_json::json!(xs[n / 2]),
                    _ => serde_json::json!((xs[n / 2 - 1] + xs[n / 2]) / 2.0),
                };
                // Counts stay integers, as in a single run's report.
                let counts = values.iter().all(|v| v[key].is_u64());
                let m = match m.as_f64() {
                    Some(x) if counts && x.fract() == 0.0 => serde_json::json!(x as u64),
                    _ => m,
                };
                median.insert(key.clone(), m);
            }
        }
        let max = |f: fn(&BenchReport) -> f64| reports.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        Ok(BenchMedians {
            runs: reports.len(),
            median,
            pass1_over_floor_parse_max: max(|r| r.pass1_over_floor_parse),
            pass2_over_pass1_max: max(|r| r.pass2_over_pass1),
        })
    }

    pub fn render(&self) -> String {
        labelled_lines(self)
    }
}

/// Every field of a report as a `name: value` line, in name order.
fn labelled_lines(report: &impl Serialize) -> String {
    let mut out = String::new();
    if let Ok(serde_json::Value::Object(map)) = serde_json::to_value(report) {
        for (k, v) in map {
            let _ = writeln!(out, "{k}: {v}");
        }
    }
    out
}

/// Which variant of a page a pass serves.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Pass1,
    Pass2,
}

pub fn text_changed(i: usize) -> bool {
    i.is_multiple_of(10)
}
pub fn noise_changed(i: usize) -> bool {
    i % 10 == 1
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic and fast; quality is irrelevant here.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

const WORDS: &[&str] = &[
    "service",
    "user",
    "content",
    "account",
    "data",
    "provide",
    "terms",
    "may",
    "shall",
    "agree",
    "right",
    "license",
    "personal",
    "information",
    "third",
    "party",
    "liability",
    "law",
    "dispute",
    "arbitration",
    "payment",
    "credits",
    "refund",
    "termination",
    "notice",
    "days",
    "applicable",
    "including",
    "without",
    "limitation",
    "use",
    "access",
];

/// Share of a generated page's bytes that is the legal document (the selected article), by
/// default. Measured on the 238 real pages of the 160 cases of `fixtures/extraction-dev`: the text
/// is 7.4% of the raw page bytes (per case: median 5.7%, 75th percentile 12%), the rest being
/// scripts (52% of the bytes), inline styles (17%) and page markup. The benchmark takes twice
/// the average, so its pages carry more document text, the costlier part to track, than most
/// real pages. `--text-share 1` gives pages that are all document, with no page furniture.
pub const DEFAULT_TEXT_SHARE: f64 = 0.15;

/// `--text-share` is a fraction of the page: above 0, at most 1.
pub fn check_text_share(text_share: f64) -> anyhow::Result<()> {
    anyhow::ensure!(
        text_share > 0.0 && text_share <= 1.0,
        "--text-share must be above 0 and at most 1, not {text_share}"
    );
    Ok(())
}

/// What the benchmark serves.
#[derive(Clone, Debug)]
pub enum Pages {
    /// Generated pages with this share of document text; pass 2 changes 10% in their text and
    /// another 10% in noise only.
    Generated { text_share: f64 },
    /// Real captured pages: every `*.html` under the folder in path order, extracted
    /// automatically (no rules), each as the terms type its grandparent folder names when that
    /// is a terms type (the layout of `fixtures/extraction-dev`: service/terms type/date/page),
    /// else as terms of service. Pass 2 serves the same bytes.
    Real(std::path::PathBuf),
}

impl Pages {
    fn describe(&self) -> String {
        match self {
            Pages::Generated { .. } => "generated".into(),
            Pages::Real(dir) => format!("real: {}", dir.display()),
        }
    }
}

/// The real pages under `dir` in path order, at most `limit`, with the terms type each is
/// tracked as.
pub fn real_pages(dir: &std::path::Path, limit: usize) -> anyhow::Result<Vec<(std::path::PathBuf, String)>> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", d.display()))?;
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "html") {
                files.push(path);
            }
        }
    }
    files.sort();
    files.truncate(limit);
    anyhow::ensure!(!files.is_empty(), "no *.html page under {}", dir.display());
    Ok(files
        .into_iter()
        .map(|path| {
            let named = path.parent().and_then(|p| p.parent()).and_then(|p| p.file_name()).and_then(|n| n.to_str());
            let terms_type = match named {
                Some(t) if clausewatch_core::terms_types::is_known_terms_type(t) => t.to_string(),
                _ => "Terms of Service".to_string(),
            };
            (path, terms_type)
        })
        .collect())
}

/// One page, deterministic in (index, variant), with the default share of document text.
pub fn page(i: usize, pass2: bool) -> String {
    page_with_text_share(i, pass2, DEFAULT_TEXT_SHARE)
}

/// One page of 20–200 KB: scripts and styles in the head, a navigation header, a cookie
/// banner, the legal article (the selected content, holding a removed promotion), more
/// scripts and a footer. The article is about `text_share` of the bytes; the page furniture
/// fills the rest in the proportions of real pages (scripts 60%, styles 20%, markup 20%).
/// Noise (a per-pass token) sits in a script, a link, the cookie banner, the promotion and the
/// footer; a text-changed page's pass 2 variant amends the article's first paragraph.
pub fn page_with_text_share(i: usize, pass2: bool, text_share: f64) -> String {
    let variant = if pass2 { Variant::Pass2 } else { Variant::Pass1 };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1).wrapping_mul(0x1000_0000_01B3));
    let target = 20 * 1024 + rng.below(180 * 1024) as usize;
    let text_target = (target as f64 * text_share.clamp(0.01, 1.0)) as usize;
    let noise_token = if variant == Variant::Pass2 && noise_changed(i) { "b7" } else { "a1" };
    let article = article(i, variant, noise_token, text_target, &mut rng);
    // The furniture has its own generator, so it is the same in both variants.
    let mut frng = Rng(0xD1B5_4A32_D192_ED03 ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9));
    let furniture = target.saturating_sub(article.len());
    let (scripts, styles) = (furniture * 60 / 100, furniture * 20 / 100);
    let markup = furniture.saturating_sub(scripts + styles);
    let mut s = String::with_capacity(target + 8192);
    let _ = write!(
        s,
        "<!doctype html><html lang=\"en\"><head><meta charset=utf-8><title>Terms {i}</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<script>window.__t=\"{noise_token}-{i}\";</script>"
    );
    let names = Names::new(&mut frng);
    script_filler(&mut s, scripts * 2 / 3, &names, &mut frng);
    style_filler(&mut s, styles, &names, &mut frng);
    s.push_str("</head><body class=\"page page-legal\"><header class=\"site-header\"><nav class=\"nav\"><a href=\"/\">Home</a> ");
    let _ = write!(s, "<a href=\"/pricing?ref={noise_token}\">Pricing</a> <a href=\"/blog\">Blog</a>");
    markup_filler(&mut s, markup / 2, &mut frng);
    let _ = write!(s, "</nav></header><div class=\"cookie\">We use cookies. Session {noise_token}{i}.</div><main>");
    s.push_str(&article);
    s.push_str("</main><footer class=\"site-footer\">");
    markup_filler(&mut s, markup - markup / 2, &mut frng);
    let _ = write!(s, "<p>© 2026 · build {noise_token} · <a href=\"/legal\">Legal</a></p></footer>");
    script_filler(&mut s, scripts - scripts * 2 / 3, &names, &mut frng);
    s.push_str("</body></html>");
    s
}

/// The legal article: numbered sections of paragraphs and lists, about `text_target` bytes.
fn article(i: usize, variant: Variant, noise_token: &str, text_target: usize, rng: &mut Rng) -> String {
    let mut s = String::with_capacity(text_target + 2048);
    let _ = write!(
        s,
        "<article class=\"legal\"><h1>Terms of platform {i}</h1><p>Last updated: 2026-01-01</p>\
<div class=\"promo\">Try the app! Offer {noise_token}.</div>"
    );
    let mut section = 0;
    while s.len() < text_target {
        section += 1;
        let _ = write!(s, "<h2 id=\"s{section}\">{section}. Section {section}</h2>");
        for p in 0..(2 + rng.below(4)) {
            s.push_str("<p>");
            if variant == Variant::Pass2 && text_changed(i) && section == 1 && p == 0 {
                s.push_str("Amended clause: refunds are available within 48 hours. ");
            }
            for _ in 0..(40 + rng.below(80)) {
                s.push_str(rng.pick(WORDS));
                s.push(' ');
            }
            s.push_str("</p>");
        }
        if rng.below(3) == 0 {
            s.push_str("<ul>");
            for _ in 0..(2 + rng.below(5)) {
                let _ = write!(s, "<li>{} <b>{}</b> {}</li>", rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS));
            }
            s.push_str("</ul>");
        }
    }
    s.push_str("</article>");
    s
}

/// Identifiers as a minifier or a bundler writes them, a pool per page: a bundle uses the same
/// few hundred names over and over, which is much of why real pages compress well.
struct Names(Vec<String>);
impl Names {
    fn new(rng: &mut Rng) -> Names {
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$";
        Names(
            (0..300)
                .map(|_| {
                    let len = 1 + rng.below(3) as usize;
                    let mut out: String = (0..len).map(|_| rng.pick(LETTERS) as char).collect();
                    if rng.below(2) == 0 {
                        let _ = write!(out, "{}", rng.below(100));
                    }
                    out
                })
                .collect(),
        )
    }
    fn pick(&self, rng: &mut Rng) -> &str {
        &self.0[rng.below(self.0.len() as u64) as usize]
    }
}

/// Utility classes as front-end frameworks write them on every element.
const CLASSES: &[&str] = &[
    "flex",
    "items-center",
    "justify-between",
    "px-4",
    "py-2",
    "text-sm",
    "font-medium",
    "text-gray-700",
    "hover:text-gray-900",
    "rounded-md",
    "md:flex",
    "hidden",
    "gap-2",
    "w-full",
    "max-w-7xl",
    "mx-auto",
    "transition-colors",
    "duration-150",
    "focus:outline-none",
    "focus-visible:ring-2",
];

fn class_list(s: &mut String, rng: &mut Rng) {
    for k in 0..(4 + rng.below(6)) {
        if k > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(CLASSES));
    }
}

/// About `bytes` of inline script in the style of a bundled front end: minified functions and
/// the page's serialised state.
fn script_filler(s: &mut String, bytes: usize, names: &Names, rng: &mut Rng) {
    let end = s.len() + bytes;
    while s.len() < end {
        s.push_str("<script>");
        let chunk = (s.len() + 4096 + rng.below(12 * 1024) as usize).min(end.max(s.len() + 64));
        while s.len() < chunk {
            let (f, a, b, c) = (names.pick(rng), names.pick(rng), names.pick(rng), names.pick(rng));
            match rng.below(4) {
                0 => {
                    let (p, q) = (names.pick(rng), names.pick(rng));
                    let _ = write!(
                        s,
                        "function {f}({a},{b}){{var {c}={a}.{p}||{{}};return {b}&&{c}.{q}?{c}.{q}({b}):void 0}}"
                    );
                }
                1 => {
                    let (w1, w2) = (rng.pick(WORDS), rng.pick(WORDS));
                    let _ = write!(
                        s,
                        "self.__next_f.push([1,\"{{\\\"__typename\\\":\\\"NavigationItem\\\",\\\"id\\\":\\\"nav-{}\\\",\
\\\"title\\\":\\\"{w1} {w2}\\\",\\\"url\\\":\\\"/{w1}/{w2}\\\",\\\"isExternal\\\":false,\\\"children\\\":[],\
\\\"analytics\\\":{{\\\"event\\\":\\\"navigation_click\\\",\\\"location\\\":\\\"header\\\"}}}}\"]);",
                        rng.below(1000)
                    );
                }
                2 => {
                    let _ = write!(
                        s,
                        "{f}.prototype.{a}=function({b}){{this.{c}.push({b});return this.length>{}}};",
                        rng.below(64)
                    );
                }
                _ => {
                    let _ = write!(s, "var {f}={a}({b},{c},{});", rng.below(256));
                }
            }
        }
        s.push_str("</script>");
    }
}

/// About `bytes` of inline style rules, as a page's critical CSS.
fn style_filler(s: &mut String, bytes: usize, names: &Names, rng: &mut Rng) {
    const COLOURS: &[&str] = &["#111827", "#374151", "#6b7280", "#e5e7eb", "#ffffff", "#2563eb", "#1d4ed8", "#f9fafb"];
    let end = s.len() + bytes;
    s.push_str("<style>");
    while s.len() < end {
        let _ = write!(
            s,
            ".{}-{}{{margin:{}px {}px;padding:{}px;color:{};display:{};font-size:{}rem}}",
            names.pick(rng),
            rng.pick(CLASSES).replace(':', "\\:"),
            4 * rng.below(8),
            4 * rng.below(8),
            4 * rng.below(6),
            rng.pick(COLOURS),
            rng.pick(&["flex", "block", "grid", "inline-block"]),
            rng.below(3) + 1
        );
    }
    s.push_str("</style>");
}

/// About `bytes` of navigation markup: menus of classed links with icons.
fn markup_filler(s: &mut String, bytes: usize, rng: &mut Rng) {
    let end = s.len() + bytes;
    while s.len() < end {
        s.push_str("<div class=\"");
        class_list(s, rng);
        s.push_str("\"><ul class=\"");
        class_list(s, rng);
        s.push_str("\">");
        for _ in 0..(3 + rng.below(8)) {
            let (a, b) = (rng.pick(WORDS), rng.pick(WORDS));
            s.push_str("<li class=\"");
            class_list(s, rng);
            let _ = write!(s, "\" data-track=\"nav-{a}-{b}\"><a class=\"");
            class_list(s, rng);
            let _ = write!(s, "\" href=\"/{a}/{b}\" aria-label=\"{a} {b}\">");
            // Some entries carry an icon, as inline SVG.
            if rng.below(4) == 0 {
                let _ = write!(
                    s,
                    "<svg class=\"h-4 w-4 shrink-0\" viewBox=\"0 0 24 24\" aria-hidden=\"true\" fill=\"none\" \
stroke=\"currentColor\" stroke-width=\"1.5\"><path stroke-linecap=\"round\" stroke-linejoin=\"round\" \
d=\"M{} {}l{} {}m-{} 0h{}\"/></svg>",
                    rng.below(24),
                    rng.below(24),
                    rng.below(12),
                    rng.below(12),
                    rng.below(12),
                    rng.below(12)
                );
            }
            let _ = write!(s, "<span>{a} {b}</span></a></li>");
        }
        s.push_str("</ul></div>");
    }
}

/// The page server of the benchmark: a child process running this binary's hidden
/// `bench-page-server` command. It generates every page before the first request and serves
/// the bytes as they are, so neither its CPU time nor its memory (about 130 MB of pages) is
/// counted as the tracker's, and generating pages never competes with a measured pass.
pub struct PageServer {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    pub addrs: Vec<SocketAddr>,
}

impl PageServer {
    pub fn spawn(pages: usize, hosts: usize, source: &Pages) -> anyhow::Result<Self> {
        use std::io::BufRead as _;
        let exe = std::env::current_exe()?;
        let mut command = std::process::Command::new(exe);
        command.args(["bench-page-server", "--pages", &pages.to_string(), "--hosts", &hosts.to_string()]);
        match source {
            Pages::Generated { text_share } => command.args(["--text-share", &text_share.to_string()]),
            // The folder as given, whatever bytes its name holds.
            Pages::Real(dir) => command.arg("--real-pages").arg(dir),
        };
        let mut child = command.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            anyhow::bail!("the page server's pipes were not opened");
        };
        let mut server = PageServer { child, stdin, stdout: std::io::BufReader::new(stdout), addrs: Vec::new() };
        loop {
            let mut line = String::new();
            if server.stdout.read_line(&mut line)? == 0 {
                anyhow::bail!("the page server exited before it was ready");
            }
            match line.trim() {
                "ready" => break,
                addr => server.addrs.push(
                    addr.parse().map_err(|e| anyhow::anyhow!("page server printed {addr:?}, not an address: {e}"))?,
                ),
            }
        }
        if server.addrs.len() != hosts {
            anyhow::bail!("page server listens on {} hosts, not {hosts}", server.addrs.len());
        }
        Ok(server)
    }

    /// Serve the pass 2 variant of every page from now on (returns once the server confirmed).
    pub fn switch_to_pass2(&mut self) -> anyhow::Result<()> {
        use std::io::{BufRead as _, Write as _};
        writeln!(self.stdin, "pass2")?;
        self.stdin.flush()?;
        let mut line = String::new();
        self.stdout.read_line(&mut line)?;
        if line.trim() != "pass2" {
            anyhow::bail!("the page server did not confirm pass 2 (printed {line:?})");
        }
        Ok(())
    }
}

impl Drop for PageServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child side (`clausewatch bench-page-server`): generate the pages, listen on
/// 127.0.0.1..127.0.0.N, print each address and then `ready`; a `pass2` line on stdin switches
/// to the pass 2 variant; end of stdin ends the process.
pub async fn serve_pages(pages: usize, hosts: usize, source: Pages) -> anyhow::Result<()> {
    use axum::body::Bytes;
    anyhow::ensure!(pages <= MAX_PAGES, "--pages is at most {MAX_PAGES} (every page is kept in memory)");
    anyhow::ensure!((1..=250).contains(&hosts), "--hosts must be 1..=250");
    let (pass1, pass2): (Vec<Bytes>, Vec<Bytes>) = match source {
        Pages::Generated { text_share } => {
            check_text_share(text_share)?;
            let page = |i, pass2| Bytes::from(page_with_text_share(i, pass2, text_share));
            let pass1: Vec<Bytes> = (0..pages).map(|i| page(i, false)).collect();
            let pass2 = (0..pages)
                .map(|i| if text_changed(i) || noise_changed(i) { page(i, true) } else { pass1[i].clone() })
                .collect();
            (pass1, pass2)
        }
        Pages::Real(dir) => {
            let mut pass1 = Vec::new();
            for (path, _) in real_pages(&dir, pages)? {
                pass1.push(Bytes::from(std::fs::read(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?));
            }
            (pass1.clone(), pass1)
        }
    };
    let variants = Arc::new([pass1, pass2]);
    let in_pass2 = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut out = String::new();
    for h in 0..hosts {
        let ip = IpAddr::V4(Ipv4Addr::new(127, 0, 0, (h + 1) as u8));
        let listener = tokio::net::TcpListener::bind(SocketAddr::new(ip, 0)).await?;
        let _ = writeln!(out, "{}", listener.local_addr()?);
        let (variants, in_pass2) = (variants.clone(), in_pass2.clone());
        let app = axum::Router::new().fallback(move |uri: Uri| {
            let body = uri
                .path()
                .strip_prefix("/p/")
                .and_then(|s| s.parse::<usize>().ok())
                .and_then(|i| variants[usize::from(in_pass2.load(Ordering::Relaxed))].get(i).cloned());
            async move {
                match body {
                    Some(body) => Response::builder()
                        .header("content-type", "text/html; charset=utf-8")
                        .body(Body::from(body))
                        .expect("response"),
                    None => Response::builder().status(404).body(Body::empty()).expect("response"),
                }
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
    }
    println!("{out}ready");
    use std::io::Write as _;
    std::io::stdout().flush()?;
    tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        while std::io::stdin().read_line(&mut line).unwrap_or(0) > 0 {
            if line.trim() == "pass2" {
                in_pass2.store(true, Ordering::Relaxed);
                println!("pass2");
                let _ = std::io::stdout().flush();
            }
            line.clear();
        }
    })
    .await?;
    Ok(())
}

fn url(addrs: &[SocketAddr], i: usize) -> String {
    format!("http://{}/p/{i}", addrs[i % addrs.len()])
}

/// A benchmark document: one source at `url`, with these rules.
fn document(terms_type: &str, url: String, select: Vec<Selector>, remove: Vec<Selector>) -> DocumentEntry {
    let source = SourceRules {
        url,
        select,
        remove,
        filters: vec![],
        execute_client_scripts: false,
        origin: Some("benchmark".into()),
        ignore_robots: None,
    };
    DocumentEntry {
        terms_type: terms_type.into(),
        rules: DocumentRules { sources: vec![source] },
        history: vec![],
        retired_at: None,
    }
}

fn platform(id: String, name: String, documents: std::collections::BTreeMap<String, DocumentEntry>) -> PlatformEntry {
    PlatformEntry { id, name, category: None, jurisdiction: None, website: None, imported_from: None, documents }
}

/// The catalog of generated pages: page i of `/p/i` on host i mod N, five terms types per
/// platform (`Bench 0000` holds pages 0..5).
pub fn catalog(addrs: &[SocketAddr], pages: usize) -> Vec<PlatformEntry> {
    let pages: Vec<usize> = (0..pages).collect();
    pages
        .chunks(TERMS_TYPES.len())
        .enumerate()
        .map(|(n, chunk)| {
            let documents = chunk
                .iter()
                .zip(TERMS_TYPES)
                .map(|(&i, t)| {
                    let select = vec![Selector::Css("article.legal".into())];
                    let remove = vec![Selector::Css(".promo".into())];
                    (t.to_string(), document(t, url(addrs, i), select, remove))
                })
                .collect();
            platform(format!("bench-{n:04}"), format!("Bench {n:04}"), documents)
        })
        .collect()
}

/// The catalog of real pages: one platform per page, no rules (extracted automatically).
fn real_catalog(addrs: &[SocketAddr], real: &[(std::path::PathBuf, String)]) -> Vec<PlatformEntry> {
    real.iter()
        .enumerate()
        .map(|(i, (_, t))| {
            let documents = [(t.clone(), document(t, url(addrs, i), vec![], vec![]))].into_iter().collect();
            platform(format!("real-{i:04}"), format!("Real {i:04}"), documents)
        })
        .collect()
}

async fn floor(
    fetcher: &Fetcher,
    addrs: &[SocketAddr],
    pages: usize,
    concurrency: usize,
    parse: bool,
) -> anyhow::Result<(f64, u64)> {
    let bytes = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut stream = futures::stream::iter((0..pages).map(|i| {
        let bytes = bytes.clone();
        let u = url(addrs, i);
        async move {
            let r = fetcher.fetch(&u, &Conditional::default()).await?;
            bytes.fetch_add(r.body.len(), Ordering::Relaxed);
            if parse {
                tokio::task::spawn_blocking(move || {
                    let text = String::from_utf8_lossy(&r.body);
                    let html = scraper::Html::parse_document(&text);
                    html.tree.values().count()
                })
                .await?;
            }
            anyhow::Ok(())
        }
    }))
    .buffer_unordered(concurrency);
    while let Some(r) = stream.next().await {
        r?;
    }
    Ok((started.elapsed().as_secs_f64(), bytes.load(Ordering::Relaxed) as u64))
}

/// Process CPU time (user + system) from /proc/self/stat, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the full line: 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

pub fn peak_rss_mb() -> f64 {
    status_mb("VmHWM:")
}

/// A memory field of /proc/self/status ("VmHWM:", "VmRSS:") in MB (NaN elsewhere than Linux).
pub fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

pub async fn run(
    pages: usize,
    hosts: usize,
    concurrency: usize,
    source: Pages,
    work_dir: &std::path::Path,
) -> anyhow::Result<BenchReport> {
    let real = match &source {
        Pages::Real(dir) => Some(real_pages(dir, pages)?),
        Pages::Generated { .. } => None,
    };
    let pages = real.as_ref().map_or(pages, Vec::len);
    let spawned = source.clone();
    let mut server = tokio::task::spawn_blocking(move || PageServer::spawn(pages, hosts, &spawned)).await??;
    let addrs = server.addrs.clone();
    let mut config = Config {
        data_dir: work_dir.join("data"),
        catalog_dir: work_dir.join("no-catalog"),
        concurrency,
        ..Config::default()
    };
    config.fetch.per_host_concurrency = concurrency.div_ceil(hosts).max(2);
    // The benchmark's own page servers are on loopback.
    config.fetch.allow_hosts = vec!["127.0.0.0/8".into()];
    config.fetch.browser = false;
    let fetcher = Fetcher::new(config.fetch_config())?;

    let (floor_download_s, bytes) = floor(&fetcher, &addrs, pages, concurrency, false).await?;
    let (floor_parse_s, _) = floor(&fetcher, &addrs, pages, concurrency, true).await?;

    let store = Store::open(&config.data_dir).await?;
    let entries = match &real {
        Some(real) => real_catalog(&addrs, real),
        None => catalog(&addrs, pages),
    };
    for entry in entries {
        store.sync_platform(&entry, chrono::Utc::now()).await?;
    }
    let opts = crate::track::TrackOptions { trigger: "bench".into(), ..Default::default() };
    let started = Instant::now();
    let cpu = cpu_seconds();
    let s1 = crate::track::track(&store, &config, &opts).await?;
    let pass1_s = started.elapsed().as_secs_f64();
    let pass1_cpu_s = cpu_seconds() - cpu;
    // A generated page always extracts; a real one extracted automatically may not (it is
    // counted, as a tracking run would).
    if s1.failed > 0 && real.is_none() {
        anyhow::bail!("pass 1 had failures:\n{}", s1.render());
    }

    let server = tokio::task::spawn_blocking(move || server.switch_to_pass2().map(|()| server)).await??;
    let started = Instant::now();
    let cpu = cpu_seconds();
    let s2 = crate::track::track(&store, &config, &opts).await?;
    let pass2_s = started.elapsed().as_secs_f64();
    let pass2_cpu_s = cpu_seconds() - cpu;
    store.close().await;
    tokio::task::spawn_blocking(move || drop(server)).await?;

    let mb = bytes as f64 / (1024.0 * 1024.0);
    Ok(BenchReport {
        pages,
        hosts,
        concurrency,
        pages_from: source.describe(),
        text_share: match source {
            Pages::Generated { text_share } => Some(text_share),
            Pages::Real(_) => None,
        },
        bytes,
        floor_download_s,
        floor_parse_s,
        pass1_s,
        pass2_s,
        pass1_over_floor_parse: pass1_s / floor_parse_s,
        pass2_over_pass1: pass2_s / pass1_s,
        pass1_pages_per_s: pages as f64 / pass1_s,
        pass1_mb_per_s: mb / pass1_s,
        pass2_pages_per_s: pages as f64 / pass2_s,
        pass1_new_versions: s1.new_versions,
        pass1_failed: s1.failed,
        pass2_text_changed_pages: if real.is_some() { 0 } else { (0..pages).filter(|&i| text_changed(i)).count() },
        pass2_noise_changed_pages: if real.is_some() { 0 } else { (0..pages).filter(|&i| noise_changed(i)).count() },
        pass2_new_versions: s2.new_versions,
        pass2_failed: s2.failed,
        pass1_cpu_s,
        pass2_cpu_s,
        peak_rss_mb: peak_rss_mb(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(pass1_s: f64, pass2_s: f64) -> BenchReport {
        BenchReport {
            pages: 10,
            hosts: 1,
            concurrency: 2,
            pages_from: "generated".into(),
            text_share: Some(DEFAULT_TEXT_SHARE),
            bytes: 1000,
            floor_download_s: 0.1,
            floor_parse_s: 0.2,
            pass1_s,
            pass2_s,
            pass1_over_floor_parse: pass1_s / 0.2,
            pass2_over_pass1: pass2_s / pass1_s,
            pass1_pages_per_s: 10.0 / pass1_s,
            pass1_mb_per_s: 0.001 / pass1_s,
            pass2_pages_per_s: 10.0 / pass2_s,
            pass1_new_versions: 10,
            pass1_failed: 0,
            pass2_text_changed_pages: 1,
            pass2_noise_changed_pages: 1,
            pass2_new_versions: 1,
            pass2_failed: 0,
            pass1_cpu_s: 1.0,
            pass2_cpu_s: 0.5,
            peak_rss_mb: 50.0,
        }
    }

    #[test]
    fn several_runs_report_medians_and_the_worst_ratios() {
        let odd = BenchMedians::of(&[report(1.0, 0.5), report(3.0, 0.6), report(2.0, 1.0)]).unwrap();
        assert_eq!(odd.runs, 3);
        assert_eq!(odd.median["pass1_s"], 2.0);
        assert_eq!(odd.median["pass2_s"], 0.6);
        assert_eq!(odd.median["pass1_new_versions"], 10);
        assert_eq!(odd.pass1_over_floor_parse_max, 15.0);
        assert_eq!(odd.pass2_over_pass1_max, 0.5);
        let even = BenchMedians::of(&[report(1.0, 0.5), report(2.0, 0.5)]).unwrap();
        assert_eq!(even.median["pass1_s"], 1.5);
        // The same labelled names as a single run, plus the run count and the worst ratios.
        let text = even.render();
        for line in ["runs: 2", "pass1_s: 1.5", "pass2_over_pass1_max: 0.5", "peak_rss_mb: 50.0", "pages: 10"] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        assert!(BenchMedians::of(&[]).is_err());
        // A figure no run could measure stays empty instead of breaking the summary.
        let mut unmeasured = report(1.0, 0.5);
        unmeasured.peak_rss_mb = f64::NAN;
        let medians = BenchMedians::of(&[unmeasured.clone(), unmeasured]).unwrap();
        assert!(medians.median["peak_rss_mb"].is_null());
    }

    #[test]
    fn pages_are_deterministic_sized_and_vary_as_specified() {
        for i in [0usize, 1, 2, 57] {
            let a = page(i, false);
            assert_eq!(a, page(i, false));
            assert!(a.len() >= 20 * 1024 && a.len() <= 210 * 1024, "{}", a.len());
        }
        assert_ne!(page(0, false), page(0, true));
        assert_ne!(page(1, false), page(1, true));
        assert_eq!(page(2, false), page(2, true));
    }

    #[test]
    fn pages_carry_the_asked_share_of_document_text_amid_real_page_furniture() {
        let article_share = |p: &str| {
            let start = p.find("<article").unwrap();
            let end = p.find("</article>").unwrap();
            (end - start) as f64 / p.len() as f64
        };
        for i in [0usize, 3, 99] {
            let p = page(i, false);
            let share = article_share(&p);
            assert!((0.12..0.2).contains(&share), "page {i}: {share}");
            // The rest is what real pages are made of: scripts, styles, navigation.
            assert!(
                p.matches("<script>").count() >= 2 && p.contains("<style>") && p.contains("data-track=\"nav-"),
                "page {i}"
            );
            let all_text = page_with_text_share(i, false, 1.0);
            assert!(article_share(&all_text) > 0.95, "page {i}");
            assert!(all_text.len() >= 20 * 1024 && all_text.len() <= 210 * 1024, "{}", all_text.len());
        }
        // The furniture is the same in both passes: a noise-only page differs by its tokens.
        let (a, b) = (page(1, false), page(1, true));
        assert_eq!(a.len(), b.len());
        assert!(check_text_share(0.0).is_err() && check_text_share(1.5).is_err() && check_text_share(1.0).is_ok());
    }

    #[test]
    fn real_pages_are_tracked_as_the_terms_type_their_folder_names() {
        let dir = tempfile::tempdir().unwrap();
        for (folder, name) in [("Acme/Privacy Policy/2026-01-01T00-00-00Z", "b.html"), ("misc/x", "a.html")] {
            std::fs::create_dir_all(dir.path().join(folder)).unwrap();
            std::fs::write(dir.path().join(folder).join(name), "<p>x</p>").unwrap();
            std::fs::write(dir.path().join(folder).join("notes.md"), "not a page").unwrap();
        }
        let pages = real_pages(dir.path(), 10).unwrap();
        let types: Vec<&str> = pages.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(types, ["Privacy Policy", "Terms of Service"]);
        assert_eq!(real_pages(dir.path(), 1).unwrap().len(), 1);
        let empty = tempfile::tempdir().unwrap();
        assert!(real_pages(empty.path(), 10).unwrap_err().to_string().contains("no *.html page"));
    }
}
