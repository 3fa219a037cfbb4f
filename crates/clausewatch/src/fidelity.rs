//! `eval extraction`: our extraction of real snapshots against the Markdown Open Terms Archive
//! extracted from the same bytes (`fixtures/extraction-dev` layout: one folder per case with
//! `source.json`, the snapshot files, `declaration.json` / `declaration_git.json`, `meta.json`
//! and `expected.md`).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use clausewatch_core::{DocumentRules, SourceRules};
use clausewatch_extract::{extract_document, extract_document_in, Extracted, Mode, SourceInput};

use crate::textcompare::{comparable, compare, differences, Difference};

/// Snapshots larger than this are not read (a case folder is input like any other).
const MAX_CASE_FILE: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesMode {
    /// The declaration in force, as the reference used it.
    Declared,
    /// No select / remove rules: the main content must be found automatically.
    Automatic,
}

#[derive(Debug, Serialize)]
pub struct CaseResult {
    pub case: String,
    pub identical: bool,
    pub similarity: f64,
    pub links_identical: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub differences: Vec<Difference>,
    /// The reference holds its own opening passage twice (a `select` matching nested
    /// elements converts the same text twice): a single extraction cannot reach it.
    pub reference_repeats_itself: bool,
    /// For a reference that repeats itself: the similarity with repeated passages collapsed on
    /// both sides (each run of words already seen kept once), so a single extraction and a
    /// doubled one are scored alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub similarity_repeats_collapsed: Option<f64>,
    /// The case's recommended declaration matched nothing in the page and the other candidate
    /// declaration of the case was used.
    pub declaration_fallback: bool,
    /// Neither candidate declaration matched anything in the page: a source was read
    /// automatically, as tracking reads such a first capture.
    pub read_automatically: bool,
}

