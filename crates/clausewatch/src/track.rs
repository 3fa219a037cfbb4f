//! One tracking run: sync the catalog, load each document's state in three queries, then fetch every
//! selected document (many at once, per-host limits in the fetcher), store its snapshots and
//! version them.
//!
//! Order of writes per document, for crash safety: blobs (atomic, idempotent), then the capture,
//! its snapshots, versions and changes in one transaction (batched with other documents' by the
//! store's writer). A kill at any point leaves either all of a document's capture or none of it
//! (orphan blobs at most); the next run fetches again.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use futures::StreamExt;
use serde::Serialize;

use clausewatch_core::ContentHash;
use clausewatch_fetch::{Conditional, Fetcher};
use clausewatch_store::{
    BlobStore, CaptureRow, DocumentId, DocumentOutcome, DocumentRow, HashedBytes, NewSnapshot, PendingWrite, RulesRow,
    RunId, SnapshotRow, Store, StoreError,
};

use crate::config::Config;
use crate::versioning::{submit_fresh_capture, Outcome, RulesCache, Step};

/// Only one run at a time per data folder. The OS releases the lock if the process dies.
pub struct RunLock {
    _file: File,
}

impl RunLock {
    pub fn acquire(data_dir: &Path) -> anyhow::Result<RunLock> {
        std::fs::create_dir_all(data_dir)?;
        let path = data_dir.join("track.lock");
        let file = File::options().create(true).truncate(false).write(true).open(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                anyhow::bail!("another track run is using {} (lock {})", data_dir.display(), path.display())
            }
            Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct TrackOptions {
    pub platform: Option<String>,
    pub terms_type: Option<String>,
    pub trigger: String,
    pub progress: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Failure {
    pub platform: String,
    pub terms_type: String,
    pub cause: String,
    pub message: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct TrackSummary {
    pub run_id: RunId,
    pub documents: usize,
    pub fetched: usize,
    pub unchanged: usize,
    pub new_versions: usize,
    pub technical_upgrades: usize,
    /// Documents read automatically because a select rule matched nothing in the page.
    pub read_automatically: Vec<Failure>,
    pub failed: usize,
    pub failures_by_cause: BTreeMap<String, usize>,
    pub failures: Vec<Failure>,
    pub catalog_problems: usize,
    pub elapsed_ms: u128,
}

impl TrackSummary {
    /// Counts a processed capture; its warning (a rule to fix), if any, for incidents.
    fn add_step(&mut self, doc: &DocumentRow, step: &Step) -> Option<(String, String)> {
        let warning = crate::versioning::automatic_note(&step.read_automatically).map(|note| {
            let message = format!("{note}; its text was recognised as the document's (fix the rule)");
            self.read_automatically.push(Failure {
                platform: doc.platform_name.clone(),
                terms_type: doc.terms_type.clone(),
                cause: crate::versioning::READ_AUTOMATICALLY.into(),
                message: message.clone(),
            });
            (crate::versioning::READ_AUTOMATICALLY.to_string(), message)
        });
        self.new_versions += step.new_versions();
        self.technical_upgrades += step.technical_upgrades();
        if matches!(step.outcome, Outcome::Unchanged | Outcome::UnchangedBytes) {
            self.unchanged += 1;
        }
        warning
    }

    fn add_failure(&mut self, doc: &DocumentRow, cause: &str, message: &str) {
        self.failed += 1;
        *self.failures_by_cause.entry(cause.to_string()).or_default() += 1;
        self.failures.push(Failure {
            platform: doc.platform_name.clone(),
            terms_type: doc.terms_type.clone(),
            cause: cause.into(),
            message: message.into(),
        });
    }

    /// The table printed at the end of `track` (labelled lines, stable names).
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!("documents: {}\n", self.documents));
        out.push_str(&format!("fetched: {}\n", self.fetched));
        out.push_str(&format!("unchanged: {}\n", self.unchanged));
        out.push_str(&format!("new versions: {}\n", self.new_versions));
        out.push_str(&format!("technical upgrades: {}\n", self.technical_upgrades));
        out.push_str(&format!("read automatically: {}\n", self.read_automatically.len()));
        for f in &self.read_automatically {
            out.push_str(&format!("  {} / {} {}\n", f.platform, f.terms_type, f.message));
        }
        out.push_str(&format!("failed: {}\n", self.failed));
        if !self.failures_by_cause.is_empty() {
            out.push_str("failures by cause:\n");
            for (cause, n) in &self.failures_by_cause {
                out.push_str(&format!("  {cause}: {n}\n"));
            }
            out.push_str("failures:\n");
            for f in &self.failures {
                out.push_str(&format!("  {} / {} [{}] {}\n", f.platform, f.terms_type, f.cause, f.message));
            }
        }
        out.push_str(&format!("elapsed: {:.1}s\n", self.elapsed_ms as f64 / 1000.0));
        out
    }
}

/// What one document's task needs from the store, loaded for the whole run in three queries.
struct DocJob {
    doc: DocumentRow,
    rules: Option<RulesRow>,
    /// Newest successful snapshot per source URL (for conditional GET and 304 reuse).
    previous_snapshots: HashMap<String, SnapshotRow>,
    /// Last successfully versioned capture (for the unchanged-bytes shortcut).
    previous_done: Option<CaptureRow>,
}

enum DocResult {
    /// The capture was versioned and queued for the store's writer (None: already committed).
    Fetched(Step, Option<PendingWrite>),
    FetchFailed {
        cause: String,
        message: String,
    },
    StoreFailed(StoreError),
}

pub async fn track(store: &Store, config: &Config, opts: &TrackOptions) -> anyhow::Result<TrackSummary> {
    let _lock = RunLock::acquire(&config.data_dir)?;
    let started = Instant::now();
    let mut summary = TrackSummary::default();

    if config.catalog_dir.is_dir() {
        let load = crate::catalog::load(&config.catalog_dir)?;
        summary.catalog_problems = load.rejected().count();
        for p in load.rejected() {
            tracing::warn!("catalog: {p}");
        }
        crate::catalog::sync(store, &load, Utc::now()).await?;
    }

    let run_id = store.start_run(&opts.trigger, Utc::now()).await?;
    summary.run_id = run_id;

    let cache = RulesCache::default();

    let mut documents: Vec<DocumentRow> = store
        .documents(None)
        .await?
        .into_iter()
        .filter(|d| d.active)
        .filter(|d| {
            opts.platform
                .as_ref()
                .is_none_or(|p| d.platform_id.eq_ignore_ascii_case(p) || d.platform_name.eq_ignore_ascii_case(p))
        })
        .filter(|d| opts.terms_type.as_ref().is_none_or(|t| d.terms_type.eq_ignore_ascii_case(t)))
        .collect();
    documents.sort_by_key(|d| d.id);
    if documents.is_empty() && (opts.platform.is_some() || opts.terms_type.is_some()) {
        anyhow::bail!(
            "no tracked document matches platform {:?} and terms type {:?}",
            opts.platform.as_deref().unwrap_or("*"),
            opts.terms_type.as_deref().unwrap_or("*")
        );
    }
    summary.documents = documents.len();

    let now = Utc::now();
    let mut rules = store.rules_in_force(now).await?;
    let mut done = store.last_done_captures().await?;
    let mut snapshots_by_doc: HashMap<DocumentId, HashMap<String, SnapshotRow>> = HashMap::new();
    // The sources of the rules in force: a document without any is fetched unconditionally.
    let sources: Vec<(DocumentId, &str)> = documents
        .iter()
        .filter_map(|d| rules.get(&d.id))
        .flat_map(|r| r.rules.sources.iter().map(|s| (r.document_id, s.url.as_str())))
        .collect();
    for ((doc, url), snap) in store.latest_snapshots(&sources).await? {
        snapshots_by_doc.entry(doc).or_default().insert(url, snap);
    }
    let jobs: Vec<DocJob> = documents
        .into_iter()
        .map(|doc| DocJob {
            rules: rules.remove(&doc.id),
            previous_snapshots: snapshots_by_doc.remove(&doc.id).unwrap_or_default(),
            previous_done: done.remove(&doc.id),
            doc,
        })
        .collect();

    let fetcher = Arc::new(Fetcher::new(config.fetch_config())?);
    let progress = if opts.progress {
        let bar = indicatif::ProgressBar::new(jobs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };

    // Each document is its own task, so the runtime spreads the work over all cores; the
    // stream starts at most `concurrency` of them at a time.
    let cache = Arc::new(cache);
    let mut results = futures::stream::iter(jobs.into_iter().map(|job| {
        let (store, fetcher, cache) = (store.clone(), fetcher.clone(), cache.clone());
        tokio::spawn(async move {
            let doc = job.doc.clone();
            let result = track_document(&store, &fetcher, &cache, job, run_id).await;
            (doc, result)
        })
    }))
    .buffer_unordered(config.concurrency);

    let mut outcomes = Vec::new();
    // Captures queued for the store's writer, oldest first. A document's task ends once its
    // capture is queued, so the next document starts while the writer syncs and commits; the
    // queue is bounded so a slow disk holds the run back instead of filling memory.
    let mut pending: std::collections::VecDeque<(DocumentRow, PendingWrite)> = std::collections::VecDeque::new();
    while let Some(joined) = results.next().await {
        let (doc, result) = joined.map_err(|e| anyhow::anyhow!("a tracking task failed: {e}"))?;
        progress.inc(1);
        progress.set_message(format!("{} / {}", doc.platform_name, doc.terms_type));
        match result {
            DocResult::Fetched(step, write) => {
                if let Some(write) = write {
                    pending.push_back((doc.clone(), write));
                }
                while pending.len() > MAX_QUEUED_WRITES {
                    let Some((doc, write)) = pending.pop_front() else { break };
                    committed(&doc, write).await.inspect_err(|_| progress.finish_and_clear())?;
                }
                summary.fetched += 1;
                let warning = summary.add_step(&doc, &step);
                let failure = match &step.outcome {
                    Outcome::Failed { cause, message } => {
                        summary.add_failure(&doc, cause, message);
                        Some((cause.clone(), message.clone()))
                    }
                    _ => None,
                };
                outcomes.push(DocumentOutcome { document: doc.id, failure, warning });
            }
            DocResult::FetchFailed { cause, message } => {
                summary.add_failure(&doc, &cause, &message);
                outcomes.push(DocumentOutcome { document: doc.id, failure: Some((cause, message)), warning: None });
            }
            DocResult::StoreFailed(e) => {
                progress.finish_and_clear();
                return Err(store_error(&doc, e));
            }
        }
    }
    for (doc, write) in pending {
        committed(&doc, write).await.inspect_err(|_| progress.finish_and_clear())?;
    }
    progress.finish_and_clear();
    // One open incident per (document, cause); recovery resolves, relapse reopens.
    store.update_incidents(run_id, Utc::now(), &outcomes).await?;
    summary.failures.sort_by(|a, b| (&a.platform, &a.terms_type).cmp(&(&b.platform, &b.terms_type)));
    summary.elapsed_ms = started.elapsed().as_millis();
    store.finish_run(run_id, Utc::now(), &serde_json::to_string(&summary)?).await?;
    Ok(summary)
}

fn store_error(doc: &DocumentRow, e: StoreError) -> anyhow::Error {
    anyhow::anyhow!("store error while tracking {} / {}: {e}", doc.platform_name, doc.terms_type)
}

/// Wait for a queued capture of `doc` to be committed.
async fn committed(doc: &DocumentRow, write: PendingWrite) -> anyhow::Result<()> {
    write.committed().await.map(|_| ()).map_err(|e| store_error(doc, e))
}

async fn track_document(store: &Store, fetcher: &Fetcher, cache: &RulesCache, job: DocJob, run_id: RunId) -> DocResult {
    match try_track_document(store, fetcher, cache, job, run_id).await {
        Ok(r) => r,
        Err(e) => DocResult::StoreFailed(e),
    }
}

async fn try_track_document(
    store: &Store,
    fetcher: &Fetcher,
    cache: &RulesCache,
    job: DocJob,
    run_id: RunId,
) -> Result<DocResult, StoreError> {
    let DocJob { doc, rules, previous_snapshots, previous_done } = job;
    let now = Utc::now();
    let rules = match rules {
        Some(r) => r,
        None => store.rules_at(doc.id, now).await?,
    };
    let (snapshots, bodies) =
        match fetch_sources(store, fetcher, &doc, &rules, &previous_snapshots, run_id, now, false).await? {
            Ok(fetched) => fetched,
            Err(failed) => return Ok(failed),
        };
    // A static page whose selectors match nothing may be a shell its scripts fill in: it is
    // looked at again as a browser would, and only that capture may be read automatically
    // (the rule may well match the rendered page).
    let browser_next = fetcher.has_browser() && rules.rules.sources.iter().any(|s| !s.execute_client_scripts);
    let (step, pending) = submit_fresh_capture(
        store,
        cache,
        &doc,
        previous_done.clone(),
        Some(run_id),
        now,
        rules.id,
        snapshots,
        bodies,
        !browser_next,
    )
    .await?;
    // The static capture stays recorded as failed.
    let shell = matches!(&step.outcome, Outcome::Failed { cause, .. }
        if cause == "selector-matched-nothing" || cause == "empty-content");
    if shell && browser_next {
        // The failed static capture is committed before the rendered one is decided.
        pending.committed().await?;
        let now = Utc::now();
        if let Ok((snapshots, bodies)) =
            fetch_sources(store, fetcher, &doc, &rules, &previous_snapshots, run_id, now, true).await?
        {
            let (rendered, pending) = submit_fresh_capture(
                store,
                cache,
                &doc,
                previous_done,
                Some(run_id),
                now,
                rules.id,
                snapshots,
                bodies,
                true,
            )
            .await?;
            return Ok(DocResult::Fetched(rendered, Some(pending)));
        }
        return Ok(DocResult::Fetched(step, None));
    }
    Ok(DocResult::Fetched(step, Some(pending)))
}

/// Captures a run lets wait for the store's writer before it waits for the oldest: a writer
/// batch holds at most 64, so two batches can fill while one commits.
const MAX_QUEUED_WRITES: usize = 128;

/// Largest body hashed on the async thread (about 0.25 ms of BLAKE3 here); larger ones are
/// hashed on a blocking thread.
const INLINE_HASH_MAX_BYTES: usize = 1 << 20;

/// Store a fetched body (unless already stored): its hash, and the body back for extraction.
/// Bytes seen before (most captures) are only hashed, here: handing each to a blocking thread
/// would cost more than the hash. New bytes, and large ones, go to a blocking thread, where
/// they are compressed and written (hashed once either way).
async fn store_body(blobs: BlobStore, body: Vec<u8>) -> Result<(ContentHash, Vec<u8>), StoreError> {
    let input = if body.len() <= INLINE_HASH_MAX_BYTES {
        let hashed = HashedBytes::new(body);
        if blobs.is_stored(&hashed.hash()) {
            return Ok((hashed.hash(), hashed.into_bytes()));
        }
        Ok(hashed)
    } else {
        Err(body)
    };
    tokio::task::spawn_blocking(move || {
        let hashed = input.unwrap_or_else(HashedBytes::new);
        let hash = blobs.put_hashed(&hashed)?;
        Ok((hash, hashed.into_bytes()))
    })
    .await
    .map_err(|e| StoreError::Corrupt { what: "blob write task".into(), reason: e.to_string() })?
}

/// What the browser waits for: the first CSS selector of the source's `select`.
fn wait_for(source: &clausewatch_core::SourceRules) -> Option<&str> {
    source.select.iter().find_map(|s| match s {
        clausewatch_core::Selector::Css(css) => Some(css.as_str()),
        _ => None,
    })
}

/// Fetch every source of a document (through the browser when a source asks for it, or for
/// all when `force_browser`): the snapshots and, when every body came back, the bodies. A
/// failure is recorded as a failed capture and returned as the document's result.
#[allow(clippy::too_many_arguments)]
async fn fetch_sources(
    store: &Store,
    fetcher: &Fetcher,
    doc: &DocumentRow,
    rules: &RulesRow,
    previous_snapshots: &HashMap<String, SnapshotRow>,
    run_id: RunId,
    now: chrono::DateTime<Utc>,
    force_browser: bool,
) -> Result<Result<(Vec<NewSnapshot>, Option<Vec<Vec<u8>>>), DocResult>, StoreError> {
    let mut snapshots = Vec::with_capacity(rules.rules.sources.len());
    // The fetched bytes, kept for extraction (None once any source was answered "not modified").
    let mut bodies: Option<Vec<Vec<u8>>> = Some(Vec::new());
    for source in &rules.rules.sources {
        let previous = previous_snapshots.get(&source.url);
        let conditional = previous
            .as_ref()
            .map(|p| Conditional {
                etag: p.header("etag").map(str::to_string),
                last_modified: p.header("last-modified").map(str::to_string),
            })
            .unwrap_or_default();
        let robots = match &source.ignore_robots {
            Some(_) => clausewatch_fetch::RobotsPolicy::Ignore,
            None => clausewatch_fetch::RobotsPolicy::Respect,
        };
        let fetched = if source.execute_client_scripts || force_browser {
            fetcher.fetch_rendered(&source.url, wait_for(source), robots).await
        } else {
            match fetcher.fetch_with(&source.url, &conditional, robots).await {
                // A bot challenge for a plain HTTP client: try as a browser would.
                Err(clausewatch_fetch::FetchError::BotBlocked(why)) if fetcher.has_browser() => {
                    fetcher.fetch_rendered(&source.url, wait_for(source), robots).await.map_err(|e| match e {
                        clausewatch_fetch::FetchError::HttpStatus { .. } => {
                            clausewatch_fetch::FetchError::BotBlocked(why)
                        }
                        other => other,
                    })
                }
                other => other,
            }
        };
        let response = match fetched {
            Ok(r) => r,
            Err(e) => {
                let message = format!("{}: {e}", source.url);
                store.record_failed_capture(doc.id, Some(run_id), now, rules.id, e.cause(), &message).await?;
                return Ok(Err(DocResult::FetchFailed { cause: e.cause().into(), message }));
            }
        };
        // What the capture holds: the previous bytes when the server says "not modified".
        let (content_type, content_hash, size) = if response.not_modified {
            bodies = None;
            let Some(p) = previous else {
                let message = format!("{}: 304 Not Modified without a previous capture", source.url);
                store.record_failed_capture(doc.id, Some(run_id), now, rules.id, "http-4xx", &message).await?;
                return Ok(Err(DocResult::FetchFailed { cause: "http-4xx".into(), message }));
            };
            (p.content_type.clone(), p.content_hash, p.size)
        } else {
            let size = response.body.len() as u64;
            let (hash, body) = store_body(store.blobs().clone(), response.body).await?;
            if let Some(b) = bodies.as_mut() {
                b.push(body);
            }
            (response.content_type, hash, size)
        };
        let snapshot = NewSnapshot {
            url: source.url.clone(),
            final_url: response.final_url,
            status: response.status,
            headers: response.headers,
            content_type,
            fetched_at: response.fetched_at,
            fetcher: response.fetcher.into(),
            content_hash,
            size,
            not_modified: response.not_modified,
        };
        snapshots.push(snapshot);
    }
    Ok(Ok((snapshots, bodies)))
}
