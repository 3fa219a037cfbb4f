//! The SQLite implementation of the store.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Connection, Row, SqliteConnection, SqlitePool};

use clausewatch_core::{ContentHash, DocumentEntry, DocumentRules, PlatformEntry};

use crate::blobs::BlobStore;
use crate::rows::*;
use crate::{format_time, parse_time, Result, StoreError};

/// Metadata in SQLite, bytes in the blob folder.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    blobs: BlobStore,
    /// SQLite has one writer at a time; taking turns here instead of in SQLite's busy handler
    /// (which sleeps and retries) keeps concurrent documents from stalling each other.
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// Processed captures go through one writer task that commits them in batches.
    writer: tokio::sync::mpsc::UnboundedSender<WriteRequest>,
    /// The writer task's own connection (None once closed): always the same one, so its page
    /// cache stays valid from batch to batch instead of being dropped whenever the pool hands
    /// out a connection that another one wrote behind.
    writer_conn: std::sync::Arc<tokio::sync::Mutex<Option<SqliteConnection>>>,
}

type WriteReply = tokio::sync::oneshot::Sender<Result<(CaptureId, Vec<VersionId>)>>;
struct WriteRequest {
    capture: ProcessedCapture,
    reply: WriteReply,
}

/// A processed capture queued for the store's writer (see `Store::submit_processed`).
#[derive(Debug)]
pub struct PendingWrite(tokio::sync::oneshot::Receiver<Result<(CaptureId, Vec<VersionId>)>>);

impl PendingWrite {
    /// Wait for the batch holding this capture to commit: its capture and version ids.
    pub async fn committed(self) -> Result<(CaptureId, Vec<VersionId>)> {
        self.0.await.map_err(|_| StoreError::Corrupt {
            what: "store writer".into(),
            reason: "the writer task dropped a request".into(),
        })?
    }
}

/// Most captures one transaction commits (bounded so one slow batch does not hold everyone).
const MAX_BATCH: usize = 64;

const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

fn hash_col(row: &SqliteRow, col: &str) -> Result<ContentHash> {
    let s: String = row.try_get(col)?;
    s.parse().map_err(|e: clausewatch_core::hash::InvalidHash| StoreError::Corrupt {
        what: col.into(),
        reason: e.to_string(),
    })
}

fn time_col(row: &SqliteRow, col: &str) -> Result<DateTime<Utc>> {
    let s: String = row.try_get(col)?;
    parse_time(&s)
}

fn opt_time_col(row: &SqliteRow, col: &str) -> Result<Option<DateTime<Utc>>> {
    let s: Option<String> = row.try_get(col)?;
    s.as_deref().map(parse_time).transpose()
}

