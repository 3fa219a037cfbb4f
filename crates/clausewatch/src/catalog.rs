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

/// Categories a catalog entry may have.
pub const CATEGORIES: &[&str] = &[
    "ai",
    "social",
    "messaging",
    "dating",
    "media",
    "news",
    "search",
    "marketplace",
    "commerce",
    "app-store",
    "travel",
    "delivery",
    "mobility",
    "productivity",
    "developer",
    "cloud",
    "software",
    "devices",
    "browser",
    "vpn",
    "security",
    "finance",
    "gaming",
    "education",
    "reference",
    "reviews",
    "real-estate",
    "telecom",
    "advertising",
    "health",
    "government",
    "other",
];

/// Fields an entry may list as unverified.
const VERIFIABLE: &[&str] = &["name", "category", "jurisdiction", "website"];

#[derive(Debug, Default, serde::Serialize)]
pub struct ValidationReport {
    pub platforms: usize,
    pub documents: usize,
    pub sources: usize,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// Entries whose jurisdiction (or category) no source gives: listed, not guessed.
    pub unverified_jurisdiction: usize,
    pub unverified_category: usize,
    pub by_category: std::collections::BTreeMap<String, usize>,
}

impl ValidationReport {
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        for e in &self.errors {
            out.push_str(&format!("error: {e}\n"));
        }
        if verbose {
            for w in &self.warnings {
                out.push_str(&format!("warning: {w}\n"));
            }
        }
        out.push_str(&format!("platforms: {}\n", self.platforms));
        out.push_str(&format!("documents: {}\n", self.documents));
        out.push_str(&format!("sources: {}\n", self.sources));
        for (c, n) in &self.by_category {
            out.push_str(&format!("category_{c}: {n}\n"));
        }
        out.push_str(&format!("unverified_jurisdiction: {}\n", self.unverified_jurisdiction));
        out.push_str(&format!("unverified_category: {}\n", self.unverified_category));
        out.push_str(&format!("warnings: {}\n", self.warnings.len()));
        out.push_str(&format!("errors: {}\n", self.errors.len()));
        out
    }
}

/// Check every entry of a catalog folder: schema (the declaration parser), URL syntax, known
/// terms types, categories, duplicates, and provenance (every URL has an origin; category,
/// jurisdiction and website are sourced or listed as unverified).
pub fn validate(dir: &Path) -> anyhow::Result<ValidationReport> {
    use std::collections::{BTreeMap, HashMap};
    let load = load(dir).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?;
    let mut report = ValidationReport::default();
    for p in &load.problems {
        match p.severity {
            Severity::Rejected => report.errors.push(p.to_string()),
            Severity::Warning => report.warnings.push(p.to_string()),
            Severity::Skipped => {}
        }
    }
    let mut names: HashMap<String, String> = HashMap::new();
    let mut url_owner: HashMap<String, String> = HashMap::new();
    for (path, entry) in &load.platforms {
        let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        report.platforms += 1;
        if let Some(other) = names.insert(entry.name.to_lowercase(), file.clone()) {
            report.errors.push(format!("{file}: name: {:?} is also the name in {other}", entry.name));
        }
        let raw: serde_json::Value =
            std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or(serde_json::Value::Null);
        let provenance: BTreeMap<String, String> = raw
            .get("provenance")
            .and_then(|p| p.as_object())
            .map(|o| o.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
            .unwrap_or_default();
        let unverified: Vec<String> = raw
            .get("unverified")
            .and_then(|u| u.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        for u in &unverified {
            if !VERIFIABLE.contains(&u.as_str()) {
                report.errors.push(format!("{file}: unverified: {u:?} is not a field that can be unverified"));
            }
        }
        match &entry.category {
            Some(c) if CATEGORIES.contains(&c.as_str()) => {
                *report.by_category.entry(c.clone()).or_default() += 1;
            }
            Some(c) => report.errors.push(format!("{file}: category: {c:?} is not one of {}", CATEGORIES.join(", "))),
            None => report.errors.push(format!("{file}: category: missing")),
        }
        for field in ["category", "jurisdiction", "website"] {
            let value_present = match field {
                "category" => entry.category.is_some(),
                "jurisdiction" => entry.jurisdiction.is_some(),
                _ => entry.website.is_some(),
            };
            let listed = unverified.iter().any(|u| u == field);
            let sourced = provenance.contains_key(field);
            if value_present && !sourced && !listed {
                report
                    .errors
                    .push(format!("{file}: provenance.{field}: the value has no source and is not marked unverified"));
            }
            if !value_present && !listed {
                report
                    .errors
                    .push(format!("{file}: {field}: missing; give it with its source or list it under unverified"));
            }
            if listed && field == "jurisdiction" {
                report.unverified_jurisdiction += 1;
            }
            if listed && field == "category" {
                report.unverified_category += 1;
            }
        }
        if let Some(site) = &entry.website {
            if url::Url::parse(site).map(|u| !matches!(u.scheme(), "http" | "https")).unwrap_or(true) {
                report.errors.push(format!("{file}: website: {site:?} is not an http(s) URL"));
            }
        }
        for (terms_type, doc) in &entry.documents {
            report.documents += 1;
            if !clausewatch_core::terms_types::is_known_terms_type(terms_type) {
                report.errors.push(format!("{file}: terms.{terms_type:?}: not a known terms type"));
            }
            let mut seen_in_doc = std::collections::HashSet::new();
            for (i, source) in doc.rules.sources.iter().enumerate() {
                report.sources += 1;
                if source.origin.as_deref().is_none_or(|o| o.trim().is_empty()) {
                    report.errors.push(format!(
                        "{file}: terms.{terms_type:?} source {i}: no origin (where does {} come from?)",
                        source.url
                    ));
                }
                if !seen_in_doc.insert(source.url.clone()) {
                    report.errors.push(format!("{file}: terms.{terms_type:?}: {} is combined twice", source.url));
                }
                let owner = format!("{file} {terms_type}");
                if let Some(other) = url_owner.insert(source.url.clone(), owner.clone()) {
                    report.warnings.push(format!("{owner}: {} is also a source of {other}", source.url));
                }
            }
        }
    }
    Ok(report)
}
