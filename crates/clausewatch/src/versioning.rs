//! From a capture to versions: extract, compare with the latest version, record a technical
//! upgrade first when the rules changed, then a change if the text changed.
//!
//! `step` is shared by `track`, crash recovery and `rebuild`, so a rebuild replays exactly
//! what tracking did.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use clausewatch_core::{ContentHash, DocumentRules};
use clausewatch_extract::{extract_document_in, ExtractError, Extracted, Mode, SourceInput, EXTRACTOR_VERSION};
use clausewatch_store::{
    compress_text, sources_hash, CaptureId, CaptureRow, DocumentId, DocumentRow, NewChange, NewSnapshot, NewVersion,
    PendingWrite, ProcessedCapture, RulesId, RulesRow, RunId, SnapshotRow, Store, StoreError, VersionId, VersionKind,
    VersionRow, VersionSummary,
};

/// The latest version as far as versioning needs it.
#[derive(Clone, Debug)]
pub struct Current {
    pub capture_id: CaptureId,
    pub rules_id: RulesId,
    pub effective_at: DateTime<Utc>,
    pub text_hash: ContentHash,
    pub text: CurrentText,
    /// The extractor that made the current text: another than ours means its bytes are
    /// extracted again (a technical upgrade) before a fresh capture is compared with it.
    pub extractor_version: String,
    /// Sources of the current text extracted automatically (their select rule matched nothing).
    pub automatic_sources: Vec<usize>,
}

/// The current version's text: at hand, or still in the store. Most captures only compare
/// hashes (a page whose markup changed but not its text), so the stored text is read,
/// decompressed and verified only when the new text differs.
#[derive(Clone, Debug)]
pub enum CurrentText {
    Loaded(String),
    Stored(VersionId),
}

impl Current {
    /// The version just decided (`capture`: the capture being stepped, for a version of it).
    pub fn of_new(v: &NewVersion, capture: CaptureId) -> Current {
        Current {
            capture_id: v.capture_id.unwrap_or(capture),
            rules_id: v.rules_id,
            effective_at: v.effective_at,
            text_hash: v.text_hash,
            text: CurrentText::Loaded(v.markdown.clone()),
            extractor_version: v.extractor_version.clone(),
            automatic_sources: v.automatic_sources.clone(),
        }
    }

    /// The current text, read from the store the first time it is needed.
    pub async fn text(&mut self, store: &Store) -> Result<&str, StoreError> {
        if let CurrentText::Stored(id) = self.text {
            let v = store.version(id).await?.ok_or_else(|| StoreError::NotFound(format!("version {id}")))?;
            self.text = CurrentText::Loaded(v.markdown);
        }
        match &self.text {
            CurrentText::Loaded(text) => Ok(text),
            CurrentText::Stored(id) => Err(StoreError::NotFound(format!("text of version {id}"))),
        }
    }
}