impl CaseResult {
    /// Compare an extraction (or its error) with the reference, keeping at most `max_differences`.
    fn scored(
        case: String,
        expected: &crate::textcompare::Comparable,
        actual: Result<&str, String>,
        declaration_fallback: bool,
        max_differences: usize,
    ) -> CaseResult {
        let reference_repeats_itself = repeats_itself(&expected.text);
        match actual {
            Ok(md) => {
                let actual = comparable(md);
                let cmp = compare(&expected.text, &actual.text);
                let similarity_repeats_collapsed = reference_repeats_itself
                    .then(|| compare(&collapse_repeats(&expected.text), &collapse_repeats(&actual.text)).similarity);
                CaseResult {
                    case,
                    identical: cmp.identical,
                    similarity: cmp.similarity,
                    links_identical: expected.links == actual.links,
                    error: None,
                    differences: if cmp.identical {
                        Vec::new()
                    } else {
                        differences(&expected.text, &actual.text, max_differences)
                    },
                    declaration_fallback,
                    read_automatically: false,
                    reference_repeats_itself,
                    similarity_repeats_collapsed,
                }
            }
            Err(error) => CaseResult {
                case,
                identical: false,
                similarity: 0.0,
                links_identical: false,
                error: Some(error),
                differences: Vec::new(),
                declaration_fallback,
                read_automatically: false,
                reference_repeats_itself,
                similarity_repeats_collapsed: None,
            },
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FidelityReport {
    pub mode: &'static str,
    pub cases: Vec<CaseResult>,
    pub total: usize,
    pub identical: usize,
    pub similar_099: usize,
    pub similar_090: usize,
    pub links_identical: usize,
    pub errors: usize,
    pub declaration_fallbacks: usize,
    /// Cases read automatically (neither declaration matched anything in the page).
    pub read_automatically: usize,
    pub mean_similarity: f64,
    pub references_repeating_themselves: usize,
    /// similarity >= 0.90 among cases whose reference does not repeat itself.
    pub similar_090_single_references: usize,
    pub single_references: usize,
    /// similarity >= 0.90 over all cases, a repeating reference taken with its repeats collapsed.
    pub similar_090_repeats_collapsed: usize,
}

fn pct(n: usize, d: usize) -> f64 {
    if d == 0 {
        0.0
    } else {
        100.0 * n as f64 / d as f64
    }
}

impl FidelityReport {
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        for c in &self.cases {
            let mark = if c.identical { "identical" } else { "differs" };
            out.push_str(&format!("{:.4} {mark:9} {}\n", c.similarity, c.case));
            if let Some(e) = &c.error {
                out.push_str(&format!("    error: {e}\n"));
            }
            if !c.identical && c.error.is_none() {
                let (limit, width) = if verbose { (usize::MAX, 2000) } else { (3, 160) };
                for d in c.differences.iter().take(limit) {
                    out.push_str(&format!(
                        "    after {:?}: missing {:?}, extra {:?}\n",
                        clip(&d.before, 80),
                        clip(&d.missing, width),
                        clip(&d.extra, width)
                    ));
                }
            }
        }
        let t = self.total;
        out.push_str(&format!("mode: {}\n", self.mode));
        out.push_str(&format!("cases: {t}\n"));
        out.push_str(&format!("identical: {}/{t} ({:.1}%)\n", self.identical, pct(self.identical, t)));
        out.push_str(&format!("similarity>=0.99: {}/{t} ({:.1}%)\n", self.similar_099, pct(self.similar_099, t)));
        out.push_str(&format!("similarity>=0.90: {}/{t} ({:.1}%)\n", self.similar_090, pct(self.similar_090, t)));
        out.push_str(&format!(
            "links_identical: {}/{t} ({:.1}%)\n",
            self.links_identical,
            pct(self.links_identical, t)
        ));
        out.push_str(&format!("mean_similarity: {:.4}\n", self.mean_similarity));
        out.push_str(&format!("errors: {}\n", self.errors));
        out.push_str(&format!("declaration_fallbacks: {}\n", self.declaration_fallbacks));
        out.push_str(&format!("read_automatically: {}\n", self.read_automatically));
        out.push_str(&format!("references_repeating_themselves: {}\n", self.references_repeating_themselves));
        let (n, d) = (self.similar_090_single_references, self.single_references);
        out.push_str(&format!("similarity>=0.90_single_references: {n}/{d} ({:.1}%)\n", pct(n, d)));
        let n = self.similar_090_repeats_collapsed;
        out.push_str(&format!("similarity>=0.90_repeats_collapsed: {n}/{t} ({:.1}%)\n", pct(n, t)));
        out
    }
}

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… (+{} bytes)", &s[..end], s.len() - end)
}

/// Every folder under `root` holding `expected.md` and `source.json`, sorted.
pub fn find_cases(root: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        if dir.join("expected.md").is_file() && dir.join("source.json").is_file() {
            out.push(dir);
            continue;
        }
        if depth >= 6 {
            continue;
        }
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push((entry.path(), depth + 1));
            }
        }
    }
    out.sort();
    Ok(out)
}

#[derive(Deserialize)]
struct SourceFile {
    #[serde(default)]
    order: usize,
    file: String,
    url: String,
    #[serde(default)]
    media_type: Option<String>,
}

#[derive(Deserialize, Default)]
struct Meta {
    #[serde(default)]
    recommended_declaration: Option<String>,
    /// The document's terms type (what an automatic extraction looks for on a page holding
    /// several documents).
    #[serde(default)]
    terms_type: Option<String>,
}

fn read_meta(dir: &Path) -> Meta {
    match read_limited(&dir.join("meta.json")) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        Err(_) => Meta::default(),
    }
}

fn read_limited(path: &Path) -> anyhow::Result<Vec<u8>> {
    let len = std::fs::metadata(path)?.len();
    anyhow::ensure!(len <= MAX_CASE_FILE, "{} is larger than {MAX_CASE_FILE} bytes", path.display());
    Ok(std::fs::read(path)?)
}

/// One case's extraction, and how it was reached.
pub struct CaseExtraction {
    pub markdown: String,
    /// The case's other candidate declaration was used (the recommended one matched nothing).
    pub declaration_fallback: bool,
    /// Sources read automatically, as tracking reads a first capture whose rule matches
    /// nothing in the page (0-based).
    pub automatic_sources: Vec<usize>,
}

