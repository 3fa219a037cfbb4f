//! Replay of the Open Terms Archive genai-eu collection (shared data): every monthly state of
//! the raw pages is served on 127.0.0.1 in date order, the real declarations are pointed at the
//! local copies, and each state is tracked like a real run. Which documents got a new version
//! per month pair is compared with `expected_docs.tsv`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::body::Body;
use axum::http::Uri;
use axum::response::Response;
use serde::Serialize;

use clausewatch_core::{ContentHash, PlatformEntry};
use clausewatch_store::{Store, VersionKind};

use crate::config::Config;

type Served = Arc<RwLock<HashMap<String, (PathBuf, String)>>>;

#[derive(Debug, Default, Serialize)]
pub struct PairScore {
    pub from: String,
    pub to: String,
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
    pub true_negatives: usize,
    /// Documents with a new version the reference did not have, and the reverse.
    pub extra: Vec<String>,
    pub missed: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct ReplayReport {
    pub states: Vec<String>,
    pub documents: usize,
    pub pairs: Vec<PairScore>,
    pub precision: f64,
    pub recall: f64,
    /// Documents whose raw bytes changed between two states without a new version.
    pub byte_changes_ignored: usize,
    pub technical_upgrades: usize,
    /// Captures read automatically because a select rule matched nothing (and recognised as
    /// the document), and those refused as not the document.
    pub read_automatically: usize,
    pub automatic_reading_refused: usize,
    pub failures: BTreeMap<String, usize>,
    /// Missed changes by why: our capture failed at either date (by cause), or the document is
    /// not declared at that date in the shared declarations.
    pub missed_by_reason: BTreeMap<String, usize>,
    /// Recall on the pairs where both captures succeeded (the text was extracted both times).
    pub recall_when_captured: f64,
}

impl ReplayReport {
    pub fn render(&self) -> String {
        let mut out = String::new();
        for p in &self.pairs {
            out.push_str(&format!(
                "{} -> {}: tp {} fp {} fn {} tn {}\n",
                p.from, p.to, p.true_positives, p.false_positives, p.false_negatives, p.true_negatives
            ));
            for e in &p.extra {
                out.push_str(&format!("    extra version: {e}\n"));
            }
            for m in &p.missed {
                out.push_str(&format!("    missed change: {m}\n"));
            }
        }
        out.push_str(&format!("states: {}\n", self.states.len()));
        out.push_str(&format!("documents: {}\n", self.documents));
        out.push_str(&format!("precision: {:.3}\n", self.precision));
        out.push_str(&format!("recall: {:.3}\n", self.recall));
        out.push_str(&format!("byte_changes_ignored: {}\n", self.byte_changes_ignored));
        out.push_str(&format!("technical_upgrades: {}\n", self.technical_upgrades));
        out.push_str(&format!("read_automatically: {}\n", self.read_automatically));
        out.push_str(&format!("automatic_reading_refused: {}\n", self.automatic_reading_refused));
        for (cause, n) in &self.failures {
            out.push_str(&format!("failures_{cause}: {n}\n"));
        }
        for (reason, n) in &self.missed_by_reason {
            out.push_str(&format!("missed_{reason}: {n}\n"));
        }
        out.push_str(&format!("recall_when_captured: {:.3}\n", self.recall_when_captured));
        out
    }
}

/// The genai-eu declarations the replay points at its local copies.
pub const GENAI_DECLARATIONS: &str = "ota/declarations/genai-eu-declarations/declarations";

/// One monthly state of the replay web: its folder, original URL -> file, file -> media type.
pub struct ReplayState {
    pub dir: PathBuf,
    pub urls: BTreeMap<String, String>,
    pub media: HashMap<String, String>,
}

/// The dates of the replay states (folders holding a `urls.json`), in order.
pub fn state_dates(shared: &Path) -> anyhow::Result<Vec<String>> {
    let mut states: Vec<String> = std::fs::read_dir(shared.join("fixtures/replay/states"))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("urls.json").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    states.sort();
    Ok(states)
}

pub fn load_state(shared: &Path, date: &str) -> anyhow::Result<ReplayState> {
    let dir = shared.join("fixtures/replay/states").join(date);
    let urls: BTreeMap<String, String> = serde_json::from_slice(&std::fs::read(dir.join("urls.json"))?)?;
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join("manifest.json"))?)?;
    let media = manifest["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| {
            Some((f["path"].as_str()?.to_string(), f["media_type"].as_str().unwrap_or("text/html").to_string()))
        })
        .collect();
    Ok(ReplayState { dir, urls, media })
}