impl Store {
    /// Open (creating if needed) the store in `data_dir`: `clausewatch.db` and `blobs/`.
    pub async fn open(data_dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| StoreError::io(data_dir, e))?;
        let db_path = data_dir.join("clausewatch.db");
        let options = SqliteConnectOptions::from_str("sqlite:")?
            .filename(&db_path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // Checkpoint less often than the default 1000 pages: runs write megabytes of text.
            .pragma("wal_autocheckpoint", "16384");
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options.clone()).await?;
        crate::migrate::run(&pool).await?;
        let writer_conn =
            std::sync::Arc::new(tokio::sync::Mutex::new(Some(SqliteConnection::connect_with(&options).await?)));
        let blobs = BlobStore::open(data_dir.join("blobs"))?;
        let write_lock: std::sync::Arc<tokio::sync::Mutex<()>> = Default::default();
        let (writer, rx) = tokio::sync::mpsc::unbounded_channel();
        tokio::spawn(writer_loop(writer_conn.clone(), blobs.clone(), write_lock.clone(), rx));
        Ok(Store { pool, blobs, write_lock, writer, writer_conn })
    }

    pub fn blobs(&self) -> &BlobStore {
        &self.blobs
    }

    pub async fn close(&self) {
        if let Some(conn) = self.writer_conn.lock().await.take() {
            let _ = conn.close().await;
        }
        self.pool.close().await;
    }

    // ---- catalog --------------------------------------------------------------------------

    /// Record a platform and its documents, and date any change of rules. Returns the ids of
    /// its documents by terms type.
    pub async fn sync_platform(&self, entry: &PlatformEntry, now: DateTime<Utc>) -> Result<Vec<(String, DocumentId)>> {
        let _turn = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query(
            "INSERT INTO platforms (id, name, category, jurisdiction, website, imported_from, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, category = excluded.category,
               jurisdiction = excluded.jurisdiction, website = excluded.website,
               imported_from = excluded.imported_from, updated_at = excluded.updated_at",
        )
        .bind(&entry.id)
        .bind(&entry.name)
        .bind(&entry.category)
        .bind(&entry.jurisdiction)
        .bind(&entry.website)
        .bind(&entry.imported_from)
        .bind(format_time(now))
        .execute(&mut *tx)
        .await?;
        let mut ids = Vec::new();
        for (terms_type, doc) in &entry.documents {
            let id: i64 = sqlx::query(
                "INSERT INTO documents (platform_id, terms_type, active) VALUES (?, ?, ?)
                 ON CONFLICT (platform_id, terms_type) DO UPDATE SET active = excluded.active
                 RETURNING id",
            )
            .bind(&entry.id)
            .bind(terms_type)
            .bind(doc.in_force(now))
            .fetch_one(&mut *tx)
            .await?
            .get(0);
            sync_rules(&mut tx, id, doc, now).await?;
            ids.push((terms_type.clone(), id));
        }
        // Documents no longer declared stay (their history is kept) but are not tracked.
        let keep: Vec<i64> = ids.iter().map(|(_, id)| *id).collect();
        let rows =
            sqlx::query("SELECT id FROM documents WHERE platform_id = ?").bind(&entry.id).fetch_all(&mut *tx).await?;
        for row in rows {
            let id: i64 = row.get(0);
            if !keep.contains(&id) {
                sqlx::query("UPDATE documents SET active = 0 WHERE id = ?").bind(id).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(ids)
    }

    pub async fn platforms(&self) -> Result<Vec<PlatformRow>> {
        let rows = sqlx::query("SELECT id, name, category, jurisdiction, website, imported_from FROM platforms ORDER BY name COLLATE NOCASE")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(platform_row).collect()
    }

    pub async fn platform(&self, id: &str) -> Result<Option<PlatformRow>> {
        let row =
            sqlx::query("SELECT id, name, category, jurisdiction, website, imported_from FROM platforms WHERE id = ?")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(platform_row).transpose()
    }

    /// Documents, optionally of one platform, with their version counts.
    pub async fn documents(&self, platform: Option<&str>) -> Result<Vec<DocumentRow>> {
        let rows = sqlx::query(
            "SELECT d.id, d.platform_id, p.name AS platform_name, d.terms_type, d.active,
                    (SELECT COUNT(*) FROM versions v WHERE v.document_id = d.id) AS versions,
                    (SELECT MAX(effective_at) FROM versions v WHERE v.document_id = d.id) AS latest
             FROM documents d JOIN platforms p ON p.id = d.platform_id
             WHERE (?1 IS NULL OR d.platform_id = ?1)
             ORDER BY p.name COLLATE NOCASE, d.terms_type",
        )
        .bind(platform)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(document_row).collect()
    }

    pub async fn document(&self, id: DocumentId) -> Result<Option<DocumentRow>> {
        let row = sqlx::query(
            "SELECT d.id, d.platform_id, p.name AS platform_name, d.terms_type, d.active,
                    (SELECT COUNT(*) FROM versions v WHERE v.document_id = d.id) AS versions,
                    (SELECT MAX(effective_at) FROM versions v WHERE v.document_id = d.id) AS latest
             FROM documents d JOIN platforms p ON p.id = d.platform_id WHERE d.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(document_row).transpose()
    }

    /// Find a document by platform id or name (case-insensitive) and terms type.
    pub async fn find_document(&self, platform: &str, terms_type: &str) -> Result<Option<DocumentRow>> {
        let row = sqlx::query(
            "SELECT d.id FROM documents d JOIN platforms p ON p.id = d.platform_id
             WHERE (p.id = ?1 COLLATE NOCASE OR p.name = ?1 COLLATE NOCASE) AND d.terms_type = ?2 COLLATE NOCASE",
        )
        .bind(platform)
        .bind(terms_type)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => self.document(r.get(0)).await,
            None => Ok(None),
        }
    }

    // ---- rules ----------------------------------------------------------------------------

    pub async fn rules(&self, id: RulesId) -> Result<RulesRow> {
        let row = sqlx::query(
            "SELECT id, document_id, rules_hash, rules_json, valid_from, valid_until FROM rules WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("rules {id}")))?;
        rules_row(&row)
    }

    /// The rules in force at `at`.
    pub async fn rules_at(&self, document: DocumentId, at: DateTime<Utc>) -> Result<RulesRow> {
        let t = format_time(at);
        let row = sqlx::query(
            "SELECT id, document_id, rules_hash, rules_json, valid_from, valid_until FROM rules
             WHERE document_id = ?1 AND (valid_from IS NULL OR valid_from <= ?2)
               AND (valid_until IS NULL OR valid_until > ?2)
             ORDER BY id DESC LIMIT 1",
        )
        .bind(document)
        .bind(&t)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("rules of document {document} at {t}")))?;
        rules_row(&row)
    }

    // ---- runs -----------------------------------------------------------------------------

    pub async fn start_run(&self, trigger: &str, at: DateTime<Utc>) -> Result<RunId> {
        let _turn = self.write_lock.lock().await;
        let id = sqlx::query("INSERT INTO runs (trigger, started_at) VALUES (?, ?) RETURNING id")
            .bind(trigger)
            .bind(format_time(at))
            .fetch_one(&self.pool)
            .await?
            .get(0);
        Ok(id)
    }

    pub async fn finish_run(&self, id: RunId, at: DateTime<Utc>, summary_json: &str) -> Result<()> {
        let _turn = self.write_lock.lock().await;
        sqlx::query("UPDATE runs SET finished_at = ?, summary_json = ? WHERE id = ?")
            .bind(format_time(at))
            .bind(summary_json)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn runs(&self, limit: i64) -> Result<Vec<RunRow>> {
        let rows =
            sqlx::query("SELECT id, trigger, started_at, finished_at, summary_json FROM runs ORDER BY id DESC LIMIT ?")
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                Ok(RunRow {
                    id: r.try_get("id")?,
                    trigger: r.try_get("trigger")?,
                    started_at: time_col(r, "started_at")?,
                    finished_at: opt_time_col(r, "finished_at")?,
                    summary_json: r.try_get("summary_json")?,
                })
            })
            .collect()
    }

    // ---- captures and snapshots -----------------------------------------------------------

    /// Record a fetched capture together with its versioning result, in one transaction
    /// (committed in a batch with other documents' captures). The blobs must already be stored.
    pub async fn record_processed(&self, capture: ProcessedCapture) -> Result<(CaptureId, Vec<VersionId>)> {
        self.submit_processed(capture)?.committed().await
    }

    /// `record_processed` without waiting for the commit: the capture is queued for the
    /// writer, which commits it with its batch; `PendingWrite::committed` tells how that went.
    /// A tracking run submits and goes on with other documents, so the writer's batches grow
    /// and a document's slot is not held while its batch syncs and commits.
    pub fn submit_processed(&self, capture: ProcessedCapture) -> Result<PendingWrite> {
        for s in &capture.snapshots {
            if !self.blobs.contains(&s.content_hash) {
                return Err(StoreError::NotFound(format!("blob {} for snapshot of {}", s.content_hash, s.url)));
            }
        }
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.writer.send(WriteRequest { capture, reply }).map_err(|_| StoreError::Corrupt {
            what: "store writer".into(),
            reason: "the writer task has stopped".into(),
        })?;
        Ok(PendingWrite(answer))
    }

    /// Record a capture that failed before anything could be stored (fetch error).
    pub async fn record_failed_capture(
        &self,
        document: DocumentId,
        run: Option<RunId>,
        captured_at: DateTime<Utc>,
        rules: RulesId,
        cause: &str,
        message: &str,
    ) -> Result<CaptureId> {
        let _turn = self.write_lock.lock().await;
        let id = sqlx::query(
            "INSERT INTO captures (document_id, run_id, captured_at, rules_id, state, error_cause, error_message)
             VALUES (?, ?, ?, ?, 'failed', ?, ?) RETURNING id",
        )
        .bind(document)
        .bind(run)
        .bind(format_time(captured_at))
        .bind(rules)
        .bind(cause)
        .bind(truncate(message, 2000))
        .fetch_one(&self.pool)
        .await?
        .get(0);
        Ok(id)
    }

    pub async fn capture(&self, id: CaptureId) -> Result<CaptureRow> {
        let row = sqlx::query(&format!("{CAPTURE_COLUMNS} WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("capture {id}")))?;
        capture_row(&row)
    }

    /// Every capture of a document that has snapshots (done, or failed in extraction), oldest first.
    pub async fn captures_with_snapshots(&self, document: DocumentId) -> Result<Vec<CaptureRow>> {
        let rows = sqlx::query(&format!(
            "{CAPTURE_COLUMNS} WHERE document_id = ? AND sources_hash IS NOT NULL AND state <> 'pending' ORDER BY id"
        ))
        .bind(document)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(capture_row).collect()
    }

    /// The last capture of the document before `before` that was versioned successfully.
    pub async fn last_done_capture(&self, document: DocumentId, before: CaptureId) -> Result<Option<CaptureRow>> {
        let row = sqlx::query(&format!(
            "{CAPTURE_COLUMNS} WHERE document_id = ? AND id < ? AND state = 'done' ORDER BY id DESC LIMIT 1"
        ))
        .bind(document)
        .bind(before)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(capture_row).transpose()
    }

    /// The last successfully versioned capture of every document (one query for a whole run).
    pub async fn last_done_captures(&self) -> Result<std::collections::HashMap<DocumentId, CaptureRow>> {
        // One index seek per document (newest first, stopping at the first done capture), so
        // the cost follows the number of documents, not the length of their histories.
        let rows = sqlx::query(&format!(
            "{CAPTURE_COLUMNS} WHERE id IN (SELECT (SELECT c.id FROM captures c WHERE c.document_id = d.id
                AND c.state = 'done' ORDER BY c.id DESC LIMIT 1) FROM documents d)"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| capture_row(r).map(|c| (c.document_id, c))).collect()
    }

    /// The newest successful snapshot of each (document, URL) asked for (for conditional GET):
    /// one index seek per pair, so the cost follows the pairs asked for, not the history.
    pub async fn latest_snapshots(
        &self,
        pairs: &[(DocumentId, &str)],
    ) -> Result<std::collections::HashMap<(DocumentId, String), SnapshotRow>> {
        if pairs.is_empty() {
            return Ok(Default::default());
        }
        let rows = sqlx::query(&format!(
            "{SNAPSHOT_COLUMNS} WHERE id IN (SELECT (SELECT s.id FROM snapshots s
                WHERE s.document_id = k.value->>0 AND s.url = k.value->>1 AND s.status < 400
                ORDER BY s.id DESC LIMIT 1) FROM json_each(?1) k)"
        ))
        .bind(serde_json::to_string(pairs).unwrap_or_else(|_| "[]".into()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| snapshot_row(r).map(|s| ((s.document_id, s.url.clone()), s))).collect()
    }

    /// The rules in force at `at` for every document that has some.
    pub async fn rules_in_force(&self, at: DateTime<Utc>) -> Result<std::collections::HashMap<DocumentId, RulesRow>> {
        let rows = sqlx::query(
            "SELECT id, document_id, rules_hash, rules_json, valid_from, valid_until FROM rules
             WHERE id IN (SELECT MAX(id) FROM rules WHERE (valid_from IS NULL OR valid_from <= ?1)
                          AND (valid_until IS NULL OR valid_until > ?1) GROUP BY document_id)",
        )
        .bind(format_time(at))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| rules_row(r).map(|x| (x.document_id, x))).collect()
    }

    pub async fn failed_captures(&self, run: RunId) -> Result<Vec<CaptureRow>> {
        let rows = sqlx::query(&format!("{CAPTURE_COLUMNS} WHERE run_id = ? AND state = 'failed' ORDER BY id"))
            .bind(run)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(capture_row).collect()
    }

    pub async fn snapshots(&self, capture: CaptureId) -> Result<Vec<SnapshotRow>> {
        let rows = sqlx::query(&format!("{SNAPSHOT_COLUMNS} WHERE capture_id = ? ORDER BY position"))
            .bind(capture)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(snapshot_row).collect()
    }

    /// The newest snapshot of `url` for a document (for conditional GET and not-modified reuse).
    pub async fn latest_snapshot_for_url(&self, document: DocumentId, url: &str) -> Result<Option<SnapshotRow>> {
        let row = sqlx::query(&format!(
            "{SNAPSHOT_COLUMNS} WHERE document_id = ? AND url = ? AND status < 400 ORDER BY id DESC LIMIT 1"
        ))
        .bind(document)
        .bind(url)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(snapshot_row).transpose()
    }

    // ---- versions and changes -------------------------------------------------------------

    pub async fn latest_version(&self, document: DocumentId) -> Result<Option<VersionRow>> {
        let row = sqlx::query(&format!("{VERSION_COLUMNS} WHERE document_id = ? ORDER BY seq DESC LIMIT 1"))
            .bind(document)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(version_row).transpose()
    }

    pub async fn versions(&self, document: DocumentId) -> Result<Vec<VersionRow>> {
        let rows = sqlx::query(&format!("{VERSION_COLUMNS} WHERE document_id = ? ORDER BY seq"))
            .bind(document)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(version_row).collect()
    }

    /// A document's versions in order, without their texts.
    pub async fn version_summaries(&self, document: DocumentId) -> Result<Vec<VersionSummary>> {
        let rows = sqlx::query(&format!("{VERSION_SUMMARY_COLUMNS} WHERE document_id = ? ORDER BY seq"))
            .bind(document)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(version_summary_row).collect()
    }

    /// A document's latest version without its text.
    pub async fn latest_version_summary(&self, document: DocumentId) -> Result<Option<VersionSummary>> {
        let row = sqlx::query(&format!("{VERSION_SUMMARY_COLUMNS} WHERE document_id = ? ORDER BY seq DESC LIMIT 1"))
            .bind(document)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(version_summary_row).transpose()
    }

    pub async fn version(&self, id: VersionId) -> Result<Option<VersionRow>> {
        let row = sqlx::query(&format!("{VERSION_COLUMNS} WHERE id = ?")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(version_row).transpose()
    }

    pub async fn version_by_seq(&self, document: DocumentId, seq: i64) -> Result<Option<VersionRow>> {
        let row = sqlx::query(&format!("{VERSION_COLUMNS} WHERE document_id = ? AND seq = ?"))
            .bind(document)
            .bind(seq)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(version_row).transpose()
    }

    /// The version in force at `at`: the last one that took effect at or before it.
    pub async fn version_at(&self, document: DocumentId, at: DateTime<Utc>) -> Result<Option<VersionRow>> {
        let row = sqlx::query(&format!(
            "{VERSION_COLUMNS} WHERE document_id = ? AND effective_at <= ? ORDER BY effective_at DESC, seq DESC LIMIT 1"
        ))
        .bind(document)
        .bind(format_time(at))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(version_row).transpose()
    }

    pub async fn changes(&self, document: DocumentId) -> Result<Vec<ChangeRow>> {
        let rows = sqlx::query(&format!("{CHANGE_COLUMNS} WHERE c.document_id = ? ORDER BY v.seq"))
            .bind(document)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(change_row).collect()
    }

    /// (change id, version it leads to) of a document's changes, without their diffs.
    pub async fn change_ids(&self, document: DocumentId) -> Result<Vec<(i64, VersionId)>> {
        let rows = sqlx::query("SELECT id, to_version_id FROM changes WHERE document_id = ?")
            .bind(document)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).collect()
    }

    pub async fn change(&self, id: i64) -> Result<Option<ChangeRow>> {
        let row = sqlx::query(&format!("{CHANGE_COLUMNS} WHERE c.id = ?")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(change_row).transpose()
    }

    pub async fn change_to(&self, version: VersionId) -> Result<Option<ChangeRow>> {
        let row = sqlx::query(&format!("{CHANGE_COLUMNS} WHERE c.to_version_id = ?"))
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(change_row).transpose()
    }

    /// Update incidents from one run's outcomes, in one transaction: a failure opens the
    /// (document, cause) incident or counts another occurrence (reopening the latest resolved
    /// one on relapse); a success resolves every open incident of the document.
    pub async fn update_incidents(&self, run: RunId, at: DateTime<Utc>, outcomes: &[DocumentOutcome]) -> Result<()> {
        let _turn = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        let now = format_time(at);
        // Every document that succeeded resolves its open incidents: one statement for all.
        let recovered: Vec<DocumentId> =
            outcomes.iter().filter(|o| o.failure.is_none() && o.warning.is_none()).map(|o| o.document).collect();
        if !recovered.is_empty() {
            sqlx::query(
                "UPDATE incidents SET resolved_at = ?1, last_run_id = ?2
                 WHERE resolved_at IS NULL AND document_id IN (SELECT value FROM json_each(?3))",
            )
            .bind(&now)
            .bind(run)
            .bind(serde_json::to_string(&recovered).unwrap_or_else(|_| "[]".into()))
            .execute(&mut *tx)
            .await?;
        }
        // A success with a warning resolves every open incident but the warning's own.
        for outcome in outcomes {
            let (None, Some((cause, _))) = (&outcome.failure, &outcome.warning) else { continue };
            sqlx::query(
                "UPDATE incidents SET resolved_at = ?, last_run_id = ?
                 WHERE resolved_at IS NULL AND document_id = ? AND cause != ?",
            )
            .bind(&now)
            .bind(run)
            .bind(outcome.document)
            .bind(cause)
            .execute(&mut *tx)
            .await?;
        }
        // Failures and warnings each bump, reopen or open their incident.
        for outcome in outcomes {
            let (document, Some((cause, message))) =
                (outcome.document, outcome.failure.as_ref().or(outcome.warning.as_ref()))
            else {
                continue;
            };
            let message = truncate(message, 2000);
            let bumped = sqlx::query(
                "UPDATE incidents SET occurrences = occurrences + 1, last_seen_at = ?, last_message = ?,
                   last_run_id = ? WHERE document_id = ? AND cause = ? AND resolved_at IS NULL",
            )
            .bind(&now)
            .bind(&message)
            .bind(run)
            .bind(document)
            .bind(cause)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if bumped > 0 {
                continue;
            }
            let reopened = sqlx::query(
                "UPDATE incidents SET resolved_at = NULL, reopened = reopened + 1, occurrences = occurrences + 1,
                   last_seen_at = ?, last_message = ?, last_run_id = ?
                 WHERE id = (SELECT id FROM incidents WHERE document_id = ? AND cause = ? ORDER BY id DESC LIMIT 1)",
            )
            .bind(&now)
            .bind(&message)
            .bind(run)
            .bind(document)
            .bind(cause)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if reopened > 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO incidents (document_id, cause, opened_at, last_seen_at, last_message, last_run_id)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(document)
            .bind(cause)
            .bind(&now)
            .bind(&now)
            .bind(&message)
            .bind(run)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Incidents, newest first: all, or only the open ones; optionally of one platform.
    pub async fn incidents(&self, open_only: bool, platform: Option<&str>) -> Result<Vec<IncidentRow>> {
        let rows = sqlx::query(
            "SELECT i.id, i.document_id, p.id AS platform_id, p.name AS platform_name, d.terms_type, i.cause,
                    i.opened_at, i.last_seen_at, i.resolved_at, i.occurrences, i.reopened, i.last_message
             FROM incidents i JOIN documents d ON d.id = i.document_id JOIN platforms p ON p.id = d.platform_id
             WHERE (? = 0 OR i.resolved_at IS NULL) AND (? IS NULL OR p.id = ? OR p.name = ?)
             ORDER BY i.last_seen_at DESC, i.id DESC",
        )
        .bind(i64::from(open_only))
        .bind(platform)
        .bind(platform)
        .bind(platform)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(IncidentRow {
                    id: r.try_get("id")?,
                    document_id: r.try_get("document_id")?,
                    platform_id: r.try_get("platform_id")?,
                    platform_name: r.try_get("platform_name")?,
                    terms_type: r.try_get("terms_type")?,
                    cause: r.try_get("cause")?,
                    opened_at: time_col(r, "opened_at")?,
                    last_seen_at: time_col(r, "last_seen_at")?,
                    resolved_at: opt_time_col(r, "resolved_at")?,
                    occurrences: r.try_get("occurrences")?,
                    reopened: r.try_get("reopened")?,
                    last_message: r.try_get("last_message")?,
                })
            })
            .collect()
    }

    /// Stores a version's analysis, replacing any earlier one, in one transaction.
    pub async fn save_analysis(&self, analysis: &NewAnalysis) -> Result<()> {
        let _turn = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        sqlx::query("DELETE FROM findings WHERE version_id = ?").bind(analysis.version_id).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO analyses (version_id, analyzer, analyzed_at, finding_count, summary, analysis_json)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (version_id) DO UPDATE SET analyzer = excluded.analyzer, analyzed_at = excluded.analyzed_at,
               finding_count = excluded.finding_count, summary = excluded.summary, analysis_json = excluded.analysis_json",
        )
        .bind(analysis.version_id)
        .bind(&analysis.analyzer)
        .bind(format_time(analysis.analyzed_at))
        .bind(analysis.findings.len() as i64)
        .bind(&analysis.summary)
        .bind(&analysis.analysis_json)
        .execute(&mut *tx)
        .await?;
        for (i, f) in analysis.findings.iter().enumerate() {
            sqlx::query(
                "INSERT INTO findings (version_id, ordinal, provision, stance, section, start_offset, end_offset,
                   quote_hash, confidence, attributes_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(analysis.version_id)
            .bind(i as i64)
            .bind(&f.provision)
            .bind(&f.stance)
            .bind(&f.section)
            .bind(f.start as i64)
            .bind(f.end as i64)
            .bind(&f.quote_hash)
            .bind(f.confidence)
            .bind(&f.attributes_json)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The stored analysis of a version, if any.
    pub async fn analysis(&self, version: VersionId) -> Result<Option<AnalysisRow>> {
        let row = sqlx::query(
            "SELECT version_id, analyzer, analyzed_at, finding_count, summary, analysis_json FROM analyses WHERE version_id = ?",
        )
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(AnalysisRow {
                version_id: r.try_get("version_id")?,
                analyzer: r.try_get("analyzer")?,
                analyzed_at: time_col(&r, "analyzed_at")?,
                finding_count: r.try_get("finding_count")?,
                summary: r.try_get("summary")?,
                analysis_json: r.try_get("analysis_json")?,
            })
        })
        .transpose()
    }

    /// Only the change part (`$.change`) of a version's stored analysis, as JSON: timelines and
    /// change pages need it for many versions without reading whole analyses.
    pub async fn analysis_change_json(&self, version: VersionId) -> Result<Option<String>> {
        let row = sqlx::query("SELECT json_extract(analysis_json, '$.change') FROM analyses WHERE version_id = ?")
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.and_then(|r| r.try_get::<Option<String>, _>(0).ok().flatten()))
    }

    /// Versions with no analysis by `analyzer` (none yet, or one by another analyser).
    pub async fn versions_needing_analysis(
        &self,
        analyzer: &str,
        document: Option<DocumentId>,
    ) -> Result<Vec<VersionId>> {
        let rows = sqlx::query(
            "SELECT v.id FROM versions v LEFT JOIN analyses a ON a.version_id = v.id
             WHERE (a.analyzer IS NULL OR a.analyzer <> ?) AND (? IS NULL OR v.document_id = ?)
             ORDER BY v.document_id, v.seq",
        )
        .bind(analyzer)
        .bind(document)
        .bind(document)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get::<VersionId, _>(0)?)).collect()
    }

    /// Where a provision was found, in the latest analysed version of every document.
    pub async fn findings_of_provision(&self, provision: &str) -> Result<Vec<(VersionId, i64, String)>> {
        let rows = sqlx::query(
            "SELECT f.version_id, f.ordinal, f.section FROM findings f
             JOIN versions v ON v.id = f.version_id
             WHERE f.provision = ? AND v.seq = (SELECT MAX(seq) FROM versions w WHERE w.document_id = v.document_id)
             ORDER BY f.version_id, f.ordinal",
        )
        .bind(provision)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?))).collect()
    }

    /// Replace a document's versions and changes with regenerated ones (rebuild --apply).
    pub async fn replace_versions(&self, document: DocumentId, versions: &[NewVersion]) -> Result<()> {
        let _turn = self.write_lock.lock().await;
        let mut tx = self.pool.begin_with(BEGIN_WRITE).await?;
        // Analyses belong to the versions being replaced: they are redone for the new ones.
        for table in ["findings", "analyses"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE version_id IN (SELECT id FROM versions WHERE document_id = ?)"
            ))
            .bind(document)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM changes WHERE document_id = ?").bind(document).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM versions WHERE document_id = ?").bind(document).execute(&mut *tx).await?;
        // What captures confirmed was about the texts replaced: the new latest version speaks
        // for itself until the next capture.
        sqlx::query("UPDATE captures SET extractor_version = '', automatic_sources = '' WHERE document_id = ?")
            .bind(document)
            .execute(&mut *tx)
            .await?;
        insert_versions(&mut tx, document, None, versions).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts for consistency checks and summaries.
    pub async fn counts(&self) -> Result<StoreCounts> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM platforms), (SELECT COUNT(*) FROM documents),
                    (SELECT COUNT(*) FROM captures), (SELECT COUNT(*) FROM snapshots),
                    (SELECT COUNT(*) FROM versions), (SELECT COUNT(*) FROM changes),
                    (SELECT COUNT(*) FROM captures WHERE state = 'pending')",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(StoreCounts {
            platforms: row.get(0),
            documents: row.get(1),
            captures: row.get(2),
            snapshots: row.get(3),
            versions: row.get(4),
            changes: row.get(5),
            pending_captures: row.get(6),
        })
    }

    /// Structural checks: version numbering without gaps or duplicates, one change per
    /// non-first version, every snapshot's blob present and intact.
    pub async fn check_consistency(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let rows = sqlx::query("SELECT document_id, COUNT(*), MIN(seq), MAX(seq) FROM versions GROUP BY document_id")
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            let (doc, n, lo, hi): (i64, i64, i64, i64) = (r.get(0), r.get(1), r.get(2), r.get(3));
            if lo != 1 || hi != n {
                problems.push(format!("document {doc}: version numbers {lo}..{hi} for {n} versions"));
            }
        }
        let rows = sqlx::query(
            "SELECT v.id FROM versions v LEFT JOIN changes c ON c.to_version_id = v.id
             WHERE v.seq > 1 AND c.id IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            problems.push(format!("version {} has no change record", r.get::<i64, _>(0)));
        }
        let rows = sqlx::query(
            "SELECT a.document_id, a.text_hash, a.seq FROM versions a JOIN versions b
             ON a.document_id = b.document_id AND b.seq = a.seq + 1 AND a.text_hash = b.text_hash",
        )
        .fetch_all(&self.pool)
        .await?;
        for r in rows {
            problems.push(format!(
                "document {}: versions {} and {} have the same text",
                r.get::<i64, _>(0),
                r.get::<i64, _>(2),
                r.get::<i64, _>(2) + 1
            ));
        }
        let rows = sqlx::query("SELECT DISTINCT content_hash FROM snapshots").fetch_all(&self.pool).await?;
        for r in rows {
            let h: String = r.get(0);
            match h.parse::<ContentHash>() {
                Ok(hash) => {
                    if let Err(e) = self.blobs.get(&hash) {
                        problems.push(format!("snapshot blob {h}: {e}"));
                    }
                }
                Err(e) => problems.push(format!("snapshot hash {h}: {e}")),
            }
        }
        Ok(problems)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StoreCounts {
    pub platforms: i64,
    pub documents: i64,
    pub captures: i64,
    pub snapshots: i64,
    pub versions: i64,
    pub changes: i64,
    pub pending_captures: i64,
}

