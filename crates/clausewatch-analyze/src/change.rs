//! Significance of a change between two versions (noise, cosmetic, editorial, substantive, as
//! `LABELLING.md` defines them) and its structured summary: provisions added / removed,
//! attributes before → after with both quotes, and a short paragraph. Pure.
//!
//! The classifier reads more than the findings: a new prohibited use or a product brought under
//! the terms may match no provision, so changed sentences are also read for the words that
//! carry rights and obligations. Missing a real change is worse than an extra alert: when in
//! doubt between editorial and substantive, it says substantive and gives its reason.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use similar::{capture_diff_slices, Algorithm, DiffOp};

use crate::analysis::{Analysis, Finding};
use crate::text;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Significance {
    Noise,
    Cosmetic,
    Editorial,
    Substantive,
}

impl Significance {
    pub fn as_str(self) -> &'static str {
        match self {
            Significance::Noise => "noise",
            Significance::Cosmetic => "cosmetic",
            Significance::Editorial => "editorial",
            Significance::Substantive => "substantive",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProvisionDelta {
    pub provision: String,
    pub name: String,
    pub quote: String,
    pub section: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttributeChange {
    pub provision: String,
    pub attribute: String,
    pub before: String,
    pub after: String,
    pub before_quote: String,
    pub after_quote: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangeSummary {
    pub significance: Significance,
    /// Why: the evidence behind the class, most significant first.
    pub reasons: Vec<String>,
    pub provisions_added: Vec<ProvisionDelta>,
    pub provisions_removed: Vec<ProvisionDelta>,
    pub attributes_changed: Vec<AttributeChange>,
    pub words_added: usize,
    pub words_removed: usize,
    /// Sentences of the new version with changed wording (at most 20, for the reader).
    pub changed_sentences: Vec<String>,
    /// One side looks like a capture of something else than the document (error page, home
    /// page) rather than a version of it.
    pub capture_artefact: bool,
    pub paragraph: String,
}

/// Words whose appearance or disappearance changes rights, obligations or data practices.
const OBLIGATION_WORDS: &[&str] = &[
    "may",
    "must",
    "shall",
    "will",
    "not",
    "no",
    "never",
    "only",
    "without",
    "unless",
    "except",
    "required",
    "require",
    "prohibited",
    "prohibit",
    "allowed",
    "permitted",
    "forbidden",
    "right",
    "rights",
    "waive",
    "waiver",
    "liable",
    "liability",
    "refund",
    "refunds",
    "fee",
    "fees",
    "price",
    "prices",
    "charge",
    "sell",
    "sold",
    "share",
    "shared",
    "disclose",
    "retain",
    "retention",
    "delete",
    "collect",
    "train",
    "training",
    "consent",
    "opt",
    "terminate",
    "suspend",
    "arbitration",
    "court",
    "courts",
    "law",
    "jurisdiction",
    "age",
    "children",
    "minors",
    "days",
    "months",
    "years",
    "hours",
    "personal",
    "data",
    "license",
    "licence",
    "ownership",
    "own",
    "indemnify",
    "warranty",
    "warranties",
    "responsible",
    "agree",
    "transfer",
    "third",
    "advertising",
    "biometric",
    "location",
];

/// Words of dates: a change made only of these is a "last updated" change.
fn is_date_word(w: &str) -> bool {
    const MONTHS: [&str; 24] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
    ];
    w.chars().all(|c| c.is_ascii_digit()) && w.len() <= 4
        || MONTHS.contains(&w)
        || matches!(
            w,
            "st" | "nd"
                | "rd"
                | "th"
                | "effective"
                | "updated"
                | "last"
                | "date"
                | "revised"
                | "modified"
                | "as"
                | "of"
                | "on"
        )
}

fn words(md: &str) -> Vec<String> {
    text::canonical(md).split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect()
}

fn attribute_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) if o.contains_key("amount") => {
            format!("{} {}", o["amount"], o.get("currency").and_then(|c| c.as_str()).unwrap_or(""))
        }
        serde_json::Value::Object(o) if o.contains_key("unit") => {
            format!("{} {}", o["value"], o.get("unit").and_then(|c| c.as_str()).unwrap_or(""))
        }
        serde_json::Value::Object(o) if o.contains_key("settings") => o["settings"].to_string(),
        v => v.to_string(),
    }
}

