//! Governance timeline of a platform (or one document): first records, changes with their
//! significance, technical upgrades, fetch incidents opened and resolved, in date order.

use chrono::{DateTime, Utc};
use serde::Serialize;

use clausewatch_store::{Store, VersionKind};

#[derive(Clone, Debug, Serialize)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub terms_type: String,
    /// `first_record`, `change`, `technical_upgrade`, `incident_opened`, `incident_resolved`.
    pub kind: String,
    /// For changes: noise / cosmetic / editorial / substantive (when analysed).
    pub significance: Option<String>,
    pub summary: String,
    pub version_id: Option<i64>,
    pub version: Option<i64>,
    pub change_id: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct Timeline {
    pub platform: String,
    pub events: Vec<Event>,
}

impl Timeline {
    pub fn render(&self) -> String {
        let mut out = format!("{}\n", self.platform);
        for e in &self.events {
            let class = e.significance.as_deref().map(|s| format!(" [{s}]")).unwrap_or_default();
            out.push_str(&format!(
                "{}  {:<28} {}{}  {}\n",
                e.at.format("%Y-%m-%d %H:%M"),
                e.terms_type,
                e.kind.replace('_', " "),
                class,
                e.summary
            ));
        }
        let count = |k: &str| self.events.iter().filter(|e| e.kind == k).count();
        let substantive = self.events.iter().filter(|e| e.significance.as_deref() == Some("substantive")).count();
        out.push_str(&format!(
            "events: {}\nfirst_records: {}\nchanges: {}\nsubstantive: {}\ntechnical_upgrades: {}\nincidents: {}\n",
            self.events.len(),
            count("first_record"),
            count("change"),
            substantive,
            count("technical_upgrade"),
            count("incident_opened")
        ));
        out
    }
}

/// The timeline of a platform named by id or name, optionally one terms type.
pub async fn timeline(store: &Store, platform: &str, terms_type: Option<&str>) -> anyhow::Result<Timeline> {
    let docs = crate::analyze::platform_documents(store, platform, terms_type).await?;
    let Some(first) = docs.first() else {
        anyhow::bail!("no document of {platform:?} in the store");
    };
    let platform_id = first.platform_id.clone();
    let platform_name = first.platform_name.clone();
    let mut events = Vec::new();
    for d in &docs {
        let changes: std::collections::HashMap<i64, i64> =
            store.change_ids(d.id).await?.into_iter().map(|(c, v)| (v, c)).collect();
        for v in store.version_summaries(d.id).await? {
            let change = changes.get(&v.id).copied();
            let summary_of_change = match v.kind {
                VersionKind::First => None,
                _ => store
                    .analysis_change_json(v.id)
                    .await?
                    .and_then(|j| serde_json::from_str::<clausewatch_analyze::change::ChangeSummary>(&j).ok()),
            };
            let (kind, significance, summary) = match v.kind {
                VersionKind::First => ("first_record", None, format!("version 1 (text {})", v.text_hash.short())),
                VersionKind::TechnicalUpgrade => (
                    "technical_upgrade",
                    summary_of_change.as_ref().map(|c| c.significance.as_str().to_string()),
                    "re-extracted with new rules (no alert)".to_string(),
                ),
                VersionKind::Change => (
                    "change",
                    summary_of_change.as_ref().map(|c| c.significance.as_str().to_string()),
                    summary_of_change
                        .as_ref()
                        .map(|c| c.paragraph.clone())
                        .unwrap_or_else(|| format!("version {} (not analysed yet)", v.seq)),
                ),
            };
            events.push(Event {
                at: v.effective_at,
                terms_type: d.terms_type.clone(),
                kind: kind.into(),
                significance,
                summary,
                version_id: Some(v.id),
                version: Some(v.seq),
                change_id: change,
            });
        }
    }
    for i in store.incidents(false, Some(&platform_id)).await? {
        if !docs.iter().any(|d| d.id == i.document_id) {
            continue;
        }
        events.push(Event {
            at: i.opened_at,
            terms_type: i.terms_type.clone(),
            kind: "incident_opened".into(),
            significance: None,
            summary: format!("{} ({}×): {}", i.cause, i.occurrences, crate::analyze::clip(&i.last_message, 120)),
            version_id: None,
            version: None,
            change_id: None,
        });
        if let Some(r) = i.resolved_at {
            events.push(Event {
                at: r,
                terms_type: i.terms_type.clone(),
                kind: "incident_resolved".into(),
                significance: None,
                summary: i.cause.clone(),
                version_id: None,
                version: None,
                change_id: None,
            });
        }
    }
    events.sort_by(|a, b| a.at.cmp(&b.at).then(a.terms_type.cmp(&b.terms_type)));
    Ok(Timeline { platform: platform_name, events })
}
