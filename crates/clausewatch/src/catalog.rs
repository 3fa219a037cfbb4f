//! Catalog files -> store, and `import-ota`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use clausewatch_core::catalog::{load_dir, CatalogLoad};
use clausewatch_core::Severity;
use clausewatch_extract::{check_css, KNOWN_FILTERS};
use clausewatch_store::Store;

/// Read a folder of declarations with our selector syntax check and filter list.
pub fn load(dir: &Path) -> std::io::Result<CatalogLoad> {
    load_dir(dir, &check_css, KNOWN_FILTERS)
}

/// Record every loaded platform in the store (rules changes are dated `now`).
pub async fn sync(
    store: &Store,
    load: &CatalogLoad,
    now: DateTime<Utc>,
) -> Result<usize, clausewatch_store::StoreError> {
    let mut documents = 0;
    for (_, entry) in &load.platforms {
        documents += store.sync_platform(entry, now).await?.len();
    }
    Ok(documents)
}

#[derive(Debug, Default, serde::Serialize)]
pub struct ImportReport {
    pub imported_platforms: usize,
    pub imported_documents: usize,
    pub rejected: Vec<String>,
    pub warnings: Vec<String>,
    pub skipped: Vec<String>,
    pub written_to: PathBuf,
}

/// Import a folder of Open Terms Archive declarations: each accepted declaration (and its
/// history file) is copied unchanged into the catalog folder — the format is a superset — and
/// recorded in the store. Rejections name file, field and reason.
pub async fn import_ota(
    store: &Store,
    from: &Path,
    catalog_dir: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<ImportReport> {
    let load = load(from).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", from.display()))?;
    std::fs::create_dir_all(catalog_dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", catalog_dir.display()))?;
    let mut report = ImportReport { written_to: catalog_dir.to_path_buf(), ..Default::default() };
    for p in &load.problems {
        let line = p.to_string();
        match p.severity {
            Severity::Rejected => report.rejected.push(line),
            Severity::Warning => report.warnings.push(line),
            Severity::Skipped => report.skipped.push(line),
        }
    }
    for (path, entry) in &load.platforms {
        let target = catalog_dir.join(format!("{}.json", entry.id));
        if path.canonicalize().ok() != target.canonicalize().ok() {
            std::fs::copy(path, &target).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", target.display()))?;
            let history = path.with_file_name(format!("{}.history.json", entry.id));
            if history.exists() {
                let target = catalog_dir.join(format!("{}.history.json", entry.id));
                std::fs::copy(&history, &target)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", target.display()))?;
            }
        }
        report.imported_platforms += 1;
        report.imported_documents += store.sync_platform(entry, now).await?.len();
    }
    Ok(report)
}