/// Extract one case as tracking would: with its recommended declaration; when that
/// declaration's selectors match nothing in the page (the reference's rules changed in the
/// very commit, as technical upgrades do), with the case's other candidate declaration; when
/// neither matches, the way tracking reads a first capture whose rule matches nothing — the
/// source read automatically, kept only if it is titled as the terms type and long enough.
pub fn extract_case(dir: &Path, mode: RulesMode) -> anyhow::Result<CaseExtraction> {
    let meta = read_meta(dir);
    let terms_type = meta.terms_type.as_deref();
    let recommended = recommended_declaration(&meta)?;
    let as_declared =
        |markdown| CaseExtraction { markdown, declaration_fallback: false, automatic_sources: Vec::new() };
    // The recommended declaration's inputs are read once: its strict reading and, if that
    // matches nothing, its automatic reading both use them.
    let (rules, bodies) = case_inputs(dir, &recommended, mode)?;
    match extract_inputs(&rules, &bodies, terms_type, false) {
        Err(e) if is_selector_miss(&e) => {
            let other = if recommended == "declaration.json" { "declaration_git.json" } else { "declaration.json" };
            if dir.join(other).is_file() {
                if let Ok(ex) = extract_with(dir, other, terms_type, mode) {
                    return Ok(CaseExtraction { declaration_fallback: true, ..as_declared(ex.markdown) });
                }
            }
            let (Some(terms_type), Ok(ex)) = (terms_type, extract_inputs(&rules, &bodies, terms_type, true)) else {
                return Err(e);
            };
            if let Some(why) = first_reading_refusal(&rules, &bodies, terms_type, &ex.automatic_sources) {
                return Err(e.context(why));
            }
            Ok(CaseExtraction { automatic_sources: ex.automatic_sources, ..as_declared(ex.markdown) })
        }
        other => other.map(|ex| as_declared(ex.markdown)),
    }
}

/// Why a case's automatic reading of `automatic` sources is refused, by tracking's first-capture
/// check applied to each of them alone.
fn first_reading_refusal(
    rules: &DocumentRules,
    bodies: &CaseBodies,
    terms_type: &str,
    automatic: &[usize],
) -> Option<String> {
    automatic.iter().find_map(|&i| {
        let (Some(rule), Some((url, bytes, media_type))) = (rules.sources.get(i), bodies.get(i)) else {
            return Some(format!("source #{} read automatically is not in the case", i + 1));
        };
        let one = DocumentRules { sources: vec![rule.clone()] };
        let input = [SourceInput { url, bytes, content_type: media_type.as_deref() }];
        let why =
            match extract_document_in(&one, Some(terms_type), &input, &Mode { automatic: vec![0], fall_back: false }) {
                Ok(one) => crate::versioning::untitled_first_reading(terms_type, &one.markdown),
                Err(e) => Some(e.to_string()),
            };
        why.map(|why| format!("source #{} not read automatically: {why}", i + 1))
    })
}

fn is_selector_miss(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<clausewatch_extract::ExtractError>(),
        Some(clausewatch_extract::ExtractError::SelectorMatchedNothing { .. })
    )
}

fn recommended_declaration(meta: &Meta) -> anyhow::Result<String> {
    let decl_name = meta.recommended_declaration.clone().unwrap_or_else(|| "declaration.json".into());
    anyhow::ensure!(
        !decl_name.contains('/') && !decl_name.contains(".."),
        "meta.json names a declaration outside the case: {decl_name:?}"
    );
    Ok(decl_name)
}

/// A case's rules (from declaration `decl_name`, selectors set aside in automatic mode) and its
/// source files in the declaration's order: (URL, bytes, media type).
type CaseBodies = Vec<(String, Vec<u8>, Option<String>)>;

