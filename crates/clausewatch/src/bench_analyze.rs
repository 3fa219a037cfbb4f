//! `bench-analyze`: analysis speed on real documents, one core.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Report {
    pub documents: usize,
    pub bytes: usize,
    pub secs: f64,
    pub mb_per_sec: f64,
    pub findings: usize,
    /// Median time per 100 KB over documents of at least 50 KB.
    pub ms_per_100kb: f64,
    /// The largest document and its time.
    pub largest_bytes: usize,
    pub largest_ms: f64,
    /// The five documents slowest per byte: (file, bytes, ms).
    pub slowest: Vec<(String, usize, f64)>,
}

impl Report {
    pub fn render(&self) -> String {
        format!(
            "documents: {}\nbytes: {}\nsecs: {:.2}\nmb_per_sec: {:.2}\nfindings: {}\nms_per_100kb: {:.1}\nlargest_bytes: {}\nlargest_ms: {:.1}\n",
            self.documents, self.bytes, self.secs, self.mb_per_sec, self.findings, self.ms_per_100kb, self.largest_bytes, self.largest_ms
        ) + &self.slowest.iter().map(|(f, b, ms)| format!("  slow: {ms:.0} ms for {b} bytes: {f}\n")).collect::<String>()
    }
}

/// The newest `*.md` of every folder that holds version files (OTA layout: one file per version).
fn latest_versions(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut newest: Option<PathBuf> = None;
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            latest_versions(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "md") {
            newest = Some(p);
        }
    }
    out.extend(newest);
    Ok(())
}

pub fn run(dir: &Path) -> anyhow::Result<Report> {
    let mut files = Vec::new();
    latest_versions(dir, &mut files)?;
    let (files, texts): (Vec<PathBuf>, Vec<String>) =
        files.into_iter().filter_map(|f| std::fs::read_to_string(&f).ok().map(|t| (f, t))).unzip();
    let mut per_doc: Vec<(String, usize, f64)> = Vec::new();
    // Warm the compiled rules and the model so they are not timed.
    let _ = clausewatch_analyze::analyze("Warm up. These terms are governed by the laws of Ireland.", "x");
    let mut per_100kb = Vec::new();
    let (mut largest_bytes, mut largest_ms, mut findings) = (0, 0.0, 0);
    let started = Instant::now();
    for (f, t) in files.iter().zip(&texts) {
        let s = Instant::now();
        let a = clausewatch_analyze::analyze(t, "The provider");
        let ms = s.elapsed().as_secs_f64() * 1000.0;
        findings += a.findings.len();
        per_doc.push((f.display().to_string(), t.len(), ms));
        if t.len() >= 50_000 {
            per_100kb.push(ms * 100_000.0 / t.len() as f64);
        }
        if t.len() > largest_bytes {
            (largest_bytes, largest_ms) = (t.len(), ms);
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let bytes: usize = texts.iter().map(String::len).sum();
    per_100kb.sort_by(f64::total_cmp);
    per_doc.sort_by(|a, b| (b.2 / b.1.max(1) as f64).total_cmp(&(a.2 / a.1.max(1) as f64)));
    per_doc.truncate(5);
    Ok(Report {
        documents: texts.len(),
        bytes,
        secs,
        mb_per_sec: bytes as f64 / 1e6 / secs.max(1e-9),
        findings,
        ms_per_100kb: per_100kb.get(per_100kb.len() / 2).copied().unwrap_or(0.0),
        largest_bytes,
        largest_ms,
        slowest: per_doc,
    })
}
