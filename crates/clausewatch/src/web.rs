//! `serve`: a plain HTML listing of platforms -> documents -> versions -> changes, with
//! provenance on every version, plus the scheduled tracking loop. (The full web app is later.)

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use clausewatch_store::Store;

use crate::config::Config;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(|| async { "ok" }))
        .route("/platforms/{id}", get(platform))
        .route("/documents/{id}", get(document))
        .route("/versions/{id}", get(version))
        .route("/changes/{id}", get(change))
        .route("/runs", get(runs))
        .with_state(state)
}

/// Run scheduled tracking forever: one run at a time, each run's summary stored by `track`.
pub async fn schedule(state: AppState) {
    let hours = state.config.serve.schedule_hours;
    if hours <= 0.0 {
        return;
    }
    let period = Duration::from_secs_f64(hours * 3600.0);
    let mut ticker = tokio::time::interval(period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        ticker.tick().await;
        let opts = crate::track::TrackOptions { trigger: "schedule".into(), ..Default::default() };
        match crate::track::track(&state.store, &state.config, &opts).await {
            Ok(s) => tracing::info!(
                run = s.run_id,
                fetched = s.fetched,
                new_versions = s.new_versions,
                failed = s.failed,
                "scheduled track run finished"
            ),
            Err(e) => tracing::warn!("scheduled track run did not run: {e:#}"),
        }
        // The analyze stage follows: new versions get their provision analysis the same run.
        match crate::analyze::analyze_stored(&state.store, None).await {
            Ok(r) => tracing::info!(analyzed = r.analyzed, findings = r.findings, "analysis stage finished"),
            Err(e) => tracing::warn!("analysis stage failed: {e:#}"),
        }
    }
}

struct PageError(StatusCode, String);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        (self.0, Html(page("Error", &format!("<p>{}</p>", esc(&self.1))))).into_response()
    }
}

impl From<clausewatch_store::StoreError> for PageError {
    fn from(e: clausewatch_store::StoreError) -> Self {
        tracing::error!("store error: {e}");
        PageError(StatusCode::INTERNAL_SERVER_ERROR, "the store could not answer; see the server log".into())
    }
}

fn not_found(what: &str) -> PageError {
    PageError(StatusCode::NOT_FOUND, format!("{what} not found"))
}