fn case_inputs(dir: &Path, decl_name: &str, mode: RulesMode) -> anyhow::Result<(DocumentRules, CaseBodies)> {
    let decl_text = String::from_utf8(read_limited(&dir.join(decl_name))?)?;
    let css = |s: &str| clausewatch_extract::check_css(s);
    let (rules, problems) = clausewatch_core::declaration::parse_document_declaration(
        decl_name,
        &decl_text,
        &css,
        clausewatch_extract::KNOWN_FILTERS,
    );
    let Some(mut rules) = rules else {
        let reasons: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        anyhow::bail!("declaration rejected: {}", reasons.join("; "));
    };
    let mut sources: Vec<SourceFile> = serde_json::from_slice(&read_limited(&dir.join("source.json"))?)?;
    sources.sort_by_key(|s| s.order);
    anyhow::ensure!(
        sources.len() == rules.sources.len(),
        "{} sources captured but the declaration has {}",
        sources.len(),
        rules.sources.len()
    );
    // Pair captures with declared sources by URL where they match, else by position.
    let ordered = order_by_declaration(&rules, sources);
    if mode == RulesMode::Automatic {
        rules = DocumentRules {
            sources: rules
                .sources
                .into_iter()
                .map(|s| SourceRules { select: Vec::new(), remove: Vec::new(), ..s })
                .collect(),
        };
    }
    let mut bodies = Vec::with_capacity(ordered.len());
    for s in ordered {
        anyhow::ensure!(!s.file.contains('/') && !s.file.contains(".."), "source.json names a file outside the case");
        bodies.push((s.url, read_limited(&dir.join(&s.file))?, s.media_type));
    }
    Ok((rules, bodies))
}

/// Extract a case with declaration `decl_name`, strictly.
fn extract_with(dir: &Path, decl_name: &str, terms_type: Option<&str>, mode: RulesMode) -> anyhow::Result<Extracted> {
    let (rules, bodies) = case_inputs(dir, decl_name, mode)?;
    extract_inputs(&rules, &bodies, terms_type, false)
}

/// Extract read inputs; with `fall_back`, a source whose selectors match nothing is read
/// automatically (see [`Mode`]).
fn extract_inputs(
    rules: &DocumentRules,
    bodies: &CaseBodies,
    terms_type: Option<&str>,
    fall_back: bool,
) -> anyhow::Result<Extracted> {
    let inputs: Vec<SourceInput<'_>> =
        bodies.iter().map(|(url, b, t)| SourceInput { url, bytes: b, content_type: t.as_deref() }).collect();
    Ok(extract_document_in(rules, terms_type, &inputs, &Mode { automatic: Vec::new(), fall_back })?)
}

fn order_by_declaration(rules: &DocumentRules, mut sources: Vec<SourceFile>) -> Vec<SourceFile> {
    let mut out = Vec::with_capacity(sources.len());
    for declared in &rules.sources {
        if let Some(i) = sources.iter().position(|s| s.url == declared.url) {
            out.push(sources.remove(i));
        } else {
            out.push(sources.remove(0));
        }
    }
    out
}

/// Whether much of the text occurs twice in it: fewer than 3 in 4 of its 8-word sequences are
/// distinct (real documents sit above 0.9).
fn repeats_itself(text: &str) -> bool {
    let words: Vec<&str> = text.split(' ').collect();
    if words.len() < 200 {
        return false;
    }
    let grams: Vec<&[&str]> = words.windows(8).collect();
    let distinct: std::collections::HashSet<&[&str]> = grams.iter().copied().collect();
    distinct.len() * 4 < grams.len() * 3
}

/// The text with every run of words it already holds dropped: a passage repeated (a `select`
/// matching nested elements) is kept once. A word is dropped when the 8 words starting at it
/// were already seen, so a repeat leaves at most a 7-word seam.
fn collapse_repeats(text: &str) -> String {
    const N: usize = 8;
    let words: Vec<&str> = text.split(' ').collect();
    let mut seen: std::collections::HashSet<&[&str]> = std::collections::HashSet::new();
    let mut kept: Vec<&str> = Vec::with_capacity(words.len());
    for i in 0..words.len() {
        match words.get(i..i + N) {
            Some(gram) if !seen.insert(gram) => {}
            _ => kept.push(words[i]),
        }
    }
    kept.join(" ")
}

