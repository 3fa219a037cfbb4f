//! Transparent detection rules (`data/rules.toml`), compiled once and validated against the
//! taxonomy at load.

use std::collections::HashMap;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor};

// Byte regexes with Unicode classes off: canonical text is lower-case tokens and spaces, so
// ASCII `\b` and `\w` are what the rules mean, and they keep matching on the fast DFA.
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::taxonomy::{taxonomy, Taxonomy};

const RULES_TOML: &str = include_str!("../data/rules.toml");
/// Compiled size limit per pattern: a rule can be slow to write, never slow to run.
const MAX_REGEX_BYTES: usize = 1 << 20;
/// Clauses longer than this are matched on their first part only (bounded time per clause).
pub const MAX_CLAUSE_CHARS: usize = 4_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RuleSpec>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    provision: String,
    any: Vec<String>,
    #[serde(default)]
    all: Vec<String>,
    #[serde(default)]
    not: Vec<String>,
    confidence: f32,
}

/// A compiled pattern and its number in the rule set's prefilter.
#[derive(Debug)]
struct Pattern {
    regex: Regex,
    id: usize,
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub provision: String,
    pub confidence: f32,
    any: Vec<Pattern>,
    all: Vec<Pattern>,
    not: Vec<Pattern>,
}

impl Rule {
    /// Whether the rule fires on a clause's canonical text; the span of the first `any` match.
    pub fn matches(&self, canonical: &str) -> Option<(usize, usize)> {
        self.matches_candidates(truncate(canonical).as_bytes(), &|_| true)
    }

    /// As `matches`, running only the patterns `may_match` allows: a pattern it rules out
    /// cannot match the text.
    fn matches_candidates(&self, text: &[u8], may_match: &dyn Fn(usize) -> bool) -> Option<(usize, usize)> {
        let runs = |p: &Pattern| may_match(p.id);
        let m = self.any.iter().filter(|p| runs(p)).find_map(|p| p.regex.find(text))?;
        if !self.all.iter().all(|p| runs(p) && p.regex.is_match(text))
            || self.not.iter().any(|p| runs(p) && p.regex.is_match(text))
        {
            return None;
        }
        Some((m.start(), m.end()))
    }
}

/// Every match of a pattern begins with one of its prefix literals. One Aho-Corasick pass over a
/// clause finds the literals present, so only the patterns that could match are run (most
/// patterns of most rules cannot, and each would otherwise scan the clause on its own).
#[derive(Debug)]
struct Prefilter {
    automaton: AhoCorasick,
    /// Literal number -> the patterns it starts.
    owners: Vec<Vec<usize>>,
    /// Patterns without a finite set of non-empty prefix literals: always run.
    always: Vec<usize>,
    patterns: usize,
}

/// Longest literal and most literals taken per pattern (past these, the pattern always runs).
const PREFIX_LITERAL_LEN: usize = 12;
const PREFIX_LITERALS_PER_PATTERN: usize = 300;

/// The prefix literals of a pattern compiled as `compile` does, or None if it has none usable.
fn prefix_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new().unicode(false).utf8(false).build().parse(pattern).ok()?;
    let seq = Extractor::new()
        .kind(ExtractKind::Prefix)
        .limit_literal_len(PREFIX_LITERAL_LEN)
        .limit_total(PREFIX_LITERALS_PER_PATTERN)
        .extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    Some(literals.iter().map(|l| l.as_bytes().to_vec()).collect())
}

impl Prefilter {
    fn build(patterns: &[&str]) -> Result<Prefilter, String> {
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (id, pattern) in patterns.iter().enumerate() {
            match prefix_literals(pattern) {
                Some(lits) => {
                    for lit in lits {
                        let n = *index.entry(lit.clone()).or_insert_with(|| {
                            literals.push(lit);
                            owners.push(Vec::new());
                            literals.len() - 1
                        });
                        if owners[n].last() != Some(&id) {
                            owners[n].push(id);
                        }
                    }
                }
                None => always.push(id),
            }
        }
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .map_err(|e| format!("rules: prefilter: {e}"))?;
        Ok(Prefilter { automaton, owners, always, patterns: patterns.len() })
    }

