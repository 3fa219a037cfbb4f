//! What the store hands out and takes in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use clausewatch_core::{ContentHash, DocumentRules};

pub type DocumentId = i64;
pub type CaptureId = i64;
pub type VersionId = i64;
pub type RulesId = i64;
pub type RunId = i64;

#[derive(Clone, Debug, Serialize)]
pub struct PlatformRow {
    pub id: String,
    pub name: String,
    pub category: Option<String>,
    pub jurisdiction: Option<String>,
    pub website: Option<String>,
    pub imported_from: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DocumentRow {
    pub id: DocumentId,
    pub platform_id: String,
    pub platform_name: String,
    pub terms_type: String,
    pub active: bool,
    pub versions: i64,
    pub latest_effective_at: Option<String>,
}

#[derive(Clone, Debug)]
pub struct RulesRow {
    pub id: RulesId,
    pub document_id: DocumentId,
    pub hash: ContentHash,
    pub rules: DocumentRules,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureState {
    Pending,
    Done,
    Failed,
}

impl CaptureState {
    pub fn as_str(&self) -> &'static str {
        match self {
            CaptureState::Pending => "pending",
            CaptureState::Done => "done",
            CaptureState::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(CaptureState::Pending),
            "done" => Some(CaptureState::Done),
            "failed" => Some(CaptureState::Failed),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct CaptureRow {
    pub id: CaptureId,
    pub document_id: DocumentId,
    pub run_id: Option<RunId>,
    pub captured_at: DateTime<Utc>,
    pub rules_id: RulesId,
    pub sources_hash: Option<String>,
    pub state: CaptureState,
    pub outcome: Option<String>,
    pub error_cause: Option<String>,
    pub error_message: Option<String>,
    /// How the capture confirmed the latest text (see [`ProcessedCapture::extractor_version`]);
    /// empty for captures processed before this was recorded.
    pub extractor_version: String,
    pub automatic_sources: Vec<usize>,
    /// See [`ProcessedCapture::may_read_automatically`].
    pub may_read_automatically: bool,
}

/// A raw capture of one source, ready to be written.
#[derive(Clone, Debug)]
pub struct NewSnapshot {
    pub url: String,
    pub final_url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub fetcher: String,
    pub content_hash: ContentHash,
    pub size: u64,
    pub not_modified: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct SnapshotRow {
    pub id: i64,
    pub capture_id: CaptureId,
    pub document_id: DocumentId,
    pub position: i64,
    pub url: String,
    pub final_url: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub fetcher: String,
    pub content_hash: ContentHash,
    pub size: u64,
    pub not_modified: bool,
}

impl SnapshotRow {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    First,
    Change,
    TechnicalUpgrade,
}

impl VersionKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            VersionKind::First => "first",
            VersionKind::Change => "change",
            VersionKind::TechnicalUpgrade => "technical_upgrade",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "first" => Some(VersionKind::First),
            "change" => Some(VersionKind::Change),
            "technical_upgrade" => Some(VersionKind::TechnicalUpgrade),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct VersionRow {
    pub id: VersionId,
    pub document_id: DocumentId,
    pub seq: i64,
    pub capture_id: CaptureId,
    pub rules_id: RulesId,
    pub kind: VersionKind,
    pub effective_at: DateTime<Utc>,
    pub text_hash: ContentHash,
    pub markdown: String,
    pub extractor_version: String,
    /// Sources extracted automatically because their select rule matched nothing (the page was
    /// redesigned); empty when every rule applied as declared.
    pub automatic_sources: Vec<usize>,
    pub recorded_at: DateTime<Utc>,
}

/// A version without its text: what listings and comparisons need, without decompressing and
/// verifying every text of a document.
#[derive(Clone, Debug, Serialize)]
pub struct VersionSummary {
    pub id: VersionId,
    pub seq: i64,
    pub capture_id: CaptureId,
    pub rules_id: RulesId,
    pub kind: VersionKind,
    pub effective_at: DateTime<Utc>,
    pub text_hash: ContentHash,
    /// The extractor that made the text (`clausewatch_extract::EXTRACTOR_VERSION` then).
    pub extractor_version: String,
    /// See [`VersionRow::automatic_sources`].
    pub automatic_sources: Vec<usize>,
}

/// A version to record; `change` is the stored change against the version before it.
#[derive(Clone, Debug)]
pub struct NewVersion {
    /// The capture whose bytes the text comes from; None = the capture recorded in the same
    /// write (its id is not known before).
    pub capture_id: Option<CaptureId>,
    pub rules_id: RulesId,
    pub kind: VersionKind,
    pub effective_at: DateTime<Utc>,
    pub text_hash: ContentHash,
    pub markdown: String,
    /// `markdown` compressed with [`crate::compress_text`] (done by the caller, off the writer).
    pub markdown_zstd: Vec<u8>,
    pub extractor_version: String,
    /// See [`VersionRow::automatic_sources`].
    pub automatic_sources: Vec<usize>,
    pub change: Option<NewChange>,
}

#[derive(Clone, Debug)]
pub struct NewChange {
    pub diff_json: String,
    pub stats_json: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub document_id: DocumentId,
    pub from_version_id: VersionId,
    pub to_version_id: VersionId,
    pub kind: VersionKind,
    pub diff_json: String,
    pub stats_json: String,
    pub effective_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RunRow {
    pub id: RunId,
    pub trigger: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub summary_json: Option<String>,
}

/// A capture fetched and already versioned, recorded in one transaction with its snapshots,
/// its versions and its outcome.
#[derive(Clone, Debug)]
pub struct ProcessedCapture {
    pub document_id: DocumentId,
    pub run_id: Option<RunId>,
    pub captured_at: DateTime<Utc>,
    pub rules_id: RulesId,
    pub snapshots: Vec<NewSnapshot>,
    pub outcome: String,
    pub versions: Vec<NewVersion>,
    /// (cause, message) when extraction failed: the capture is stored as failed.
    pub failure: Option<(String, String)>,
    /// The extractor, and the sources read automatically, under which this capture confirmed
    /// the latest text (a capture not extracted again inherits its predecessor's).
    pub extractor_version: String,
    pub automatic_sources: Vec<usize>,
    /// Whether a source whose select rule matched nothing could be read automatically (not in
    /// a static capture about to be looked at again in the browser).
    pub may_read_automatically: bool,
}

/// What one run did for one document, for incidents: success, or the failure's cause and message.
#[derive(Clone, Debug)]
pub struct DocumentOutcome {
    pub document: DocumentId,
    pub failure: Option<(String, String)>,
    /// A capture that succeeded with something to fix (cause, message): its incident stays
    /// open while the condition lasts, and the document's other incidents resolve.
    pub warning: Option<(String, String)>,
}

#[derive(Clone, Debug, Serialize)]
pub struct IncidentRow {
    pub id: i64,
    pub document_id: DocumentId,
    pub platform_id: String,
    pub platform_name: String,
    pub terms_type: String,
    pub cause: String,
    pub opened_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub occurrences: i64,
    pub reopened: i64,
    pub last_message: String,
}

/// A version's analysis to store: the full JSON plus one row per finding.
#[derive(Clone, Debug)]
pub struct NewAnalysis {
    pub version_id: VersionId,
    pub analyzer: String,
    pub analyzed_at: DateTime<Utc>,
    pub summary: String,
    pub analysis_json: String,
    pub findings: Vec<NewFinding>,
}

#[derive(Clone, Debug)]
pub struct NewFinding {
    pub provision: String,
    pub stance: String,
    pub section: String,
    pub start: usize,
    pub end: usize,
    pub quote_hash: String,
    pub confidence: f32,
    pub attributes_json: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnalysisRow {
    pub version_id: VersionId,
    pub analyzer: String,
    pub analyzed_at: DateTime<Utc>,
    pub finding_count: i64,
    pub summary: String,
    pub analysis_json: String,
}