/// Run the replay from the unpacked shared data into a fresh store at `data_dir`.
pub async fn run(shared: &Path, data_dir: &Path) -> anyhow::Result<ReplayReport> {
    let replay = shared.join("fixtures/replay");
    let states = state_dates(shared)?;
    let load = crate::catalog::load(&shared.join(GENAI_DECLARATIONS))?;

    let served: Served = Arc::default();
    let s = served.clone();
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let served = s.clone();
        async move { serve(&served, uri).await }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let store = Store::open(data_dir).await?;
    let mut config =
        Config { data_dir: data_dir.to_path_buf(), catalog_dir: data_dir.join("no-catalog"), ..Config::default() };
    config.concurrency = 8;
    // The replay server is on loopback; its pages are already rendered (no browser).
    config.fetch.allow_hosts = vec!["127.0.0.0/8".into()];
    config.fetch.browser = false;
    let mut report = ReplayReport { states: states.clone(), ..Default::default() };
    // document key -> (kinds of versions recorded in the run of each state)
    let mut new_versions: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut seen_versions: HashMap<i64, usize> = HashMap::new();
    let mut raw_hashes: HashMap<(String, String), Vec<String>> = HashMap::new();
    // (document key, state) -> failure cause of that state's capture.
    let mut failed_at: HashMap<(String, String), String> = HashMap::new();

    for date in &states {
        let ReplayState { dir: state_dir, urls, media } = load_state(shared, date)?;
        {
            let mut map = served.write().expect("lock");
            map.clear();
            for (url, file) in &urls {
                let ct = media.get(file).cloned().unwrap_or_else(|| "text/html".into());
                map.insert(token(url), (state_dir.join(file), ct));
            }
        }
        let at = clausewatch_core::declaration::parse_instant(date)
            .ok_or_else(|| anyhow::anyhow!("bad state date {date}"))?;
        for (_, entry) in &load.platforms {
            let local = localize(entry, at, &addr);
            store.sync_platform(&local, chrono::Utc::now()).await?;
        }
        let opts = crate::track::TrackOptions { trigger: format!("replay {date}"), ..Default::default() };
        let summary = crate::track::track(&store, &config, &opts).await?;
        report.read_automatically += summary.read_automatically.len();
        report.automatic_reading_refused +=
            summary.failures.iter().filter(|f| f.message.contains(crate::versioning::REFUSED_AUTOMATIC)).count();
        for (cause, n) in summary.failures_by_cause {
            *report.failures.entry(cause).or_default() += n;
        }
        for f in &summary.failures {
            failed_at.insert((format!("{}\t{}", f.platform, f.terms_type), date.clone()), f.cause.clone());
        }
        for doc in store.documents(None).await? {
            let key = format!("{}\t{}", doc.platform_name, doc.terms_type);
            for v in store.version_summaries(doc.id).await? {
                if seen_versions.insert(v.id, 0).is_none() {
                    match v.kind {
                        VersionKind::TechnicalUpgrade => report.technical_upgrades += 1,
                        _ => {
                            new_versions.entry(key.clone()).or_default().insert(date.clone());
                        }
                    }
                }
            }
            // Raw bytes of this state's capture, to count byte changes without a version.
            if let Some(latest) = store.latest_snapshot_for_url(doc.id, &first_url(&store, doc.id).await?).await? {
                raw_hashes.entry((key.clone(), date.clone())).or_default().push(latest.content_hash.to_hex());
            }
        }
    }
    server.abort();
    report.documents = store.documents(None).await?.len();

    let expected = std::fs::read_to_string(replay.join("expected_docs.tsv"))?;
    let mut pairs: BTreeMap<(String, String), PairScore> = BTreeMap::new();
    let (mut tp, mut fp, mut fnn) = (0usize, 0usize, 0usize);
    let (mut tp_captured, mut fn_captured) = (0usize, 0usize);
    let declared: BTreeSet<String> = raw_hashes.keys().map(|(k, _)| k.clone()).collect();
    for line in expected.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 10 {
            continue;
        }
        let (from, to, service, terms_type, score) = (cols[0], cols[1], cols[2], cols[3], cols[9]);
        if score != "positive" && score != "negative" {
            continue;
        }
        let key = format!("{service}\t{terms_type}");
        let predicted = new_versions.get(&key).is_some_and(|dates| dates.contains(to));
        let p = pairs.entry((from.to_string(), to.to_string())).or_insert_with(|| PairScore {
            from: from.into(),
            to: to.into(),
            ..Default::default()
        });
        let name = format!("{service} / {terms_type}");
        let failure =
            failed_at.get(&(key.clone(), from.to_string())).or_else(|| failed_at.get(&(key.clone(), to.to_string())));
        let captured = failure.is_none() && declared.contains(&key);
        match (score == "positive", predicted) {
            (true, true) => {
                p.true_positives += 1;
                tp += 1;
                tp_captured += usize::from(captured);
            }
            (true, false) => {
                p.false_negatives += 1;
                let reason = match failure {
                    Some(cause) => format!("capture-failed-{cause}"),
                    None if !declared.contains(&key) => "not-declared".to_string(),
                    None => "text-unchanged-for-us".to_string(),
                };
                p.missed.push(format!("{name} ({reason})"));
                *report.missed_by_reason.entry(reason).or_default() += 1;
                fnn += 1;
                fn_captured += usize::from(captured);
            }
            (false, true) => {
                p.false_positives += 1;
                p.extra.push(name);
                fp += 1;
            }
            (false, false) => {
                p.true_negatives += 1;
                let before = raw_hashes.get(&(key.clone(), from.to_string()));
                let after = raw_hashes.get(&(key.clone(), to.to_string()));
                if before.is_some() && after.is_some() && before != after {
                    report.byte_changes_ignored += 1;
                }
            }
        }
    }
    report.pairs = pairs.into_values().collect();
    report.precision = if tp + fp == 0 { 1.0 } else { tp as f64 / (tp + fp) as f64 };
    report.recall = if tp + fnn == 0 { 1.0 } else { tp as f64 / (tp + fnn) as f64 };
    report.recall_when_captured =
        if tp_captured + fn_captured == 0 { 1.0 } else { tp_captured as f64 / (tp_captured + fn_captured) as f64 };
    store.close().await;
    Ok(report)
}