/// HTML-escape document text and anything else that came from outside (the redline's escaper,
/// so pages and redlines escape alike).
pub fn esc(s: &str) -> String {
    clausewatch_diff::escape_html(s)
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{} · Clausewatch</title>\
<style>body{{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}}\
table{{border-collapse:collapse}}td,th{{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}}\
pre{{white-space:pre-wrap;background:#f7f7f7;padding:1rem}}ins{{background:#d4f8d4;text-decoration:none}}\
del{{background:#f8d4d4}}.meta{{color:#666;font-size:90%}}.moved{{border-left:3px solid #88a;padding-left:.5rem}}</style></head><body>\
<p class=meta><a href=\"/\">Clausewatch</a> · <a href=\"/runs\">runs</a></p><h1>{}</h1>{}\
<p class=meta>Demo captures from Open Terms Archive (ODC-BY 1.0); pages belong to their services.</p></body></html>",
        esc(title),
        esc(title),
        body
    )
}

async fn index(State(st): State<AppState>) -> Result<Html<String>, PageError> {
    let platforms = st.store.platforms().await?;
    let documents = st.store.documents(None).await?;
    let mut body = String::from(
        "<table><tr><th>Platform</th><th>Category</th><th>Jurisdiction</th><th>Documents</th><th>Versions</th></tr>",
    );
    for p in &platforms {
        let docs: Vec<_> = documents.iter().filter(|d| d.platform_id == p.id).collect();
        let versions: i64 = docs.iter().map(|d| d.versions).sum();
        let _ = write!(
            body,
            "<tr><td><a href=\"/platforms/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&url_segment(&p.id)),
            esc(&p.name),
            esc(p.category.as_deref().unwrap_or("")),
            esc(p.jurisdiction.as_deref().unwrap_or("")),
            docs.len(),
            versions
        );
    }
    body.push_str("</table>");
    if platforms.is_empty() {
        body.push_str("<p>No platforms yet: add declarations to the catalog folder or run <code>clausewatch import-ota</code>.</p>");
    }
    Ok(Html(page("Platforms", &body)))
}

fn url_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>().replace('+', "%20")
}

async fn platform(State(st): State<AppState>, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    let p = st.store.platform(&id).await?.ok_or_else(|| not_found("platform"))?;
    let docs = st.store.documents(Some(&p.id)).await?;
    let mut body = String::new();
    if let Some(w) = &p.website {
        let _ = write!(body, "<p>Website: {}</p>", esc(w));
    }
    body.push_str("<table><tr><th>Document</th><th>Versions</th><th>Latest version from</th><th>Tracked</th></tr>");
    for d in &docs {
        let _ = write!(
            body,
            "<tr><td><a href=\"/documents/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.id,
            esc(&d.terms_type),
            d.versions,
            esc(d.latest_effective_at.as_deref().unwrap_or("–")),
            if d.active { "yes" } else { "no (removed from catalog)" }
        );
    }
    body.push_str("</table>");
    if let Ok(t) = crate::timeline::timeline(&st.store, &p.id, None).await {
        body.push_str("<h2>Governance timeline</h2><table><tr><th>Date</th><th>Document</th><th>Event</th><th>Significance</th><th>Summary</th></tr>");
        for e in t.events.iter().rev() {
            let link = match (e.change_id, e.version_id) {
                (Some(c), _) => format!("<a href=\"/changes/{c}\">{}</a>", esc(&e.kind.replace('_', " "))),
                (None, Some(v)) => format!("<a href=\"/versions/{v}\">{}</a>", esc(&e.kind.replace('_', " "))),
                _ => esc(&e.kind.replace('_', " ")),
            };
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e.at.format("%Y-%m-%d %H:%M"),
                esc(&e.terms_type),
                link,
                esc(e.significance.as_deref().unwrap_or("")),
                esc(&e.summary)
            );
        }
        body.push_str("</table>");
    }
    let incidents = st.store.incidents(false, Some(&p.id)).await?;
    if !incidents.is_empty() {
        body.push_str("<h2>Fetch incidents</h2><table><tr><th>Document</th><th>Cause</th><th>Opened</th><th>Last seen</th><th>Resolved</th><th>Times</th><th>Last message</th></tr>");
        for i in &incidents {
            let _ = write!(
                body,
                "<tr><td><a href=\"/documents/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i.document_id,
                esc(&i.terms_type),
                esc(&i.cause),
                i.opened_at.format("%Y-%m-%d %H:%M"),
                i.last_seen_at.format("%Y-%m-%d %H:%M"),
                i.resolved_at.map(|r| r.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_else(|| "open".into()),
                i.occurrences,
                esc(&i.last_message)
            );
        }
        body.push_str("</table>");
    }
    Ok(Html(page(&p.name, &body)))
}

async fn document(State(st): State<AppState>, Path(id): Path<i64>) -> Result<Html<String>, PageError> {
    let d = st.store.document(id).await?.ok_or_else(|| not_found("document"))?;
    let versions = st.store.version_summaries(id).await?;
    let changes = st.store.changes(id).await?;
    let mut body =
        format!("<p><a href=\"/platforms/{}\">{}</a></p>", esc(&url_segment(&d.platform_id)), esc(&d.platform_name));
    body.push_str("<h2>Versions</h2><table><tr><th>#</th><th>In force from</th><th>Kind</th><th>Text hash</th><th>Change</th></tr>");
    for v in versions.iter().rev() {
        let change = changes.iter().find(|c| c.to_version_id == v.id);
        let change_cell = match change {
            Some(c) => {
                let stats: clausewatch_diff::DiffStats = serde_json::from_str(&c.stats_json).unwrap_or_default();
                format!("<a href=\"/changes/{}\">+{} / −{} words</a>", c.id, stats.words_added, stats.words_removed)
            }
            None => "–".into(),
        };
        let _ = write!(
            body,
            "<tr><td><a href=\"/versions/{}\">{}</a></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
            v.id,
            v.seq,
            esc(&clausewatch_store::format_time(v.effective_at)),
            kind_label(v.kind),
            v.text_hash.short(),
            change_cell
        );
    }
    body.push_str("</table>");
    Ok(Html(page(&format!("{} — {}", d.platform_name, d.terms_type), &body)))
}

fn kind_label(k: clausewatch_store::VersionKind) -> &'static str {
    match k {
        clausewatch_store::VersionKind::First => "first record",
        clausewatch_store::VersionKind::Change => "change",
        clausewatch_store::VersionKind::TechnicalUpgrade => "technical upgrade (no alert)",
    }
}

async fn version(State(st): State<AppState>, Path(id): Path<i64>) -> Result<Html<String>, PageError> {
    let v = st.store.version(id).await?.ok_or_else(|| not_found("version"))?;
    let d = st.store.document(v.document_id).await?.ok_or_else(|| not_found("document"))?;
    let capture = st.store.capture(v.capture_id).await?;
    let snapshots = st.store.snapshots(v.capture_id).await?;
    let rules = st.store.rules(v.rules_id).await?;
    let mut body = format!(
        "<p><a href=\"/documents/{}\">{} — {}</a>, version {} ({})</p><table>\
<tr><th>In force from</th><td>{}</td></tr><tr><th>Text hash (BLAKE3)</th><td><code>{}</code></td></tr>\
<tr><th>Capture</th><td>{} at {}</td></tr><tr><th>Rules</th><td><code>{}</code></td></tr>\
<tr><th>Extractor</th><td>{}{}</td></tr></table><h2>Snapshots</h2><table><tr><th>URL</th><th>Status</th><th>Fetched</th><th>Bytes</th><th>Hash</th></tr>",
        d.id,
        esc(&d.platform_name),
        esc(&d.terms_type),
        v.seq,
        kind_label(v.kind),
        esc(&clausewatch_store::format_time(v.effective_at)),
        v.text_hash,
        capture.id,
        esc(&clausewatch_store::format_time(capture.captured_at)),
        rules.hash.short(),
        esc(&v.extractor_version),
        crate::versioning::automatic_note(&v.automatic_sources)
            .map(|n| format!(" — {}", esc(&n)))
            .unwrap_or_default()
    );
    let pages = crate::versioning::page_starts(&st.store, &v).await?;
    body = body.replacen(
        "<h2>Snapshots</h2>",
        &format!("{}<h2>Snapshots</h2>", analysis_html(&st, v.id, &v.markdown, &pages).await?),
        1,
    );
    for s in &snapshots {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&s.url),
            s.status,
            esc(&clausewatch_store::format_time(s.fetched_at)),
            s.size,
            s.content_hash.short()
        );
    }
    // PDF page starts are shown in the margin of the text, which itself holds no page marks.
    let text = clausewatch_extract::with_page_marks(
        &v.markdown,
        &pages,
        |p| format!("<span class=meta>── page {} ──</span>\n", p.page),
        esc,
    );
    let _ = write!(body, "</table><h2>Text</h2><pre>{text}</pre>");
    Ok(Html(page(&format!("{} — {}", d.platform_name, d.terms_type), &body)))
}

