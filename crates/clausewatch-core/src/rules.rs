//! Source rules: where a document is fetched and how its text is cut out of the page.
//!
//! The shapes follow Open Terms Archive's declaration format (`fetch`, `combine`, `select`,
//! `remove`, `filter`, `executeClientScripts`) so a declaration is usable as it is.

use serde::{Deserialize, Serialize};

use crate::hash::ContentHash;

/// One selector: a CSS selector or a range between two CSS-selected boundaries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Selector {
    Css(String),
    Range(RangeSelector),
}

/// A DOM range: it starts before or after one element and ends before or after another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RangeSelector {
    pub start: RangeBoundary,
    pub end: RangeBoundary,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RangeBoundary {
    Before(String),
    After(String),
}

impl RangeBoundary {
    pub fn css(&self) -> &str {
        match self {
            RangeBoundary::Before(s) | RangeBoundary::After(s) => s,
        }
    }
}

/// How one source of a document is fetched and extracted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceRules {
    pub url: String,
    pub select: Vec<Selector>,
    pub remove: Vec<Selector>,
    /// Filter names or `{name: args}` objects, kept as declared even when unknown to us.
    pub filters: Vec<serde_json::Value>,
    pub execute_client_scripts: bool,
    /// Where this URL came from (our extension: a declaration, a website footer, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// Fetch even where robots.txt disallows it, for the recorded reason (our extension,
    /// `"ignoreRobots": "reason"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_robots: Option<String>,
}

/// All sources of one document, in the order their text is combined.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRules {
    pub sources: Vec<SourceRules>,
}

impl DocumentRules {
    /// A stable identity for the extraction-relevant part of the rules. `origin` is
    /// bookkeeping, not extraction, so it does not take part.
    pub fn hash(&self) -> ContentHash {
        let canonical: Vec<serde_json::Value> = self
            .sources
            .iter()
            .map(|s| {
                serde_json::json!({
                    "url": s.url,
                    "select": s.select,
                    "remove": s.remove,
                    "filters": s.filters,
                    "executeClientScripts": s.execute_client_scripts,
                })
            })
            .collect();
        let text = serde_json::to_string(&canonical).unwrap_or_default();
        ContentHash::of(text.as_bytes())
    }
}

impl Selector {
    /// The selector as it would be written in a declaration, for messages.
    pub fn describe(&self) -> String {
        match self {
            Selector::Css(s) => s.clone(),
            Selector::Range(r) => {
                let side = |b: &RangeBoundary, before: &str, after: &str| match b {
                    RangeBoundary::Before(s) => format!("{before}: {s}"),
                    RangeBoundary::After(s) => format!("{after}: {s}"),
                };
                format!(
                    "{{{}, {}}}",
                    side(&r.start, "startBefore", "startAfter"),
                    side(&r.end, "endBefore", "endAfter")
                )
            }
        }
    }
}