    /// Which patterns may match `text`.
    fn candidates(&self, text: &[u8]) -> Vec<bool> {
        let mut may = vec![false; self.patterns];
        for &id in &self.always {
            may[id] = true;
        }
        for m in self.automaton.find_overlapping_iter(text) {
            for &id in &self.owners[m.pattern().as_usize()] {
                may[id] = true;
            }
        }
        may
    }
}

fn truncate(s: &str) -> &str {
    if s.len() <= MAX_CLAUSE_CHARS {
        return s;
    }
    let mut end = MAX_CLAUSE_CHARS;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Each rule keeps its own regexes, and one Aho-Corasick pass over the prefix literals of all
/// of them picks the few a clause could match. A combined automaton (tried: `RegexSet` over all
/// `any` patterns) builds far more lazy-DFA states on text it has not seen, which is every new
/// document.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    prefilter: Prefilter,
}

fn compile(pattern: &str, rule: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(MAX_REGEX_BYTES)
        .build()
        .map_err(|e| format!("rules: rule {rule:?}: pattern {pattern:?}: {e}"))
}

impl RuleSet {
    pub fn parse(toml_text: &str, taxonomy: &Taxonomy) -> Result<RuleSet, String> {
        let file: RuleFile = toml::from_str(toml_text).map_err(|e| format!("rules: {e}"))?;
        let mut rules = Vec::new();
        let mut sources: Vec<String> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for r in file.rule {
            if !seen.insert(r.id.clone()) {
                return Err(format!("rules: duplicate rule id {:?}", r.id));
            }
            if taxonomy.get(&r.provision).is_none() {
                return Err(format!("rules: rule {:?} names unknown provision {:?}", r.id, r.provision));
            }
            if r.any.is_empty() {
                return Err(format!("rules: rule {:?} has no `any` pattern", r.id));
            }
            if !(0.0..=1.0).contains(&r.confidence) {
                return Err(format!("rules: rule {:?} confidence must be 0–1", r.id));
            }
            let mut c = |v: &[String]| {
                v.iter()
                    .map(|p| {
                        sources.push(p.clone());
                        Ok(Pattern { regex: compile(p, &r.id)?, id: sources.len() - 1 })
                    })
                    .collect::<Result<Vec<_>, String>>()
            };
            let (any, all, not) = (c(&r.any)?, c(&r.all)?, c(&r.not)?);
            rules.push(Rule { any, all, not, id: r.id, provision: r.provision, confidence: r.confidence });
        }
        let prefilter = Prefilter::build(&sources.iter().map(String::as_str).collect::<Vec<_>>())?;
        Ok(RuleSet { rules, prefilter })
    }

    /// Rules that fire on one clause (canonical text), with the span that triggered each.
    pub fn fire<'a>(&'a self, canonical: &str) -> Vec<(&'a Rule, (usize, usize))> {
        let text = truncate(canonical).as_bytes();
        let may = self.prefilter.candidates(text);
        let may_match = |id: usize| may[id];
        self.rules.iter().filter_map(|r| r.matches_candidates(text, &may_match).map(|m| (r, m))).collect()
    }
}

/// The compiled-in rule set (validated by a unit test).
pub fn rules() -> &'static RuleSet {
    static R: OnceLock<RuleSet> = OnceLock::new();
    R.get_or_init(|| RuleSet::parse(RULES_TOML, taxonomy()).expect("compiled-in rules are validated by tests"))
}