impl From<&VersionSummary> for Current {
    fn from(v: &VersionSummary) -> Self {
        Current {
            capture_id: v.capture_id,
            rules_id: v.rules_id,
            effective_at: v.effective_at,
            text_hash: v.text_hash,
            text: CurrentText::Stored(v.id),
            extractor_version: v.extractor_version.clone(),
            automatic_sources: v.automatic_sources.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    First,
    Changed,
    Unchanged,
    /// Same bytes as the previous capture with the same rules: not extracted again.
    UnchangedBytes,
    Failed {
        cause: String,
        message: String,
    },
}

impl Outcome {
    pub fn as_str(&self) -> &str {
        match self {
            Outcome::First => "first",
            Outcome::Changed => "changed",
            Outcome::Unchanged => "unchanged",
            Outcome::UnchangedBytes => "unchanged_bytes",
            Outcome::Failed { .. } => "failed",
        }
    }
}

#[derive(Debug)]
pub struct Step {
    pub versions: Vec<NewVersion>,
    pub outcome: Outcome,
    /// Sources of this capture read automatically because their select rule matched nothing
    /// in it (the page was redesigned): the rule needs fixing.
    pub read_automatically: Vec<usize>,
    /// The extractor this capture confirmed the latest text with (with `read_automatically`):
    /// ours when extracted, its predecessor's when not extracted again, empty when failed.
    pub extractor_version: String,
}

/// What the latest text was last confirmed under: the rules, extractor and automatically read
/// sources of the last capture processed successfully (or of the latest version itself). When
/// they are those of now, the latest version's bytes need not be extracted again first.
#[derive(Clone, Debug)]
pub struct Confirmed {
    pub rules_id: RulesId,
    pub extractor_version: String,
    pub automatic_sources: Vec<usize>,
}

impl Confirmed {
    /// From the last successfully processed capture, if any, else from the latest version.
    /// Captures processed before the extractor was recorded take the latest version's.
    pub fn of(previous: Option<&CaptureRow>, latest: Option<&Current>) -> Option<Confirmed> {
        let latest = latest?;
        Some(match previous {
            Some(p) if !p.extractor_version.is_empty() => Confirmed {
                rules_id: p.rules_id,
                extractor_version: p.extractor_version.clone(),
                automatic_sources: p.automatic_sources.clone(),
            },
            Some(p) => Confirmed {
                rules_id: p.rules_id,
                extractor_version: latest.extractor_version.clone(),
                automatic_sources: latest.automatic_sources.clone(),
            },
            None => Confirmed {
                rules_id: latest.rules_id,
                extractor_version: latest.extractor_version.clone(),
                automatic_sources: latest.automatic_sources.clone(),
            },
        })
    }

    /// After a successful step of `capture`.
    pub fn after(capture_rules: RulesId, step: &Step) -> Confirmed {
        Confirmed {
            rules_id: capture_rules,
            extractor_version: step.extractor_version.clone(),
            automatic_sources: step.read_automatically.clone(),
        }
    }
}

impl Step {
    fn failed(versions: Vec<NewVersion>, cause: &str, message: String) -> Step {
        Step {
            versions,
            outcome: Outcome::Failed { cause: cause.into(), message },
            read_automatically: vec![],
            extractor_version: String::new(),
        }
    }
    pub fn technical_upgrades(&self) -> usize {
        self.versions.iter().filter(|v| v.kind == VersionKind::TechnicalUpgrade).count()
    }
    pub fn new_versions(&self) -> usize {
        self.versions.iter().filter(|v| v.kind != VersionKind::TechnicalUpgrade).count()
    }
}

/// Caches rules rows by id (rules rows never change once written), shared by the documents
/// of a run.
#[derive(Default)]
pub struct RulesCache(std::sync::Mutex<HashMap<RulesId, Arc<RulesRow>>>);

impl RulesCache {
    pub async fn get(&self, store: &Store, id: RulesId) -> Result<Arc<RulesRow>, StoreError> {
        if let Some(row) = self.0.lock().expect("rules cache lock").get(&id) {
            return Ok(row.clone());
        }
        let row = Arc::new(store.rules(id).await?);
        self.0.lock().expect("rules cache lock").insert(id, row.clone());
        Ok(row)
    }
}

/// One source of a capture, as extraction needs it.
#[derive(Clone, Debug)]
pub struct SourceRef {
    pub final_url: String,
    pub content_type: Option<String>,
    pub content_hash: ContentHash,
}

impl From<&SnapshotRow> for SourceRef {
    fn from(s: &SnapshotRow) -> Self {
        SourceRef { final_url: s.final_url.clone(), content_type: s.content_type.clone(), content_hash: s.content_hash }
    }
}

impl From<&NewSnapshot> for SourceRef {
    fn from(s: &NewSnapshot) -> Self {
        SourceRef { final_url: s.final_url.clone(), content_type: s.content_type.clone(), content_hash: s.content_hash }
    }
}

/// What `step` needs of a capture: a stored one (`id` known) or a fresh one about to be
/// recorded together with its versions (`id` None).
pub struct CaptureInput {
    pub id: Option<CaptureId>,
    /// The document's terms type: what an automatic extraction looks for on a page that holds
    /// several documents.
    pub terms_type: String,
    pub captured_at: DateTime<Utc>,
    pub rules_id: RulesId,
    pub sources: Vec<SourceRef>,
    /// The bytes when the caller holds them (just fetched); else read from the blob store.
    pub bodies: Option<Vec<Vec<u8>>>,
    /// A source whose select rule matches nothing may be read automatically (not when the
    /// page is about to be looked at again in the browser).
    pub may_read_automatically: bool,
}

impl CaptureInput {
    pub async fn stored(
        store: &Store,
        document: &DocumentRow,
        capture: &CaptureRow,
    ) -> Result<CaptureInput, StoreError> {
        let snapshots = store.snapshots(capture.id).await?;
        Ok(CaptureInput {
            id: Some(capture.id),
            terms_type: document.terms_type.clone(),
            captured_at: capture.captured_at,
            rules_id: capture.rules_id,
            sources: snapshots.iter().map(SourceRef::from).collect(),
            bodies: None,
            may_read_automatically: capture.may_read_automatically,
        })
    }
}

/// Same bytes and same rules as the last successfully processed capture: the text cannot
/// differ, so the capture is not extracted again.
pub async fn unchanged_bytes(
    store: &Store,
    rules_cache: &RulesCache,
    rules_id: RulesId,
    sources_hash: &str,
    previous_done: Option<&CaptureRow>,
) -> Result<bool, StoreError> {
    let Some(prev) = previous_done else {
        return Ok(false);
    };
    if prev.sources_hash.as_deref() != Some(sources_hash) {
        return Ok(false);
    }
    let prev_rules = rules_cache.get(store, prev.rules_id).await?.hash;
    let rules = rules_cache.get(store, rules_id).await?.hash;
    Ok(prev_rules == rules)
}

/// Decide what a capture adds to the history, given the latest version (`current`) and what
/// the current text was last confirmed under ([`Confirmed`]).
pub async fn step(
    store: &Store,
    rules_cache: &RulesCache,
    current: Option<&Current>,
    confirmed: Option<&Confirmed>,
    capture: CaptureInput,
) -> Result<Step, StoreError> {
    let rules = rules_cache.get(store, capture.rules_id).await?;
    let terms_type = Some(capture.terms_type.as_str());
    let bodies = capture.bodies.map(Arc::new);
    let mut versions = Vec::new();
    let mut current = current.cloned();

    // 1. Extract this capture. A select rule that matches nothing (a redesigned page) falls
    //    back to automatic extraction, kept only when each source so read is recognisably
    //    that source of the latest version: an error or home page stays a failure.
    let mut extracted =
        extract_sources(store, &rules.rules, terms_type, &capture.sources, bodies.clone(), &Mode::default()).await?;
    let mut refused: Option<String> = None;
    if let (Err(ExtractError::SelectorMatchedNothing { .. }), true) = (&extracted, capture.may_read_automatically) {
        let fall_back = Mode { automatic: Vec::new(), fall_back: true };
        if let Ok(ex) =
            extract_sources(store, &rules.rules, terms_type, &capture.sources, bodies.clone(), &fall_back).await?
        {
            let why = match current.as_ref() {
                Some(cur) => {
                    fallback_refusal(store, &rules.rules, terms_type, cur, &capture.sources, bodies.as_deref(), &ex)
                        .await?
                }
                None => {
                    first_fallback_refusal(
                        store,
                        &rules.rules,
                        &capture.terms_type,
                        &capture.sources,
                        bodies.as_deref(),
                        &ex,
                    )
                    .await?
                }
            };
            match why {
                None => extracted = Ok(ex),
                Some(why) => refused = Some(why),
            }
        }
    }
    // How this capture's text was read: the latest version is read the same way first. A
    // capture that cannot be read changes nothing of how the latest text stands confirmed.
    let mode = match (&extracted, confirmed) {
        (Ok(ex), _) => ex.automatic_sources.clone(),
        (Err(_), Some(c)) => c.automatic_sources.clone(),
        (Err(_), None) => current.as_ref().map(|c| c.automatic_sources.clone()).unwrap_or_default(),
    };

    // 2. Rules changed since the current text was confirmed, the current text was made by
    //    another extractor, or read another way (automatically or not): re-extract the latest
    //    version's bytes with the rules, extractor and mode of now; a difference is a technical
    //    upgrade, recorded before any real change (so a better extractor or a redesign never
    //    reads as a change of the document). When the latest bytes cannot be read that way (a
    //    select rule that matches the new page but not the old), this capture is read the old
    //    way instead, compared, and the switch recorded after the comparison.
    let mut upgrade_after: Option<Extracted> = None;
    if let (Some(mut cur), Some(confirmed)) = (current.clone(), confirmed) {
        let old_rules = rules_cache.get(store, confirmed.rules_id).await?.hash;
        if old_rules != rules.hash
            || confirmed.extractor_version != EXTRACTOR_VERSION
            || confirmed.automatic_sources != mode
        {
            let old: Vec<SourceRef> = store.snapshots(cur.capture_id).await?.iter().map(SourceRef::from).collect();
            let as_now = Mode { automatic: mode.clone(), fall_back: false };
            match extract_sources(store, &rules.rules, terms_type, &old, None, &as_now).await? {
                Ok(ex) if ex.text_hash != cur.text_hash => {
                    let (capture_id, effective_at) = (cur.capture_id, cur.effective_at);
                    let v = new_version(
                        cur.text(store).await?,
                        Some(capture_id),
                        &rules,
                        VersionKind::TechnicalUpgrade,
                        effective_at,
                        ex,
                    );
                    current = Some(Current::of_new(&v, capture_id));
                    versions.push(v);
                }
                Ok(_) => {}
                Err(_) if extracted.is_ok() && confirmed.automatic_sources != mode => {
                    let as_before = Mode { automatic: confirmed.automatic_sources.clone(), fall_back: false };
                    if let Ok(ex) =
                        extract_sources(store, &rules.rules, terms_type, &capture.sources, bodies.clone(), &as_before)
                            .await?
                    {
                        upgrade_after = extracted.ok();
                        extracted = Ok(ex);
                    }
                }
                Err(_) => {}
            }
        }
    }

    // 3. Compare this capture with the latest version.
    let read_automatically = match (&extracted, &upgrade_after) {
        (_, Some(declared)) => declared.automatic_sources.clone(),
        (Ok(ex), None) => ex.automatic_sources.clone(),
        (Err(_), None) => vec![],
    };
    let extracted = match extracted {
        Ok(ex) => ex,
        Err(e) => {
            let message = match refused {
                Some(why) => format!("{e}; {REFUSED_AUTOMATIC}: {why}"),
                None => e.to_string(),
            };
            return Ok(Step::failed(versions, e.cause(), message));
        }
    };
    // The same words and signs, a no-break space swapped for a plain one or back: the page's
    // typography, not its text. The version in force stays (with its text).
    let same_spacing = match &mut current {
        Some(cur) if cur.text_hash != extracted.text_hash => {
            same_but_fixed_spaces(cur.text(store).await?, &extracted.markdown)
        }
        _ => false,
    };
    let (outcome, previous) = match current {
        None => {
            let v = NewVersion {
                capture_id: capture.id,
                rules_id: rules.id,
                kind: VersionKind::First,
                effective_at: capture.captured_at,
                text_hash: extracted.text_hash,
                markdown_zstd: compress_text(&extracted.markdown),
                markdown: extracted.markdown,
                extractor_version: EXTRACTOR_VERSION.into(),
                automatic_sources: extracted.automatic_sources,
                change: None,
            };
            versions.push(v);
            (Outcome::First, None)
        }
        Some(ref cur) if cur.text_hash == extracted.text_hash || same_spacing => {
            (Outcome::Unchanged, Some(cur.clone()))
        }
        Some(mut cur) => {
            let previous = cur.text(store).await?;
            if let Some(message) = not_the_document(previous, &extracted.markdown) {
                return Ok(Step::failed(versions, "not-the-document", message));
            }
            let v = new_version(previous, capture.id, &rules, VersionKind::Change, capture.captured_at, extracted);
            versions.push(v);
            (Outcome::Changed, None)
        }
    };
    // 4. The switch back to the declared rules, after the comparison made the old way.
    if let Some(up) = upgrade_after {
        let mut latest = match (previous, versions.last()) {
            (Some(cur), _) => cur,
            (None, Some(v)) => Current::of_new(v, capture.id.unwrap_or_default()),
            (None, None) => {
                let extractor_version = EXTRACTOR_VERSION.into();
                return Ok(Step { versions, outcome, read_automatically, extractor_version });
            }
        };
        if up.text_hash != latest.text_hash {
            let v = new_version(
                latest.text(store).await?,
                capture.id,
                &rules,
                VersionKind::TechnicalUpgrade,
                capture.captured_at,
                up,
            );
            versions.push(v);
        }
    }
    Ok(Step { versions, outcome, read_automatically, extractor_version: EXTRACTOR_VERSION.into() })
}

/// The incident cause of a document read automatically because a select rule matched nothing:
/// open while that lasts, resolved by the first capture read by its rules again.
pub const READ_AUTOMATICALLY: &str = "read-automatically";

/// What a failure says when the automatic reading of a source whose select rule matched
/// nothing was refused.
pub const REFUSED_AUTOMATIC: &str = "read automatically, the page is not the document";

/// How a version's text was read when not by its rules alone, for provenance.
pub fn automatic_note(automatic_sources: &[usize]) -> Option<String> {
    if automatic_sources.is_empty() {
        return None;
    }
    let sources: Vec<String> = automatic_sources.iter().map(|i| format!("#{}", i + 1)).collect();
    Some(format!("source {} read automatically: its select rule matched nothing in the capture", sources.join(", ")))
}

/// Why the sources a capture had to read automatically (`ex.automatic_sources`) are not the
/// latest version's: each is compared with the same source of the latest capture, read as the
/// latest version read it, so an error page in one source of a combined document is not hidden
/// by the others.
async fn fallback_refusal(
    store: &Store,
    rules: &DocumentRules,
    terms_type: Option<&str>,
    latest: &Current,
    fresh: &[SourceRef],
    bodies: Option<&Vec<Vec<u8>>>,
    ex: &Extracted,
) -> Result<Option<String>, StoreError> {
    let old: Vec<SourceRef> = store.snapshots(latest.capture_id).await?.iter().map(SourceRef::from).collect();
    if old.len() != fresh.len() || rules.sources.len() != fresh.len() {
        return Ok(Some(format!("the latest capture has {} sources, this one {}", old.len(), fresh.len())));
    }
    for &i in &ex.automatic_sources {
        let as_latest = latest.automatic_sources.contains(&i);
        let before = read_source(store, rules, terms_type, &old, None, i, as_latest).await?;
        let now = read_source(store, rules, terms_type, fresh, bodies, i, true).await?;
        let why = match (before, now) {
            (Ok(before), Ok(now)) => not_recognisably(&before.markdown, &now.markdown),
            (Err(e), _) => Some(format!("the latest capture cannot be read to compare ({e})")),
            (_, Err(e)) => Some(e.to_string()),
        };
        if let Some(why) = why {
            return Ok(Some(format!("source #{}: {why}", i + 1)));
        }
    }
    Ok(None)
}

/// Why a document's first capture cannot be read automatically where its select rule matched
/// nothing: with no earlier version to recognise it by, each source so read must pass
/// [`untitled_first_reading`].
async fn first_fallback_refusal(
    store: &Store,
    rules: &DocumentRules,
    terms_type: &str,
    fresh: &[SourceRef],
    bodies: Option<&Vec<Vec<u8>>>,
    ex: &Extracted,
) -> Result<Option<String>, StoreError> {
    for &i in &ex.automatic_sources {
        let why = match read_source(store, rules, Some(terms_type), fresh, bodies, i, true).await? {
            Ok(one) => untitled_first_reading(terms_type, &one.markdown),
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = why {
            return Ok(Some(format!("source #{}: {why}", i + 1)));
        }
    }
    Ok(None)
}

/// Why one source's automatic reading, with no earlier version to recognise it by, is not taken
/// as the document: it must call itself a document of the terms type in one of its first
/// headings and hold at least 150 words (an error, login or home page does neither).
pub(crate) fn untitled_first_reading(terms_type: &str, text: &str) -> Option<String> {
    let names: Vec<String> = clausewatch_core::terms_types::title_names(terms_type);
    let words = text.split_whitespace().count();
    let titles = headings(text, 3);
    let titled = titles.iter().any(|t| names.iter().any(|n| t.contains(&heading_key(n))));
    (words < 150 || !titled).then(|| {
        format!(
            "a first capture read automatically must be titled as a {terms_type} and hold 150 words or more; it has {words} words under {titles:?}"
        )
    })
}

/// A heading or title as compared: lower case, letters, digits and single spaces.
fn heading_key(text: &str) -> String {
    let kept: String =
        text.chars().filter(|c| c.is_alphanumeric() || c.is_whitespace()).collect::<String>().to_lowercase();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Source `i` of a capture alone, read automatically or by its rule.
async fn read_source(
    store: &Store,
    rules: &DocumentRules,
    terms_type: Option<&str>,
    sources: &[SourceRef],
    bodies: Option<&Vec<Vec<u8>>>,
    i: usize,
    automatic: bool,
) -> Result<Result<Extracted, ExtractError>, StoreError> {
    let (Some(rule), Some(source)) = (rules.sources.get(i), sources.get(i)) else {
        return Ok(Err(ExtractError::SourceCountMismatch { expected: rules.sources.len(), got: sources.len() }));
    };
    let one = DocumentRules { sources: vec![rule.clone()] };
    let body = bodies.and_then(|b| b.get(i)).map(|b| Arc::new(vec![b.clone()]));
    let mode = Mode { automatic: if automatic { vec![0] } else { vec![] }, fall_back: false };
    extract_sources(store, &one, terms_type, std::slice::from_ref(source), body, &mode).await
}

/// Why an automatic extraction of a page whose select rule matched nothing is not the latest
/// version's document: it must not be another page (see [`not_the_document`]) and must keep
/// most of the document's vocabulary and at least half its length. Stricter than for a capture
/// read by its rules, since nothing but the text says the page still holds the document.
fn not_recognisably(previous: &str, new: &str) -> Option<String> {
    if let Some(why) = not_the_document(previous, new) {
        return Some(why);
    }
    let vocabulary = |t: &str| -> std::collections::HashSet<String> {
        t.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3).map(str::to_lowercase).collect()
    };
    let (old, fresh) = (vocabulary(previous), vocabulary(new));
    if old.is_empty() {
        return Some("the latest version has no words to recognise".into());
    }
    let kept = old.iter().filter(|w| fresh.contains(*w)).count() as f64 / old.len() as f64;
    let (old_words, new_words) = (previous.split_whitespace().count(), new.split_whitespace().count());
    if kept < 0.6 || (new_words as f64) < 0.5 * old_words as f64 {
        return Some(format!(
            "it keeps {:.0}% of the document's vocabulary and has {new_words} words against {old_words}",
            kept * 100.0
        ));
    }
    None
}

/// The first `max` headings of a Markdown text (ATX `#` lines and setext-underlined lines),
/// normalised.
fn headings(md: &str, max: usize) -> Vec<String> {
    let mut lines = md.lines().peekable();
    let mut out = Vec::new();
    while let Some(line) = lines.next() {
        if out.len() >= max {
            break;
        }
        let t = line.trim();
        let text = if let Some(rest) = t.strip_prefix('#') {
            Some(rest.trim_start_matches('#').trim())
        } else if lines.peek().is_some_and(|n| {
            let n = n.trim();
            n.len() >= 3 && (n.bytes().all(|b| b == b'=') || n.bytes().all(|b| b == b'-'))
        }) && !t.is_empty()
        {
            Some(t)
        } else {
            None
        };
        if let Some(h) = text {
            let h = heading_key(h);
            if !h.is_empty() {
                out.push(h);
            }
        }
    }
    out
}

/// A page served with success that is not the document (an error, login or home page): the
/// document's title is gone and either the text collapses or the document's own headings and
/// most of its vocabulary are gone. A document that keeps its title is the document, however
/// much it changed. Such a capture is an incident, never a version. Short
/// documents are not judged.
pub fn not_the_document(previous: &str, new: &str) -> Option<String> {
    // Short documents are not judged.
    previous.split_whitespace().nth(149)?;
    // Every judgement below needs the title gone; most changes keep it, and that is cheap to see.
    let title = headings(previous, 1).pop();
    if title.is_some_and(|t| new.to_lowercase().contains(t.as_str())) {
        return None;
    }
    let prev_words: Vec<&str> = previous.split_whitespace().collect();
    let new_words: Vec<&str> = new.split_whitespace().collect();
    let prev_headings = headings(previous, usize::MAX);
    if new_words.len() * 5 < prev_words.len() {
        return Some(format!(
            "the text collapsed from {} to {} words and lost the document's title{}: not the document (an error, login or home page?)",
            prev_words.len(),
            new_words.len(),
            prev_headings.first().map(|t| format!(" ({t:?})")).unwrap_or_default()
        ));
    }
    if prev_headings.len() >= 3 {
        let new_headings: std::collections::HashSet<String> = headings(new, usize::MAX).into_iter().collect();
        let kept = prev_headings.iter().filter(|h| new_headings.contains(*h)).count();
        let vocabulary = |words: &[&str]| -> std::collections::HashSet<String> {
            words
                .iter()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
                .filter(|w| w.len() > 3)
                .collect()
        };
        let (pv, nv) = (vocabulary(&prev_words), vocabulary(&new_words));
        let shared = pv.intersection(&nv).count() as f64 / pv.len().max(1) as f64;
        if kept * 5 < prev_headings.len() && shared < 0.3 {
            return Some(format!(
                "the page kept {kept} of the document's {} headings and {:.0}% of its vocabulary: not the document",
                prev_headings.len(),
                shared * 100.0
            ));
        }
    }
    None
}

fn new_version(
    previous_text: &str,
    capture_id: Option<CaptureId>,
    rules: &RulesRow,
    kind: VersionKind,
    effective_at: DateTime<Utc>,
    ex: Extracted,
) -> NewVersion {
    let diff = clausewatch_diff::diff(previous_text, &ex.markdown);
    NewVersion {
        capture_id,
        rules_id: rules.id,
        kind,
        effective_at,
        text_hash: ex.text_hash,
        markdown_zstd: compress_text(&ex.markdown),
        markdown: ex.markdown,
        extractor_version: EXTRACTOR_VERSION.into(),
        automatic_sources: ex.automatic_sources,
        change: Some(NewChange {
            diff_json: serde_json::to_string(&diff.sections).unwrap_or_else(|_| "[]".into()),
            stats_json: serde_json::to_string(&diff.stats).unwrap_or_else(|_| "{}".into()),
        }),
    }
}

/// Where the pages of a version's PDF sources start in its text, found by extracting its
/// capture again (extraction is pure, so the page map needs no storage). Empty for web pages,
/// and when the extraction no longer gives the stored text (rules or extractor changed since).
pub async fn page_starts(store: &Store, v: &VersionRow) -> Result<Vec<clausewatch_extract::PageStart>, StoreError> {
    let snapshots = store.snapshots(v.capture_id).await?;
    let looks_pdf = |s: &SnapshotRow| {
        s.content_type.as_deref().is_some_and(|c| c.contains("pdf")) || s.final_url.to_lowercase().ends_with(".pdf")
    };
    if !snapshots.iter().any(looks_pdf) {
        return Ok(Vec::new());
    }
    let rules = store.rules(v.rules_id).await?;
    let terms_type = store.document(v.document_id).await?.map(|d| d.terms_type);
    let sources: Vec<SourceRef> = snapshots.iter().map(SourceRef::from).collect();
    let mode = Mode { automatic: v.automatic_sources.clone(), fall_back: false };
    Ok(match extract_sources(store, &rules.rules, terms_type.as_deref(), &sources, None, &mode).await? {
        Ok(ex) if ex.text_hash == v.text_hash => ex.pages,
        _ => Vec::new(),
    })
}

/// Extract a capture's sources with `rules` (for a document of `terms_type`), from the given
/// bytes or the blob store. The outer error is the store's (missing or corrupt blob); the inner
/// one is extraction's.
pub async fn extract_sources(
    store: &Store,
    rules: &DocumentRules,
    terms_type: Option<&str>,
    sources: &[SourceRef],
    in_memory: Option<Arc<Vec<Vec<u8>>>>,
    mode: &Mode,
) -> Result<Result<Extracted, ExtractError>, StoreError> {
    // Bytes just fetched are the bytes just stored (same hash): no need to read them back.
    let bodies = match in_memory.filter(|b| b.len() == sources.len()) {
        Some(bodies) => bodies,
        None => {
            let mut bodies = Vec::with_capacity(sources.len());
            for s in sources {
                let blobs = store.blobs().clone();
                let hash = s.content_hash;
                bodies.push(
                    tokio::task::spawn_blocking(move || blobs.get(&hash))
                        .await
                        .map_err(|e| StoreError::Corrupt { what: "blob read task".into(), reason: e.to_string() })??,
                );
            }
            Arc::new(bodies)
        }
    };
    let meta: Vec<(String, Option<String>)> =
        sources.iter().map(|s| (s.final_url.clone(), s.content_type.clone())).collect();
    let mode = mode.clone();
    let doc_rules = rules.clone();
    let terms_type = terms_type.map(str::to_string);
    // CPU-bound: at most one extraction per core, so the rest of the pipeline (the store's
    // writer above all) is not starved by a pile of parallel parses.
    let _cpu = cpu_permits()
        .acquire()
        .await
        .map_err(|e| StoreError::Corrupt { what: "cpu permits".into(), reason: e.to_string() })?;
    let result = tokio::task::spawn_blocking(move || {
        let inputs: Vec<SourceInput<'_>> = meta
            .iter()
            .zip(bodies.iter())
            .map(|((url, ct), bytes)| SourceInput { url, bytes, content_type: ct.as_deref() })
            .collect();
        extract_document_in(&doc_rules, terms_type.as_deref(), &inputs, &mode)
    })
    .await
    .map_err(|e| StoreError::Corrupt { what: "extraction task".into(), reason: e.to_string() })?;
    Ok(result)
}

fn cpu_permits() -> &'static tokio::sync::Semaphore {
    static PERMITS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    PERMITS
        .get_or_init(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)))
}

