//! One version's analysis: findings (provision, stance, quote, section, offsets, attributes,
//! confidence, what found it) and the themed summary built from them.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::attributes::{self, Attribute};
use crate::model::LinearModel;
use crate::segment::{self, Anchor};
use crate::summary::{self, Summary};
use crate::taxonomy::taxonomy;
use crate::{rules, text, unfair};

/// Bumped when the analysis logic changes in a way the rule and model hashes do not show
/// (2: change significance reads capture artefacts, page furniture and earlier captures;
/// 3: examples set aside, contact details, items added to or removed from rules;
/// 4: link-card text and table-of-contents entries are page furniture, places inside postal addresses are contact details,
/// list items hang from a forbidding lead-in clause;
/// 5: pointers to help pages ("more information can be found on …") are cross-references, and a
/// clause reworded across the line between two kinds of text is read as one rewrite;
/// 6: a sentence may end inside a quotation or a bracket: `inform.” This` is two clauses;
/// 7: a sentence may end inside a link's text (`[our policy.](…) Next`); changes are compared
/// with the earlier versions of the last 60 days, not only the last 8; a street named after a
/// place is an address; reasons quote the clause of the changed number; a label of a few words
/// states no provision added or removed;
/// 8: another document joining the capture is the tracked scope changing; words inserted in
/// several clauses are no rename; an item a word or two after "or" / "and" is an enumeration's;
/// HTML entities left in the text are no words; a bold short question and a breadcrumb trail
/// are page furniture; a reported figure ("Average response time: 1.1 days") is no term; "No 2" is a
/// number;
/// 9: help topics, language switchers and glued menus are page furniture; clauses moved with
/// their renumbered section cancel; a figure written in groups reaches its unit; scope headings
/// are rule headings;
/// 10: a run of clauses one side holds once more (a repeated section) is a copy, not a change;
/// a heading that held whole sentences, demoted, is formatting; a word leaving or joining a
/// product name ("Apple Business Manager" → "Apple Business") is a rename; changelog notes
/// ("The most recent update to …") are update notices);
/// 11: a block that names itself by a title line over a date line of its own joined the capture;
/// a helpline directory's countries are contacts; a section in another language is a translation;
/// a page stating none of the document's provisions in its place is another page; a lead-in label
/// ("Recommender Systems:") states no provision;
/// 12: a link target with parentheses inside is skipped whole; pages joining a capture of several
/// pages are the tracked scope; the same page captured for another document of the platform at
/// the same time is a common page; a note on language versions ("the English version shall
/// prevail") grants nothing, nor does a point of contact for authorities; a word a rule holds
/// inside another ("defraud") is no new item; a clause reporting statistics ("Average time to
/// process complaints: 4.18 days") states no term;
/// 13: error pages in German, French, Spanish and Italian; a sentence repeated right after itself
/// is a copy; lists a capture dropped under their lead-in coming back as an earlier capture held
/// them are a repaired capture; a numbered item's label does not end its lead-in's list; short
/// labels between a help widget's lines are the widget's; the document's version for other
/// users joining the capture is the tracked scope; "for example" is function words (as "e.g."
/// was), and "never been easier" compares, it promises nothing.
pub const ANALYZER_LOGIC: &str = "13";
const MODEL_BYTES: &[u8] = include_bytes!("../data/unfair-tos.model");
/// Documents longer than this are analysed on their first part only (bounded time).
pub const MAX_ANALYSED_BYTES: usize = 8 << 20;

/// The shipped UNFAIR-ToS model, or None if it fails to load (analysis then runs on rules alone
/// and says so in `Analysis::warnings`).
pub fn model() -> Option<&'static LinearModel> {
    static M: OnceLock<Option<LinearModel>> = OnceLock::new();
    M.get_or_init(|| LinearModel::from_bytes(MODEL_BYTES).ok()).as_ref()
}

pub fn model_hash() -> String {
    blake3::hash(MODEL_BYTES).to_hex()[..12].to_string()
}

