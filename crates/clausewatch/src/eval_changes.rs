//! `classify-change` and `eval changes`: significance of consecutive versions in real histories.

use std::collections::{BTreeMap, BTreeSet, HashMap};
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

/// Classifies two version files. When both sit in one history folder (dated `*.md` files, as
/// Open Terms Archive stores them), the versions before OLD are read as context and an
/// `index.tsv` above them names re-extractions, as `eval changes` does; `use_history: false`
/// compares the two files alone.
pub fn classify_files(old: &Path, new: &Path, use_history: bool) -> anyhow::Result<ChangeSummary> {
    let (a, b) = (read_markdown(old)?, read_markdown(new)?);
    let context = if use_history { history_context(old, new) } else { None };
    Ok(match context {
        Some((earlier, reextraction)) => classify_in_history(&a, &b, &earlier, reextraction, Some(new)),
        None => classify_texts(&a, &b),
    })
}

/// The earlier versions before `old` in its folder (most recent first, with their age relative
/// to `new`), and the days since `old` when `index.tsv` marks `new` as a re-extraction.
fn history_context(old: &Path, new: &Path) -> Option<(History, Option<f64>)> {
    let (old, new) = (std::fs::canonicalize(old).ok()?, std::fs::canonicalize(new).ok()?);
    let dir = old.parent()?;
    if new.parent()? != dir {
        return None;
    }
    let files: Vec<PathBuf> = version_files(dir).into_iter().filter(|p| capture_time(p).is_some()).collect();
    let at = files.iter().position(|p| *p == old)?;
    let earlier = earlier_versions(&files, at, &new);
    // An index.tsv up to three folders above names each file's commit kind.
    let mut reextraction = None;
    let mut up = Some(dir);
    for _ in 0..3 {
        let Some(d) = up else { break };
        if d.join("index.tsv").is_file() {
            let kinds = commit_kinds_in(&d.join("index.tsv"), d);
            if kinds.get(&new).is_some_and(|k| is_reextraction(k)) {
                reextraction = gap_days(&old, &new);
            }
            break;
        }
        up = d.parent();
    }
    Some((earlier, reextraction))
}

pub fn classify_texts(a: &str, b: &str) -> ChangeSummary {
    classify_in_history(a, b, &[], None, None)
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
    /// Every pair with its class and reasons, when asked for (`--list`): for auditing.
    #[serde(skip)]
    pub listed: Vec<ListedPair>,
}

/// One classified pair, for the `--list` file.
#[derive(Clone, Debug)]
pub struct ListedPair {
    pub history: String,
    pub old: String,
    pub new: String,
    pub reextraction: bool,
    pub significance: String,
    pub reasons: String,
}

impl Report {
    /// The listed pairs as TSV (history, old, new, reextraction, significance, reasons).
    pub fn listed_tsv(&self) -> String {
        let clean = |s: &str| s.replace(['\t', '\n', '\r'], " ");
        let mut out = String::from("history\told\tnew\treextraction\tsignificance\treasons\n");
        for p in &self.listed {
            out.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                clean(&p.history),
                clean(&p.old),
                clean(&p.new),
                p.reextraction,
                p.significance,
                clean(&p.reasons)
            ));
        }
        out
    }
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

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The version files (`*.md`) of one history folder, in date order (their names are dates).
fn version_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
}

/// `commit_kind` of every version file one `index.tsv` names (paths relative to `dir`).
fn commit_kinds_in(index: &Path, dir: &Path) -> HashMap<PathBuf, String> {
    let mut out = HashMap::new();
    let Ok(meta) = std::fs::metadata(index) else { return out };
    if meta.len() > MAX_VERSION_BYTES {
        return out;
    }
    let Ok(text) = std::fs::read_to_string(index) else { return out };
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let (Some(kind), Some(file)) =
        (header.iter().position(|h| *h == "commit_kind"), header.iter().position(|h| *h == "file"))
    else {
        return out;
    };
    for l in lines {
        let cols: Vec<&str> = l.split('\t').collect();
        if let (Some(k), Some(f)) = (cols.get(kind), cols.get(file)) {
            let path = dir.join(f);
            out.insert(std::fs::canonicalize(&path).unwrap_or(path), k.to_string());
        }
    }
    out
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
                out.extend(commit_kinds_in(&p, &dir));
            }
        }
    }
    out
}

