//! The analyze stage: stored versions → provision analyses (incremental by analyser version),
//! and one-off analyses of a file or URL. Rendering for the CLI (text, Markdown, JSON).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use chrono::Utc;
use serde::Serialize;

use clausewatch_analyze::change::{self, Earlier, Prepared};
use clausewatch_analyze::{analysis, Analysis};

use clausewatch_core::rules::SourceRules;
use clausewatch_extract::{extract_source, normalize_markdown, SourceInput};
use clausewatch_store::{DocumentRow, NewAnalysis, NewFinding, Store, VersionId};

/// Files larger than this are refused (the extractor's own limit).
const MAX_FILE_BYTES: u64 = clausewatch_extract::MAX_INPUT_BYTES as u64;

/// Where an analysed text came from: everything a reader needs to check a claim.
#[derive(Clone, Debug, Serialize)]
pub struct Provenance {
    pub platform: Option<String>,
    pub terms_type: Option<String>,
    pub version: Option<i64>,
    pub version_id: Option<VersionId>,
    pub effective_at: Option<String>,
    pub capture_id: Option<i64>,
    pub captured_at: Option<String>,
    /// BLAKE3 of the analysed Markdown.
    pub text_hash: String,
    /// Each raw snapshot behind the version: URL and BLAKE3 of its bytes.
    pub snapshots: Vec<SnapshotRef>,
    pub file: Option<String>,
    pub url: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SnapshotRef {
    pub url: String,
    pub content_hash: String,
    pub fetched_at: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnalyzedDocument {
    pub source: Provenance,
    #[serde(flatten)]
    pub analysis: Analysis,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct StageReport {
    pub analyzer: String,
    pub analyzed: usize,
    pub findings: usize,
    pub up_to_date: usize,
}

/// Analyses every stored version not yet analysed by this analyser (all documents, or one
/// platform's). Re-runs with the same analyser do nothing.
pub async fn analyze_stored(store: &Store, platform: Option<&str>) -> anyhow::Result<StageReport> {
    let analyzer = analysis::analyzer_version();
    let documents = store.documents(platform).await?;
    let mut report = StageReport { analyzer: analyzer.clone(), ..Default::default() };
    for doc in documents {
        let pending = store.versions_needing_analysis(&analyzer, Some(doc.id)).await?;
        report.up_to_date += (doc.versions as usize).saturating_sub(pending.len());
        // Versions analysed in this pass, most recent last: pending versions come in order, so
        // the previous version, its analysis and the earlier ones are usually here already and
        // need not be read back (decompressed, verified, parsed) from the store.
        let mut recent: VecDeque<Recent> = VecDeque::new();
        for id in pending {
            let Some(version) = store.version(id).await? else { continue };
            let previous: Option<(ToPrepare, Arc<Analysis>)> = match version.seq {
                1 => None,
                seq => match recent.iter().find(|r| r.seq == seq - 1) {
                    Some(r) => Some((ToPrepare::Ready(r.prepared.clone()), r.analysis.clone())),
                    None => match store.version_by_seq(doc.id, seq - 1).await? {
                        Some(p) => store
                            .analysis(p.id)
                            .await?
                            .and_then(|row| serde_json::from_str::<Analysis>(&row.analysis_json).ok())
                            .map(|a| (ToPrepare::Text(p.markdown), Arc::new(a))),
                        None => None,
                    },
                },
            };
            // The versions before the previous one that `change::keeps_earlier` names: text that
            // merely comes back from an earlier capture (alternating variants, a truncated capture
            // repaired) is an artefact.
            let mut earlier: Vec<(ToPrepare, f64)> = Vec::new();
            for (index, seq) in (1..version.seq - 1).rev().enumerate().take(change::EARLIER_VERSIONS_MAX) {
                let days = |at: chrono::DateTime<Utc>| (version.effective_at - at).num_seconds() as f64 / 86_400.0;
                let (text, at) = match recent.iter().find(|r| r.seq == seq) {
                    Some(r) => (ToPrepare::Ready(r.prepared.clone()), r.effective_at),
                    None => match store.version_by_seq(doc.id, seq).await? {
                        Some(v) => (ToPrepare::Text(v.markdown), v.effective_at),
                        None => continue,
                    },
                };
                if !change::keeps_earlier(index, Some(days(at))) {
                    break;
                }
                earlier.push((text, days(at)));
            }
            let technical_upgrade = version.kind == clausewatch_store::VersionKind::TechnicalUpgrade;
            let subject = doc.platform_name.clone();
            let md = version.markdown;
            let (a, prepared, lost) = tokio::task::spawn_blocking(move || {
                // Versions read back from the store are prepared here, off the async workers.
                let previous = previous.map(|(p, a)| (p.prepared(), a));
                let earlier: Vec<(Arc<Prepared>, f64)> = earlier.into_iter().map(|(p, d)| (p.prepared(), d)).collect();
                let previous_analysis = previous.as_ref().map(|p| p.1.as_ref());
                let mut a = clausewatch_analyze::analyze_with_previous(&md, &subject, previous_analysis);
                let prepared = Arc::new(Prepared::of(&md));
                let mut lost = None;
                if let Some((pp, pa)) = &previous {
                    let c = classify_stored((pp, &prepared), (pa, &a), &earlier, &[], technical_upgrade);
                    // Rarely, the capture lost the document's text: the platform's other
                    // documents captured about then tell whether it is a common page.
                    if !c.capture_artefact
                        && c.significance > change::Significance::Cosmetic
                        && change::lost_its_text(pp, &prepared)
                    {
                        lost = Some((pp.clone(), pa.clone(), earlier));
                    }
                    a.change = Some(c);
                }
                (a, prepared, lost)
            })
            .await?;
            let mut a = a;
            if let Some((pp, pa, earlier)) = lost {
                let others = captures_beside(store, &doc, version.effective_at).await?;
                if !others.is_empty() {
                    let (a0, pn) = (a, prepared.clone());
                    a = tokio::task::spawn_blocking(move || {
                        let mut a = a0;
                        let others: Vec<(String, Prepared)> =
                            others.iter().map(|(n, m)| (n.clone(), Prepared::of(m))).collect();
                        a.change = Some(classify_stored((&pp, &pn), (&pa, &a), &earlier, &others, technical_upgrade));
                        a
                    })
                    .await?;
                }
            }
            report.findings += a.findings.len();
            store.save_analysis(&to_row(id, &a)?).await?;
            report.analyzed += 1;
            recent.push_back(Recent {
                seq: version.seq,
                effective_at: version.effective_at,
                prepared,
                analysis: Arc::new(a),
            });
            if recent.len() > change::EARLIER_VERSIONS_MAX + 1 {
                recent.pop_front();
            }
        }
    }
    Ok(report)
}

/// The change from the previous version to this one, knowing the earlier versions (with their
/// age in days) and the captures of the platform's other documents given.
fn classify_stored(
    (previous, new): (&Prepared, &Prepared),
    (previous_analysis, analysis): (&Analysis, &Analysis),
    earlier: &[(Arc<Prepared>, f64)],
    others: &[(String, Prepared)],
    technical_upgrade: bool,
) -> change::ChangeSummary {
    let earlier: Vec<Earlier> =
        earlier.iter().map(|(v, d)| Earlier { version: v, days_before_new: Some(*d) }).collect();
    let other_documents: Vec<change::OtherDocument> =
        others.iter().map(|(name, capture)| change::OtherDocument { name, capture }).collect();
    let context = change::Context { earlier: &earlier, reextraction_gap_days: None, other_documents: &other_documents };
    let mut c = change::classify_prepared(previous, new, previous_analysis, analysis, &context);
    // Our own re-extraction (same snapshot, new rules) is never substantive.
    if technical_upgrade && c.significance == change::Significance::Substantive {
        c.significance = change::Significance::Editorial;
        c.reasons.insert(0, "technical upgrade: the same capture extracted with new rules".into());
    }
    c
}

/// The versions of the platform's other documents that took effect within a day of `at`, with
/// their documents' names: the same page captured for several documents is a common page.
async fn captures_beside(
    store: &Store,
    doc: &clausewatch_store::DocumentRow,
    at: chrono::DateTime<Utc>,
) -> anyhow::Result<Vec<(String, String)>> {
    let day = chrono::Duration::days(1);
    let mut out = Vec::new();
    for other in store.documents(Some(&doc.platform_id)).await? {
        if other.id == doc.id {
            continue;
        }
        if let Some(v) = store.version_at(other.id, at + day).await? {
            if (v.effective_at - at).abs() <= day {
                out.push((other.terms_type.clone(), v.markdown));
            }
        }
    }
    Ok(out)
}

/// A version for change classification: prepared already (analysed in this pass), or its text
/// read back from the store, to prepare on a blocking thread.
enum ToPrepare {
    Ready(Arc<Prepared>),
    Text(String),
}

impl ToPrepare {
    fn prepared(self) -> Arc<Prepared> {
        match self {
            ToPrepare::Ready(p) => p,
            ToPrepare::Text(md) => Arc::new(Prepared::of(&md)),
        }
    }
}

/// A version analysed earlier in the same pass, kept for the versions that follow it.
struct Recent {
    seq: i64,
    effective_at: chrono::DateTime<Utc>,
    prepared: Arc<Prepared>,
    analysis: Arc<Analysis>,
}

fn to_row(version_id: VersionId, a: &Analysis) -> anyhow::Result<NewAnalysis> {
    Ok(NewAnalysis {
        version_id,
        analyzer: a.analyzer.clone(),
        analyzed_at: Utc::now(),
        summary: a.summary.text.clone(),
        analysis_json: serde_json::to_string(a)?,
        findings: a
            .findings
            .iter()
            .map(|f| {
                Ok(NewFinding {
                    provision: f.provision.clone(),
                    stance: f.stance.clone(),
                    section: f.section.clone(),
                    start: f.anchor.start,
                    end: f.anchor.end,
                    quote_hash: f.anchor.quote_hash.clone(),
                    confidence: f.confidence,
                    attributes_json: serde_json::to_string(&f.attributes)?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?,
    })
}

/// A platform's documents, the platform named by its id or its name in any case, optionally
/// one terms type.
pub async fn platform_documents(
    store: &Store,
    platform: &str,
    terms_type: Option<&str>,
) -> anyhow::Result<Vec<DocumentRow>> {
    Ok(store
        .documents(None)
        .await?
        .into_iter()
        .filter(|d| d.platform_id.eq_ignore_ascii_case(platform) || d.platform_name.eq_ignore_ascii_case(platform))
        .filter(|d| terms_type.is_none_or(|t| d.terms_type.eq_ignore_ascii_case(t)))
        .collect())
}

/// The latest version of each of a platform's documents (or one terms type), analysed (from
/// the store when up to date), with provenance.
pub async fn analyze_platform(
    store: &Store,
    platform: &str,
    terms_type: Option<&str>,
) -> anyhow::Result<Vec<AnalyzedDocument>> {
    let docs = platform_documents(store, platform, terms_type).await?;
    if docs.is_empty() {
        anyhow::bail!(
            "no document of {platform:?}{} in the store (is it in the catalog? run `clausewatch track --platform {platform}` first)",
            terms_type.map(|t| format!(" of type {t:?}")).unwrap_or_default()
        );
    }
    let platform_id = docs[0].platform_id.clone();
    analyze_stored(store, Some(&platform_id)).await?;
    let mut out = Vec::new();
    for doc in docs {
        let Some(version) = store.latest_version(doc.id).await? else { continue };
        let stored = store.analysis(version.id).await?.context("analysis was just stored")?;
        let analysis: Analysis = serde_json::from_str(&stored.analysis_json).context("stored analysis is corrupt")?;
        let capture = store.capture(version.capture_id).await?;
        let snapshots = store.snapshots(version.capture_id).await?;
        out.push(AnalyzedDocument {
            source: Provenance {
                platform: Some(doc.platform_name.clone()),
                terms_type: Some(doc.terms_type.clone()),
                version: Some(version.seq),
                version_id: Some(version.id),
                effective_at: Some(version.effective_at.to_rfc3339()),
                capture_id: Some(capture.id),
                captured_at: Some(capture.captured_at.to_rfc3339()),
                text_hash: version.text_hash.to_hex(),
                snapshots: snapshots
                    .iter()
                    .map(|s| SnapshotRef {
                        url: s.url.clone(),
                        content_hash: s.content_hash.to_hex(),
                        fetched_at: s.fetched_at.to_rfc3339(),
                    })
                    .collect(),
                file: None,
                url: None,
            },
            analysis,
        });
    }
    if out.is_empty() {
        anyhow::bail!("{platform:?} has no recorded version yet: run `clausewatch track --platform {platform}` first");
    }
    Ok(out)
}

/// Markdown from raw bytes: Markdown as is, HTML through automatic main content, PDF as text.
pub fn bytes_to_markdown(bytes: &[u8], name: &str, content_type: Option<&str>) -> anyhow::Result<String> {
    let lower = name.to_lowercase();
    let is_markdown = lower.ends_with(".md") || lower.ends_with(".markdown") || lower.ends_with(".txt");
    if is_markdown && !bytes.starts_with(b"%PDF") {
        let text = std::str::from_utf8(bytes).with_context(|| format!("{name} is not UTF-8 text"))?;
        return Ok(normalize_markdown(text));
    }
    let rules = SourceRules {
        url: name.to_string(),
        select: Vec::new(),
        remove: Vec::new(),
        filters: Vec::new(),
        execute_client_scripts: false,
        origin: None,
        ignore_robots: None,
    };
    let md = extract_source(&rules, &SourceInput { url: name, bytes, content_type })
        .with_context(|| format!("cannot extract the text of {name}"))?;
    Ok(normalize_markdown(&md))
}

pub fn analyze_file(path: &Path, subject: &str) -> anyhow::Result<AnalyzedDocument> {
    let size = std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?.len();
    if size > MAX_FILE_BYTES {
        anyhow::bail!("{} is larger than {} MB", path.display(), MAX_FILE_BYTES >> 20);
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let md = bytes_to_markdown(&bytes, &path.display().to_string(), None)?;
    Ok(AnalyzedDocument {
        source: Provenance {
            file: Some(path.display().to_string()),
            text_hash: blake3::hash(md.as_bytes()).to_hex().to_string(),
            snapshots: vec![SnapshotRef {
                url: path.display().to_string(),
                content_hash: blake3::hash(&bytes).to_hex().to_string(),
                fetched_at: Utc::now().to_rfc3339(),
            }],
            ..empty_provenance()
        },
        analysis: clausewatch_analyze::analyze(&md, subject),
    })
}

pub async fn analyze_url(config: &crate::config::Config, url: &str, subject: &str) -> anyhow::Result<AnalyzedDocument> {
    let fetcher = clausewatch_fetch::Fetcher::new(config.fetch_config())?;
    let response = fetcher.fetch(url, &Default::default()).await.with_context(|| format!("cannot fetch {url}"))?;
    if !(200..300).contains(&response.status) {
        anyhow::bail!("{url} answered HTTP {}", response.status);
    }
    let fetched_at = Utc::now();
    let (body, ct, final_url) = (response.body, response.content_type, response.final_url);
    let name = final_url.clone();
    let subject = subject.to_string();
    let (md, analysis) = tokio::task::spawn_blocking(move || -> anyhow::Result<(String, Analysis)> {
        let md = bytes_to_markdown(&body, &name, ct.as_deref())?;
        let a = clausewatch_analyze::analyze(&md, &subject);
        Ok((md, a))
    })
    .await??;
    Ok(AnalyzedDocument {
        source: Provenance {
            url: Some(final_url.clone()),
            text_hash: blake3::hash(md.as_bytes()).to_hex().to_string(),
            snapshots: vec![SnapshotRef {
                url: final_url,
                content_hash: String::new(),
                fetched_at: fetched_at.to_rfc3339(),
            }],
            captured_at: Some(fetched_at.to_rfc3339()),
            ..empty_provenance()
        },
        analysis,
    })
}

fn empty_provenance() -> Provenance {
    Provenance {
        platform: None,
        terms_type: None,
        version: None,
        version_id: None,
        effective_at: None,
        capture_id: None,
        captured_at: None,
        text_hash: String::new(),
        snapshots: Vec::new(),
        file: None,
        url: None,
    }
}

fn describe(source: &Provenance) -> String {
    match (&source.platform, &source.terms_type, source.version) {
        (Some(p), Some(t), Some(v)) => format!(
            "{p} — {t}, version {v} (effective {}, capture {} of {}, text {})",
            source.effective_at.as_deref().unwrap_or("?").get(..10).unwrap_or("?"),
            source.capture_id.unwrap_or_default(),
            source.captured_at.as_deref().unwrap_or("?"),
            &source.text_hash[..12.min(source.text_hash.len())]
        ),
        _ => format!(
            "{} (text {})",
            source.file.as_deref().or(source.url.as_deref()).unwrap_or("input"),
            &source.text_hash[..12.min(source.text_hash.len())]
        ),
    }
}

fn attribute_list(f: &clausewatch_analyze::Finding) -> String {
    f.attributes
        .iter()
        .map(|a| {
            let v = match &a.value {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            format!("{}={v}", a.name)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn render_text(docs: &[AnalyzedDocument]) -> String {
    let mut out = String::new();
    for d in docs {
        out.push_str(&format!("{}\n\n", describe(&d.source)));
        for t in &d.analysis.summary.themes {
            out.push_str(&format!(
                "{}: {}\n",
                t.theme,
                t.sentences.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ")
            ));
        }
        out.push_str("\nFindings:\n");
        for f in &d.analysis.findings {
            out.push_str(&format!(
                "- {} [{}, risk {}] §{} @{}..{} conf {:.2} by {}\n  \"{}\"\n",
                f.provision,
                f.stance,
                f.risk,
                if f.section.is_empty() { "(preamble)" } else { &f.section },
                f.anchor.start,
                f.anchor.end,
                f.confidence,
                f.found_by.join(", "),
                crate::analyze::clip(&f.quote, 300)
            ));
            let attrs = attribute_list(f);
            if !attrs.is_empty() {
                out.push_str(&format!("  {attrs}\n"));
            }
        }
        let lost: Vec<&clausewatch_analyze::Continuity> =
            d.analysis.continuity.iter().filter(|c| !c.still_found).collect();
        if !lost.is_empty() {
            out.push_str("\nNo longer found (previous version's findings, flagged for review):\n");
            for c in lost {
                let status = match c.status {
                    clausewatch_analyze::segment::Reanchor::Lost => "clause gone".to_string(),
                    clausewatch_analyze::segment::Reanchor::Edited { similarity, .. } => {
                        format!("clause reworded ({similarity:.2})")
                    }
                    clausewatch_analyze::segment::Reanchor::Found { .. } => {
                        "clause kept, provision not found".to_string()
                    }
                };
                out.push_str(&format!("- {} — {status}: \"{}\"\n", c.provision, clip(&c.previous_quote, 200)));
            }
        }
        for w in &d.analysis.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        out.push_str(&format!(
            "findings: {}\nprovisions: {}\nanalyzer: {}\n\n",
            d.analysis.findings.len(),
            distinct(d),
            d.analysis.analyzer
        ));
    }
    out
}

fn distinct(d: &AnalyzedDocument) -> usize {
    let mut p: Vec<&str> = d.analysis.findings.iter().map(|f| f.provision.as_str()).collect();
    p.sort();
    p.dedup();
    p.len()
}

pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    format!("{}…", s.chars().take(max).collect::<String>())
}

pub fn render_markdown(docs: &[AnalyzedDocument]) -> String {
    let mut out = String::new();
    for d in docs {
        out.push_str(&format!("# {}\n\n", describe(&d.source)));
        for t in &d.analysis.summary.themes {
            out.push_str(&format!("**{}.** ", t.theme));
            for s in &t.sentences {
                let refs: Vec<String> = s.findings.iter().map(|i| format!("[{}]", i + 1)).collect();
                out.push_str(&format!("{} {} ", s.text, refs.join("")));
            }
            out.push_str("\n\n");
        }
        out.push_str("## Findings\n\n");
        for (i, f) in d.analysis.findings.iter().enumerate() {
            out.push_str(&format!(
                "{}. **{}** ({}, {} risk) — §{} — confidence {:.2}\n   > {}\n",
                i + 1,
                f.name,
                f.stance,
                f.risk,
                if f.section.is_empty() { "preamble" } else { &f.section },
                f.confidence,
                f.quote.replace('\n', " ")
            ));
            let attrs = attribute_list(f);
            if !attrs.is_empty() {
                out.push_str(&format!("   Attributes: {attrs}\n"));
            }
            if !f.mappings.is_empty() {
                let m: Vec<String> = f
                    .mappings
                    .iter()
                    .map(|m| {
                        format!("{} {}{}", m.framework_name, m.reference, if m.verify { " (unverified)" } else { "" })
                    })
                    .collect();
                out.push_str(&format!("   Regulation: {}\n", m.join("; ")));
            }
        }
        out.push('\n');
    }
    out
}
