//! `classify-change` and `eval changes`: significance of consecutive versions in real histories.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use clausewatch_analyze::change::{self, ChangeSummary, Significance};
use clausewatch_analyze::Analysis;

const MAX_VERSION_BYTES: u64 = 16 << 20;

pub fn read_markdown(path: &Path) -> anyhow::Result<String> {
    let size = std::fs::metadata(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?.len();
    if size > MAX_VERSION_BYTES {
        anyhow::bail!("{} is larger than {} MB", path.display(), MAX_VERSION_BYTES >> 20);
    }
    let bytes = std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))
}

pub fn classify_files(old: &Path, new: &Path) -> anyhow::Result<ChangeSummary> {
    let (a, b) = (read_markdown(old)?, read_markdown(new)?);
    Ok(classify_texts(&a, &b))
}

pub fn classify_texts(a: &str, b: &str) -> ChangeSummary {
    let (x, y) = (clausewatch_analyze::analyze(a, "The provider"), clausewatch_analyze::analyze(b, "The provider"));
    change::classify(a, b, &x, &y)
}

pub fn render_summary(s: &ChangeSummary) -> String {
    let mut out = format!("significance: {}\n{}\n", s.significance.as_str(), s.paragraph);
    for r in &s.reasons {
        out.push_str(&format!("  because: {r}\n"));
    }
    for c in &s.attributes_changed {
        out.push_str(&format!(
            "  {} {}: {} → {}\n    before: \"{}\"\n    after:  \"{}\"\n",
            c.provision,
            c.attribute,
            c.before,
            c.after,
            crate::analyze::clip(&c.before_quote, 200),
            crate::analyze::clip(&c.after_quote, 200)
        ));
    }
    for d in &s.provisions_added {
        out.push_str(&format!("  + {} (§{}): \"{}\"\n", d.provision, d.section, crate::analyze::clip(&d.quote, 200)));
    }
    for d in &s.provisions_removed {
        out.push_str(&format!("  - {} (§{}): \"{}\"\n", d.provision, d.section, crate::analyze::clip(&d.quote, 200)));
    }
    out.push_str(&format!("words_added: {}\nwords_removed: {}\n", s.words_added, s.words_removed));
    out
}

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub histories: usize,
    pub pairs: usize,
    pub distribution: BTreeMap<String, usize>,
    /// Pairs Open Terms Archive recorded as re-extractions (technical_upgrade / refilter).
    pub reextraction_pairs: usize,
    pub reextraction_distribution: BTreeMap<String, usize>,
    pub capture_artefacts: usize,
    pub secs: f64,
    pub pairs_per_sec: f64,
    /// Up to 10 examples per class: history path, old file, new file, paragraph.
    pub examples: BTreeMap<String, Vec<(String, String, String)>>,
}

impl Report {
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (class, examples) in &self.examples {
            out.push_str(&format!("{class}:\n"));
            for (h, pair, p) in examples.iter().take(3) {
                out.push_str(&format!("  {h} {pair}: {}\n", crate::analyze::clip(p, 160)));
            }
        }
        out.push_str(&format!("histories: {}\npairs: {}\n", self.histories, self.pairs));
        for c in ["noise", "cosmetic", "editorial", "substantive"] {
            out.push_str(&format!("{c}: {}\n", self.distribution.get(c).copied().unwrap_or(0)));
        }
        out.push_str(&format!("reextraction_pairs: {}\n", self.reextraction_pairs));
        for c in ["noise", "cosmetic", "editorial", "substantive"] {
            out.push_str(&format!(
                "reextraction_{c}: {}\n",
                self.reextraction_distribution.get(c).copied().unwrap_or(0)
            ));
        }
        out.push_str(&format!(
            "capture_artefacts: {}\nsecs: {:.1}\npairs_per_sec: {:.1}\n",
            self.capture_artefacts, self.secs, self.pairs_per_sec
        ));
        out
    }
}

/// Every folder under `root` holding version files (`<date>.md`), with its files in order.
fn histories(root: &Path, out: &mut Vec<(PathBuf, Vec<PathBuf>)>, depth: usize) -> std::io::Result<()> {
    if depth > 8 {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(root)?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    let files: Vec<PathBuf> =
        entries.iter().filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "md")).cloned().collect();
    if files.len() >= 2 {
        out.push((root.to_path_buf(), files));
    }
    for p in entries.iter().filter(|p| p.is_dir()) {
        histories(p, out, depth + 1)?;
    }
    Ok(())
}

/// `commit_kind` of every version file named in the `index.tsv` files under `root`.
fn commit_kinds(root: &Path) -> HashMap<PathBuf, String> {
    let mut out = HashMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&dir) else { continue };
        for e in rd.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "index.tsv") {
                let Ok(text) = std::fs::read_to_string(&p) else { continue };
                let mut lines = text.lines();
                let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
                let (Some(kind), Some(file)) =
                    (header.iter().position(|h| *h == "commit_kind"), header.iter().position(|h| *h == "file"))
                else {
                    continue;
                };
                for l in lines {
                    let cols: Vec<&str> = l.split('\t').collect();
                    if let (Some(k), Some(f)) = (cols.get(kind), cols.get(file)) {
                        out.insert(dir.join(f), k.to_string());
                    }
                }
            }
        }
    }
    out
}

pub fn run(root: &Path) -> anyhow::Result<Report> {
    let mut hs = Vec::new();
    histories(root, &mut hs, 0)?;
    let kinds = commit_kinds(root);
    let started = Instant::now();
    let mut report = Report { histories: hs.len(), ..Default::default() };
    for (dir, files) in &hs {
        let mut prev: Option<(String, Analysis)> = None;
        for f in files {
            let Ok(text) = read_markdown(f) else {
                prev = None;
                continue;
            };
            let a = clausewatch_analyze::analyze(&text, "The provider");
            if let Some((ptext, pa)) = &prev {
                let s = change::classify(ptext, &text, pa, &a);
                let class = s.significance.as_str().to_string();
                let reextraction = kinds.get(f).is_some_and(|k| k == "technical_upgrade" || k == "refilter");
                report.pairs += 1;
                if reextraction {
                    report.reextraction_pairs += 1;
                    *report.reextraction_distribution.entry(class.clone()).or_default() += 1;
                } else {
                    *report.distribution.entry(class.clone()).or_default() += 1;
                }
                report.capture_artefacts += s.capture_artefact as usize;
                let ex = report.examples.entry(class).or_default();
                if ex.len() < 10 && s.significance != Significance::Noise {
                    let rel = dir.strip_prefix(root).unwrap_or(dir).display().to_string();
                    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                    ex.push((rel, format!("{} → {}", prev_name(files, f), name(f)), s.paragraph.clone()));
                }
            }
            prev = Some((text, a));
        }
    }
    report.secs = started.elapsed().as_secs_f64();
    report.pairs_per_sec = report.pairs as f64 / report.secs.max(1e-9);
    Ok(report)
}

fn prev_name(files: &[PathBuf], f: &Path) -> String {
    let i = files.iter().position(|x| x == f).unwrap_or(0);
    files[i.saturating_sub(1)].file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