/// Names the analyser exactly: logic, rule file and model. Stored with every analysis, so a
/// re-run only redoes versions analysed by another analyser.
pub fn analyzer_version() -> String {
    format!("{ANALYZER_LOGIC}+rules.{}+model.{}", rules::rules_hash(), model_hash())
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub provision: String,
    pub name: String,
    pub category: String,
    pub stance: String,
    pub risk: String,
    pub quote: String,
    /// Section heading path joined with " › " (empty for a preamble).
    pub section: String,
    pub anchor: Anchor,
    pub attributes: Vec<Attribute>,
    pub confidence: f32,
    /// The rules (`rule:<id>`) and model labels (`model:unfair-tos/<label>`) that found it.
    pub found_by: Vec<String>,
    pub mappings: Vec<MappingNote>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MappingNote {
    pub framework: String,
    pub framework_name: String,
    pub reference: String,
    pub verify: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub analyzer: String,
    pub taxonomy_version: String,
    pub clauses: usize,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub warnings: Vec<String>,
    /// Where each finding of the previous version stands in this one (empty for a first
    /// version): found again, reworded, or lost — a lost finding is flagged for review.
    #[serde(default)]
    pub continuity: Vec<Continuity>,
    /// The change from the previous version: significance and structured summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<crate::change::ChangeSummary>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Continuity {
    pub provision: String,
    pub previous_quote: String,
    pub previous_anchor: Anchor,
    #[serde(flatten)]
    pub status: segment::Reanchor,
    /// The clause it now maps to (offsets in this version), when found or edited.
    pub anchor: Option<Anchor>,
    /// Whether this version still has a finding of the same provision on that clause.
    pub still_found: bool,
}

/// Below this similarity a reworded clause is not the same clause any more.
pub const REANCHOR_MIN_SIMILARITY: f64 = 0.6;

/// Analyses a version and re-anchors the previous version's findings in it.
pub fn analyze_with_previous(markdown: &str, subject: &str, previous: Option<&Analysis>) -> Analysis {
    // The clauses the analysis itself segmented (of the same bounded prefix), not a second pass.
    let (mut a, clauses, canonical) = analyze_into_clauses(markdown, subject);
    let Some(prev) = previous else { return a };
    let index = segment::AnchorIndex::with_canonical(&clauses, &canonical);
    let mut seen = std::collections::HashSet::new();
    for f in &prev.findings {
        // One entry per (provision, quote): a quote found by two rules is one provision claim.
        if !seen.insert((f.provision.clone(), f.anchor.quote_hash.clone())) {
            continue;
        }
        let status = index.find(&f.anchor, &f.quote, REANCHOR_MIN_SIMILARITY);
        let anchor = match &status {
            segment::Reanchor::Found { clause, .. } | segment::Reanchor::Edited { clause, .. } => {
                Some(clauses[*clause].anchor())
            }
            segment::Reanchor::Lost => None,
        };
        let still_found = anchor
            .as_ref()
            .is_some_and(|an| a.findings.iter().any(|g| g.provision == f.provision && g.anchor.start == an.start));
        a.continuity.push(Continuity {
            provision: f.provision.clone(),
            previous_quote: f.quote.clone(),
            previous_anchor: f.anchor.clone(),
            status,
            anchor,
            still_found,
        });
    }
    a
}

/// Words one of which a clause must contain before the model alone may put a label on it:
/// the model reads n-grams, and a sentence with none of these words is its false positive.
const LABEL_GATES: [&[&str]; 8] = [
    &["liab", "damage", "loss", "responsib", "warrant", "guarantee", "risk"],
    &[
        "suspend",
        "suspension",
        "terminat",
        "disabl",
        "deactivat",
        "discontinu",
        "withdraw",
        "cancel",
        "close",
        "block",
        "restrict",
        "revoke",
        "ban",
    ],
    &["chang", "modif", "amend", "updat", "revis"],
    &["remov", "delet", "disabl", "refus", "block", "edit", "take down"],
    &["agree", "accept", "consent", "bound", "acknowledg"],
    &["law", "govern"],
    &["court", "jurisdiction", "venue", "forum", "tribunal"],
    &["arbitra"],
];

/// Which provision a model label stands for when no rule names a more specific one.
fn default_provision(label: usize, clause_lower: &str) -> &'static str {
    match label {
        0 if attributes::facts(clause_lower).iter().any(|f| f.kind == "amount") => "liability_cap",
        0 => "consequential_damages_exclusion",
        1 => "termination_at_provider_discretion",
        2 if clause_lower.contains("notice") && !clause_lower.contains("without notice") => {
            "change_with_advance_notice"
        }
        2 => "unilateral_change_without_notice",
        3 => "content_removal_at_discretion",
        4 => "acceptance_by_continued_use",
        5 => "governing_law",
        6 => "exclusive_forum_jurisdiction",
        _ => "binding_individual_arbitration",
    }
}

