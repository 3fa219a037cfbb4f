//! The bundled demo: real raw captures of a few AI-platform documents at two or three dates
//! (from Open Terms Archive, ODC-BY 1.0), imported through the normal pipeline so that
//! versions, changes and `rebuild` behave exactly as for tracked documents.

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use clausewatch_core::declaration::parse_declaration;
use clausewatch_extract::{check_css, KNOWN_FILTERS};
use clausewatch_store::{NewSnapshot, Store};

use crate::versioning::{submit_fresh_capture, RulesCache};

pub const DEMO_BUNDLE: &[u8] = include_bytes!("../../../demo/demo.tar.zst");

/// Bounds for unpacking (the bundle is ours, but a replaced file must not fill memory).
const MAX_BUNDLE_UNPACKED: u64 = 64 * 1024 * 1024;

#[derive(Deserialize)]
struct Manifest {
    attribution: String,
    captures: Vec<DemoCapture>,
}

#[derive(Deserialize)]
struct DemoCapture {
    platform: String,
    terms_type: String,
    captured_at: DateTime<Utc>,
    sources: Vec<DemoSource>,
}

#[derive(Deserialize)]
struct DemoSource {
    url: String,
    file: String,
    content_type: Option<String>,
}

#[derive(Debug, Default, serde::Serialize)]
pub struct DemoReport {
    pub platforms: usize,
    pub captures: usize,
    pub versions: usize,
    pub attribution: String,
}

/// Load the demo into the store. Call on an empty store only (serve does).
pub async fn load(store: &Store) -> anyhow::Result<DemoReport> {
    let files = unpack(DEMO_BUNDLE)?;
    let manifest: Manifest = serde_json::from_slice(
        files.get("manifest.json").ok_or_else(|| anyhow::anyhow!("demo bundle has no manifest.json"))?,
    )?;
    let mut report = DemoReport { attribution: manifest.attribution.clone(), ..Default::default() };
    let mut platform_names = HashMap::new();
    for (name, bytes) in &files {
        let Some(id) = name.strip_prefix("catalog/").and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        let text = std::str::from_utf8(bytes)?;
        let (entry, problems) = parse_declaration(id, name, text, None, &check_css, KNOWN_FILTERS);
        let entry = entry.ok_or_else(|| anyhow::anyhow!("demo catalog {name} rejected: {problems:?}"))?;
        // Rules of the demo are valid since always, so the old captures are read with them.
        store.sync_platform(&entry, DateTime::<Utc>::UNIX_EPOCH).await?;
        platform_names.insert(id.to_string(), entry.name.clone());
        report.platforms += 1;
    }
    let cache = RulesCache::default();
    for capture in &manifest.captures {
        let doc = store.find_document(&capture.platform, &capture.terms_type).await?.ok_or_else(|| {
            anyhow::anyhow!("demo capture for unknown document {} / {}", capture.platform, capture.terms_type)
        })?;
        let rules = store.rules_at(doc.id, capture.captured_at).await?;
        let mut snapshots = Vec::new();
        let mut bodies = Vec::new();
        for source in &capture.sources {
            let bytes = files.get(&source.file).ok_or_else(|| anyhow::anyhow!("demo bundle misses {}", source.file))?;
            let hash = store.blobs().put(bytes)?;
            snapshots.push(NewSnapshot {
                url: source.url.clone(),
                final_url: source.url.clone(),
                status: 200,
                headers: source.content_type.iter().map(|c| ("content-type".to_string(), c.clone())).collect(),
                content_type: source.content_type.clone(),
                fetched_at: capture.captured_at,
                fetcher: "demo-replay".into(),
                content_hash: hash,
                size: bytes.len() as u64,
                not_modified: false,
            });
            bodies.push(bytes.clone());
        }
        let (step, write) = submit_fresh_capture(
            store,
            &cache,
            &doc,
            store.last_done_capture(doc.id, i64::MAX).await?,
            None,
            capture.captured_at,
            rules.id,
            snapshots,
            Some(bodies),
            true,
        )
        .await?;
        write.committed().await?;
        report.captures += 1;
        report.versions += step.versions.len();
    }
    Ok(report)
}

fn unpack(bundle: &[u8]) -> anyhow::Result<HashMap<String, Vec<u8>>> {
    let decoder = zstd::stream::read::Decoder::new(bundle)?;
    let mut archive = tar::Archive::new(decoder.take(MAX_BUNDLE_UNPACKED));
    let mut files = HashMap::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        files.insert(name, bytes);
    }
    Ok(files)
}