/// What a version states, permits and reserves: the themed summary (each sentence linked to
/// the findings it rests on), then every finding with its quote, section, offsets, attributes,
/// confidence, what found it and its regulatory mappings. All document text is escaped.
async fn analysis_html(
    st: &AppState,
    version: i64,
    markdown: &str,
    pages: &[clausewatch_extract::PageStart],
) -> Result<String, PageError> {
    // The page of a quote in a PDF: the last page starting at or before its line (line starts
    // found once, then searched, not recounted for every finding).
    let line_starts: Vec<usize> = if pages.is_empty() {
        Vec::new()
    } else {
        std::iter::once(0).chain(markdown.match_indices('\n').map(|(i, _)| i + 1)).collect()
    };
    let page_of = |offset: usize| -> Option<u32> {
        let line = line_starts.partition_point(|&s| s <= offset).checked_sub(1)?;
        clausewatch_extract::page_at_line(pages, line).map(|p| p.page)
    };
    let Some(row) = st.store.analysis(version).await? else {
        return Ok("<h2>Analysis</h2><p>Not analysed yet (the analyze stage runs after each track run).</p>".into());
    };
    let Ok(a) = serde_json::from_str::<clausewatch_analyze::Analysis>(&row.analysis_json) else {
        return Ok(
            "<h2>Analysis</h2><p>The stored analysis could not be read; it is redone on the next run.</p>".into()
        );
    };
    let mut out = String::from("<h2>What this version says</h2>");
    for t in &a.summary.themes {
        let _ = write!(out, "<p><strong>{}.</strong> ", esc(&t.theme));
        for sentence in &t.sentences {
            let refs: Vec<String> =
                sentence.findings.iter().map(|i| format!("<a href=\"#finding-{}\">[{}]</a>", i + 1, i + 1)).collect();
            let _ = write!(out, "{} <sup>{}</sup> ", esc(&sentence.text), refs.join(""));
        }
        out.push_str("</p>");
    }
    let _ = write!(
        out,
        "<p><small>Analyser <code>{}</code>, analysed {}.</small></p><h2>Findings</h2><table><tr><th>#</th><th>Provision</th><th>Stance</th><th>Risk</th><th>Section</th><th>Quote</th><th>Attributes</th><th>Confidence</th><th>Found by</th><th>Regulation</th></tr>",
        esc(&row.analyzer),
        esc(&clausewatch_store::format_time(row.analyzed_at))
    );
    for (i, f) in a.findings.iter().enumerate() {
        let attrs: Vec<String> = f
            .attributes
            .iter()
            .map(|x| {
                format!(
                    "{} = {}",
                    esc(&x.name),
                    esc(&match &x.value {
                        serde_json::Value::String(s) => s.clone(),
                        v => v.to_string(),
                    })
                )
            })
            .collect();
        let regs: Vec<String> = f
            .mappings
            .iter()
            .map(|m| {
                format!(
                    "{} {}{}",
                    esc(&m.framework_name),
                    esc(&m.reference),
                    if m.verify { " (unverified)" } else { "" }
                )
            })
            .collect();
        let _ = write!(
            out,
            "<tr id=\"finding-{n}\"><td>{n}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><blockquote>{}</blockquote><small>{}bytes {}–{}, quote {}</small></td><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td></tr>",
            esc(&f.name),
            esc(&f.stance),
            esc(&f.risk),
            esc(&f.section),
            esc(&f.quote),
            page_of(f.anchor.start).map(|p| format!("page {p}, ")).unwrap_or_default(),
            f.anchor.start,
            f.anchor.end,
            esc(&f.anchor.quote_hash),
            attrs.join("<br>"),
            f.confidence,
            esc(&f.found_by.join(", ")),
            regs.join("<br>"),
            n = i + 1
        );
    }
    out.push_str("</table>");
    Ok(out)
}