/// Analyses one version's Markdown. `subject` names the provider in the summary ("OpenAI").
pub fn analyze(markdown: &str, subject: &str) -> Analysis {
    analyze_into_clauses(markdown, subject).0
}

/// The analysis, the clauses it read and their canonical texts.
fn analyze_into_clauses(markdown: &str, subject: &str) -> (Analysis, Vec<segment::Clause>, Vec<String>) {
    let mut warnings = Vec::new();
    let md = if markdown.len() > MAX_ANALYSED_BYTES {
        let mut end = MAX_ANALYSED_BYTES;
        while !markdown.is_char_boundary(end) {
            end -= 1;
        }
        warnings
            .push(format!("document is larger than {} MB: only its first part was analysed", MAX_ANALYSED_BYTES >> 20));
        &markdown[..end]
    } else {
        markdown
    };
    let model = model();
    if model.is_none() {
        warnings.push("the UNFAIR-ToS model did not load: findings come from rules alone".into());
    }
    let tax = taxonomy();
    let clauses = segment::clauses(md);
    let canonicals: Vec<String> = clauses.iter().map(|c| text::canonical(&c.text)).collect();
    let mut findings: Vec<Finding> = Vec::new();
    for (clause, canonical) in clauses.iter().zip(&canonicals) {
        if canonical.len() < 12 {
            continue;
        }
        // Headings give context: "Governing law" over a bare "California." clause.
        let fired = rules::rules().fire(canonical);
        let fired_ids: Vec<String> = fired.iter().map(|(r, _)| r.id.clone()).collect();
        let labels: Vec<usize> =
            model.map(|m| unfair::predict_labels_canonical(m, canonical, &fired_ids)).unwrap_or_default();
        let mut here: Vec<(String, f32, Vec<String>)> = Vec::new();
        for (rule, _) in &fired {
            let Some(p) = tax.get(&rule.provision) else { continue };
            let mut confidence = rule.confidence;
            let mut by = vec![format!("rule:{}", rule.id)];
            if let (Some(m), Some(l)) = (model, p.unfair_tos_label) {
                if labels.contains(&l) {
                    confidence = confidence.max(0.9);
                    by.push(format!("model:unfair-tos/{}", m.header.labels[l]));
                }
            }
            match here.iter_mut().find(|h| h.0 == rule.provision) {
                Some(h) => {
                    h.1 = h.1.max(confidence);
                    for b in by {
                        if !h.2.contains(&b) {
                            h.2.push(b);
                        }
                    }
                }
                None => here.push((rule.provision.clone(), confidence, by)),
            }
        }
        if let Some(m) = model {
            let lower = clause.text.to_lowercase();
            for &l in &labels {
                let covered = here.iter().any(|h| tax.get(&h.0).and_then(|p| p.unfair_tos_label) == Some(l));
                let mut gated = LABEL_GATES.get(l).is_some_and(|words| words.iter().any(|w| lower.contains(w)));
                // The user ending the contract is not the provider's termination right.
                if l == 1 && (lower.contains("you can") || lower.contains("you may")) && !lower.contains("we ") {
                    gated = false;
                }
                if !covered && gated {
                    let id = default_provision(l, &lower);
                    here.push((id.to_string(), 0.6, vec![format!("model:unfair-tos/{}", m.header.labels[l])]));
                }
            }
        }
        let facts = if here.is_empty() { Vec::new() } else { attributes::facts(&clause.text) };
        for (id, confidence, found_by) in here {
            let Some(p) = tax.get(&id) else { continue };
            let attrs = attributes::for_provision_with(p, &clause.text, &facts);
            findings.push(Finding {
                provision: p.id.clone(),
                name: p.name.clone(),
                category: p.category.clone(),
                stance: p.stance.clone(),
                risk: p.risk.clone(),
                quote: clause.text.clone(),
                section: clause.section_label(),
                anchor: clause.anchor(),
                attributes: attrs,
                confidence,
                found_by,
                mappings: p
                    .mappings
                    .iter()
                    .map(|m| MappingNote {
                        framework: m.framework.clone(),
                        framework_name: tax.framework_name(&m.framework).to_string(),
                        reference: m.reference.clone(),
                        verify: m.verify,
                    })
                    .collect(),
            });
        }
    }
    let summary = summary::summarize(&findings, subject);
    let analysis = Analysis {
        analyzer: analyzer_version(),
        taxonomy_version: tax.taxonomy_version.clone(),
        clauses: clauses.len(),
        findings,
        summary,
        warnings,
        continuity: Vec::new(),
        change: None,
    };
    (analysis, clauses, canonicals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_scoring_equals_text_scoring() {
        let m = model().unwrap();
        for t in ["We may terminate your account at any time, for any reason.", "Ünïcödé «x» can't", ""] {
            let c = text::canonical(t);
            assert_eq!(m.scores_with(t, Some(&[])), m.scores_canonical(&c, &[]), "{t}");
        }
    }

    #[test]
    fn shipped_model_loads_and_matches_the_rules_it_was_trained_with() {
        let m = model().expect("shipped model loads");
        assert_eq!(m.header.labels.len(), 8);
        assert_eq!(
            m.header.rules_hash,
            rules::rules_hash(),
            "data/rules.toml changed since the model was trained: run `clausewatch train` (see README)"
        );
    }

    #[test]
    fn previous_findings_are_reanchored_or_flagged() {
        let v1 = "# Terms\n\n## Law\n\nThese Terms are governed by the laws of Ireland.\n\n## Age\n\nYou must be at least 13 years old to use the Services.\n";
        let v2 = "# Terms\n\n## Eligibility\n\nYou must be at least 13 years old to use the Services.\n\n## Law\n\nThese Terms are governed by the laws of the Republic of Ireland.\n";
        let a1 = analyze(v1, "X");
        let a2 = analyze_with_previous(v2, "X", Some(&a1));
        let age = a2.continuity.iter().find(|c| c.provision == "minimum_age").unwrap();
        assert_eq!(age.status, segment::Reanchor::Found { clause: 0, moved: true });
        assert!(age.still_found);
        let law = a2.continuity.iter().find(|c| c.provision == "governing_law").unwrap();
        assert!(matches!(law.status, segment::Reanchor::Edited { .. }), "{law:?}");
        assert_eq!(
            &v2[law.anchor.as_ref().unwrap().start..law.anchor.as_ref().unwrap().end],
            "These Terms are governed by the laws of the Republic of Ireland."
        );
        let a3 = analyze_with_previous("# Terms\n\nNothing else.\n", "X", Some(&a2));
        // Past the analysed prefix with a multi-byte character on the cut: no panic.
        let big = format!("{}é{}", "a".repeat(MAX_ANALYSED_BYTES - 1), " These Terms are governed by Irish law.");
        assert!(!analyze_with_previous(&big, "X", Some(&a1)).warnings.is_empty());
        assert!(a3.continuity.iter().all(|c| c.status == segment::Reanchor::Lost && !c.still_found));
    }

    #[test]
    fn finds_provisions_with_quotes_sections_and_attributes() {
        let md = "# Terms\n\n## Disputes\n\nThese Terms are governed by the laws of the State of California. Any dispute will be resolved by binding individual arbitration administered by JAMS.\n\n## Age\n\nYou must be at least 13 years old to use the Services.\n";
        let a = analyze(md, "ExampleAI");
        let law = a.findings.iter().find(|f| f.provision == "governing_law").expect("governing law found");
        assert_eq!(law.section, "Terms › Disputes");
        assert_eq!(&md[law.anchor.start..law.anchor.end], law.quote);
        assert_eq!(law.attributes.iter().find(|x| x.name == "governing_law_jurisdiction").unwrap().value, "California");
        let arb = a.findings.iter().find(|f| f.provision == "binding_individual_arbitration").unwrap();
        assert!(arb.attributes.iter().any(|x| x.name == "arbitration_provider" && x.value == "JAMS"));
        let age = a.findings.iter().find(|f| f.provision == "minimum_age").unwrap();
        assert_eq!(age.attributes[0].value, 13);
        assert!(a.warnings.is_empty());
    }
}