fn similar_090_repeats_collapsed(cases: &[CaseResult]) -> usize {
    cases.iter().filter(|c| c.similarity_repeats_collapsed.unwrap_or(c.similarity) >= 0.90).count()
}

pub struct Options {
    pub mode: RulesMode,
    /// Only cases whose relative path contains this.
    pub only: Option<String>,
    /// Where to write each case's extraction.
    pub dump: Option<PathBuf>,
}

pub fn run(root: &Path, options: &Options) -> anyhow::Result<FidelityReport> {
    let mode = options.mode;
    let dirs = find_cases(root)?;
    let mut cases = Vec::with_capacity(dirs.len());
    for dir in &dirs {
        let name = dir.strip_prefix(root).unwrap_or(dir).display().to_string();
        if options.only.as_ref().is_some_and(|o| !name.contains(o.as_str())) {
            continue;
        }
        let expected = comparable(&String::from_utf8_lossy(&read_limited(&dir.join("expected.md"))?));
        let result = match extract_case(dir, mode) {
            Ok(ex) => {
                if let Some(dump) = &options.dump {
                    let to = dump.join(&name);
                    std::fs::create_dir_all(&to)?;
                    std::fs::write(to.join("actual.md"), &ex.markdown)?;
                }
                let mut result = CaseResult::scored(name, &expected, Ok(&ex.markdown), ex.declaration_fallback, 50);
                result.read_automatically = !ex.automatic_sources.is_empty();
                result
            }
            Err(e) => CaseResult::scored(name, &expected, Err(format!("{e:#}")), false, 50),
        };
        cases.push(result);
    }
    let total = cases.len();
    let mean = if total == 0 { 0.0 } else { cases.iter().map(|c| c.similarity).sum::<f64>() / total as f64 };
    Ok(FidelityReport {
        mode: match mode {
            RulesMode::Declared => "declared-rules",
            RulesMode::Automatic => "automatic-main-content",
        },
        total,
        identical: cases.iter().filter(|c| c.identical).count(),
        similar_099: cases.iter().filter(|c| c.similarity >= 0.99).count(),
        similar_090: cases.iter().filter(|c| c.similarity >= 0.90).count(),
        links_identical: cases.iter().filter(|c| c.links_identical).count(),
        errors: cases.iter().filter(|c| c.error.is_some()).count(),
        declaration_fallbacks: cases.iter().filter(|c| c.declaration_fallback).count(),
        read_automatically: cases.iter().filter(|c| c.read_automatically).count(),
        references_repeating_themselves: cases.iter().filter(|c| c.reference_repeats_itself).count(),
        similar_090_single_references: cases
            .iter()
            .filter(|c| !c.reference_repeats_itself && c.similarity >= 0.90)
            .count(),
        single_references: cases.iter().filter(|c| !c.reference_repeats_itself).count(),
        similar_090_repeats_collapsed: similar_090_repeats_collapsed(&cases),
        mean_similarity: mean,
        cases,
    })
}

/// Automatic main content on the latest page of every document of the replay states: the
/// reference is our extraction with the declared rules, the candidate the same pages with no
/// select or remove rule.
#[derive(Debug, Serialize)]
pub struct ReplayMainContent {
    pub state: String,
    pub cases: Vec<CaseResult>,
    pub total: usize,
    pub similar_090: usize,
    /// References (declared extractions) holding much of their text twice (nested `select`
    /// matches), and the score without them.
    pub references_repeating_themselves: usize,
    pub similar_090_single_references: usize,
    /// See [`FidelityReport::similar_090_repeats_collapsed`].
    pub similar_090_repeats_collapsed: usize,
    /// Documents whose declared extraction fails on that page (no reference) or whose sources
    /// are not all in the state.
    pub skipped: usize,
}