/// Findings confident enough to carry a provision-level claim.
fn confident(a: &Analysis) -> impl Iterator<Item = &Finding> {
    a.findings.iter().filter(|f| f.confidence >= 0.7)
}

fn provision_map(a: &Analysis) -> BTreeMap<&str, Vec<&Finding>> {
    let mut m: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in confident(a) {
        m.entry(f.provision.as_str()).or_default().push(f);
    }
    m
}

/// Attribute values of a provision (non-boolean), as text, with the quote each came from.
fn attribute_values<'a>(fs: &[&'a Finding]) -> BTreeMap<String, Vec<(String, &'a str)>> {
    let mut m: BTreeMap<String, Vec<(String, &str)>> = BTreeMap::new();
    for f in fs {
        for a in &f.attributes {
            if a.kind == "boolean" || a.kind == "text" {
                continue;
            }
            let v = attribute_text(&a.value);
            let e = m.entry(a.name.clone()).or_default();
            if !e.iter().any(|(x, _)| *x == v) {
                e.push((v, f.quote.as_str()));
            }
        }
    }
    m
}

/// Classifies the change from `old` to `new` (Markdown) with both versions' analyses.
pub fn classify(old_md: &str, new_md: &str, old: &Analysis, new: &Analysis) -> ChangeSummary {
    let mut s = ChangeSummary {
        significance: Significance::Noise,
        reasons: Vec::new(),
        provisions_added: Vec::new(),
        provisions_removed: Vec::new(),
        attributes_changed: Vec::new(),
        words_added: 0,
        words_removed: 0,
        changed_sentences: Vec::new(),
        capture_artefact: false,
        paragraph: String::new(),
    };
    if old_md == new_md {
        s.reasons.push("the texts are identical".into());
        s.paragraph = "No change in the text.".into();
        return s;
    }
    let (ow, nw) = (words(old_md), words(new_md));
    if ow == nw {
        s.significance = Significance::Cosmetic;
        s.reasons.push("only formatting, punctuation or markup changed: the words are the same".into());
        s.paragraph = "Formatting only: the words are unchanged.".into();
        return s;
    }
    // Capture artefacts: one side is a small fraction of the other and shares little with it
    // (an error or home page instead of the document, or the document coming back).
    let (small, large) = if ow.len() <= nw.len() { (&ow, &nw) } else { (&nw, &ow) };
    let large_set: BTreeSet<&str> = large.iter().map(String::as_str).collect();
    let shared = small.iter().filter(|w| large_set.contains(w.as_str())).count();
    if (small.len() as f64) < 0.25 * large.len() as f64
        && large.len() > 150
        && (shared as f64) < 0.9 * small.len() as f64 + 1.0
    {
        s.significance = Significance::Cosmetic;
        s.capture_artefact = true;
        s.reasons.push(format!(
            "capture artefact: one version has {} words, the other {}; the short one is not a version of the document",
            small.len(),
            large.len()
        ));
        s.paragraph = "The capture shows another page (an error or home page) or the document returning after one; not a change of the document.".into();
        return s;
    }

    // Two levels, so time stays bounded on large or reordered documents: clauses first, then
    // words only inside the runs of clauses that differ.
    // Each version is segmented and canonicalised once for everything below.
    let (ou, nu) = (Units::of(old_md), Units::of(new_md));
    let (removed, added, longest_run) = changed_words(&ou.canon, &nu.canon);
    s.words_added = added.len();
    s.words_removed = removed.len();
    s.changed_sentences = changed_sentences(&ou, &nu);

    // Provision level, from confident findings.
    let (op, np) = (provision_map(old), provision_map(new));
    let tax = crate::taxonomy::taxonomy();
    for (p, fs) in &np {
        if !op.contains_key(p) {
            let f = fs[0];
            s.provisions_added.push(ProvisionDelta {
                provision: p.to_string(),
                name: tax.get(p).map(|x| x.name.clone()).unwrap_or_default(),
                quote: f.quote.clone(),
                section: f.section.clone(),
            });
        }
    }
    for (p, fs) in &op {
        if !np.contains_key(p) {
            let f = fs[0];
            s.provisions_removed.push(ProvisionDelta {
                provision: p.to_string(),
                name: tax.get(p).map(|x| x.name.clone()).unwrap_or_default(),
                quote: f.quote.clone(),
                section: f.section.clone(),
            });
        }
        if let Some(nfs) = np.get(p) {
            let (ov, nv) = (attribute_values(fs), attribute_values(nfs));
            for (name, before) in &ov {
                let Some(after) = nv.get(name) else { continue };
                let bset: BTreeSet<&str> = before.iter().map(|x| x.0.as_str()).collect();
                let aset: BTreeSet<&str> = after.iter().map(|x| x.0.as_str()).collect();
                if bset != aset {
                    let b = before.iter().find(|x| !aset.contains(x.0.as_str())).unwrap_or(&before[0]);
                    let a = after.iter().find(|x| !bset.contains(x.0.as_str())).unwrap_or(&after[0]);
                    s.attributes_changed.push(AttributeChange {
                        provision: p.to_string(),
                        attribute: name.clone(),
                        before: b.0.clone(),
                        after: a.0.clone(),
                        before_quote: b.1.to_string(),
                        after_quote: a.1.to_string(),
                    });
                }
            }
        }
    }
    // A provision "added" or "removed" only because a rule matched a reworded sentence differently
    // is common; it counts when the sentence that carried it changed too (is not in the other text).
    let (old_whole, new_whole) = (ou.canon.join(" "), nu.canon.join(" "));
    s.provisions_added.retain(|d| !old_whole.contains(&text::canonical(&d.quote)));
    s.provisions_removed.retain(|d| !new_whole.contains(&text::canonical(&d.quote)));

    let changed: Vec<&str> = removed.iter().chain(added.iter()).map(String::as_str).collect();
    let only_dates = changed.iter().all(|w| is_date_word(w));
    let obligation_hits: BTreeSet<&str> = changed.iter().copied().filter(|w| OBLIGATION_WORDS.contains(w)).collect();
    let numbers_changed = changed.iter().any(|w| w.chars().all(|c| c.is_ascii_digit()) && !is_year(w));
    // Runs of new or removed words long enough to be a new sentence or clause.
    if !s.attributes_changed.is_empty() {
        let c = &s.attributes_changed[0];
        s.reasons.push(format!("{}: {} {} → {}", c.provision, c.attribute.replace('_', " "), c.before, c.after));
    }
    for d in &s.provisions_added {
        s.reasons.push(format!("provision added: {}", d.name));
    }
    for d in &s.provisions_removed {
        s.reasons.push(format!("provision removed: {}", d.name));
    }
    s.significance = if !s.reasons.is_empty() {
        Significance::Substantive
    } else if only_dates {
        s.reasons.push("only dates changed (last updated / effective date)".into());
        Significance::Cosmetic
    } else if longest_run >= 12 && !obligation_hits.is_empty() {
        s.reasons.push(format!(
            "a passage of {longest_run} words was added, removed or rewritten, with words that carry obligations ({})",
            obligation_hits.iter().take(6).copied().collect::<Vec<_>>().join(", ")
        ));
        Significance::Substantive
    } else if numbers_changed
        && obligation_hits.iter().any(|w| {
            matches!(*w, "days" | "months" | "years" | "hours" | "fee" | "fees" | "price" | "prices" | "age" | "refund")
        })
    {
        s.reasons.push("a number changed next to a duration, amount or age".into());
        Significance::Substantive
    } else if obligation_hits.iter().any(|w| {
        matches!(
            *w,
            "not" | "no" | "never" | "may" | "must" | "shall" | "prohibited" | "only" | "without" | "unless" | "except"
        )
    }) {
        s.reasons.push(format!(
            "modal or negation words changed ({})",
            obligation_hits.iter().take(6).copied().collect::<Vec<_>>().join(", ")
        ));
        Significance::Substantive
    } else if changed.len() <= 3 && changed.iter().all(|w| w.len() <= 3 || is_date_word(w)) {
        s.reasons.push("a few short words changed (typo, article, numbering)".into());
        Significance::Cosmetic
    } else {
        s.reasons.push(format!(
            "wording changed ({} words added, {} removed) without a change of provision, attribute or obligation words",
            s.words_added, s.words_removed
        ));
        Significance::Editorial
    };
    s.paragraph = paragraph(&s);
    s
}

