//! `rebuild`: regenerate every document's versions from its stored snapshots and the dated
//! rules each capture was taken under, and compare with what is stored (or replace it).

use serde::Serialize;

use clausewatch_store::{NewVersion, Store, VersionSummary};

use crate::versioning::{step, CaptureInput, Confirmed, Current, RulesCache};

#[derive(Debug, Default, Serialize)]
pub struct RebuildReport {
    pub documents: usize,
    pub versions_stored: usize,
    pub versions_rebuilt: usize,
    pub identical_documents: usize,
    pub mismatches: Vec<String>,
    pub replaced_documents: usize,
}

impl RebuildReport {
    pub fn render(&self) -> String {
        let mut out = format!(
            "documents: {}\nversions stored: {}\nversions rebuilt: {}\nidentical documents: {}\nmismatched documents: {}\n",
            self.documents,
            self.versions_stored,
            self.versions_rebuilt,
            self.identical_documents,
            self.mismatches.len()
        );
        for m in &self.mismatches {
            out.push_str(&format!("  {m}\n"));
        }
        if self.replaced_documents > 0 {
            out.push_str(&format!("replaced documents: {}\n", self.replaced_documents));
        }
        out
    }
}

pub async fn rebuild(store: &Store, apply: bool) -> anyhow::Result<RebuildReport> {
    let mut report = RebuildReport::default();
    let cache = RulesCache::default();
    for doc in store.documents(None).await? {
        report.documents += 1;
        let mut current: Option<Current> = None;
        let mut confirmed = None;
        let mut rebuilt: Vec<NewVersion> = Vec::new();
        for capture in store.captures_with_snapshots(doc.id).await? {
            // No unchanged-bytes shortcut: every capture is extracted again.
            let input = CaptureInput::stored(store, &doc, &capture).await?;
            let s = step(store, &cache, current.as_ref(), confirmed.as_ref(), input).await?;
            // As in tracking: what the last capture processed successfully confirmed.
            if !matches!(s.outcome, crate::versioning::Outcome::Failed { .. }) {
                confirmed = Some(Confirmed::after(capture.rules_id, &s));
            }
            for v in s.versions {
                current = Some(Current::of_new(&v, capture.id));
                rebuilt.push(v);
            }
            if confirmed.is_none() {
                confirmed = Confirmed::of(None, current.as_ref());
            }
        }
        let stored = store.version_summaries(doc.id).await?;
        report.versions_stored += stored.len();
        report.versions_rebuilt += rebuilt.len();
        match first_difference(&stored, &rebuilt) {
            None => report.identical_documents += 1,
            Some(diff) => {
                report.mismatches.push(format!("{} / {}: {diff}", doc.platform_name, doc.terms_type));
                if apply {
                    store.replace_versions(doc.id, &rebuilt).await?;
                    report.replaced_documents += 1;
                }
            }
        }
    }
    Ok(report)
}

fn first_difference(stored: &[VersionSummary], rebuilt: &[NewVersion]) -> Option<String> {
    for (i, (s, r)) in stored.iter().zip(rebuilt).enumerate() {
        if s.text_hash != r.text_hash
            || s.kind != r.kind
            || Some(s.capture_id) != r.capture_id
            || s.rules_id != r.rules_id
            || s.automatic_sources != r.automatic_sources
        {
            return Some(format!(
                "version {}: stored {} {} (capture {}), rebuilt {} {} (capture {})",
                i + 1,
                s.kind.as_str(),
                s.text_hash.short(),
                s.capture_id,
                r.kind.as_str(),
                r.text_hash.short(),
                r.capture_id.unwrap_or_default()
            ));
        }
    }
    if stored.len() != rebuilt.len() {
        return Some(format!("stored {} versions, rebuilt {}", stored.len(), rebuilt.len()));
    }
    None
}