/// A short fingerprint of the rule file, recorded with every analysis.
pub fn rules_hash() -> String {
    blake3::hash(RULES_TOML.as_bytes()).to_hex()[..12].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::canonical;

    #[test]
    fn compiled_in_rules_are_valid() {
        let r = RuleSet::parse(RULES_TOML, taxonomy()).unwrap();
        let covered: std::collections::HashSet<&str> = r.rules.iter().map(|r| r.provision.as_str()).collect();
        assert_eq!(covered.len(), 67, "every provision has at least one rule");
    }

    #[test]
    fn bad_rules_are_refused() {
        let t = taxonomy();
        let bad = "[[rule]]\nid='x'\nprovision='nope'\nany=['a']\nconfidence=0.5\n";
        assert!(RuleSet::parse(bad, t).unwrap_err().contains("unknown provision"));
        let bad = "[[rule]]\nid='x'\nprovision='governing_law'\nany=['(']\nconfidence=0.5\n";
        assert!(RuleSet::parse(bad, t).unwrap_err().contains("pattern"));
        let bad = "[[rule]]\nid='x'\nprovision='governing_law'\nany=['a{1000}{1000}{1000}']\nconfidence=0.5\n";
        assert!(RuleSet::parse(bad, t).is_err(), "oversized pattern");
    }

    fn fired(text: &str) -> Vec<String> {
        rules().fire(&canonical(text)).into_iter().map(|(r, _)| r.provision.clone()).collect()
    }

    #[test]
    fn negation_and_scope() {
        assert!(
            fired("These Terms are governed by the laws of the State of California.").contains(&"governing_law".into())
        );
        assert!(fired("All fees are non-refundable.").contains(&"no_refund_policy".into()));
        assert!(!fired("All fees are non-refundable.").contains(&"refund_window".into()));
        let s = "Nothing in these Terms limits our liability for death or personal injury caused by negligence.";
        assert!(!fired(s).contains(&"liability_cap".into()));
        assert!(!fired("You may terminate your account at any time.")
            .contains(&"termination_at_provider_discretion".into()));
        assert!(fired("You may terminate your account at any time.").contains(&"user_right_to_terminate".into()));
        assert!(fired("We may suspend or terminate your account at any time for any reason.")
            .contains(&"termination_at_provider_discretion".into()));
    }

    /// The prefilter only skips patterns that cannot match: on real documents' clauses, and on
    /// text made of the patterns' own literals, every rule fires exactly where running all of
    /// its patterns says it does.
    #[test]
    fn the_prefilter_never_changes_what_fires() {
        let set = rules();
        let mut clauses: Vec<String> = Vec::new();
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        for entry in std::fs::read_dir(&fixtures).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            clauses.extend(crate::segment::clauses(&text).iter().map(|c| canonical(&c.text)));
        }
        // Dense text: each pattern's literals run together, so many patterns are candidates.
        let file: RuleFile = toml::from_str(RULES_TOML).unwrap();
        for pattern in file.rule.iter().flat_map(|r| r.any.iter().chain(&r.all).chain(&r.not)) {
            if let Some(lits) = prefix_literals(pattern) {
                let joined: Vec<String> =
                    lits.iter().take(20).map(|l| String::from_utf8_lossy(l).into_owned()).collect();
                clauses.push(canonical(&format!("we may {} your account at any time", joined.join(" "))));
            }
        }
        assert!(clauses.len() > 1000, "{} clauses", clauses.len());
        let mut fired_somewhere = 0;
        for c in &clauses {
            let filtered: Vec<(&str, (usize, usize))> =
                set.fire(c).into_iter().map(|(r, m)| (r.id.as_str(), m)).collect();
            let all: Vec<(&str, (usize, usize))> =
                set.rules.iter().filter_map(|r| r.matches(c).map(|m| (r.id.as_str(), m))).collect();
            assert_eq!(filtered, all, "{c}");
            fired_somewhere += usize::from(!all.is_empty());
        }
        assert!(fired_somewhere > 300, "{fired_somewhere}");
        assert!(set.prefilter.always.len() * 4 < set.prefilter.patterns, "most patterns have prefix literals");
    }
}