/// The structured summary first: significance, why, attributes before → after with both
/// quotes, provisions added and removed.
async fn change_summary_html(st: &AppState, to_version: i64) -> Result<String, PageError> {
    let Some(c) = st
        .store
        .analysis_change_json(to_version)
        .await?
        .and_then(|j| serde_json::from_str::<clausewatch_analyze::change::ChangeSummary>(&j).ok())
    else {
        return Ok(String::new());
    };
    let mut out = format!("<h2>Significance: {}</h2><p>{}</p><ul>", esc(c.significance.as_str()), esc(&c.paragraph));
    for r in &c.reasons {
        let _ = write!(out, "<li>{}</li>", esc(r));
    }
    out.push_str("</ul>");
    if !c.attributes_changed.is_empty() {
        out.push_str("<table><tr><th>Provision</th><th>Attribute</th><th>Before</th><th>After</th></tr>");
        for a in &c.attributes_changed {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}<blockquote>{}</blockquote></td><td>{}<blockquote>{}</blockquote></td></tr>",
                esc(&a.provision),
                esc(&a.attribute),
                esc(&a.before),
                esc(&a.before_quote),
                esc(&a.after),
                esc(&a.after_quote)
            );
        }
        out.push_str("</table>");
    }
    for (label, list) in [("Provisions added", &c.provisions_added), ("Provisions removed", &c.provisions_removed)] {
        if !list.is_empty() {
            let _ = write!(out, "<h3>{label}</h3><ul>");
            for d in list {
                let _ = write!(
                    out,
                    "<li><strong>{}</strong> (§{}) <blockquote>{}</blockquote></li>",
                    esc(&d.name),
                    esc(&d.section),
                    esc(&d.quote)
                );
            }
            out.push_str("</ul>");
        }
    }
    Ok(out)
}