impl ReplayMainContent {
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.cases {
            out.push_str(&format!("{:.4} {}\n", c.similarity, c.case));
            for d in c.differences.iter().take(2) {
                out.push_str(&format!(
                    "    after {:?}: missing {:?}, extra {:?}\n",
                    clip(&d.before, 80),
                    clip(&d.missing, 160),
                    clip(&d.extra, 160)
                ));
            }
        }
        let (n, d) = (self.similar_090, self.total);
        out.push_str(&format!("state: {}\n", self.state));
        out.push_str(&format!("documents: {d}\n"));
        out.push_str(&format!("skipped: {}\n", self.skipped));
        out.push_str(&format!("similarity>=0.90: {n}/{d} ({:.1}%)\n", pct(n, d)));
        out.push_str(&format!("references_repeating_themselves: {}\n", self.references_repeating_themselves));
        let (n, d) = (self.similar_090_single_references, d - self.references_repeating_themselves);
        out.push_str(&format!("similarity>=0.90_single_references: {n}/{d} ({:.1}%)\n", pct(n, d)));
        let (n, d) = (self.similar_090_repeats_collapsed, self.total);
        out.push_str(&format!("similarity>=0.90_repeats_collapsed: {n}/{d} ({:.1}%)\n", pct(n, d)));
        out
    }
}

pub fn run_replay_main_content(shared: &Path) -> anyhow::Result<ReplayMainContent> {
    let states = crate::replay::state_dates(shared)?;
    let state = states.last().cloned().ok_or_else(|| anyhow::anyhow!("no replay states in {}", shared.display()))?;
    let crate::replay::ReplayState { dir, urls, media } = crate::replay::load_state(shared, &state)?;
    let at = clausewatch_core::declaration::parse_instant(&state)
        .ok_or_else(|| anyhow::anyhow!("state folder {state} is not a date"))?;
    let load = crate::catalog::load(&shared.join(crate::replay::GENAI_DECLARATIONS))?;
    let mut cases = Vec::new();
    let mut skipped = 0;
    for (_, platform) in &load.platforms {
        for (terms_type, doc) in &platform.documents {
            if !doc.in_force(at) {
                continue;
            }
            let rules = doc.rules_at(at).clone();
            let files: Option<Vec<&String>> = rules.sources.iter().map(|s| urls.get(&s.url)).collect();
            let Some(files) = files else {
                skipped += 1;
                continue;
            };
            let mut bodies = Vec::new();
            for f in &files {
                anyhow::ensure!(!f.contains(".."), "urls.json names a file outside the state: {f}");
                bodies.push(read_limited(&dir.join(f))?);
            }
            let inputs: Vec<SourceInput<'_>> = rules
                .sources
                .iter()
                .zip(&files)
                .zip(&bodies)
                .map(|((s, f), b)| SourceInput {
                    url: &s.url,
                    bytes: b,
                    content_type: media.get(*f).map(String::as_str),
                })
                .collect();
            let Ok(reference) = extract_document(&rules, Some(terms_type), &inputs) else {
                skipped += 1;
                continue;
            };
            let automatic_rules = DocumentRules {
                sources: rules
                    .sources
                    .iter()
                    .map(|s| SourceRules { select: Vec::new(), remove: Vec::new(), ..s.clone() })
                    .collect(),
            };
            let name = format!("{} / {terms_type}", platform.name);
            let expected = comparable(&reference.markdown);
            let result = match extract_document(&automatic_rules, Some(terms_type), &inputs) {
                Ok(auto) => CaseResult::scored(name, &expected, Ok(&auto.markdown), false, 5),
                Err(e) => CaseResult::scored(name, &expected, Err(e.to_string()), false, 5),
            };
            cases.push(result);
        }
    }
    cases.sort_by(|a, b| a.case.cmp(&b.case));
    Ok(ReplayMainContent {
        state,
        total: cases.len(),
        similar_090: cases.iter().filter(|c| c.similarity >= 0.90).count(),
        references_repeating_themselves: cases.iter().filter(|c| c.reference_repeats_itself).count(),
        similar_090_single_references: cases
            .iter()
            .filter(|c| !c.reference_repeats_itself && c.similarity >= 0.90)
            .count(),
        similar_090_repeats_collapsed: similar_090_repeats_collapsed(&cases),
        skipped,
        cases,
    })
}