pub fn run(root: &Path, list: bool) -> anyhow::Result<Report> {
    let mut hs = Vec::new();
    histories(root, &mut hs, 0)?;
    let kinds = commit_kinds(root);
    let started = Instant::now();
    let mut report = Report { histories: hs.len(), ..Default::default() };
    for (dir, files) in &hs {
        // Each version is analysed and prepared once: compared as the new side, then as the
        // old one, then kept among the earlier versions (most recent first).
        let mut prev: Option<(change::Prepared, Analysis, &PathBuf)> = None;
        let mut earlier: std::collections::VecDeque<(change::Prepared, &PathBuf)> = std::collections::VecDeque::new();
        for (i, f) in files.iter().enumerate() {
            let Ok(text) = read_markdown(f) else {
                prev = None;
                earlier.clear();
                continue;
            };
            let a = clausewatch_analyze::analyze(&text, "The provider");
            let prepared = change::Prepared::of(&text);
            if let Some((pp, pa, pfile)) = &prev {
                let reextraction = kinds.get(f).is_some_and(|k| is_reextraction(k));
                let ctx_earlier: Vec<change::Earlier> = earlier
                    .iter()
                    .map(|(v, p)| change::Earlier { version: v, days_before_new: gap_days(p, f) })
                    .collect();
                let context = change::Context {
                    earlier: &ctx_earlier,
                    reextraction_gap_days: if reextraction { gap_days(pfile, f) } else { None },
                    other_documents: &[],
                };
                let s = change::classify_prepared(pp, &prepared, pa, &a, &context);
                let s = beside_other_documents(s, f, (pp, &prepared), (pa, &a), &context);
                let class = s.significance.as_str().to_string();
                report.pairs += 1;
                if reextraction {
                    report.reextraction_pairs += 1;
                    *report.reextraction_distribution.entry(class.clone()).or_default() += 1;
                } else {
                    *report.distribution.entry(class.clone()).or_default() += 1;
                }
                report.capture_artefacts += s.capture_artefact as usize;
                let history = || dir.strip_prefix(root).unwrap_or(dir).display().to_string();
                if list {
                    report.listed.push(ListedPair {
                        history: history(),
                        old: file_name(&files[i - 1]),
                        new: file_name(f),
                        reextraction,
                        significance: class.clone(),
                        reasons: s.reasons.join("; "),
                    });
                }
                let ex = report.examples.entry(class).or_default();
                if ex.len() < 10 && s.significance != Significance::Noise {
                    ex.push((
                        history(),
                        format!("{} → {}", file_name(&files[i - 1]), file_name(f)),
                        s.paragraph.clone(),
                    ));
                }
            }
            if let Some((pp, _, pfile)) = prev.take() {
                earlier.push_front((pp, pfile));
                // Versions too old for this new one are too old for the later ones as well.
                while let Some((_, oldest)) = earlier.back() {
                    if change::keeps_earlier(earlier.len() - 1, gap_days(oldest, f)) {
                        break;
                    }
                    earlier.pop_back();
                }
            }
            prev = Some((prepared, a, f));
        }
    }
    report.secs = started.elapsed().as_secs_f64();
    report.pairs_per_sec = report.pairs as f64 / report.secs.max(1e-9);
    Ok(report)
}

/// One hand-labelled pair of `change-labels.tsv`.
#[derive(Clone, Debug)]
pub struct LabelledPair {
    pub id: String,
    pub sample: String,
    pub repo: String,
    pub old: String,
    pub new: String,
    pub commit_kind: String,
    pub label: Significance,
    pub reason: String,
}

/// The project's hand-labelled pairs (see the file's header for how they were drawn).
pub const LABELS: &str = include_str!("../../clausewatch-analyze/data/change-labels.tsv");
/// Pairs labelled later, from a sample drawn after the classifier's rules were written and
/// excluding every pair above: its `heldout_*` figures tell how the rules generalise.
pub const HELDOUT_LABELS: &str = include_str!("../../clausewatch-analyze/data/change-labels-heldout.tsv");