async fn change(State(st): State<AppState>, Path(id): Path<i64>) -> Result<Html<String>, PageError> {
    let c = st.store.change(id).await?.ok_or_else(|| not_found("change"))?;
    let d = st.store.document(c.document_id).await?.ok_or_else(|| not_found("document"))?;
    let d_stored = clausewatch_diff::DocumentDiff {
        sections: serde_json::from_str(&c.diff_json).unwrap_or_default(),
        stats: serde_json::from_str(&c.stats_json).unwrap_or_default(),
    };
    let stats = &d_stored.stats;
    let seqs = st.store.version_summaries(d.id).await?;
    let seq_of = |id| seqs.iter().find(|v| v.id == id).map(|v| v.seq.to_string()).unwrap_or_default();
    let mut body = format!(
        "<p><a href=\"/documents/{}\">{} — {}</a> · from <a href=\"/versions/{}\">version {}</a> to <a href=\"/versions/{}\">version {}</a> ({}), {}</p>\
<p>Sections: {} added, {} removed, {} changed, {} moved. Paragraphs: {} added, {} removed, {} changed, {} moved. Words: +{} / −{}.</p>",
        d.id,
        esc(&d.platform_name),
        esc(&d.terms_type),
        c.from_version_id,
        seq_of(c.from_version_id),
        c.to_version_id,
        seq_of(c.to_version_id),
        kind_label(c.kind),
        esc(&clausewatch_store::format_time(c.effective_at)),
        stats.sections_added,
        stats.sections_removed,
        stats.sections_changed,
        stats.sections_moved,
        stats.paragraphs_added,
        stats.paragraphs_removed,
        stats.paragraphs_changed,
        stats.paragraphs_moved,
        stats.words_added,
        stats.words_removed
    );
    body.push_str(&change_summary_html(&st, c.to_version_id).await?);
    // The stored diff as a redline: moves as moves, unchanged parts folded, text escaped.
    body.push_str(&clausewatch_diff::render_html(&d_stored));
    Ok(Html(page("Change", &body)))
}

async fn runs(State(st): State<AppState>) -> Result<Html<String>, PageError> {
    let runs = st.store.runs(50).await?;
    let mut body =
        String::from("<table><tr><th>Run</th><th>Trigger</th><th>Started</th><th>Finished</th><th>Summary</th></tr>");
    for r in &runs {
        let summary = r
            .summary_json
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .map(|v| {
                format!(
                    "fetched {} · unchanged {} · new versions {} · technical upgrades {} · failed {}",
                    v["fetched"], v["unchanged"], v["new_versions"], v["technical_upgrades"], v["failed"]
                )
            })
            .unwrap_or_else(|| "(running or interrupted)".into());
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            r.id,
            esc(&r.trigger),
            esc(&clausewatch_store::format_time(r.started_at)),
            r.finished_at.map(clausewatch_store::format_time).unwrap_or_default(),
            esc(&summary)
        );
    }
    body.push_str("</table>");
    Ok(Html(page("Track runs", &body)))
}