/// The identity of a capture's bytes: the hashes of its sources, in order.
pub fn sources_hash<'a>(hashes: impl Iterator<Item = &'a ContentHash>) -> String {
    let joined: Vec<String> = hashes.map(|h| h.to_hex()).collect();
    ContentHash::of(joined.join(",").as_bytes()).to_hex()
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

async fn writer_loop(
    conn: std::sync::Arc<tokio::sync::Mutex<Option<SqliteConnection>>>,
    blobs: BlobStore,
    write_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<WriteRequest>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        let _turn = write_lock.lock().await;
        let mut conn = conn.lock().await;
        let Some(conn) = conn.as_mut() else {
            for req in batch {
                let _ = req.reply.send(Err(StoreError::Corrupt {
                    what: "store writer".into(),
                    reason: "the store is closed".into(),
                }));
            }
            continue;
        };
        match write_batch(conn, &blobs, &batch).await {
            Ok(ids) => {
                for (req, ids) in batch.into_iter().zip(ids) {
                    let _ = req.reply.send(Ok(ids));
                }
            }
            // One bad request must not fail its neighbours: retry each on its own.
            Err(_) => {
                for req in batch {
                    let result = write_batch(conn, &blobs, std::slice::from_ref(&req)).await.map(|mut v| v.remove(0));
                    let _ = req.reply.send(result);
                }
            }
        }
    }
}