/// Changed-region word runs larger than this are compared as word multisets, not aligned.
const MAX_ALIGNED_RUN: usize = 3_000;

/// Words removed and added, and the longest run of changed words: Myers over clauses (canonical
/// sentences), then Myers over the words of each changed run of clauses.
fn changed_words(ou: &[String], nu: &[String]) -> (Vec<String>, Vec<String>, usize) {
    let (mut removed, mut added, mut longest) = (Vec::new(), Vec::new(), 0);
    let split = |v: &[String]| -> Vec<String> { v.iter().flat_map(|u| u.split(' ').map(str::to_string)).collect() };
    for op in capture_diff_slices(Algorithm::Myers, ou, nu) {
        let (o, n) = match op {
            DiffOp::Equal { .. } => continue,
            DiffOp::Delete { old_index, old_len, .. } => (split(&ou[old_index..old_index + old_len]), Vec::new()),
            DiffOp::Insert { new_index, new_len, .. } => (Vec::new(), split(&nu[new_index..new_index + new_len])),
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                (split(&ou[old_index..old_index + old_len]), split(&nu[new_index..new_index + new_len]))
            }
        };
        if o.len() > MAX_ALIGNED_RUN || n.len() > MAX_ALIGNED_RUN {
            // Too large to align word by word in bounded time: what is on one side only.
            let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
            for w in &o {
                *counts.entry(w).or_default() -= 1;
            }
            for w in &n {
                *counts.entry(w).or_default() += 1;
            }
            let (mut r, mut a) = (0, 0);
            for (w, c) in counts {
                for _ in 0..c.unsigned_abs() {
                    if c < 0 {
                        removed.push(w.to_string());
                        r += 1;
                    } else {
                        added.push(w.to_string());
                        a += 1;
                    }
                }
            }
            longest = longest.max(r.max(a));
            continue;
        }
        for wop in capture_diff_slices(Algorithm::Myers, &o, &n) {
            match wop {
                DiffOp::Equal { .. } => {}
                DiffOp::Delete { old_index, old_len, .. } => {
                    removed.extend_from_slice(&o[old_index..old_index + old_len]);
                    longest = longest.max(old_len);
                }
                DiffOp::Insert { new_index, new_len, .. } => {
                    added.extend_from_slice(&n[new_index..new_index + new_len]);
                    longest = longest.max(new_len);
                }
                DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                    removed.extend_from_slice(&o[old_index..old_index + old_len]);
                    added.extend_from_slice(&n[new_index..new_index + new_len]);
                    longest = longest.max(old_len.max(new_len));
                }
            }
        }
    }
    (removed, added, longest)
}