/// Decide with the unchanged-bytes shortcut first, then `step`.
async fn decide(
    store: &Store,
    rules_cache: &RulesCache,
    document: DocumentId,
    previous: Option<CaptureRow>,
    input: CaptureInput,
) -> Result<Step, StoreError> {
    let hash = sources_hash(input.sources.iter().map(|s| &s.content_hash));
    if unchanged_bytes(store, rules_cache, input.rules_id, &hash, previous.as_ref()).await? {
        // Not extracted again: it confirms the text as its predecessor did.
        let previous = previous.as_ref();
        return Ok(Step {
            versions: vec![],
            outcome: Outcome::UnchangedBytes,
            read_automatically: previous.map(|p| p.automatic_sources.clone()).unwrap_or_default(),
            extractor_version: previous.map(|p| p.extractor_version.clone()).unwrap_or_default(),
        });
    }
    // Only the latest version's hash and rules for now: its text is read if the new one differs.
    let latest = store.latest_version_summary(document).await?;
    let current = latest.as_ref().map(Current::from);
    let confirmed = Confirmed::of(previous.as_ref(), current.as_ref());
    step(store, rules_cache, current.as_ref(), confirmed.as_ref(), input).await
}

fn failure_of(step: &Step) -> Option<(String, String)> {
    match &step.outcome {
        Outcome::Failed { cause, message } => Some((cause.clone(), message.clone())),
        _ => None,
    }
}