/// Write a batch of processed captures in one transaction with a fixed number of statements:
/// rows travel as one JSON array per table and are inserted with `json_each`. Ids are assigned
/// here, which is safe because the transaction is `BEGIN IMMEDIATE` (no other writer can insert
/// until it commits).
async fn write_batch(
    conn: &mut SqliteConnection,
    blobs: &BlobStore,
    batch: &[WriteRequest],
) -> Result<Vec<(CaptureId, Vec<VersionId>)>> {
    // The blobs these rows name must be durable before the rows are: the sync runs while the
    // statements execute and is awaited before the commit.
    let synced = {
        let blobs = blobs.clone();
        tokio::task::spawn_blocking(move || blobs.sync())
    };
    #[derive(serde::Serialize)]
    struct CaptureJson<'a> {
        id: i64,
        document_id: i64,
        run_id: Option<i64>,
        captured_at: String,
        rules_id: i64,
        sources_hash: String,
        state: &'a str,
        outcome: &'a str,
        error_cause: Option<&'a str>,
        error_message: Option<String>,
        extractor_version: &'a str,
        automatic_sources: String,
        may_read_automatically: bool,
    }
    #[derive(serde::Serialize)]
    struct SnapshotJson<'a> {
        capture_id: i64,
        document_id: i64,
        position: usize,
        url: &'a str,
        final_url: &'a str,
        status: u16,
        headers_json: String,
        content_type: Option<&'a str>,
        fetched_at: String,
        fetcher: &'a str,
        content_hash: String,
        size: u64,
        not_modified: bool,
    }
    #[derive(serde::Serialize)]
    struct ChangeJson<'a> {
        document_id: i64,
        from_version_id: i64,
        to_version_id: i64,
        kind: &'a str,
        diff_json: &'a str,
        stats_json: &'a str,
    }

    let mut tx = conn.begin_with(BEGIN_WRITE).await?;
    let row =
        sqlx::query("SELECT (SELECT COALESCE(MAX(id), 0) FROM captures), (SELECT COALESCE(MAX(id), 0) FROM versions)")
            .fetch_one(&mut *tx)
            .await?;
    let (mut next_capture, mut next_version): (i64, i64) = (row.get(0), row.get(1));
    let mut documents: Vec<i64> = batch.iter().map(|r| r.capture.document_id).collect();
    documents.sort_unstable();
    documents.dedup();
    let mut latest: std::collections::HashMap<i64, (i64, i64)> = std::collections::HashMap::new();
    let rows = sqlx::query(
        "SELECT v.document_id, v.id, v.seq FROM versions v
         JOIN (SELECT document_id, MAX(seq) AS seq FROM versions
               WHERE document_id IN (SELECT value FROM json_each(?1)) GROUP BY document_id) m
           ON m.document_id = v.document_id AND m.seq = v.seq",
    )
    .bind(serde_json::to_string(&documents).unwrap_or_else(|_| "[]".into()))
    .fetch_all(&mut *tx)
    .await?;
    for r in rows {
        latest.insert(r.get(0), (r.get(1), r.get(2)));
    }

    let now = format_time(Utc::now());
    let (mut captures, mut snapshots, mut versions, mut changes) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut out = Vec::with_capacity(batch.len());
    for req in batch {
        let c = &req.capture;
        next_capture += 1;
        let capture_id = next_capture;
        captures.push(CaptureJson {
            id: capture_id,
            document_id: c.document_id,
            run_id: c.run_id,
            captured_at: format_time(c.captured_at),
            rules_id: c.rules_id,
            sources_hash: sources_hash(c.snapshots.iter().map(|s| &s.content_hash)),
            state: if c.failure.is_some() { "failed" } else { "done" },
            outcome: &c.outcome,
            error_cause: c.failure.as_ref().map(|f| f.0.as_str()),
            error_message: c.failure.as_ref().map(|f| truncate(&f.1, 2000)),
            extractor_version: &c.extractor_version,
            automatic_sources: format_sources(&c.automatic_sources),
            may_read_automatically: c.may_read_automatically,
        });
        for (position, s) in c.snapshots.iter().enumerate() {
            snapshots.push(SnapshotJson {
                capture_id,
                document_id: c.document_id,
                position,
                url: &s.url,
                final_url: &s.final_url,
                status: s.status,
                headers_json: serde_json::to_string(&s.headers).unwrap_or_else(|_| "[]".into()),
                content_type: s.content_type.as_deref(),
                fetched_at: format_time(s.fetched_at),
                fetcher: &s.fetcher,
                content_hash: s.content_hash.to_hex(),
                size: s.size,
                not_modified: s.not_modified,
            });
        }
        let mut ids = Vec::new();
        for v in &c.versions {
            next_version += 1;
            let (previous, seq) = match latest.get(&c.document_id) {
                Some((id, seq)) => (Some(*id), seq + 1),
                None => (None, 1),
            };
            versions.push((next_version, c.document_id, seq, v.capture_id.unwrap_or(capture_id), v));
            if let (Some(from), Some(change)) = (previous, &v.change) {
                changes.push(ChangeJson {
                    document_id: c.document_id,
                    from_version_id: from,
                    to_version_id: next_version,
                    kind: v.kind.as_str(),
                    diff_json: &change.diff_json,
                    stats_json: &change.stats_json,
                });
            }
            latest.insert(c.document_id, (next_version, seq));
            ids.push(next_version);
        }
        out.push((capture_id, ids));
    }
    let json = |v: &dyn erased_json::Json| v.to_json();
    sqlx::query(
        "INSERT INTO captures (id, document_id, run_id, captured_at, rules_id, sources_hash, state, outcome, error_cause,
           error_message, extractor_version, automatic_sources, may_read_automatically)
         SELECT value->>'id', value->>'document_id', value->>'run_id', value->>'captured_at', value->>'rules_id',
                value->>'sources_hash', value->>'state', value->>'outcome', value->>'error_cause', value->>'error_message',
                value->>'extractor_version', value->>'automatic_sources', value->>'may_read_automatically'
         FROM json_each(?1)",
    )
    .bind(json(&captures))
    .execute(&mut *tx)
    .await?;
    if !snapshots.is_empty() {
        sqlx::query(
            "INSERT INTO snapshots (capture_id, document_id, position, url, final_url, status, headers_json, content_type,
               fetched_at, fetcher, content_hash, size, not_modified)
             SELECT value->>'capture_id', value->>'document_id', value->>'position', value->>'url', value->>'final_url',
                    value->>'status', value->>'headers_json', value->>'content_type', value->>'fetched_at',
                    value->>'fetcher', value->>'content_hash', value->>'size', value->>'not_modified'
             FROM json_each(?1)",
        )
        .bind(json(&snapshots))
        .execute(&mut *tx)
        .await?;
    }
    // Versions carry compressed text (a BLOB): bound as parameters, a multi-row VALUES.
    for chunk in versions.chunks(100) {
        let placeholders = vec!["(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"; chunk.len()].join(", ");
        let sql = format!(
            "INSERT INTO versions (id, document_id, seq, capture_id, rules_id, kind, effective_at, text_hash, markdown_zstd,
               extractor_version, automatic_sources, recorded_at) VALUES {placeholders}"
        );
        let mut q = sqlx::query(&sql);
        for (id, document, seq, capture, v) in chunk {
            q = q
                .bind(*id)
                .bind(*document)
                .bind(*seq)
                .bind(*capture)
                .bind(v.rules_id)
                .bind(v.kind.as_str())
                .bind(format_time(v.effective_at))
                .bind(v.text_hash.to_hex())
                .bind(&v.markdown_zstd[..])
                .bind(&v.extractor_version)
                .bind(format_sources(&v.automatic_sources))
                .bind(&now);
        }
        q.execute(&mut *tx).await?;
    }
    if !changes.is_empty() {
        sqlx::query(
            "INSERT INTO changes (document_id, from_version_id, to_version_id, kind, diff_json, stats_json)
             SELECT value->>'document_id', value->>'from_version_id', value->>'to_version_id', value->>'kind',
                    value->>'diff_json', value->>'stats_json'
             FROM json_each(?1)",
        )
        .bind(json(&changes))
        .execute(&mut *tx)
        .await?;
    }
    synced.await.map_err(|e| StoreError::Corrupt { what: "blob sync".into(), reason: e.to_string() })??;
    tx.commit().await?;
    Ok(out)
}