/// Every bundled label (the development pairs, then the held-out ones) as one labels file.
pub fn bundled_labels() -> String {
    let mut text = LABELS.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    // The held-out file has the same columns: drop its notes and header.
    for line in HELDOUT_LABELS.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).skip(1) {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Reads a labels file: TSV with a header naming at least `old`, `new` and `label` (paths of
/// the two versions under PATH, or under PATH/`repo` when a `repo` column is present); `id`,
/// `sample`, `repo`, `commit_kind` and `reason` are optional. Lines starting with `#` are notes.
pub fn parse_labels(text: &str) -> anyhow::Result<Vec<LabelledPair>> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.starts_with('#') && !l.trim().is_empty());
    let (_, header) = lines.next().ok_or_else(|| anyhow::anyhow!("labels file is empty"))?;
    let cols: Vec<&str> = header.split('\t').map(str::trim).collect();
    let optional = |name: &str| cols.iter().position(|c| *c == name);
    let required = |name: &str| {
        optional(name).ok_or_else(|| anyhow::anyhow!("labels file has no `{name}` column (header: {header:?})"))
    };
    let (old, new, label) = (required("old")?, required("new")?, required("label")?);
    let (id, sample, repo, kind, reason) =
        (optional("id"), optional("sample"), optional("repo"), optional("commit_kind"), optional("reason"));
    let mut out = Vec::new();
    for (n, line) in lines {
        let f: Vec<&str> = line.split('\t').collect();
        let get = |i: usize| {
            f.get(i)
                .map(|s| s.trim().to_string())
                .ok_or_else(|| anyhow::anyhow!("labels line {}: missing column {}", n + 1, i + 1))
        };
        let opt = |i: Option<usize>, default: &str| {
            i.and_then(|i| f.get(i)).map(|s| s.trim().to_string()).unwrap_or_else(|| default.to_string())
        };
        let label = match get(label)?.to_lowercase().as_str() {
            "noise" => Significance::Noise,
            "cosmetic" => Significance::Cosmetic,
            "editorial" => Significance::Editorial,
            "substantive" => Significance::Substantive,
            other => anyhow::bail!(
                "labels line {}: unknown label `{other}` (noise, cosmetic, editorial or substantive)",
                n + 1
            ),
        };
        out.push(LabelledPair {
            id: opt(id, &(n + 1).to_string()),
            sample: opt(sample, "labelled"),
            repo: opt(repo, ""),
            old: get(old)?,
            new: get(new)?,
            commit_kind: opt(kind, ""),
            label,
            reason: opt(reason, ""),
        });
    }
    Ok(out)
}

#[derive(Debug, Default, Serialize)]
pub struct Mistake {
    pub id: String,
    pub pair: String,
    pub gold: String,
    pub predicted: String,
    pub gold_reason: String,
    pub predicted_reason: String,
}

#[derive(Debug, Default, Serialize)]
pub struct LabelReport {
    pub labelled_pairs: usize,
    /// Pairs whose files are not under the versions folder.
    pub missing_pairs: usize,
    /// gold label → predicted label → count.
    pub confusion: BTreeMap<String, BTreeMap<String, usize>>,
    pub substantive_precision: f64,
    pub substantive_recall: f64,
    pub accuracy: f64,
    /// Per sample (random, enriched): (pairs, substantive precision, substantive recall).
    pub by_sample: BTreeMap<String, (usize, f64, f64)>,
    pub mistakes: Vec<Mistake>,
}

const CLASSES: [Significance; 4] =
    [Significance::Noise, Significance::Cosmetic, Significance::Editorial, Significance::Substantive];

fn precision_recall(pairs: &[(Significance, Significance)]) -> (f64, f64) {
    let sub = Significance::Substantive;
    let tp = pairs.iter().filter(|(g, p)| *g == sub && *p == sub).count() as f64;
    let predicted = pairs.iter().filter(|(_, p)| *p == sub).count() as f64;
    let gold = pairs.iter().filter(|(g, _)| *g == sub).count() as f64;
    let ratio = |a: f64, b: f64| if b == 0.0 { 1.0 } else { a / b };
    (ratio(tp, predicted), ratio(tp, gold))
}