fn is_year(w: &str) -> bool {
    w.len() == 4 && (w.starts_with("19") || w.starts_with("20"))
}

/// Sentences of the new text that are not in the old one (canonically), first 20.
fn changed_sentences(old: &Units, new: &Units) -> Vec<String> {
    let seen: BTreeSet<&str> = old.canon.iter().map(String::as_str).collect();
    new.canon
        .iter()
        .zip(&new.text)
        .filter(|(c, _)| !seen.contains(c.as_str()))
        .map(|(_, t)| t.clone())
        .take(20)
        .collect()
}

/// A version's clauses with their canonical text (empty ones dropped).
struct Units {
    canon: Vec<String>,
    text: Vec<String>,
}

impl Units {
    fn of(md: &str) -> Units {
        let (mut canon, mut text_) = (Vec::new(), Vec::new());
        for c in crate::segment::clauses(md) {
            let k = text::canonical(&c.text);
            if !k.is_empty() {
                canon.push(k);
                text_.push(c.text);
            }
        }
        Units { canon, text: text_ }
    }
}

fn paragraph(s: &ChangeSummary) -> String {
    let mut parts = Vec::new();
    for c in s.attributes_changed.iter().take(4) {
        parts.push(format!("{}: {} → {}", c.attribute.replace('_', " "), c.before, c.after));
    }
    if !s.provisions_added.is_empty() {
        parts.push(format!(
            "added: {}",
            s.provisions_added.iter().take(5).map(|d| d.name.to_lowercase()).collect::<Vec<_>>().join(", ")
        ));
    }
    if !s.provisions_removed.is_empty() {
        parts.push(format!(
            "removed: {}",
            s.provisions_removed.iter().take(5).map(|d| d.name.to_lowercase()).collect::<Vec<_>>().join(", ")
        ));
    }
    let head = match s.significance {
        Significance::Substantive => "Substantive change",
        Significance::Editorial => "Editorial change",
        Significance::Cosmetic => "Cosmetic change",
        Significance::Noise => "No change",
    };
    if parts.is_empty() {
        let reason = s.reasons.first().cloned().unwrap_or_default();
        if reason.contains("words added") {
            format!("{head}: {reason}.")
        } else {
            format!("{head}: {reason} ({} words added, {} removed).", s.words_added, s.words_removed)
        }
    } else {
        format!("{head}: {}.", parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze;

    fn c(a: &str, b: &str) -> ChangeSummary {
        classify(a, b, &analyze(a, "X"), &analyze(b, "X"))
    }

    const BASE: &str = "# Terms\n\n## Refunds\n\nYou can request a refund within 24 hours of purchase.\n\n## Law\n\nThese Terms are governed by the laws of Ireland.\n\nLast updated: 1 March 2026\n";

    #[test]
    fn classes_follow_the_labelling_guide() {
        assert_eq!(c(BASE, BASE).significance, Significance::Noise);
        assert_eq!(c(BASE, &BASE.replace("## Law", "## **Law**")).significance, Significance::Cosmetic);
        assert_eq!(c(BASE, &BASE.replace("1 March 2026", "2 April 2026")).significance, Significance::Cosmetic);
        let refund = c(BASE, &BASE.replace("24 hours", "48 hours"));
        assert_eq!(refund.significance, Significance::Substantive);
        let a = &refund.attributes_changed[0];
        assert_eq!(
            (a.attribute.as_str(), a.before.as_str(), a.after.as_str()),
            ("refund_window_days", "24 hours", "48 hours")
        );
        assert!(a.before_quote.contains("24 hours") && a.after_quote.contains("48 hours"));
        assert!(refund.paragraph.contains("refund window days: 24 hours → 48 hours"), "{}", refund.paragraph);
        let reworded = c(BASE, &BASE.replace("You can request a refund", "You are able to ask for a refund"));
        assert_eq!(reworded.significance, Significance::Editorial, "{:?}", reworded.reasons);
        let arb = c(
            BASE,
            &BASE.replace(
                "## Law\n\n",
                "## Law\n\nAll disputes will be resolved by binding individual arbitration.\n\n",
            ),
        );
        assert_eq!(arb.significance, Significance::Substantive);
        assert!(arb.provisions_added.iter().any(|d| d.provision == "binding_individual_arbitration"));
        // A new prohibited use matches no attribute: still substantive.
        let ban = c(BASE, &BASE.replace("## Law\n\n", "## Law\n\nYou must not use the service to generate political campaign material or to impersonate candidates for office.\n\n"));
        assert_eq!(ban.significance, Significance::Substantive, "{:?}", ban.reasons);
    }

    #[test]
    fn error_pages_are_capture_artefacts() {
        let long = format!(
            "# Terms\n\n{}",
            "These Terms govern your use of the Service and describe your rights. ".repeat(40)
        );
        let error = "# 404\n\nPage not found. Go back home.\n";
        let s = c(&long, error);
        assert_eq!(s.significance, Significance::Cosmetic);
        assert!(s.capture_artefact);
        assert!(c(error, &long).capture_artefact, "and the document coming back");
    }
}