/// Serialising the batch tables without naming each row type at the call site.
mod erased_json {
    pub trait Json {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for Vec<T> {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|_| "[]".into())
        }
    }
}

async fn insert_versions(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    document: DocumentId,
    this_capture: Option<CaptureId>,
    versions: &[NewVersion],
) -> Result<Vec<VersionId>> {
    let mut ids = Vec::new();
    let now = format_time(Utc::now());
    for v in versions {
        let prev = sqlx::query("SELECT id, seq FROM versions WHERE document_id = ? ORDER BY seq DESC LIMIT 1")
            .bind(document)
            .fetch_optional(&mut **tx)
            .await?;
        let (prev_id, seq): (Option<i64>, i64) = match prev {
            Some(r) => (Some(r.get(0)), r.get::<i64, _>(1) + 1),
            None => (None, 1),
        };
        let id: i64 = sqlx::query(
            "INSERT INTO versions (document_id, seq, capture_id, rules_id, kind, effective_at, text_hash, markdown_zstd,
               extractor_version, automatic_sources, recorded_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(document)
        .bind(seq)
        .bind(v.capture_id.or(this_capture).ok_or_else(|| StoreError::NotFound("capture of a new version".into()))?)
        .bind(v.rules_id)
        .bind(v.kind.as_str())
        .bind(format_time(v.effective_at))
        .bind(v.text_hash.to_hex())
        .bind(&v.markdown_zstd[..])
        .bind(&v.extractor_version)
        .bind(format_sources(&v.automatic_sources))
        .bind(&now)
        .fetch_one(&mut **tx)
        .await?
        .get(0);
        if let (Some(prev_id), Some(change)) = (prev_id, &v.change) {
            sqlx::query(
                "INSERT INTO changes (document_id, from_version_id, to_version_id, kind, diff_json, stats_json)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(document)
            .bind(prev_id)
            .bind(id)
            .bind(v.kind.as_str())
            .bind(&change.diff_json)
            .bind(&change.stats_json)
            .execute(&mut **tx)
            .await?;
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Insert the rules timeline of a new document, or date a change of the current rules.
async fn sync_rules(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    document: DocumentId,
    entry: &DocumentEntry,
    now: DateTime<Utc>,
) -> Result<()> {
    let existing = sqlx::query(
        "SELECT id, rules_hash FROM rules WHERE document_id = ? AND valid_until IS NULL ORDER BY id DESC LIMIT 1",
    )
    .bind(document)
    .fetch_optional(&mut **tx)
    .await?;
    let insert = |rules: &DocumentRules, from: Option<DateTime<Utc>>, until: Option<DateTime<Utc>>| {
        let json = serde_json::to_string(rules).unwrap_or_default();
        (rules.hash().to_hex(), json, from.map(format_time), until.map(format_time))
    };
    match existing {
        None => {
            for (from, until, rules) in entry.timeline() {
                let (hash, json, from, until) = insert(rules, from, until);
                sqlx::query(
                    "INSERT INTO rules (document_id, rules_hash, rules_json, valid_from, valid_until, recorded_at)
                     VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind(document)
                .bind(hash)
                .bind(json)
                .bind(from)
                .bind(until)
                .bind(format_time(now))
                .execute(&mut **tx)
                .await?;
            }
        }
        Some(row) => {
            let (id, hash): (i64, String) = (row.get(0), row.get(1));
            if hash != entry.rules.hash().to_hex() {
                sqlx::query("UPDATE rules SET valid_until = ? WHERE id = ?")
                    .bind(format_time(now))
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
                let (hash, json, from, until) = insert(&entry.rules, Some(now), None);
                sqlx::query(
                    "INSERT INTO rules (document_id, rules_hash, rules_json, valid_from, valid_until, recorded_at)
                     VALUES (?, ?, ?, ?, ?, ?)",
                )
                .bind(document)
                .bind(hash)
                .bind(json)
                .bind(from)
                .bind(until)
                .bind(format_time(now))
                .execute(&mut **tx)
                .await?;
            }
        }
    }
    Ok(())
}

const CAPTURE_COLUMNS: &str = "SELECT id, document_id, run_id, captured_at, rules_id, sources_hash, state, outcome,
    error_cause, error_message, extractor_version, automatic_sources, may_read_automatically FROM captures";
const SNAPSHOT_COLUMNS: &str = "SELECT id, capture_id, document_id, position, url, final_url, status, headers_json,
    content_type, fetched_at, fetcher, content_hash, size, not_modified FROM snapshots";
const VERSION_SUMMARY_COLUMNS: &str =
    "SELECT id, seq, capture_id, rules_id, kind, effective_at, text_hash, extractor_version,
    automatic_sources FROM versions";
const VERSION_COLUMNS: &str =
    "SELECT id, document_id, seq, capture_id, rules_id, kind, effective_at, text_hash, markdown_zstd,
    extractor_version, automatic_sources, recorded_at FROM versions";
const CHANGE_COLUMNS: &str = "SELECT c.id, c.document_id, c.from_version_id, c.to_version_id, c.kind, c.diff_json,
    c.stats_json, v.effective_at FROM changes c JOIN versions v ON v.id = c.to_version_id";

fn platform_row(r: &SqliteRow) -> Result<PlatformRow> {
    Ok(PlatformRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        category: r.try_get("category")?,
        jurisdiction: r.try_get("jurisdiction")?,
        website: r.try_get("website")?,
        imported_from: r.try_get("imported_from")?,
    })
}

fn document_row(r: &SqliteRow) -> Result<DocumentRow> {
    Ok(DocumentRow {
        id: r.try_get("id")?,
        platform_id: r.try_get("platform_id")?,
        platform_name: r.try_get("platform_name")?,
        terms_type: r.try_get("terms_type")?,
        active: r.try_get::<i64, _>("active")? != 0,
        versions: r.try_get("versions")?,
        latest_effective_at: r.try_get("latest")?,
    })
}

fn rules_row(r: &SqliteRow) -> Result<RulesRow> {
    let json: String = r.try_get("rules_json")?;
    let rules: DocumentRules = serde_json::from_str(&json)
        .map_err(|e| StoreError::Corrupt { what: "rules_json".into(), reason: e.to_string() })?;
    Ok(RulesRow {
        id: r.try_get("id")?,
        document_id: r.try_get("document_id")?,
        hash: hash_col(r, "rules_hash")?,
        rules,
        valid_from: opt_time_col(r, "valid_from")?,
        valid_until: opt_time_col(r, "valid_until")?,
    })
}

fn capture_row(r: &SqliteRow) -> Result<CaptureRow> {
    let state: String = r.try_get("state")?;
    Ok(CaptureRow {
        id: r.try_get("id")?,
        document_id: r.try_get("document_id")?,
        run_id: r.try_get("run_id")?,
        captured_at: time_col(r, "captured_at")?,
        rules_id: r.try_get("rules_id")?,
        sources_hash: r.try_get("sources_hash")?,
        state: CaptureState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt { what: "capture state".into(), reason: state.clone() })?,
        outcome: r.try_get("outcome")?,
        error_cause: r.try_get("error_cause")?,
        error_message: r.try_get("error_message")?,
        extractor_version: r.try_get("extractor_version")?,
        automatic_sources: sources_col(r)?,
        may_read_automatically: r.try_get("may_read_automatically")?,
    })
}

fn snapshot_row(r: &SqliteRow) -> Result<SnapshotRow> {
    let headers_json: String = r.try_get("headers_json")?;
    Ok(SnapshotRow {
        id: r.try_get("id")?,
        capture_id: r.try_get("capture_id")?,
        document_id: r.try_get("document_id")?,
        position: r.try_get("position")?,
        url: r.try_get("url")?,
        final_url: r.try_get("final_url")?,
        status: u16::try_from(r.try_get::<i64, _>("status")?).unwrap_or(0),
        headers: serde_json::from_str(&headers_json).unwrap_or_default(),
        content_type: r.try_get("content_type")?,
        fetched_at: time_col(r, "fetched_at")?,
        fetcher: r.try_get("fetcher")?,
        content_hash: hash_col(r, "content_hash")?,
        size: u64::try_from(r.try_get::<i64, _>("size")?).unwrap_or(0),
        not_modified: r.try_get::<i64, _>("not_modified")? != 0,
    })
}

fn version_summary_row(r: &SqliteRow) -> Result<VersionSummary> {
    let kind: String = r.try_get("kind")?;
    Ok(VersionSummary {
        id: r.try_get("id")?,
        seq: r.try_get("seq")?,
        capture_id: r.try_get("capture_id")?,
        rules_id: r.try_get("rules_id")?,
        kind: VersionKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt { what: "version kind".into(), reason: kind.clone() })?,
        effective_at: time_col(r, "effective_at")?,
        text_hash: hash_col(r, "text_hash")?,
        extractor_version: r.try_get("extractor_version")?,
        automatic_sources: sources_col(r)?,
    })
}

/// Source positions as stored: comma-separated, empty for none.
fn format_sources(sources: &[usize]) -> String {
    sources.iter().map(usize::to_string).collect::<Vec<_>>().join(",")
}

fn sources_col(r: &SqliteRow) -> Result<Vec<usize>> {
    let text: String = r.try_get("automatic_sources")?;
    text.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().map_err(|_| StoreError::Corrupt { what: "automatic sources".into(), reason: text.clone() }))
        .collect()
}

fn version_row(r: &SqliteRow) -> Result<VersionRow> {
    let kind: String = r.try_get("kind")?;
    Ok(VersionRow {
        id: r.try_get("id")?,
        document_id: r.try_get("document_id")?,
        seq: r.try_get("seq")?,
        capture_id: r.try_get("capture_id")?,
        rules_id: r.try_get("rules_id")?,
        kind: VersionKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt { what: "version kind".into(), reason: kind.clone() })?,
        effective_at: time_col(r, "effective_at")?,
        text_hash: hash_col(r, "text_hash")?,
        markdown: crate::decompress_text(&r.try_get::<Vec<u8>, _>("markdown_zstd")?, &hash_col(r, "text_hash")?)?,
        extractor_version: r.try_get("extractor_version")?,
        automatic_sources: sources_col(r)?,
        recorded_at: time_col(r, "recorded_at")?,
    })
}

fn change_row(r: &SqliteRow) -> Result<ChangeRow> {
    let kind: String = r.try_get("kind")?;
    Ok(ChangeRow {
        id: r.try_get("id")?,
        document_id: r.try_get("document_id")?,
        from_version_id: r.try_get("from_version_id")?,
        to_version_id: r.try_get("to_version_id")?,
        kind: VersionKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt { what: "change kind".into(), reason: kind.clone() })?,
        diff_json: r.try_get("diff_json")?,
        stats_json: r.try_get("stats_json")?,
        effective_at: time_col(r, "effective_at")?,
    })
}