/// Version a capture just fetched and queue it, with its snapshots, for the store's writer
/// (one write): the step, and the queued write to wait for. `previous` is the document's last
/// successfully versioned capture; `bodies` are the fetched bytes (None when a source was
/// answered "not modified"); `may_read_automatically` is false for a static capture the caller
/// will look at again in the browser if its select rule matches nothing.
#[allow(clippy::too_many_arguments)]
pub async fn submit_fresh_capture(
    store: &Store,
    rules_cache: &RulesCache,
    document: &DocumentRow,
    previous: Option<CaptureRow>,
    run: Option<RunId>,
    captured_at: DateTime<Utc>,
    rules_id: RulesId,
    snapshots: Vec<NewSnapshot>,
    bodies: Option<Vec<Vec<u8>>>,
    may_read_automatically: bool,
) -> Result<(Step, PendingWrite), StoreError> {
    let input = CaptureInput {
        id: None,
        terms_type: document.terms_type.clone(),
        captured_at,
        rules_id,
        sources: snapshots.iter().map(SourceRef::from).collect(),
        bodies,
        may_read_automatically,
    };
    let step = decide(store, rules_cache, document.id, previous, input).await?;
    let pending = store.submit_processed(ProcessedCapture {
        document_id: document.id,
        run_id: run,
        captured_at,
        rules_id,
        snapshots,
        outcome: step.outcome.as_str().to_string(),
        versions: step.versions.clone(),
        failure: failure_of(&step),
        extractor_version: step.extractor_version.clone(),
        automatic_sources: step.read_automatically.clone(),
        may_read_automatically,
    })?;
    Ok((step, pending))
}