impl LabelReport {
    pub fn render(&self) -> String {
        let mut out = String::new();
        for m in &self.mistakes {
            out.push_str(&format!(
                "  #{} {} gold {} predicted {}\n      gold: {}\n      ours: {}\n",
                m.id,
                m.pair,
                m.gold,
                m.predicted,
                m.gold_reason,
                crate::analyze::clip(&m.predicted_reason, 200)
            ));
        }
        out.push_str("confusion (rows gold, columns predicted):\n              noise cosmetic editorial substantive\n");
        for g in CLASSES {
            let row = self.confusion.get(g.as_str());
            out.push_str(&format!("  {:<11}", g.as_str()));
            for p in CLASSES {
                out.push_str(&format!(" {:>8}", row.and_then(|r| r.get(p.as_str())).copied().unwrap_or(0)));
            }
            out.push('\n');
        }
        for (sample, (n, p, r)) in &self.by_sample {
            out.push_str(&format!(
                "{sample}_pairs: {n}\n{sample}_substantive_precision: {p:.3}\n{sample}_substantive_recall: {r:.3}\n"
            ));
        }
        out.push_str(&format!(
            "labelled_pairs: {}\nmissing_pairs: {}\nsubstantive_precision: {:.3}\nsubstantive_recall: {:.3}\naccuracy: {:.3}\n",
            self.labelled_pairs, self.missing_pairs, self.substantive_precision, self.substantive_recall, self.accuracy
        ));
        out
    }
}

/// Earlier versions of a history, most recent first, each with its age relative to the new one.
pub type History = Vec<(String, Option<f64>)>;

/// The version files of the history holding `file` (sorted), and the position of `file`.
fn history_of(root: &Path, repo: &str, file: &str) -> Option<(Vec<PathBuf>, usize)> {
    // Paths under PATH/repo, or under PATH itself when they already include the collection.
    let path = [root.join(repo).join(file), root.join(file)].into_iter().find(|p| p.is_file())?;
    let files = version_files(path.parent()?);
    let at = files.iter().position(|p| *p == path)?;
    Some((files, at))
}

/// Classifies every labelled pair with the history before it, as `eval changes` does, and
/// compares with the labels.
pub fn run_labelled(root: &Path, pairs: &[LabelledPair]) -> anyhow::Result<LabelReport> {
    let mut report = LabelReport::default();
    let mut scored: Vec<(String, Significance, Significance)> = Vec::new();
    for pair in pairs {
        let (Some((files, old_at)), Some((_, new_at))) =
            (history_of(root, &pair.repo, &pair.old), history_of(root, &pair.repo, &pair.new))
        else {
            report.missing_pairs += 1;
            continue;
        };
        anyhow::ensure!(new_at > old_at, "labelled pair {}: the new version does not follow the old one", pair.id);
        let (old_md, new_md) = (read_markdown(&files[old_at])?, read_markdown(&files[new_at])?);
        let earlier = earlier_versions(&files, old_at, &files[new_at]);
        let reextraction =
            is_reextraction(&pair.commit_kind).then(|| gap_days(&files[old_at], &files[new_at])).flatten();
        let s = classify_in_history(&old_md, &new_md, &earlier, reextraction, Some(&files[new_at]));
        let predicted = s.significance;
        *report
            .confusion
            .entry(pair.label.as_str().into())
            .or_default()
            .entry(predicted.as_str().into())
            .or_default() += 1;
        if predicted != pair.label {
            report.mistakes.push(Mistake {
                id: pair.id.clone(),
                pair: format!("{} {}", pair.repo, pair.new),
                gold: pair.label.as_str().into(),
                predicted: predicted.as_str().into(),
                gold_reason: pair.reason.clone(),
                predicted_reason: s.reasons.join("; "),
            });
        }
        scored.push((pair.sample.clone(), pair.label, predicted));
    }
    report.labelled_pairs = scored.len();
    let all: Vec<(Significance, Significance)> = scored.iter().map(|(_, g, p)| (*g, *p)).collect();
    (report.substantive_precision, report.substantive_recall) = precision_recall(&all);
    report.accuracy = all.iter().filter(|(g, p)| g == p).count() as f64 / all.len().max(1) as f64;
    let samples: BTreeSet<&String> = scored.iter().map(|(s, _, _)| s).collect();
    for sample in samples {
        let part: Vec<(Significance, Significance)> =
            scored.iter().filter(|(s, _, _)| s == sample).map(|(_, g, p)| (*g, *p)).collect();
        let (p, r) = precision_recall(&part);
        report.by_sample.insert(sample.clone(), (part.len(), p, r));
    }
    Ok(report)
}