async fn first_url(store: &Store, doc: i64) -> anyhow::Result<String> {
    let rules = store.rules_at(doc, chrono::Utc::now()).await?;
    Ok(rules.rules.sources.first().map(|s| s.url.clone()).unwrap_or_default())
}

fn token(url: &str) -> String {
    ContentHash::of(url.as_bytes()).to_hex()[..24].to_string()
}

/// The declaration in force at `at`, with every source pointed at the local replay server and
/// read statically (the stored pages are already rendered).
fn localize(entry: &PlatformEntry, at: chrono::DateTime<chrono::Utc>, addr: &std::net::SocketAddr) -> PlatformEntry {
    let mut out = entry.clone();
    out.documents.retain(|_, d| d.in_force(at));
    for doc in out.documents.values_mut() {
        let mut rules = doc.rules_at(at).clone();
        for s in &mut rules.sources {
            s.url = format!("http://{addr}/r/{}", token(&s.url));
            s.execute_client_scripts = false;
        }
        doc.rules = rules;
        doc.history.clear();
        doc.retired_at = None;
    }
    out
}

async fn serve(served: &Served, uri: Uri) -> Response {
    let Some(tok) = uri.path().strip_prefix("/r/") else {
        return Response::builder().status(404).body(Body::empty()).expect("response");
    };
    let file = served.read().expect("lock").get(tok).cloned();
    match file {
        Some((path, ct)) => match tokio::fs::read(&path).await {
            Ok(bytes) => Response::builder().header("content-type", ct).body(Body::from(bytes)).expect("response"),
            Err(_) => Response::builder().status(404).body(Body::empty()).expect("response"),
        },
        None => Response::builder().status(404).body(Body::empty()).expect("response"),
    }
}
