//! The store of record: SQLite metadata through sqlx (WAL, migrations, runtime-checked
//! queries) and a content-addressed blob folder for raw snapshot bytes.
//!
//! Invariants: only this crate writes to the database; every multi-row write is one
//! transaction, so a crash leaves either all of it or none; blob writes happen before the rows
//! that name them, so a row never points at a missing blob.

pub mod blobs;
mod migrate;
mod rows;
mod sqlite;

use std::path::{Path, PathBuf};

pub use blobs::{BlobStore, HashedBytes};
pub use rows::*;
pub use sqlite::{sources_hash, PendingWrite, Store, StoreCounts};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{what} is corrupt: {reason}")]
    Corrupt { what: String, reason: String },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("migration {version} failed: {reason}")]
    Migration { version: i64, reason: String },
}

impl StoreError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        StoreError::Io { path: path.to_path_buf(), source }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Times are stored as RFC 3339 UTC with milliseconds, which sorts correctly as text.
pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::Corrupt { what: format!("timestamp {s:?}"), reason: e.to_string() })
}

/// Version texts are stored zstd-compressed (legal text shrinks about fourfold), which keeps
/// the database small and its writes fast.
pub fn compress_text(text: &str) -> Vec<u8> {
    compress(text.as_bytes()).unwrap_or_default()
}

/// zstd level used for blobs and version texts.
const ZSTD_LEVEL: i32 = 1;

/// Compress with a per-thread zstd context: creating a context per call costs more than
/// compressing a typical page.
pub(crate) fn compress(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> = const { std::cell::RefCell::new(None) };
    }
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        if c.is_none() {
            *c = Some(zstd::bulk::Compressor::new(ZSTD_LEVEL)?);
        }
        c.as_mut().expect("compressor initialised").compress(bytes)
    })
}

/// Longest version text accepted when reading (a corrupt row cannot claim gigabytes).
pub const MAX_TEXT_BYTES: usize = 64 * 1024 * 1024;

pub(crate) fn decompress_text(bytes: &[u8], expected: &clausewatch_core::ContentHash) -> Result<String> {
    let raw = zstd::bulk::decompress(bytes, MAX_TEXT_BYTES).map_err(|e| StoreError::Corrupt {
        what: format!("version text {}", expected.short()),
        reason: e.to_string(),
    })?;
    if clausewatch_core::ContentHash::of(&raw) != *expected {
        return Err(StoreError::Corrupt {
            what: format!("version text {}", expected.short()),
            reason: "does not match its hash".into(),
        });
    }
    String::from_utf8(raw).map_err(|_| StoreError::Corrupt {
        what: format!("version text {}", expected.short()),
        reason: "not UTF-8".into(),
    })
}