/// Classifies `old` → `new` knowing the versions before `old` (most recent first) and, for a
/// re-extraction, the days since the previous capture; with `new_path`, the platform's other
/// documents captured beside it (`beside_other_documents`).
pub fn classify_in_history(
    old_md: &str,
    new_md: &str,
    earlier: &[(String, Option<f64>)],
    reextraction_gap_days: Option<f64>,
    new_path: Option<&Path>,
) -> ChangeSummary {
    let (x, y) =
        (clausewatch_analyze::analyze(old_md, "The provider"), clausewatch_analyze::analyze(new_md, "The provider"));
    let prepared: Vec<(change::Prepared, Option<f64>)> =
        earlier.iter().map(|(m, d)| (change::Prepared::of(m), *d)).collect();
    let earlier: Vec<change::Earlier> =
        prepared.iter().map(|(v, d)| change::Earlier { version: v, days_before_new: *d }).collect();
    let context = change::Context { earlier: &earlier, reextraction_gap_days, other_documents: &[] };
    let (po, pn) = (change::Prepared::of(old_md), change::Prepared::of(new_md));
    let s = change::classify_prepared(&po, &pn, &x, &y, &context);
    match new_path {
        Some(path) => beside_other_documents(s, path, (&po, &pn), (&x, &y), &context),
        None => s,
    }
}

/// When the new capture lost the document's text, classifies again knowing the captures of the
/// platform's other documents taken within a day (the sibling folders of the history, as Open
/// Terms Archive lays them out): the same page captured for several documents is a common page.
fn beside_other_documents(
    first: ChangeSummary,
    new_path: &Path,
    (po, pn): (&change::Prepared, &change::Prepared),
    (old, new): (&Analysis, &Analysis),
    context: &change::Context<'_>,
) -> ChangeSummary {
    if first.capture_artefact || first.significance <= Significance::Cosmetic || !change::lost_its_text(po, pn) {
        return first;
    }
    let others = captures_beside(new_path);
    if others.is_empty() {
        return first;
    }
    let docs: Vec<change::OtherDocument> =
        others.iter().map(|(name, capture)| change::OtherDocument { name, capture }).collect();
    change::classify_prepared(po, pn, old, new, &change::Context { other_documents: &docs, ..*context })
}

/// The capture nearest in time, within a day, of each other document of the platform: the
/// folders beside the history folder of `new_path`.
fn captures_beside(new_path: &Path) -> Vec<(String, change::Prepared)> {
    let (Some(dir), Some(at)) = (new_path.parent(), capture_time(new_path)) else { return Vec::new() };
    let Some(Ok(rd)) = dir.parent().map(std::fs::read_dir) else { return Vec::new() };
    let mut siblings: Vec<PathBuf> =
        rd.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir() && p != dir).collect();
    siblings.sort();
    let mut out = Vec::new();
    for sibling in siblings {
        let nearest = version_files(&sibling)
            .into_iter()
            .filter_map(|f| capture_time(&f).map(|t| ((t - at).num_seconds().abs(), f)))
            .filter(|(secs, _)| *secs <= 86_400)
            .min_by_key(|(secs, _)| *secs);
        if let Some((_, f)) = nearest {
            if let Ok(md) = read_markdown(&f) {
                out.push((file_name(&sibling), change::Prepared::of(&md)));
            }
        }
    }
    out
}

/// Open Terms Archive's commit kinds for a re-extraction (new rules, not a new text).
fn is_reextraction(commit_kind: &str) -> bool {
    commit_kind == "technical_upgrade" || commit_kind == "refilter"
}

/// The versions before `files[at]` the classifier compares with (`change::keeps_earlier`), most
/// recent first, each with its age relative to `new`.
fn earlier_versions(files: &[PathBuf], at: usize, new: &Path) -> History {
    files[..at]
        .iter()
        .rev()
        .map(|p| (p, gap_days(p, new)))
        .enumerate()
        .take_while(|(i, (_, days))| change::keeps_earlier(*i, *days))
        .filter_map(|(_, (p, days))| Some((read_markdown(p).ok()?, days)))
        .collect()
}

/// The capture time in an Open Terms Archive version file name (`2026-02-28T01-04-41Z.md`,
/// possibly with a `_2` suffix).
pub fn capture_time(path: &Path) -> Option<chrono::NaiveDateTime> {
    let name = path.file_name()?.to_str()?;
    chrono::NaiveDateTime::parse_from_str(name.get(..19)?, "%Y-%m-%dT%H-%M-%S").ok()
}

fn gap_days(old: &Path, new: &Path) -> Option<f64> {
    let (a, b) = (capture_time(old)?, capture_time(new)?);
    Some((b - a).num_seconds() as f64 / 86_400.0)
}
