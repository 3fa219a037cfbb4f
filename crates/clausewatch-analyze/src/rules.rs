//! Transparent detection rules (`data/rules.toml`), compiled once and validated against the
//! taxonomy at load.

use std::sync::OnceLock;

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

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub provision: String,
    pub confidence: f32,
    any: Vec<Regex>,
    all: Vec<Regex>,
    not: Vec<Regex>,
}

impl Rule {
    /// Whether the rule fires on a clause's canonical text; the span of the first `any` match.
    pub fn matches(&self, canonical: &str) -> Option<(usize, usize)> {
        let text = truncate(canonical).as_bytes();
        let m = self.any.iter().find_map(|r| r.find(text))?;
        if !self.all.iter().all(|r| r.is_match(text)) || self.not.iter().any(|r| r.is_match(text)) {
            return None;
        }
        Some((m.start(), m.end()))
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

/// Each rule keeps its own regexes: their literal prefilters skip most clauses, and a combined
/// automaton (tried: `RegexSet` over all `any` patterns) builds far more lazy-DFA states on
/// text it has not seen, which is every new document.
#[derive(Debug)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
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
            let c = |v: &[String]| v.iter().map(|p| compile(p, &r.id)).collect::<Result<Vec<_>, _>>();
            rules.push(Rule {
                any: c(&r.any)?,
                all: c(&r.all)?,
                not: c(&r.not)?,
                id: r.id,
                provision: r.provision,
                confidence: r.confidence,
            });
        }
        Ok(RuleSet { rules })
    }

    /// Rules that fire on one clause (canonical text), with the span that triggered each.
    pub fn fire<'a>(&'a self, canonical: &str) -> Vec<(&'a Rule, (usize, usize))> {
        self.rules.iter().filter_map(|r| r.matches(canonical).map(|m| (r, m))).collect()
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
}