/// Whether two texts differ only in which spaces are fixed (no-break U+00A0, figure U+2007,
/// narrow no-break U+202F) and which are plain. Extraction keeps them as the page has them
/// (as Open Terms Archive does), so the comparison folds them.
pub fn same_but_fixed_spaces(a: &str, b: &str) -> bool {
    let fold = |c: char| if matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}') { ' ' } else { c };
    a.chars().map(fold).eq(b.chars().map(fold))
}

#[cfg(test)]
mod tests {
    use super::{not_the_document, same_but_fixed_spaces};

    #[test]
    fn fixed_spaces_are_typography_other_signs_are_text() {
        assert!(same_but_fixed_spaces("within 24 hours of § 5", "within\u{a0}24\u{202f}hours of §\u{a0}5"));
        assert!(!same_but_fixed_spaces("within 24 hours", "within 48 hours"));
        assert!(!same_but_fixed_spaces("the \u{201c}Terms\u{201d}", "the \"Terms\""));
        assert!(!same_but_fixed_spaces("24 hours", "24  hours"));
    }

    fn policy(extra: &str) -> String {
        let mut s = String::from("Privacy Policy\n==============\n\n");
        for (i, h) in ["Data we collect", "How we use data", "Sharing", "Your rights", "Contact"].iter().enumerate() {
            s.push_str(&format!("## {h}\n\n"));
            for j in 0..8 {
                s.push_str(&format!(
                    "Clause {i}.{j}: we process personal information lawfully and retain records securely. "
                ));
            }
            s.push_str("\n\n");
        }
        s.push_str(extra);
        s
    }

    #[test]
    fn error_and_home_pages_are_not_the_document() {
        let doc = policy("");
        assert!(not_the_document(&doc, "This page isn't available\n\nTry again later.").unwrap().contains("collapsed"));
        let home = "# Welcome to Example\n\n## Products\n\nBuy our phones and laptops today, free delivery.\n\n## Blog\n\nNews stories.\n"
            .repeat(20);
        assert!(not_the_document(&doc, &home).is_some());
        // Real edits, even large ones, are the document.
        assert_eq!(not_the_document(&doc, &policy("## New section\n\nWe now also use cookies.")), None);
        let shrunk = "Privacy Policy\n==============\n\nWe collect nothing and keep nothing.";
        assert_eq!(not_the_document(&doc, shrunk), None, "a short policy keeping its title is a change");
        assert_eq!(not_the_document("short text", "x"), None);
    }
}
