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
use crate::signals;
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

/// What the classifier may know besides the two versions.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// Earlier versions of the same document, before `old`, most recent first (a few suffice).
    pub earlier: &'a [Earlier<'a>],
    /// The new version is a re-extraction (new extraction rules on a fresh capture), this many
    /// days after the previous capture.
    pub reextraction_gap_days: Option<f64>,
    /// Captures of the platform's other documents taken within a day of the new one. Callers
    /// gather them only when the new capture lost the document's text (`lost_its_text`): the
    /// same page captured for several documents is a home page or a redirect, not a version.
    pub other_documents: &'a [OtherDocument<'a>],
}

/// A capture of another document of the same platform, taken about when the new one was.
#[derive(Clone, Copy, Debug)]
pub struct OtherDocument<'a> {
    /// The document's name ("Terms of Service").
    pub name: &'a str,
    pub capture: &'a Prepared,
}

/// Whether nearly all of the old version's text (nine words in ten or more) is gone from the
/// new one: then the new capture may be another page, and the platform's other documents
/// captured at the same time tell (`Context::other_documents`).
pub fn lost_its_text(old: &Prepared, new: &Prepared) -> bool {
    let OneSided { gone, copies_gone, .. } = one_sided(&old.units, &new.units);
    let lost = old.units.words_in(gone.into_iter().chain(copies_gone));
    let all = old.units.words_in(0..old.units.canon.len());
    all > 0 && lost as f64 >= 0.9 * all as f64
}

/// A version read once for every comparison it takes part in: its words, its clauses (with
/// their sections), its language and its last-updated lines. A history walk prepares each
/// version once and compares it as the new side, then as the old side, then as an earlier one.
#[derive(Debug)]
pub struct Prepared {
    markdown: String,
    words: Vec<String>,
    units: Units,
    lang: Option<&'static str>,
    dates: BTreeSet<String>,
}

impl Prepared {
    pub fn of(markdown: &str) -> Prepared {
        let words = words(markdown);
        let units = Units::of(markdown);
        let lang = signals::language_of(words.iter().map(String::as_str));
        let dates = units.canon.iter().filter(|c| signals::is_date_line(c)).cloned().collect();
        Prepared { markdown: markdown.to_string(), words, units, lang, dates }
    }
}

/// An earlier version of the document, and how long before the new capture it was taken.
#[derive(Clone, Copy, Debug)]
pub struct Earlier<'a> {
    pub version: &'a Prepared,
    pub days_before_new: Option<f64>,
}

/// Text that comes back from an earlier capture this recent is an alternation or a repaired
/// capture; after longer, it may be a real revert, unless the whole text is identical.
pub const RESTORE_WINDOW_DAYS: f64 = 60.0;

/// Which earlier versions a change is compared with: always the last `MIN`, and beyond them
/// those within `RESTORE_WINDOW_DAYS`, up to `MAX` in all. A page that alternates between two
/// variants while it is captured twice a day has dozens of versions in that window.
pub const EARLIER_VERSIONS_MIN: usize = 8;
pub const EARLIER_VERSIONS_MAX: usize = 48;

/// Whether the `index`-th earlier version (0: the one before the old side), taken `days` before
/// the new one, is among those compared with.
pub fn keeps_earlier(index: usize, days: Option<f64>) -> bool {
    index < EARLIER_VERSIONS_MIN || (index < EARLIER_VERSIONS_MAX && days.is_some_and(|d| d <= RESTORE_WINDOW_DAYS))
}

/// Classifies the change from `old` to `new` (Markdown) with both versions' analyses.
pub fn classify(old_md: &str, new_md: &str, old: &Analysis, new: &Analysis) -> ChangeSummary {
    classify_in_context(old_md, new_md, old, new, &Context::default())
}

/// Classifies the change knowing the document's earlier versions: text that merely comes back
/// from an earlier capture (alternating variants, a truncated capture repaired) is an artefact.
pub fn classify_in_context(
    old_md: &str,
    new_md: &str,
    old: &Analysis,
    new: &Analysis,
    context: &Context<'_>,
) -> ChangeSummary {
    classify_prepared(&Prepared::of(old_md), &Prepared::of(new_md), old, new, context)
}

/// `classify_in_context` on versions already prepared.
pub fn classify_prepared(
    po: &Prepared,
    pn: &Prepared,
    old: &Analysis,
    new: &Analysis,
    context: &Context<'_>,
) -> ChangeSummary {
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
    if po.markdown == pn.markdown {
        s.reasons.push("the texts are identical".into());
        s.paragraph = "No change in the text.".into();
        return s;
    }
    let (ow, nw) = (&po.words, &pn.words);
    if ow == nw {
        s.significance = Significance::Cosmetic;
        s.reasons.push("only formatting, punctuation or markup changed: the words are the same".into());
        s.paragraph = "Formatting only: the words are unchanged.".into();
        return s;
    }

    // Two levels, so time stays bounded on large or reordered documents: clauses first, then
    // words only inside the runs of clauses that differ. One clause alignment serves both the
    // word counts and the changed regions below.
    let (ou, nu) = (&po.units, &pn.units);
    let ops = capture_diff_slices(Algorithm::Myers, &ou.canon, &nu.canon);
    let (removed, added) = changed_words(&ops, &ou.canon, &nu.canon);
    s.words_added = added.len();
    s.words_removed = removed.len();
    s.changed_sentences = changed_sentences(ou, nu);

    // The clauses on one side only (as multisets: a clause that merely moved cancels out).
    let OneSided { gone, came, copies_gone, copies_came } = one_sided(ou, nu);
    // A heading set as a plain (bold) paragraph, or a paragraph made a heading, is formatting.
    // Numbering aside: a heading renumbered and demoted at once is still the same heading. Only
    // a heading on one side that is no heading on the other: a label that stays a heading too
    // ("Popular articles" over a widget) is the page's.
    // A heading that held whole sentences ("###### We will retain your personal data only …
    // policies.") is read as several clauses once demoted: each is part of the old heading.
    let sentence_headings = |from: &Units, to: &Units| -> Vec<String> {
        let long = from.headings.iter().filter(|h| h.split(' ').count() >= 12 && !to.headings.contains(*h));
        long.map(|h| format!(" {h} ")).collect()
    };
    let (old_sentence_headings, new_sentence_headings) = (sentence_headings(ou, nu), sentence_headings(nu, ou));
    let moved_heading = |from: &Units, to: &Units, long: &[String], canon: &str| {
        let h = signals::without_numbering(canon);
        (from.headings.contains(h) && !to.headings.contains(h))
            || (!long.is_empty() && h.split(' ').count() >= 6 && {
                let padded = format!(" {h} ");
                long.iter().any(|fh| fh.contains(&padded))
            })
    };
    let gone: Vec<usize> =
        gone.into_iter().filter(|&i| !moved_heading(nu, ou, &new_sentence_headings, &ou.canon[i])).collect();
    let came: Vec<usize> =
        came.into_iter().filter(|&i| !moved_heading(ou, nu, &old_sentence_headings, &nu.canon[i])).collect();
    // What the capture lost or gained counts every copy.
    let with_copies = |ix: &[usize], copies: &[usize]| {
        let mut all: Vec<usize> = ix.iter().chain(copies).copied().collect();
        all.sort_unstable();
        all
    };
    let (captured_gone, captured_came) = (with_copies(&gone, &copies_gone), with_copies(&came, &copies_came));
    if captured_gone.is_empty() && captured_came.is_empty() {
        return finish(s, Significance::Cosmetic, "the same clauses in another order (moved, not reworded)".into());
    }
    if let Some(reason) =
        capture_artefact(po, pn, (&captured_gone, &captured_came), (&copies_gone, &copies_came), (old, new), context)
    {
        s.capture_artefact = true;
        return finish(s, Significance::Cosmetic, format!("capture artefact: {reason}"));
    }
    if gone.is_empty() && came.is_empty() {
        return finish(
            s,
            Significance::Cosmetic,
            "the same clauses, moved or held once more or once less (a repeated section), not reworded".into(),
        );
    }

    // What kind of text changed: page furniture, date lines and text in another language than
    // the document are not the document's wording.
    let doc_lang = pn.lang.or(po.lang);
    let kind = |u: &Units, i: usize| {
        // Link-card text, and a list entry that only names a heading of the document (a table
        // of contents), are the page's.
        let toc_entry = || {
            let entry = signals::without_numbering(&u.canon[i]);
            u.item[i] && (u.headings.contains(entry) || u.titles.contains(entry))
        };
        if u.in_link[i] || toc_entry() || between_widgets(u, i) {
            ClauseKind::Furniture
        } else {
            clause_kind(&u.text[i], &u.canon[i], doc_lang)
        }
    };
    let mut gone_kinds: Vec<ClauseKind> = gone.iter().map(|&i| kind(ou, i)).collect();
    let mut came_kinds: Vec<ClauseKind> = came.iter().map(|&i| kind(nu, i)).collect();
    align_kinds(&ops, (ou, nu), (&gone, &came), (&mut gone_kinds, &mut came_kinds));
    translated_block((&gone, &came), (ou, nu), (&mut gone_kinds, &mut came_kinds));
    let body = |ix: &[usize], kinds: &[ClauseKind]| -> Vec<usize> {
        ix.iter().zip(kinds).filter(|(_, k)| **k == ClauseKind::Body).map(|(i, _)| *i).collect()
    };
    let (body_gone, body_came) = (body(&gone, &gone_kinds), body(&came, &came_kinds));
    if body_gone.is_empty() && body_came.is_empty() {
        let kinds: BTreeSet<ClauseKind> = gone_kinds.iter().chain(&came_kinds).copied().collect();
        let what = kinds
            .iter()
            .map(|k| match k {
                ClauseKind::Furniture => "page furniture (cookie banner, widgets, navigation, link lists)",
                ClauseKind::DateLine => "the last-updated or effective date",
                ClauseKind::Foreign => "text in another language than the document (capture language)",
                ClauseKind::CrossReference => "cross-references to other documents",
                ClauseKind::UpdateNotice => "a notice announcing an update of the document",
                ClauseKind::Body => "",
            })
            .collect::<Vec<_>>()
            .join(" and ");
        // A pointer to another document added or removed is wording; the rest is the page.
        let class = if kinds.contains(&ClauseKind::CrossReference) || kinds.contains(&ClauseKind::UpdateNotice) {
            Significance::Editorial
        } else {
            Significance::Cosmetic
        };
        return finish(s, class, format!("only {what} changed"));
    }

    // Provision level, from confident findings whose clause changed.
    let gone_set: BTreeSet<&str> = body_gone.iter().map(|&i| ou.canon[i].as_str()).collect();
    let came_set: BTreeSet<&str> = body_came.iter().map(|&i| nu.canon[i].as_str()).collect();
    provision_deltas(&mut s, old, new, &gone_set, &came_set);

    // Changed regions, each with the content words that left and arrived.
    let (gone_ok, came_ok): (BTreeSet<usize>, BTreeSet<usize>) =
        (body_gone.iter().copied().collect(), body_came.iter().copied().collect());
    let content = |o: &[usize], n: &[usize]| {
        let a: Vec<&str> = o.iter().flat_map(|&i| ou.canon[i].split(' ')).collect();
        let b: Vec<&str> = n.iter().flat_map(|&i| nu.canon[i].split(' ')).collect();
        signals::content_changes(&a, &b)
    };
    let mut edits: Vec<Edit> = regions(&ops, &gone_ok, &came_ok)
        .into_iter()
        .map(|(o, n)| {
            let (gone, came) = content(&o, &n);
            Edit { old: o, new: n, gone, came, example: false, note: false, grants: false }
        })
        .collect();
    // Clauses flagged on each side of an edit (examples, notes) are set aside: true when every
    // clause of the edit is flagged (the edit is then only that), otherwise the flagged ones
    // leave the edit and its content words are read again without them.
    let set_aside = |e: &mut Edit, old_flags: &[bool], new_flags: &[bool]| -> bool {
        let flagged = old_flags.iter().chain(new_flags).filter(|&&x| x).count();
        if flagged == 0 || flagged == e.old.len() + e.new.len() {
            return flagged > 0;
        }
        let keep = |ix: &[usize], flags: &[bool]| -> Vec<usize> {
            ix.iter().zip(flags).filter(|(_, &x)| !x).map(|(&i, _)| i).collect()
        };
        e.old = keep(&e.old, old_flags);
        e.new = keep(&e.new, new_flags);
        (e.gone, e.came) = content(&e.old, &e.new);
        false
    };
    // Link texts that appear, vanish or change (navigation, an extraction dropping link texts)
    // are not wording; nor are words glued or split by an extraction, nor examples.
    for e in edits.iter_mut() {
        let squeeze = |ix: &[usize], u: &Units| {
            ix.iter().flat_map(|&i| u.canon[i].chars()).filter(|c| *c != ' ').collect::<String>()
        };
        if e.is_rewrite() && squeeze(&e.old, ou) == squeeze(&e.new, nu) {
            e.gone.clear();
            e.came.clear();
            continue;
        }
        // Examples added, removed or reworded beside other text are illustrations, not rules:
        // only the other clauses are read ("E.g. “He should get no mercy”" carries no
        // obligation of the document).
        let old_examples = signals::example_flags(e.old.iter().map(|&o| ou.text[o].as_str()));
        let new_examples = signals::example_flags(e.new.iter().map(|&n| nu.text[n].as_str()));
        e.example = set_aside(e, &old_examples, &new_examples);
        // A note on which language version prevails over translations ("the English version
        // shall prevail") settles how the text is read: its "shall" grants nothing; nor does a
        // point of contact for authorities (contact details for regulators). Beside other
        // text, only the other clauses are read, as with examples.
        let notes = |ix: &[usize], u: &Units| -> Vec<bool> {
            ix.iter()
                .map(|&i| signals::is_language_version_note(&u.canon[i]) || signals::is_authority_contact(&u.canon[i]))
                .collect()
        };
        let (old_notes, new_notes) = (notes(&e.old, ou), notes(&e.new, nu));
        e.note = set_aside(e, &old_notes, &new_notes);
        e.grants = !e.note
            && e.old
                .iter()
                .map(|&o| &ou.canon[o])
                .chain(e.new.iter().map(|&n| &nu.canon[n]))
                .any(|c| carries_obligation(c, doc_lang));
        let old_links: BTreeSet<String> = e.old.iter().flat_map(|&o| link_words(&ou.text[o])).collect();
        let new_links: BTreeSet<String> = e.new.iter().flat_map(|&n| link_words(&nu.text[n])).collect();
        let within = |ws: &[String], links: &BTreeSet<String>| ws.iter().all(|w| links.contains(w));
        if e.is_rewrite() && within(&e.gone, &old_links) && within(&e.came, &new_links) {
            e.gone.clear();
            e.came.clear();
        }
    }
    let clause_of = |e: &Edit| -> String {
        if e.new.is_empty() {
            e.old.iter().map(|&o| ou.canon[o].as_str()).collect::<Vec<_>>().join(" ")
        } else {
            e.new.iter().map(|&n| nu.canon[n].as_str()).collect::<Vec<_>>().join(" ")
        }
    };
    let raw_of = |e: &Edit| -> String {
        e.new
            .iter()
            .map(|&n| nu.text[n].as_str())
            .chain(e.old.iter().map(|&o| ou.text[o].as_str()))
            .collect::<Vec<_>>()
            .join(" ")
    };
    // The clause of a region that holds `word` (from the side it arrived on or left from).
    let quote_with = |e: &Edit, word: Option<&String>| -> String {
        let pick = |ix: &[usize], u: &Units| {
            ix.iter()
                .find(|&&i| word.is_some_and(|w| u.canon[i].split(' ').any(|x| signals::spelling_key(x) == *w)))
                .map(|&i| u.text[i].clone())
        };
        let t = pick(&e.new, nu)
            .or_else(|| pick(&e.old, ou))
            .or_else(|| e.new.first().map(|&i| nu.text[i].clone()))
            .or_else(|| e.old.first().map(|&i| ou.text[i].clone()))
            .unwrap_or_default();
        clip_words(&t, 30)
    };
    let quote_of = |e: &Edit| quote_with(e, e.came.first().or(e.gone.first()));
    // The old version's text in one string, built only when a rule needs to search it.
    let old_text_cell = std::cell::OnceCell::new();
    let old_text = || old_text_cell.get_or_init(|| format!(" {} ", ou.canon.join(" "))).as_str();

    let significance;
    if !s.attributes_changed.is_empty() || !s.provisions_added.is_empty() || !s.provisions_removed.is_empty() {
        if let Some(c) = s.attributes_changed.first() {
            let r = format!("{}: {} {} → {}", c.provision, c.attribute.replace('_', " "), c.before, c.after);
            s.reasons.push(r);
        }
        let added: Vec<String> = s.provisions_added.iter().map(|d| format!("provision added: {}", d.name)).collect();
        let gone: Vec<String> = s.provisions_removed.iter().map(|d| format!("provision removed: {}", d.name)).collect();
        s.reasons.extend(added);
        s.reasons.extend(gone);
        significance = Significance::Substantive;
    } else if let Some((e, number)) = edits.iter().find_map(|e| {
        let new: Vec<&str> = e.new.iter().map(|&n| nu.canon[n].as_str()).collect();
        let old: Vec<&str> = e.old.iter().map(|&o| ou.canon[o].as_str()).collect();
        number_with_unit_changed(e, &new, &old, &raw_of(e)).map(|n| (e, n))
    }) {
        // Quote the clause that holds the number, not the region's first clause.
        s.reasons.push(format!(
            "a number changed in a clause with an amount, period, age or limit: \"{}\"",
            quote_with(e, Some(&number))
        ));
        significance = Significance::Substantive;
    } else if let Some((e, place)) = edits.iter().find_map(|e| {
        // A place swapped inside a clause, or a list entry naming a place added or removed.
        let entry = e.old.iter().all(|&o| ou.canon[o].split(' ').count() <= 8)
            && e.new.iter().all(|&n| nu.canon[n].split(' ').count() <= 8);
        (e.is_rewrite() || entry)
            .then(|| {
                // A place that only moves with a postal address, or names the country of a
                // helpline in a directory of phone numbers, is a contact detail.
                let raw: Vec<&str> = e
                    .old
                    .iter()
                    .map(|&o| ou.text[o].as_str())
                    .chain(e.new.iter().map(|&n| nu.text[n].as_str()))
                    .collect();
                // A table whose rows mostly list phone numbers is such a directory, rows without
                // a number included. Read only when a place word is found.
                let directory = std::cell::OnceCell::new();
                let in_directory = |t: &str| {
                    signals::is_table_row(t)
                        && *directory.get_or_init(|| {
                            let rows = raw.iter().filter(|t| signals::is_table_row(t)).count();
                            let phone_rows = raw.iter().filter(|t| signals::is_phone_row(t)).count();
                            phone_rows > 0 && 2 * phone_rows >= rows
                        })
                };
                let address_only = |w: &str| {
                    let uses: Vec<bool> = raw
                        .iter()
                        .filter_map(|t| signals::place_only_in_addresses(t, w).map(|a| a || in_directory(t)))
                        .collect();
                    !uses.is_empty() && uses.iter().all(|&a| a)
                };
                e.gone.iter().chain(&e.came).find(|w| signals::is_place(w) && !address_only(w)).map(|w| (e, w.clone()))
            })
            .flatten()
    }) {
        s.reasons.push(format!("a place was added or removed ({place}): \"{}\"", quote_with(e, Some(&place))));
        significance = Significance::Substantive;
    } else if let Some(e) = edits.iter().find(|e| {
        // The legal entity named as controller or contracting party changed ("data controller is
        // Hily Corp." → "data controller is LATHINOL LIMITED"): an address moving alone leaves
        // the entity's name, and so its suffix, unchanged.
        let names_party = |ix: &[usize], u: &Units| ix.iter().any(|&i| signals::names_party(&u.canon[i]));
        let rewritten = e.is_rewrite()
            && (names_party(&e.old, ou) || names_party(&e.new, nu))
            && e.gone.iter().chain(&e.came).any(|w| is_unambiguous_entity_suffix(w));
        // A clause that arrives alone naming as the party an entity the old text never names
        // ("These Terms are an agreement between you and X Corp." in an announced version
        // beside the current one, which names Twitter, Inc.).
        rewritten || (e.old.is_empty() && e.new.iter().any(|&i| names_new_entity(&nu.canon[i], old_text())))
    }) {
        // Quote the clause that names the party, not the region's first clause.
        let naming = e.new.iter().find(|&&i| signals::names_party(&nu.canon[i])).map(|&i| clip_words(&nu.text[i], 30));
        s.reasons.push(format!(
            "the controller or contracting party changed: \"{}\"",
            naming.unwrap_or_else(|| quote_of(e))
        ));
        significance = Significance::Substantive;
    } else if let Some(reason) = systematic_rename(&edits, ou, nu, doc_lang) {
        s.reasons.push(reason.0);
        significance = reason.1;
    } else if let Some((e, words)) = edits.iter().find_map(|e| {
        let mut hits: Vec<&String> = e
            .gone
            .iter()
            .chain(&e.came)
            .filter(|w| signals::is_obligation_word_in(w, doc_lang) && !WEAK_CUES.contains(&w.as_str()))
            .collect();
        hits.sort();
        hits.dedup();
        let paired = e.is_rewrite();
        // Very short clauses (widget labels, list entries) count only with a modal or a
        // negation; a whole clause added or removed needs a modal or two distinct cues.
        let short = e.old.iter().all(|&o| ou.canon[o].split(' ').count() <= 6)
            && e.new.iter().all(|&n| nu.canon[n].split(' ').count() <= 6);
        let strong = e.grants;
        let counts = !e.example
            && !e.note
            && if paired {
                strong || (!short && hits.len() >= 2)
            } else {
                e.gone.len() + e.came.len() >= 4 && (strong || (hits.len() >= 2 && !short))
            };
        (!hits.is_empty() && counts)
            .then(|| (e, hits.iter().take(6).map(|w| w.as_str()).collect::<Vec<_>>().join(", ")))
    }) {
        let what = if e.is_rewrite() {
            "words that carry rights or obligations changed"
        } else if e.old.is_empty() {
            "new text with words that carry rights or obligations"
        } else {
            "text with words that carry rights or obligations was removed"
        };
        s.reasons.push(format!("{what} ({words}): \"{}\"", quote_of(e)));
        significance = Significance::Substantive;
    } else if let Some(e) = edits.iter().find(|e| {
        // A list entry about data, rights or obligations added or removed ("* Public content
        // you create or share" leaving the list of data used for training).
        let texts: Vec<&String> =
            e.old.iter().map(|&o| &ou.text[o]).chain(e.new.iter().map(|&n| &nu.text[n])).collect();
        !e.is_rewrite()
            && !e.example
            && !e.note
            && e.gone.len() + e.came.len() >= 3
            && texts.iter().all(|t| is_list_item(t))
            && texts.iter().any(|t| {
                signals::canonical_without_urls(t)
                    .split(' ')
                    .any(|w| signals::DATA_CUES.contains(&w) || is_modal(w, doc_lang))
            })
    }) {
        let what = if e.old.is_empty() { "added" } else { "removed" };
        s.reasons.push(format!("a list entry about data, rights or obligations was {what}: \"{}\"", quote_of(e)));
        significance = Significance::Substantive;
    } else if let Some((e, what)) = edits.iter().find_map(|e| {
        // An item added to or removed from what a rule covers: a word of an enumeration ("less
        // intelligent, less capable, or damaged"), or a list entry under a heading that
        // forbids or requires ("Do not post:"), in a clause or section that grants, forbids or
        // requires something.
        let section_rules = |ix: &[usize], u: &Units| {
            ix.iter().any(|&i| {
                signals::is_rule_heading(&u.section[i])
                    || u.lead_in[i].is_some_and(|l| signals::is_rule_heading(&u.canon[l]))
            })
        };
        let in_rule = e.grants || section_rules(&e.old, ou) || section_rules(&e.new, nu);
        if !in_rule || e.example || e.note {
            return None;
        }
        let raw = |ix: &[usize], u: &Units| ix.iter().map(|&i| u.text[i].to_lowercase()).collect::<Vec<_>>().join(" ");
        if e.is_rewrite() && (e.gone.is_empty() != e.came.is_empty()) && e.gone.len() + e.came.len() <= 4 {
            let (words, text, verb) = if e.came.is_empty() {
                (&e.gone, raw(&e.old, ou), "removed from")
            } else {
                (&e.came, raw(&e.new, nu), "added to")
            };
            // The raw text of the side the word is on, case kept, to tell a renamed name.
            let cased = |ix: &[usize], u: &Units| ix.iter().map(|&i| u.text[i].as_str()).collect::<Vec<_>>().join(" ");
            let (side, other) = if e.came.is_empty() {
                (cased(&e.old, ou), cased(&e.new, nu))
            } else {
                (cased(&e.new, nu), cased(&e.old, ou))
            };
            // A word the clause holds inside another on the other side ("scam, fraud or theft
            // activity intended to defraud") adds or removes nothing it did not cover.
            let covered = signals::within_another_word(&words[0], &other.to_lowercase());
            return (signals::in_enumeration(&text, &words[0])
                && !signals::renames_a_name(&side, &other, &words[0])
                && !covered)
                .then_some((e, format!("an item was {verb} a list")));
        }
        let texts: Vec<&String> =
            e.old.iter().map(|&o| &ou.text[o]).chain(e.new.iter().map(|&n| &nu.text[n])).collect();
        let entry = !e.is_rewrite()
            && e.gone.len() + e.came.len() >= 3
            && texts.iter().all(|t| is_list_item(t))
            && (section_rules(&e.old, ou) || section_rules(&e.new, nu));
        entry.then(|| {
            (
                e,
                format!(
                    "a list entry was {} a list of rules",
                    if e.old.is_empty() { "added to" } else { "removed from" }
                ),
            )
        })
    }) {
        s.reasons.push(format!(
            "{what} in a clause or section that grants, forbids or requires something: \"{}\"",
            quote_of(e)
        ));
        significance = Significance::Substantive;
    } else if let Some(e) = edits.iter().find(|e| {
        // Enough of the clause's content changed (a paraphrase swapping a word or two in a long
        // clause is editorial).
        // E-mail addresses are contact details: changing one is editorial.
        let contact: BTreeSet<String> = e
            .old
            .iter()
            .map(|&o| &ou.text[o])
            .chain(e.new.iter().map(|&n| &nu.text[n]))
            .flat_map(|t| signals::contact_words(t))
            .collect();
        let (gone, came) = (
            e.gone.iter().filter(|w| !contact.contains(*w)).count(),
            e.came.iter().filter(|w| !contact.contains(*w)).count(),
        );
        let changed = gone.max(came);
        let size = clause_of(e).split(' ').count().max(1);
        e.is_rewrite() && gone + came >= 3 && changed as f64 >= 0.15 * size as f64 && e.grants
    }) {
        s.reasons.push(format!(
            "the wording of a clause that grants, forbids or requires something changed: \"{}\"",
            quote_of(e)
        ));
        significance = Significance::Substantive;
    } else if edits.iter().all(|e| e.gone.is_empty() && e.came.is_empty()) {
        s.reasons.push("only spelling variants, function words or typo fixes changed".into());
        significance = Significance::Cosmetic;
    } else {
        let n: usize = edits.iter().map(|e| e.gone.len() + e.came.len()).sum();
        s.reasons.push(format!(
            "wording changed ({n} content words) without a change of provision, attribute, number, place or obligation"
        ));
        significance = Significance::Editorial;
    }
    // A re-extraction soon after the previous capture, or one where the document's own
    // last-updated date did not move, shows new extraction rules rather than a new text.
    let same_date = !po.dates.is_empty() && po.dates == pn.dates;
    let capped = match context.reextraction_gap_days {
        Some(days) if significance == Significance::Substantive && (days <= REEXTRACTION_CAP_DAYS || same_date) => {
            let why = if days <= REEXTRACTION_CAP_DAYS {
                format!("re-extraction {days:.0} day(s) after the previous capture")
            } else {
                format!("re-extraction {days:.0} day(s) after the previous capture, with the same last-updated date")
            };
            s.reasons.insert(0, format!("{why}: differences come from the new extraction rules"));
            Significance::Editorial
        }
        _ => significance,
    };
    s.significance = capped;
    s.paragraph = paragraph(&s);
    s
}

/// A re-extraction (new rules on a fresh capture) this soon after the previous capture is not
/// read as a change of substance.
const REEXTRACTION_CAP_DAYS: f64 = 14.0;

/// Obligation words too common in any legal text to mark a change on their own.
#[rustfmt::skip]
const WEAK_CUES: &[&str] = &[
    "data", "personal", "third", "law", "notice", "process", "processing", "store", "stored", "will", "daten",
    "données", "datos", "dados", "dati", "gegevens", "dane", "datele", "recht", "right", "rights", "agree",
    "responsible", "own", "days", "months", "years", "hours", "minutes", "jours", "mois", "ans", "tage", "tagen",
];

fn finish(mut s: ChangeSummary, significance: Significance, reason: String) -> ChangeSummary {
    s.significance = significance;
    s.reasons.push(reason);
    s.paragraph = paragraph(&s);
    s
}

fn clip_words(text: &str, n: usize) -> String {
    let ws: Vec<&str> = text.split_whitespace().collect();
    if ws.len() <= n {
        ws.join(" ")
    } else {
        format!("{}…", ws[..n].join(" "))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum ClauseKind {
    Body,
    Furniture,
    DateLine,
    Foreign,
    CrossReference,
    /// A notice that the document is being or was updated ("We're updating our Terms. The
    /// updates go into effect on …"): it announces a change, it is not one.
    UpdateNotice,
}

/// A short label (no sentence, no list item) in a run of such labels set between two pieces
/// of a help widget, or between the start of its section and one: the related-question links
/// of a help answer, between its "Copy link" and "I have a different question" ("Contact app
/// developer", "App not following Terms").
fn between_widgets(u: &Units, i: usize) -> bool {
    let label = |j: usize| {
        let t = u.text[j].trim_end();
        !u.item[j] && u.canon[j].split(' ').count() <= LABEL_WORDS + 1 && !t.ends_with(['.', ';', ':', ','])
    };
    // Short questions are furniture of their own and may stand among the labels; the run must
    // end on a widget's own line (an FAQ's short answer between two questions is text, and so
    // is a cookie table's row beside its "Learn more" links).
    let question = |j: usize| u.text[j].trim_end().trim_end_matches(['*', '_']).ends_with('?');
    let widget = |j: usize| signals::is_widget_marker(&u.canon[j]);
    if !label(i) || widget(i) {
        return false;
    }
    #[derive(PartialEq)]
    enum End {
        Widget,
        SectionEdge,
        Text,
    }
    let run = |step: fn(usize) -> Option<usize>| {
        let mut j = i;
        for _ in 0..24 {
            match step(j).filter(|&k| k < u.canon.len()) {
                None => return End::SectionEdge,
                Some(k) if u.section[k] != u.section[i] => return End::SectionEdge,
                Some(k) if widget(k) => return End::Widget,
                Some(k) if label(k) || question(k) => j = k,
                Some(_) => return End::Text,
            }
        }
        End::Text
    };
    // One side must reach a widget's line, and neither may run into text.
    let back = run(|j| j.checked_sub(1));
    if back == End::Text {
        return false;
    }
    let ahead = run(|j| j.checked_add(1));
    ahead == End::Widget || (back == End::Widget && ahead == End::SectionEdge)
}

fn clause_kind(text: &str, canon: &str, doc_lang: Option<&str>) -> ClauseKind {
    if signals::is_date_line(canon) {
        return ClauseKind::DateLine;
    }
    if signals::is_cross_reference(text, canon) {
        return ClauseKind::CrossReference;
    }
    if signals::is_update_notice(canon) {
        return ClauseKind::UpdateNotice;
    }
    if signals::is_furniture(text, canon) {
        return ClauseKind::Furniture;
    }
    if let (Some(doc), Some(own)) = (doc_lang, signals::language(canon)) {
        if doc != own {
            return ClauseKind::Foreign;
        }
    }
    ClauseKind::Body
}

/// One changed clause: paired (edited), or only removed or only added; with the content words
/// that left and arrived.
struct Edit {
    old: Vec<usize>,
    new: Vec<usize>,
    gone: Vec<String>,
    came: Vec<String>,
    /// Only illustrative examples were added or removed.
    example: bool,
    /// Only notes on which language version prevails, or points of contact for authorities,
    /// changed: how the text is read or regulators reach the provider, not what it grants or
    /// requires.
    note: bool,
    /// A clause of the region, on either side, grants, forbids or requires something.
    grants: bool,
}

impl Edit {
    /// Text on both sides: a rewrite rather than a pure addition or removal.
    fn is_rewrite(&self) -> bool {
        !self.old.is_empty() && !self.new.is_empty()
    }
}

/// A clause reworded across the line between two kinds (a 40-word cross-reference that grows
/// to 41 words, a sentence that gains a pointer to another page) is still the same text.
/// Inside a run of clauses the alignment replaced, a clause of another kind than body text
/// whose words are nearly all in the other side's body text is read as body text too: the
/// edit is then a rewrite, not text removed on one side and added on the other.
fn align_kinds(
    ops: &[DiffOp],
    (ou, nu): (&Units, &Units),
    (gone, came): (&[usize], &[usize]),
    (gone_kinds, came_kinds): (&mut [ClauseKind], &mut [ClauseKind]),
) {
    let words = |c: &str| -> BTreeSet<String> { c.split(' ').map(signals::spelling_key).collect() };
    // Positions (in `ix`) of the clauses of `range` that are one-sided.
    let positions = |ix: &[usize], range: std::ops::Range<usize>| -> Vec<usize> {
        range.filter_map(|i| ix.binary_search(&i).ok()).collect()
    };
    for op in ops {
        let DiffOp::Replace { old_index, old_len, new_index, new_len } = *op else { continue };
        let olds = positions(gone, old_index..old_index + old_len);
        let news = positions(came, new_index..new_index + new_len);
        // Most replaced runs are body text on both sides: nothing to align, no word sets built.
        let mixed = olds.iter().any(|&p| gone_kinds[p] != ClauseKind::Body)
            || news.iter().any(|&p| came_kinds[p] != ClauseKind::Body);
        if !mixed {
            continue;
        }
        let body_words = |pos: &[usize], ix: &[usize], kinds: &[ClauseKind], u: &Units| -> BTreeSet<String> {
            pos.iter().filter(|&&p| kinds[p] == ClauseKind::Body).flat_map(|&p| words(&u.canon[ix[p]])).collect()
        };
        let (old_body, new_body) = (body_words(&olds, gone, gone_kinds, ou), body_words(&news, came, came_kinds, nu));
        let mostly_in = |c: &str, other: &BTreeSet<String>| {
            let w = words(c);
            !other.is_empty() && w.iter().filter(|x| other.contains(*x)).count() as f64 >= 0.8 * w.len() as f64
        };
        for &p in &olds {
            if gone_kinds[p] != ClauseKind::Body && mostly_in(&ou.canon[gone[p]], &new_body) {
                gone_kinds[p] = ClauseKind::Body;
            }
        }
        for &p in &news {
            if came_kinds[p] != ClauseKind::Body && mostly_in(&nu.canon[came[p]], &old_body) {
                came_kinds[p] = ClauseKind::Body;
            }
        }
    }
}

/// A block in one language that leaves while a block in another language, about as long,
/// arrives: the capture got that part of the page in another language (GURUWALK's Spanish
/// walker conditions captured in English, in terms that are otherwise Spanish). Both blocks are
/// read as the capture's language, not as text removed and added. The languages are read over
/// each block as a whole (a single clause often holds too few function words to tell).
fn translated_block(
    (gone, came): (&[usize], &[usize]),
    (ou, nu): (&Units, &Units),
    (gone_kinds, came_kinds): (&mut [ClauseKind], &mut [ClauseKind]),
) {
    let (gone_words, came_words) = (ou.words_in(gone.iter().copied()), nu.words_in(came.iter().copied()));
    let near = (came_words as f64) >= 0.6 * gone_words as f64 && came_words as f64 <= 1.7 * gone_words as f64;
    if gone.len() < 3 || came.len() < 3 || gone_words < 100 || !near {
        return;
    }
    let lang = |u: &Units, ix: &[usize]| signals::language_ahead(ix.iter().flat_map(|&i| u.canon[i].split(' ')), 1.5);
    let (Some(gone_lang), Some(came_lang)) = (lang(ou, gone), lang(nu, came)) else { return };
    if gone_lang != came_lang {
        for k in gone_kinds.iter_mut().chain(came_kinds.iter_mut()).filter(|k| **k == ClauseKind::Body) {
            *k = ClauseKind::Foreign;
        }
    }
}

/// Clause indexes on one side only. Counted per section (a clause removed from one section
/// while a copy stays in another is removed), except that a clause that leaves one section and
/// arrives in another is a move and cancels, and that a run of clauses one side holds once
/// more than the other (a repeated block) is set apart as copies.
fn one_sided(ou: &Units, nu: &Units) -> OneSided {
    let side = |a: &Units, b: &Units| -> Vec<usize> {
        let mut count: BTreeMap<(&str, &str), i64> = BTreeMap::new();
        for i in 0..b.canon.len() {
            *count.entry((b.section[i].as_str(), b.canon[i].as_str())).or_default() += 1;
        }
        let mut out = Vec::new();
        for i in 0..a.canon.len() {
            match count.get_mut(&(a.section[i].as_str(), a.canon[i].as_str())) {
                Some(n) if *n > 0 => *n -= 1,
                _ => out.push(i),
            }
        }
        out
    };
    let (mut gone, mut came) = (side(ou, nu), side(nu, ou));
    // Moves between sections: the same clause text leaves one and arrives in another, perhaps
    // renumbered with its section ("19.2.2 Customer may cache …" → "9.2.2 Customer may cache …").
    fn key(canon: &str) -> Option<&str> {
        Some(signals::without_numbering(canon)).filter(|k| !k.is_empty())
    }
    let mut arriving: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in &came {
        if let Some(k) = key(&nu.canon[i]) {
            arriving.entry(k).or_default().push(i);
        }
    }
    let mut moved_in = BTreeSet::new();
    gone.retain(|&i| match key(&ou.canon[i]).and_then(|k| arriving.get_mut(k)).and_then(|v| v.pop()) {
        Some(j) => {
            moved_in.insert(j);
            false
        }
        None => true,
    });
    came.retain(|j| !moved_in.contains(j));
    // Copies: a clause that one side holds more often than the other, which still holds it in
    // the same section or under a heading of the same name (a capture that held a section
    // twice, once in a highlights box and once in its place, now holds it once). The text is
    // still there, in the same place.
    // Only the clause texts still one-sided are counted: most of a version is not.
    if gone.is_empty() && came.is_empty() {
        return OneSided { gone, came, copies_gone: Vec::new(), copies_came: Vec::new() };
    }
    let wanted: BTreeSet<&str> =
        gone.iter().map(|&i| ou.canon[i].as_str()).chain(came.iter().map(|&i| nu.canon[i].as_str())).collect();
    type Counts<'a> = BTreeMap<(&'a str, &'a str), i64>;
    fn copies<'a>(u: &'a Units, wanted: &BTreeSet<&str>) -> (Counts<'a>, Counts<'a>) {
        let (mut by_section, mut by_heading) = (BTreeMap::new(), BTreeMap::new());
        for i in (0..u.canon.len()).filter(|&i| wanted.contains(u.canon[i].as_str())) {
            *by_section.entry((u.section[i].as_str(), u.canon[i].as_str())).or_default() += 1;
            *by_heading.entry((u.heading[i].as_str(), u.canon[i].as_str())).or_default() += 1;
        }
        (by_section, by_heading)
    }
    let (in_old, in_new) = (copies(ou, &wanted), copies(nu, &wanted));
    let is_copy = |u: &Units, i: usize, here: &(Counts, Counts), there: &(Counts, Counts)| {
        let fewer = |k: (&str, &str), a: &Counts, b: &Counts| {
            b.get(&k).is_some_and(|&nb| nb > 0 && a.get(&k).is_some_and(|&na| na > nb))
        };
        fewer((u.section[i].as_str(), u.canon[i].as_str()), &here.0, &there.0)
            || (!u.heading[i].is_empty() && fewer((u.heading[i].as_str(), u.canon[i].as_str()), &here.1, &there.1))
    };
    // Only a run of at least three such clauses, one after another, is a repeated block: a
    // lone clause held twice and edited in one place is an edit. A sentence repeated right
    // after itself is a slip of the page (or of its capture), whatever else changed.
    let copies_in = |ix: Vec<usize>, u: &Units, here, there| -> (Vec<usize>, Vec<usize>) {
        let candidate: BTreeSet<usize> = ix.iter().copied().filter(|&i| is_copy(u, i, here, there)).collect();
        let run_len = |i: usize| {
            let back = (1..=i).take_while(|d| candidate.contains(&(i - d))).count();
            let ahead = (1..).take_while(|d| candidate.contains(&(i + d))).count();
            back + 1 + ahead
        };
        let repeated_in_place = |i: usize| {
            u.canon[i].split(' ').count() >= 8
                && (i.checked_sub(1).is_some_and(|p| u.canon[p] == u.canon[i])
                    || u.canon.get(i + 1) == Some(&u.canon[i]))
        };
        ix.into_iter().partition(|&i| candidate.contains(&i) && (run_len(i) >= 3 || repeated_in_place(i)))
    };
    let (copies_gone, gone) = copies_in(gone, ou, &in_old, &in_new);
    let (copies_came, came) = copies_in(came, nu, &in_new, &in_old);
    OneSided { gone, came, copies_gone, copies_came }
}

/// The clauses of each side that the other lacks, and the extra copies of clauses both hold
/// (which are no change of the text, but are part of what a capture lost or gained).
struct OneSided {
    gone: Vec<usize>,
    came: Vec<usize>,
    copies_gone: Vec<usize>,
    copies_came: Vec<usize>,
}

/// The changed regions of the document: Myers over clauses, keeping in each region only the
/// clauses on one side (`gone_ok`, `came_ok`). A region with clauses on both sides is a rewrite;
/// comparing whole regions, not clause pairs, keeps a re-split sentence from looking new.
fn regions(ops: &[DiffOp], gone_ok: &BTreeSet<usize>, came_ok: &BTreeSet<usize>) -> Vec<(Vec<usize>, Vec<usize>)> {
    let mut out = Vec::new();
    let (mut cur_old, mut cur_new): (Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new());
    for &op in ops {
        let (o, n) = match op {
            DiffOp::Equal { len, .. } => {
                // A short equal run inside a rewrite (a repeated heading word) does not split it.
                if len > 2 && (!cur_old.is_empty() || !cur_new.is_empty()) {
                    out.push((std::mem::take(&mut cur_old), std::mem::take(&mut cur_new)));
                }
                continue;
            }
            DiffOp::Delete { old_index, old_len, .. } => (old_index..old_index + old_len, 0..0),
            DiffOp::Insert { new_index, new_len, .. } => (0..0, new_index..new_index + new_len),
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                (old_index..old_index + old_len, new_index..new_index + new_len)
            }
        };
        cur_old.extend(o.filter(|i| gone_ok.contains(i)));
        cur_new.extend(n.filter(|i| came_ok.contains(i)));
    }
    if !cur_old.is_empty() || !cur_new.is_empty() {
        out.push((cur_old, cur_new));
    }
    out.retain(|(o, n)| !o.is_empty() || !n.is_empty());
    // One-sided clauses the alignment matched elsewhere (a duplicate whose other copy it kept)
    // form their own regions, consecutive ones together.
    let covered_old: BTreeSet<usize> = out.iter().flat_map(|(o, _)| o.iter().copied()).collect();
    let covered_new: BTreeSet<usize> = out.iter().flat_map(|(_, n)| n.iter().copied()).collect();
    let group = |ix: Vec<usize>| -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for i in ix {
            match groups.last_mut() {
                Some(g) if g.last().is_some_and(|&l| l + 1 == i) => g.push(i),
                _ => groups.push(vec![i]),
            }
        }
        groups
    };
    out.extend(
        group(gone_ok.iter().copied().filter(|i| !covered_old.contains(i)).collect()).into_iter().map(|g| (g, vec![])),
    );
    out.extend(
        group(came_ok.iter().copied().filter(|i| !covered_new.contains(i)).collect()).into_iter().map(|g| (vec![], g)),
    );
    out
}

/// Words that give a number its meaning: periods, amounts, ages, limits.
const UNIT_WORDS: &[&str] = &[
    "day", "days", "week", "weeks", "month", "months", "year", "years", "hour", "hours", "minute", "minutes",
    "business", "calendar", "age", "old", "percent", "eur", "euro", "euros", "usd", "dollars", "gbp", "pounds", "ron",
    "lei", "chf", "fee", "fees", "price", "cost", "limit", "maximum", "minimum", "up", "jours", "mois", "ans",
    "heures", "tage", "tagen", "monate", "monaten", "jahre", "jahren", "stunden", "días", "meses", "años", "giorni",
    "mesi", "anni", "dias", "zile", "luni", "ani", "dagen", "maanden",
];

/// A number (not a year, not a date) that changed next to a unit, currency or age in its
/// clause ("refund within 14 days" → "30 days", "100 EUR", "$5"), or `None`. The (number, unit)
/// pairs of the region's new clauses are compared with those of its old clauses, each clause on
/// its own, so that a clause's own numbering ("4.3 Minimum age") is not taken for a quantity;
/// the unit must be within three words, so a changed postcode beside a period does not count.
fn number_with_unit_changed(e: &Edit, new: &[&str], old: &[&str], raw: &str) -> Option<String> {
    let is_num = |w: &String| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit()) && !signals::is_year(w);
    let changed: BTreeSet<&str> = e.gone.iter().chain(&e.came).filter(|w| is_num(w)).map(String::as_str).collect();
    if changed.is_empty() {
        return None;
    }
    // The number quantifies the unit: "30 days", "30 business days", "EUR 10", "age of 13".
    let pairs = |clauses: &[&str]| -> BTreeSet<(String, String)> {
        let mut out = BTreeSet::new();
        for c in clauses.iter().filter(|c| !signals::is_date_line(c)) {
            let ws: Vec<&str> = c.split(' ').collect();
            let unit = |j: usize| ws.get(j).filter(|x| UNIT_WORDS.contains(x)).map(|x| x.to_string());
            // A clause's own number ("4.3 Minimum age", "12. You must …") is numbering, not a
            // quantity: a number in parts, or one no unit follows ("30 days after …" is a
            // quantity).
            let lead = ws.iter().take_while(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit())).count();
            let numbering = if lead >= 2 || (lead == 1 && unit(lead).is_none()) { lead } else { 0 };
            // A clause that reports statistics: it opens with one ("Average time to process
            // complaints …: 4.18 calendar days"), or gives a figure "on average" without a
            // modal ("we processed the complaints within 7 days on average").
            let reports = ws.get(numbering).is_some_and(|x| signals::STATISTIC_WORDS.contains(x))
                || (signals::contains_phrase(c, "on average")
                    && !ws.iter().any(|x| matches!(*x, "will" | "must" | "shall" | "may" | "can" | "should")));
            if reports {
                continue;
            }
            for (i, w) in ws.iter().enumerate().skip(numbering) {
                // A reported figure ("Average response time: 1.1 days") is no term.
                if !changed.contains(w)
                    || ws[i.saturating_sub(4)..i].iter().any(|x| signals::STATISTIC_WORDS.contains(x))
                {
                    continue;
                }
                // A figure written in groups ("5.000,00 EUR", "1,500.00 USD") reaches its unit
                // after its other groups.
                let groups = ws[i + 1..]
                    .iter()
                    .take(3)
                    .take_while(|x| !x.is_empty() && x.len() <= 3 && x.chars().all(|c| c.is_ascii_digit()))
                    .count();
                let found = unit(i + 1)
                    .or_else(|| (groups > 0).then(|| unit(i + 1 + groups)).flatten())
                    .or_else(|| {
                        unit(i + 2).filter(|_| ws.get(i + 1).is_some_and(|x| x.chars().all(char::is_alphabetic)))
                    })
                    .or_else(|| i.checked_sub(1).and_then(&unit))
                    .or_else(|| (i >= 2 && ws[i - 1] == "of").then(|| unit(i - 2)).flatten());
                if let Some(u) = found {
                    out.insert((w.to_string(), u));
                }
            }
        }
        out
    };
    let (pn, po) = (pairs(new), pairs(old));
    // The new side's number first, so the reason quotes the clause as it now reads.
    if let Some((n, _)) = pn.difference(&po).next().or_else(|| po.difference(&pn).next()) {
        return Some(n.clone());
    }
    changed
        .iter()
        .find(|n| {
            let marked =
                ["€", "$", "£"].iter().any(|c| raw.contains(&format!("{c}{n}")) || raw.contains(&format!("{c} {n}")))
                    || ["%", " %", "€", " €"].iter().any(|c| raw.contains(&format!("{n}{c}")));
            marked && !signals::only_reported_figures(raw, n)
        })
        .map(|n| n.to_string())
}

/// The words of the link texts in a clause (`[these words](target)`).
fn link_words(raw: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = raw;
    while let Some(i) = rest.find('[') {
        let after = &rest[i + 1..];
        let Some(j) = after.find("](") else { break };
        for w in text::canonical(&after[..j]).split(' ').filter(|w| !w.is_empty()) {
            out.insert(signals::spelling_key(w));
        }
        rest = &after[j..];
    }
    out
}

/// Legal-entity suffixes: a systematic replacement that involves one is a change of the
/// contracting party or controller.
#[rustfmt::skip]
const ENTITY_SUFFIXES: &[&str] = &[
    "inc", "llc", "ltd", "limited", "corp", "corporation", "gmbh", "ag", "sas", "sarl", "sa", "bv", "nv", "plc",
    "lp", "llp", "srl", "spa", "ab", "aps", "oy", "kg", "co",
];

/// Whether a clause names a contracting party or controller by a company name ("X Corp") that
/// `old_text` (the old version's canonical clauses, space-padded) does not hold.
fn names_new_entity(canon: &str, old_text: &str) -> bool {
    if !signals::names_party(canon) {
        return false;
    }
    let ws: Vec<&str> = canon.split(' ').collect();
    ws.windows(2).any(|w| is_unambiguous_entity_suffix(w[1]) && !old_text.contains(&format!(" {} {} ", w[0], w[1])))
}

/// An entity suffix that names a company beyond doubt: two-letter ones ("NV", "CO", "SA",
/// "AG") are also state or country codes in an address ("Las Vegas, NV 89108").
fn is_unambiguous_entity_suffix(w: &str) -> bool {
    w.len() >= 3 && ENTITY_SUFFIXES.contains(&w)
}

/// The same words replaced the same way in several clauses: a rename or new contact details
/// (editorial), or a new legal entity (substantive).
fn systematic_rename(edits: &[Edit], ou: &Units, nu: &Units, lang: Option<&str>) -> Option<(String, Significance)> {
    // Clause by clause inside rewrites that keep their shape (clause i of the old text became
    // clause i of the new one); a changed clause outside such a rewrite counts once, as is.
    let mut signatures: BTreeMap<(Vec<String>, Vec<String>), usize> = BTreeMap::new();
    let mut changed_clauses = 0;
    let mut add = |g: Vec<String>, c: Vec<String>| {
        let (mut g, mut c) = (g, c);
        g.sort();
        g.dedup();
        c.sort();
        c.dedup();
        *signatures.entry((g, c)).or_default() += 1;
    };
    for e in edits.iter().filter(|e| !(e.gone.is_empty() && e.came.is_empty())) {
        if e.is_rewrite() && e.old.len() == e.new.len() {
            for (&o, &n) in e.old.iter().zip(&e.new) {
                let (a, b): (Vec<&str>, Vec<&str>) =
                    (ou.canon[o].split(' ').collect(), nu.canon[n].split(' ').collect());
                let (g, c) = signals::content_changes(&a, &b);
                if !(g.is_empty() && c.is_empty()) {
                    changed_clauses += 1;
                    add(g, c);
                }
            }
        } else {
            changed_clauses += 1;
            add(e.gone.clone(), e.came.clone());
        }
    }
    let ((g, c), n) = signatures.iter().max_by_key(|(_, n)| **n)?;
    // Words only added (or only removed) in many clauses extend (or narrow) each of them: no
    // rename ("hard drugs" → "hard drugs or certain poisonous substances" in every rule).
    if g.is_empty() || c.is_empty() {
        return None;
    }
    let changed_edits = changed_clauses;
    // Most of the changed clauses carry the same replacement, and it is not about obligations.
    if *n < 2 || (*n as f64) < 0.6 * changed_edits as f64 {
        return None;
    }
    let words: Vec<&String> = g.iter().chain(c.iter()).collect();
    if words.iter().any(|w| signals::is_obligation_word_in(w, lang) && !WEAK_CUES.contains(&w.as_str())) {
        return None;
    }
    let from = g.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(" ");
    let to = c.iter().map(|w| w.as_str()).collect::<Vec<_>>().join(" ");
    if words.iter().any(|w| ENTITY_SUFFIXES.contains(&w.as_str())) {
        return Some((
            format!("the named legal entity changed throughout ({n} clauses): «{from}» → «{to}»"),
            Significance::Substantive,
        ));
    }
    Some((
        format!("the same words replaced throughout ({n} clauses), a rename or new contact details: «{from}» → «{to}»"),
        Significance::Editorial,
    ))
}

/// Modals, negations and explicit permission or prohibition words.
#[rustfmt::skip]
const MODALS: &[&str] = &[
    "may", "must", "shall", "not", "no", "never", "only", "prohibited", "prohibit", "allow", "allowed",
    "permit", "permitted", "except", "unless", "required", "require", "forbidden",
];

/// The same in the other tracked languages (read only outside English documents).
#[rustfmt::skip]
const OTHER_MODALS: &[&str] = &[
    "doit", "peut", "interdit", "pas", "muss", "darf", "nicht", "verboten", "debe", "puede", "prohibido",
    "deve", "pode", "vietato", "non", "moet", "mag", "niet", "musi", "może", "trebuie", "poate", "interzis",
    "nu",
];

/// A Markdown list entry ("* ", "- ", "+ " or a bullet).
fn is_list_item(text: &str) -> bool {
    let t = text.trim_start();
    t.starts_with("* ") || t.starts_with("- ") || t.starts_with("+ ") || t.starts_with('•')
}

/// A list item, bulleted or numbered: "* x", "(2) x", "2. x", "b) x".
fn is_enumerated(text: &str) -> bool {
    if is_list_item(text) {
        return true;
    }
    let t = text.trim_start();
    let label = |s: &str| !s.is_empty() && s.len() <= 4 && s.chars().all(|c| c.is_ascii_alphanumeric());
    if let Some(rest) = t.strip_prefix('(') {
        return rest.split_once(')').is_some_and(|(l, _)| label(l));
    }
    t.split_once([')', '.']).is_some_and(|(l, after)| {
        label(l) && l.chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()) && after.starts_with(' ')
    })
}

/// A modal, negation or permission word in the document's language.
fn is_modal(w: &str, lang: Option<&str>) -> bool {
    MODALS.contains(&w) || (lang != Some("en") && OTHER_MODALS.contains(&w))
}

/// A clause that grants, forbids or requires something, in the document's language.
fn carries_obligation(canon: &str, lang: Option<&str>) -> bool {
    canon.split(' ').any(|w| is_modal(w, lang))
}

/// The capture shows something else than (part of) the document: an error page, a truncated
/// page, another language, or text that merely comes back from an earlier capture.
fn capture_artefact(
    po: &Prepared,
    pn: &Prepared,
    (gone, came): (&[usize], &[usize]),
    (copies_gone, copies_came): (&[usize], &[usize]),
    (old, new): (&Analysis, &Analysis),
    context: &Context<'_>,
) -> Option<String> {
    let (ow, nw, ou, nu) = (&po.words, &pn.words, &po.units, &pn.units);
    let (gone_words, came_words) = (ou.words_in(gone.iter().copied()), nu.words_in(came.iter().copied()));
    // A section the capture held twice and now holds once is no text of the document lost.
    let lost_words = gone_words.saturating_sub(ou.words_in(copies_gone.iter().copied()));
    // One side is a small fraction of the other and shares little with it.
    let (small, large) = if ow.len() <= nw.len() { (ow, nw) } else { (nw, ow) };
    let large_set: BTreeSet<&str> = large.iter().map(String::as_str).collect();
    let shared = small.iter().filter(|w| large_set.contains(w.as_str())).count();
    if (small.len() as f64) < 0.25 * large.len() as f64
        && large.len() > 150
        && (shared as f64) < 0.9 * small.len() as f64 + 1.0
    {
        return Some(format!(
            "one version has {} words, the other {}; the short one is not a version of the document",
            small.len(),
            large.len()
        ));
    }
    // None of the document's text is left and the new capture states none of its provisions:
    // another page (a home or marketing page) was captured instead. A rewritten document still
    // states provisions; a page the size of the old one that states none is not the document.
    // The kinds of provision are counted only once the text is found gone.
    let old_words = ou.words_in(0..ou.canon.len());
    if old_words >= 300 && gone_words as f64 >= 0.9 * old_words as f64 {
        let kinds = |a: &Analysis| confident(a).map(|f| f.provision.as_str()).collect::<BTreeSet<_>>().len();
        let (old_kinds, new_kinds) = (kinds(old), kinds(new));
        if old_kinds >= 5 && new_kinds <= 1 {
            return Some(format!(
                "none of the document's text is left and the new capture states {new_kinds} of its {old_kinds} kinds of provision: another page was captured instead"
            ));
        }
    }
    // The very page (the same words) was captured for another document of the platform at the
    // same time, while the document's text is gone: a common page (home page, redirect).
    if old_words >= 50 && gone_words as f64 >= 0.9 * old_words as f64 && !nw.is_empty() {
        if let Some(other) = context.other_documents.iter().find(|d| d.capture.words == *nw) {
            return Some(format!(
                "none of the document's text is left and the same page was captured for the platform's {} at the same time: a common page (a home page or a redirect) was captured instead",
                other.name
            ));
        }
    }
    let marker = |u: &Units, ix: &[usize]| ix.iter().any(|&i| signals::has_error_marker(&u.canon[i]));
    if marker(nu, came) && gone_words >= 3 * came_words {
        return Some("an error page was captured instead of (part of) the document".into());
    }
    if marker(ou, gone) && came_words >= 3 * gone_words {
        return Some("the document comes back after an error page".into());
    }
    if let (Some(a), Some(b)) = (po.lang, pn.lang) {
        if a != b {
            return Some(format!("the capture switched language ({a} → {b}): a translation, not a new version"));
        }
    }
    if ow.len() >= 300 && gone_words as f64 >= 0.6 * ow.len() as f64 && (came_words as f64) <= 0.1 * gone_words as f64 {
        return Some(format!(
            "{gone_words} of the document's {} words vanished from the capture and nothing replaced them (truncated capture)",
            ow.len()
        ));
    }
    // A large part vanished, nothing replaced it, and the document's own "last updated" line
    // did not move: the capture lost part of the page (collapsed sections, a partial load).
    if !po.dates.is_empty()
        && po.dates == pn.dates
        && gone_words as f64 >= 0.2 * ow.len() as f64
        && gone_words >= 300
        && (came_words as f64) <= 0.02 * gone_words as f64
    {
        return Some(format!(
            "{gone_words} of the document's {} words vanished, nothing was added and its last-updated date did not change (partial capture)",
            ow.len()
        ));
    }
    // Another document joined the capture: a long block arrived, nearly nothing left, the
    // document's own date lines stayed, and the block opens by naming itself as an instrument
    // the old text never called itself ("These Limited Data Use Terms form a legally binding
    // contract ..."). The page's tracked scope changed; the document did not. Not when the
    // block announces a new version of the document, nor when it sits under a numbered heading
    // (it continues the document's own sections: "33. SMS Terms").
    let kept_all =
        came_words >= 300 && (lost_words as f64) <= 0.02 * came_words as f64 && po.dates.is_subset(&pn.dates);
    let announced = || came.iter().any(|&i| signals::is_update_notice(&nu.canon[i]));
    if kept_all {
        let opening = &came[..came.len().min(10)];
        let announced = announced();
        // A block with a date line of its own may name itself by a title line ("TikTok Shop Law
        // Enforcement & Regulatory Disclosure Guidelines" over "Last updated 27 August 2025").
        let dated = came.iter().any(|&i| signals::is_date_line(&nu.canon[i]));
        // The new text's first line is the document's own title.
        let names_of = |i: usize| {
            let mut names: Vec<(String, bool)> =
                signals::instrument_names(&nu.text[i]).into_iter().map(|n| (n, false)).collect();
            let titled = dated && i > 0;
            names.extend(titled.then(|| signals::titled_instrument(&nu.text[i])).flatten().map(|n| (n, true)));
            names
        };
        // The clauses up to the first that names an instrument: under a numbered heading, the
        // block continues the document's own sections.
        let named: Vec<Vec<(String, bool)>> = opening.iter().map(|&i| names_of(i)).collect();
        let naming = named.iter().position(|n| !n.is_empty());
        let numbered = naming.is_some_and(|k| opening[..=k].iter().any(|&i| nu.numbered_section[i]));
        let names: Vec<(String, bool)> = named.into_iter().flatten().collect();
        // The old text's own names are read only when the block names something. A title that
        // ends with a name the old text calls itself by ("TikTok Law Enforcement Guidelines" over
        // "these Law Enforcement Guidelines") is the document's own title. The old text may
        // mention the other document (a link to it): that does not make it its own.
        let joined = (!announced && !numbered && !names.is_empty())
            .then(|| {
                let own: BTreeSet<String> = ou.text.iter().flat_map(|t| signals::instrument_names(t)).collect();
                let owned = |n: &str| own.iter().any(|o| n.ends_with(&format!(" {o}")));
                names.into_iter().find(|(n, titled)| !(own.contains(n) || (*titled && owned(n)))).map(|(n, _)| n)
            })
            .flatten();
        if let Some(name) = joined {
            return Some(format!(
                "{came_words} words of another document (\"{name}\") joined the capture and the document's own text and dates stayed: the tracked scope changed"
            ));
        }
    }
    // Pages joined a capture of several pages: the old capture holds two or more pages under
    // titles of their own (level-one headings), the text that arrived lies under titles it did
    // not hold, most of which name a page ("Civic integrity policy") or carry a date line of
    // their own, and nothing of the old text left. A document whose own sections are level-one
    // headings gains a section under a title that names no page, or a numbered one ("15. AI").
    // Additional terms for a product ("Gemini Enterprise Additional Terms of Service") extend
    // the agreement to it: a change.
    if kept_all && ou.pages.len() >= 2 {
        let outside = came.iter().filter(|&&i| nu.page[i].is_empty() || ou.pages.contains(&nu.page[i]));
        let joined_titles: BTreeSet<&str> =
            came.iter().map(|&i| nu.page[i].as_str()).filter(|t| !t.is_empty()).collect();
        let names_page = |t: &str| {
            let dated = came.iter().any(|&i| nu.page[i] == t && signals::is_date_line(&nu.canon[i]));
            dated || t.rsplit(' ').next().is_some_and(signals::is_instrument_noun)
        };
        let numbered = joined_titles.iter().any(|t| t.starts_with(|c: char| c.is_ascii_digit()));
        let extends = joined_titles.iter().any(|t| t.split(' ').any(signals::is_extending_word));
        if nu.words_in(outside.copied()) as f64 <= 0.02 * came_words as f64
            && !joined_titles.is_empty()
            && !numbered
            && !extends
            && 2 * joined_titles.iter().filter(|t| names_page(t)).count() >= joined_titles.len()
            && !announced()
        {
            let shown: Vec<&str> = joined_titles.iter().take(3).copied().collect();
            return Some(format!(
                "{came_words} words under {} page title(s) the capture did not hold (\"{}\"{}) joined a capture of {} pages whose own text and dates stayed: the tracked scope changed",
                joined_titles.len(),
                shown.join("\", \""),
                if joined_titles.len() > 3 { ", …" } else { "" },
                ou.pages.len()
            ));
        }
    }
    // The document's version for another audience joined the capture (Airbnb's "Terms of
    // Service for Australian Users" after its "… for European Users"; Twitter's terms for users
    // outside the EU beside the EU terms): the arrived block is titled as the document is (its
    // title, or its title but for one word) and repeats most of its section headings. A second
    // copy of the agreement for other users leaves the tracked one as it was; a new section for
    // a group of users ("Privacy notice for California residents") is under no such title.
    // One block: an edit of the tracked text elsewhere is the document's.
    let one_block = came.windows(2).all(|w| w[1] == w[0] + 1);
    if kept_all && lost_words == 0 && one_block && !announced() {
        let own = |h: &str| ou.headings.contains(h) || ou.titles.contains(h);
        // Another copy of the tracked text is no version for other users (a page held twice).
        let block: BTreeSet<&str> = came
            .iter()
            .filter(|i| !copies_came.contains(i))
            .map(|&i| signals::without_numbering(&nu.heading[i]))
            .filter(|h| !h.is_empty())
            .collect();
        let repeated = block.iter().filter(|h| own(h)).count();
        let one_word_apart = |a: &str, b: &str| {
            let (a, b): (Vec<&str>, Vec<&str>) = (a.split(' ').collect(), b.split(' ').collect());
            a.len() == b.len() && a.len() >= 3 && a.iter().zip(&b).filter(|(x, y)| x != y).count() <= 1
        };
        let titled =
            |h: &str| h.split(' ').any(signals::is_instrument_noun) && (h == ou.title || one_word_apart(&ou.title, h));
        if repeated >= 3 && 2 * repeated >= block.len() {
            if let Some(title) = block.iter().find(|h| titled(h)) {
                return Some(format!(
                    "{came_words} words of the document's version for other users (\"{title}\", {repeated} of its section headings repeated) joined the capture, whose own text and dates stayed: the tracked scope changed"
                ));
            }
        }
    }
    // Text that comes back from an earlier capture of the same document: alternating variants
    // or a truncated capture repaired. A capture that only lost text counts when it is
    // identical to one of the last week (a block that was on the page for hours or days; a
    // notice kept for weeks and then taken down is the document's).
    let recent = |d: Option<f64>| d.is_some_and(|d| d <= RESTORE_WINDOW_DAYS);
    let last_week = |d: Option<f64>| d.is_some_and(|d| d <= BLOCK_GONE_AGAIN_DAYS);
    // The added text is the items of lists whose lead-in the old capture held with nothing
    // under it ("… on one or more of the following legal bases:" right before the next
    // heading): that capture dropped the lists, whenever the earlier capture holding them was.
    let refilled = std::cell::OnceCell::new();
    let fills_empty_lists = || {
        *refilled.get_or_init(|| {
            let in_old: BTreeMap<&str, usize> = ou.canon.iter().enumerate().map(|(j, c)| (c.as_str(), j)).collect();
            let emptied = |l: usize| {
                in_old.get(nu.canon[l].as_str()).is_some_and(|&j| {
                    ou.text[j].trim_end().ends_with(':')
                        && (j + 1 == ou.canon.len() || !ou.item[j + 1] || ou.section[j + 1] != ou.section[j])
                })
            };
            let items = came.iter().filter(|&&i| nu.lead_in[i].is_some_and(emptied)).copied();
            nu.words_in(items) as f64 >= 0.9 * came_words as f64
        })
    };
    if came_words >= 5 || (!gone.is_empty() && context.earlier.iter().any(|e| last_week(e.days_before_new))) {
        let new_set: BTreeSet<&str> = nu.canon.iter().map(String::as_str).collect();
        for (k, earlier) in context.earlier.iter().enumerate() {
            if came_words < 5 && !last_week(earlier.days_before_new) {
                continue;
            }
            let seen: BTreeSet<&str> = earlier.version.units.canon.iter().map(String::as_str).collect();
            let identical = seen == new_set;
            if identical {
                return Some(format!(
                    "the new text is identical to an earlier capture ({} version(s) before): alternating capture",
                    k + 2
                ));
            }
            if came_words < 5 || !(recent(earlier.days_before_new) || fills_empty_lists()) {
                continue;
            }
            let back = came
                .iter()
                .filter(|&&i| seen.contains(nu.canon[i].as_str()))
                .map(|&i| nu.canon[i].split(' ').count())
                .sum::<usize>();
            if back as f64 >= 0.9 * came_words as f64 {
                return Some(format!(
                    "the added text ({came_words} words) is the text of a capture {} version(s) before, {:.0} day(s) earlier: alternating or repaired capture",
                    k + 2,
                    earlier.days_before_new.unwrap_or(0.0)
                ));
            }
        }
    }
    None
}

/// How recent a capture must be for a capture that only lost text, and is identical to it, to
/// be read as a block that came and went (alternating variants), not as a removal.
const BLOCK_GONE_AGAIN_DAYS: f64 = 7.0;

/// Most words of a short label that is read as naming a topic rather than stating a provision.
const LABEL_WORDS: usize = 5;

/// Provisions added and removed (confident findings whose clause is among the changed ones)
/// and attribute values that changed with both quotes.
fn provision_deltas(
    s: &mut ChangeSummary,
    old: &Analysis,
    new: &Analysis,
    gone_set: &BTreeSet<&str>,
    came_set: &BTreeSet<&str>,
) {
    let (op, np) = (provision_map(old), provision_map(new));
    let tax = crate::taxonomy::taxonomy();
    // A label of a few words that is no sentence ("Appeal a monetization decision", a help
    // widget's link or a heading-like line) names a topic; it states no provision. So does a
    // label that introduces what follows ("**Recommender Systems:**"), unless it already
    // grants or forbids ("You may not:" leads into a list of rules).
    let label_like = |quote: &str| {
        let t = quote.trim().trim_end_matches(['*', '_', ' ']);
        let lead_in = t.ends_with(':') && !carries_obligation(&text::canonical(t), None);
        t.split_whitespace().count() <= LABEL_WORDS && (lead_in || !t.ends_with(['.', ';', ':', '!', ')']))
    };
    // A quote that spans several clauses counts when one of them changed; a changed label
    // of a few words that the quote merely repeats ("recommender systems") does not.
    let in_set = |set: &BTreeSet<&str>, quote: &str| {
        let q = text::canonical(quote);
        set.iter().any(|c| c.contains(q.as_str()) || (q.contains(*c) && c.split(' ').count() > LABEL_WORDS))
    };
    let states_provision = |set: &BTreeSet<&str>, quote: &str| !label_like(quote) && in_set(set, quote);
    for (p, fs) in &np {
        if !op.contains_key(p) {
            if let Some(f) = fs.iter().find(|f| states_provision(came_set, &f.quote)) {
                s.provisions_added.push(ProvisionDelta {
                    provision: p.to_string(),
                    name: tax.get(p).map(|x| x.name.clone()).unwrap_or_default(),
                    quote: f.quote.clone(),
                    section: f.section.clone(),
                });
            }
        }
    }
    for (p, fs) in &op {
        if !np.contains_key(p) {
            if let Some(f) = fs.iter().find(|f| states_provision(gone_set, &f.quote)) {
                s.provisions_removed.push(ProvisionDelta {
                    provision: p.to_string(),
                    name: tax.get(p).map(|x| x.name.clone()).unwrap_or_default(),
                    quote: f.quote.clone(),
                    section: f.section.clone(),
                });
            }
        }
        if let Some(nfs) = np.get(p) {
            let (ov, nv) = (attribute_values(fs), attribute_values(nfs));
            for (name, before) in &ov {
                let Some(after) = nv.get(name) else { continue };
                let bset: BTreeSet<&str> = before.iter().map(|x| x.0.as_str()).collect();
                let aset: BTreeSet<&str> = after.iter().map(|x| x.0.as_str()).collect();
                if bset == aset {
                    continue;
                }
                let b = before.iter().find(|x| !aset.contains(x.0.as_str())).unwrap_or(&before[0]);
                let a = after.iter().find(|x| !bset.contains(x.0.as_str())).unwrap_or(&after[0]);
                // Only when the clause that states the value changed.
                if !(in_set(gone_set, b.1) || in_set(came_set, a.1)) {
                    continue;
                }
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

/// Changed-region word runs larger than this are compared as word multisets, not aligned.
const MAX_ALIGNED_RUN: usize = 3_000;

/// Words removed and added: over the clause alignment `ops`, the words of each changed run of
/// clauses aligned again (Myers), or compared as multisets when the run is too large.
fn changed_words(ops: &[DiffOp], ou: &[String], nu: &[String]) -> (Vec<String>, Vec<String>) {
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    let split = |v: &[String]| -> Vec<String> { v.iter().flat_map(|u| u.split(' ').map(str::to_string)).collect() };
    for &op in ops {
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
            for (w, c) in counts {
                let side = if c < 0 { &mut removed } else { &mut added };
                side.extend(std::iter::repeat_n(w.to_string(), c.unsigned_abs() as usize));
            }
            continue;
        }
        for wop in capture_diff_slices(Algorithm::Myers, &o, &n) {
            match wop {
                DiffOp::Equal { .. } => {}
                DiffOp::Delete { old_index, old_len, .. } => {
                    removed.extend_from_slice(&o[old_index..old_index + old_len])
                }
                DiffOp::Insert { new_index, new_len, .. } => {
                    added.extend_from_slice(&n[new_index..new_index + new_len])
                }
                DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                    removed.extend_from_slice(&o[old_index..old_index + old_len]);
                    added.extend_from_slice(&n[new_index..new_index + new_len]);
                }
            }
        }
    }
    (removed, added)
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
#[derive(Debug)]
struct Units {
    canon: Vec<String>,
    text: Vec<String>,
    /// Whether the clause lies wholly inside one Markdown link (a link list's entry, a teaser
    /// of another page), as navigation does; a clause holding a link is not one.
    in_link: Vec<bool>,
    /// For a list item, the index of the lead-in clause its list hangs from ("The following
    /// acts are prohibited:").
    lead_in: Vec<Option<usize>>,
    /// Whether the clause opens a list item (its line starts with a bullet or a number, which
    /// segmentation leaves out of the clause's text).
    item: Vec<bool>,
    /// Canonical heading path of each clause's section.
    section: Vec<String>,
    /// Canonical own heading of each clause's section (the last of its path).
    heading: Vec<String>,
    /// Whether the clause's own heading is numbered ("33. SMS Terms").
    numbered_section: Vec<bool>,
    /// Every heading of the version, canonical.
    headings: BTreeSet<String>,
    /// Short clauses that are no list item (bold titles standing in for headings), canonical,
    /// numbering aside: what a table of contents lists.
    titles: BTreeSet<String>,
    /// The level-one title each clause lies under, canonical ("" for none): in a capture of
    /// several pages, the page.
    page: Vec<String>,
    /// Every level-one title of the version, canonical.
    pages: BTreeSet<String>,
    /// The first heading of the version (the title its first clause lies under), canonical,
    /// numbering aside: most often the document's own title.
    title: String,
}

impl Units {
    /// How many words the clauses `ix` hold.
    fn words_in(&self, ix: impl IntoIterator<Item = usize>) -> usize {
        ix.into_iter().map(|i| self.canon[i].split(' ').count()).sum()
    }

    fn of(md: &str) -> Units {
        let (mut canon, mut text_, mut section) = (Vec::new(), Vec::new(), Vec::new());
        let mut numbered_section = Vec::new();
        let links = link_spans(md);
        let mut in_link = Vec::new();
        let mut lead_in = Vec::new();
        // The last clause ending with a colon in this section, while the items after it last.
        let mut current_lead: Option<usize> = None;
        let mut titles = BTreeSet::new();
        let mut item = Vec::new();
        let mut headings = BTreeSet::new();
        let mut title = String::new();
        let (clauses, level_one) = crate::segment::clauses_and_pages(md);
        let level_one: BTreeSet<String> = level_one.into_iter().collect();
        let pages: BTreeSet<String> = level_one.iter().map(|t| text::canonical(t)).collect();
        let (mut page, mut last_page) = (Vec::new(), String::new());
        // Clauses come section by section: each heading path is canonicalised once.
        let mut last: Option<(Vec<String>, String)> = None;
        let (mut heading, mut last_heading) = (Vec::new(), String::new());
        for c in clauses {
            let k = signals::mark_false_modals(text::canonical(&c.text));
            if k.is_empty() {
                continue;
            }
            if last.as_ref().is_none_or(|(path, _)| *path != c.section) {
                current_lead = None;
                headings.extend(
                    c.section.iter().map(|h| {
                        signals::without_numbering(&signals::mark_false_modals(text::canonical(h))).to_string()
                    }),
                );
                last = Some((c.section.clone(), text::canonical(&c.section.join(" / "))));
                last_heading = c.section.last().map(|h| text::canonical(h)).unwrap_or_default();
                last_page = c
                    .section
                    .first()
                    .filter(|t| level_one.contains(*t))
                    .map(|t| text::canonical(t))
                    .unwrap_or_default();
            }
            page.push(last_page.clone());
            section.push(last.as_ref().map(|(_, s)| s.clone()).unwrap_or_default());
            heading.push(last_heading.clone());
            numbered_section.push(
                c.section
                    .last()
                    .is_some_and(|h| h.trim_start_matches(['*', '_', ' ']).starts_with(|ch: char| ch.is_ascii_digit())),
            );
            // Spans are sorted by start: the enclosing link is among the last few starting at or
            // before the clause (links nested in it, an image in a card, start after it).
            let at = links.partition_point(|&(start, _)| start <= c.start);
            in_link.push(links[..at].iter().rev().take(4).any(|&(start, end)| start <= c.start && c.end <= end));
            // Offsets come from segmentation; read them with `get` so that no offset can panic.
            let line_start = md.get(..c.start).and_then(|p| p.rfind('\n')).map_or(0, |n| n + 1);
            // Segmentation cuts a numbered item's label from its text ("1." | "Processing is
            // …"): the label belongs to the item and does not end the list its lead-in opened.
            // (Length first: this runs on every clause of every version, and only a label of a
            // few bytes is worth the test's allocation.)
            let bare_label =
                c.text.len() <= 5 && md.get(line_start..c.end).is_some_and(|l| is_enumerated(&format!("{l} x")));
            let is_item = bare_label || md.get(line_start..c.end).is_some_and(is_enumerated);
            item.push(is_item);
            if is_item {
                lead_in.push(current_lead);
            } else {
                lead_in.push(None);
                current_lead = c.text.trim_end().ends_with(':').then_some(canon.len());
                if k.split(' ').count() <= 8 {
                    titles.insert(signals::without_numbering(&k).to_string());
                }
            }
            if canon.is_empty() {
                title = c
                    .section
                    .first()
                    .map(|t| signals::without_numbering(&text::canonical(t)).to_string())
                    .unwrap_or_default();
            }
            canon.push(k);
            text_.push(c.text);
        }
        Units {
            canon,
            text: text_,
            in_link,
            lead_in,
            item,
            section,
            heading,
            numbered_section,
            headings,
            titles,
            page,
            pages,
            title,
        }
    }
}

/// Byte spans of the Markdown links in `md`, from `[` to the closing `)`, sorted by start.
/// Link texts may run over several lines (a card of a link list); escaped brackets are text.
fn link_spans(md: &str) -> Vec<(usize, usize)> {
    let b = md.as_bytes();
    let (mut open, mut spans) = (Vec::new(), Vec::new());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            // A link's text never runs over an empty line: brackets left open there are text.
            b'\n' if b.get(i + 1) == Some(&b'\n') => open.clear(),
            b'[' => open.push(i),
            b']' => {
                if let (Some(start), Some(b'(')) = (open.pop(), b.get(i + 1)) {
                    // The target ends at the first unbalanced `)`, within a line.
                    let mut depth = 0usize;
                    let mut j = i + 2;
                    while j < b.len() && b[j] != b'\n' {
                        match b[j] {
                            b'(' => depth += 1,
                            b')' if depth == 0 => break,
                            b')' => depth -= 1,
                            _ => {}
                        }
                        j += 1;
                    }
                    if j < b.len() && b[j] == b')' {
                        spans.push((start, j + 1));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    spans.sort_unstable();
    spans
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

    /// A document of `n` numbered sections, each with a rule and a data clause.
    fn doc(n: usize) -> String {
        let mut d = String::from("# Terms of Service\n\n");
        for i in 1..=n {
            d.push_str(&format!(
                "## Section {i}\n\nIn part {i} you agree to follow the rules for the feature number {i} of the service.\n\nWe keep the records of part {i} for the reasons given in this part of the terms.\n\n"
            ));
        }
        d
    }

    fn with(context: &Context<'_>, a: &str, b: &str) -> ChangeSummary {
        classify_in_context(a, b, &analyze(a, "X"), &analyze(b, "X"), context)
    }

    #[test]
    fn an_error_page_inside_a_combined_document_is_an_artefact() {
        let base = doc(20);
        let broken = base.replacen(
            "## Section 1\n",
            "## This page isn't available\n\nAn unexpected error has occurred. Try reloading the page or come back later.\n\n## Gone\n",
            1,
        );
        let cut = broken.find("## Section 12").unwrap();
        let broken = format!("{}{}", &broken[..broken.find("## Section 2\n").unwrap()], &broken[cut..]);
        let s = c(&base, &broken);
        assert!(s.capture_artefact && s.significance == Significance::Cosmetic, "{:?}", s.reasons);
        let back = c(&broken, &base);
        assert!(back.capture_artefact && back.significance == Significance::Cosmetic, "{:?}", back.reasons);
        // Facebook's wording, the error line under a heading of its own; Spotify's in German.
        for line in [
            "This may be because of a technical error that we're working to fix.",
            "Please try reloading this page.",
            "Es ist ein Fehler aufgetreten. Wir konnten die Seite nicht laden.",
            "Une erreur s’est produite.",
        ] {
            assert!(signals::has_error_marker(&text::canonical(line)), "{line}");
        }
    }

    #[test]
    fn a_truncated_capture_is_an_artefact() {
        let base = doc(20);
        let truncated = &base[..base.find("## Section 4\n").unwrap()];
        let s = c(&base, truncated);
        assert!(s.capture_artefact, "{:?}", s.reasons);
        assert!(s.reasons[0].contains("vanished"), "{:?}", s.reasons);
    }

    #[test]
    fn text_coming_back_from_an_earlier_capture_is_an_artefact_only_with_history() {
        let a = doc(10);
        let b = a.replace("Section 3\n\nIn part 3 you agree", "Section 3\n\nIn part 3 you must not agree");
        // a → b → a: the last step restores the earlier text.
        let prepared_a = Prepared::of(&a);
        let ctx_earlier = [Earlier { version: &prepared_a, days_before_new: Some(2.0) }];
        let context = Context { earlier: &ctx_earlier, reextraction_gap_days: None, other_documents: &[] };
        let s = with(&context, &b, &a);
        assert!(s.capture_artefact && s.significance == Significance::Cosmetic, "{:?}", s.reasons);
        // Without the history it is a real change of an obligation.
        assert_eq!(c(&b, &a).significance, Significance::Substantive);
        // A block that was on the page for a few hours goes again: a → a + block → a. Only a
        // recent capture counts for a capture that merely lost text.
        let block =
            "## Geolocation\n\nOur app may use your location in the background and may share it with partners.\n\n";
        let with_block = a.replacen("## Section 2", &format!("{block}## Section 2"), 1);
        let s = with(&context, &with_block, &a);
        assert!(s.capture_artefact && s.significance == Significance::Cosmetic, "{:?}", s.reasons);
        let old = [Earlier { version: &prepared_a, days_before_new: Some(400.0) }];
        let s = with(&Context { earlier: &old, reextraction_gap_days: None, other_documents: &[] }, &with_block, &a);
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A capture dropped a list and kept its lead-in with nothing under it (Bazaraki's legal
        // bases): the list coming back as an earlier capture held it is a repaired capture,
        // however long ago that capture was. Items added under a lead-in that kept its own
        // list are read.
        let listed = "## Legal bases\n\nWe may rely on the following legal bases:\n\n1. Processing is necessary to provide our services.\n2. For marketing, we rely on our legitimate interest in promoting our business.\n3. You have consented to the processing.\n\n## Sharing\n\nWe share data with processors.\n";
        let dropped = "## Legal bases\n\nWe may rely on the following legal bases:\n\n## Sharing\n\nWe share data with processors.\n";
        // The earlier capture also held a line since gone, so the new text is not identical to it.
        let prepared_listed = Prepared::of(&format!("{listed}\nContact us at the address below.\n"));
        let long_ago = [Earlier { version: &prepared_listed, days_before_new: Some(63.0) }];
        let context = Context { earlier: &long_ago, reextraction_gap_days: None, other_documents: &[] };
        let s = with(&context, dropped, listed);
        assert!(s.capture_artefact && s.significance == Significance::Cosmetic, "{:?}", s.reasons);
        let longer = listed.replace("processing.\n", "processing.\n4. We may sell your data to advertisers.\n");
        let prepared_longer = Prepared::of(&format!("{longer}\nContact us at the address below.\n"));
        let long_ago = [Earlier { version: &prepared_longer, days_before_new: Some(63.0) }];
        let context = Context { earlier: &long_ago, reextraction_gap_days: None, other_documents: &[] };
        let s = with(&context, listed, &longer);
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn page_furniture_dates_and_moves_are_cosmetic() {
        let base = doc(6);
        let banner = format!("{base}We'd like to use cookies to remember your preferences. Accept all cookies\n\n");
        assert_eq!(c(&base, &banner).significance, Significance::Cosmetic);
        let widget = format!("{base}* What is a valid subpoena?\n* I have a different question\n");
        assert_eq!(c(&base, &widget).significance, Significance::Cosmetic);
        // The related-question links of a help answer, between its "Copy link" and "I have a
        // different question" (Facebook's intellectual property answers), are the page's.
        let help = |chips: &str| {
            format!("{base}## Report an app\n\nCopy link\n\n{chips}\n\nI have a different question\n\nYou can report an app that infringes your rights.\n")
        };
        let s = c(
            &help("Report a third-party app\n\nMy intellectual property infringed"),
            &help("Report a third-party app\n\nContact app developer\n\nApp not following Terms\n\nWhat is not protected?"),
        );
        assert_eq!(s.significance, Significance::Cosmetic, "{:?}", s.reasons);
        // So are the labels from the start of a section to the widget's last line.
        let top = |chips: &str| {
            format!("{base}## Copyright\n\n{chips}\n\nI have a different question\n\nYou can report copyright infringement with our form.\n")
        };
        let s = c(
            &top("Report copyright infringement\n\nRights Manager tool"),
            &top("Report copyright infringement\n\nProtect my content"),
        );
        assert_eq!(s.significance, Significance::Cosmetic, "{:?}", s.reasons);
        // A cookie table's new row, beside its "Learn more" links, is the policy's.
        let row = |name: &str| {
            format!(
                "Name\n\n{name}\n\nDescription\n\nUsed to keep you logged in\n\nLearn More (Privacy Policy URL)\n\n"
            )
        };
        let table = |rows: &str| format!("{base}## Cookies we use\n\nWe use these cookies.\n\n{rows}Web Domain\n");
        let s = c(&table(&row("auth_token")), &table(&format!("{}{}", row("auth_token"), row("ad_tracker"))));
        assert_ne!(s.significance, Significance::Cosmetic, "{:?}", s.reasons);
        // A short answer between two questions is the answer.
        let faq = |answer: &str| {
            format!("{base}## Questions\n\nCan I sell tobacco?\n\n{answer}\n\nCan I sell alcohol?\n\nOnly with a licence.\n")
        };
        let s = c(&faq("Not allowed"), &faq("Allowed"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let dated = format!("Last updated: 3 days ago\n\n{base}");
        let redated = format!("Last updated: 4 days ago\n\n{base}");
        assert_eq!(c(&dated, &redated).significance, Significance::Cosmetic, "relative dates");
        // Two sections swap places: the same clauses in another order.
        let one = "## A\n\nYou may cancel at any time from your account settings page.\n\n## B\n\nWe may suspend accounts that break these rules after a warning.\n";
        let swapped = "## B\n\nWe may suspend accounts that break these rules after a warning.\n\n## A\n\nYou may cancel at any time from your account settings page.\n";
        assert_eq!(c(one, swapped).significance, Significance::Cosmetic);
    }

    #[test]
    fn a_translation_is_not_a_new_version() {
        let en = "# Privacy\n\nWe collect your name and your email address when you create an account, and we use them to provide the service to you and to contact you about it. ".repeat(8);
        let fr = "# Confidentialité\n\nNous collectons votre nom et votre adresse e-mail lorsque vous créez un compte, et nous les utilisons pour vous fournir le service et pour vous contacter à son sujet. ".repeat(8);
        let s = c(&fr, &en);
        assert!(s.capture_artefact, "{:?}", s.reasons);
    }

    #[test]
    fn small_changes_that_matter_are_substantive() {
        let states =
            "## Pilot\n\nThe following states are eligible for this pilot:\n\n*   Alaska\n*   Ohio\n*   Texas\n";
        let s = c(states, &states.replace("*   Ohio\n", ""));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let fee = "## Fees\n\nThe service costs 10 EUR per month, billed in advance.\n";
        assert_eq!(c(fee, &fee.replace("10 EUR", "12 EUR")).significance, Significance::Substantive);
        let modal = "## Content\n\nYou may post photos of other people at events.\n";
        assert_eq!(c(modal, &modal.replace("may", "may not")).significance, Significance::Substantive);
        let data = "## Data we use for AI\n\n*   Posts you make\n*   Public content you or others create or share, like comments\n*   Messages to AI\n";
        let s = c(data, &data.replace("*   Public content you or others create or share, like comments\n", ""));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn quoted_examples_added_beside_a_definition_carry_no_obligation() {
        let base = "## Dangerous organisations\n\nWe do not allow organisations that proclaim a violent mission to have a presence on our service.\n\n## Law\n\nIrish law applies.\n";
        let with_examples = base.replace(
            "## Law",
            "Condemnation includes disapproval, rejection and criticism of a designated organisation.\n\n* E.g. “I feel disgusted by the crime. He should get no mercy by the court”\n* E.g. “These crimes shall never be forgotten”\n\n## Law",
        );
        let s = c(base, &with_examples);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // Examples reworded together with a definition are still illustrations.
        let reworded = with_examples
            .replace("disapproval, rejection and criticism", "disapproval, rejection, mockery and criticism")
            .replace("“These crimes shall never be forgotten”", "“Those crimes must never be forgiven”");
        let s = c(&with_examples, &reworded);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A rule added beside the examples is still read.
        let with_rule = with_examples.replace(
            "* E.g. “These",
            "You must not share such content without a caption that condemns it.\n\n* E.g. “These",
        );
        let s = c(base, &with_rule);
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn dates_notices_numbering_and_demoted_headings_are_not_rules() {
        // "May" the month is not the modal.
        let notice = "## Privacy\n\n* The following privacy policy will take effect on **30 May 2026**. The previous privacy policy was posted on 12 September 2025.\n\nWe collect your e-mail address to run the service.\n";
        let s = c(notice, &notice.replace("* The following privacy policy will take effect on **30 May 2026**. The previous privacy policy was posted on 12 September 2025.", "* Last updated **30 May 2026**"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        assert_eq!(
            signals::mark_false_modals("updated 30 may 2026 you may cancel".into()),
            "updated 30 maymonth 2026 you may cancel"
        );
        // A banner announcing an update is a notice, not a rule.
        let base = "## Terms\n\nYou must not misuse the service.\n";
        let s = c(base, &format!("We are introducing an update to Section 10 of the Platform Terms. No action is required to agree to the new terms.\n\n{base}"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // Headings set as bold paragraphs, renumbered: formatting and numbering.
        let headed = "## 4.2 Account details\n\nKeep your password safe.\n\n## 4.5 What you can't do\n\nDo not spam other users.\n\n## 5 Law\n\nIrish law applies and the service costs 10 EUR per month.\n";
        let bold = headed
            .replace("## 4.2 Account details", "**4.3 Account details**")
            .replace("## 4.5 What you can't do", "**4.6 What you can't do**");
        let s = c(headed, &bold);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn repeated_sections_demoted_sentence_headings_renamed_names_and_changelog_notes_are_no_new_rules() {
        // A capture that held a section twice (a highlights box, then its place) holds it once.
        let transfers = "## Mechanisms we use for global data transfers\n\nWe rely on adequacy decisions to transfer the information we collect to Argentina and Israel.\n\nWe may also rely on standard contractual clauses.\n\nYou can contact us about transfers.\n";
        let rest = "# How do we transfer information?\n\nWe share information globally.\n\n";
        let twice = format!("# Highlights\n\nWe updated our policy.\n\n{transfers}\n{rest}{transfers}");
        let once = format!("# Highlights\n\nWe updated our policy.\n\n{rest}{transfers}");
        let s = c(&twice, &once);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // One copy gone from a section that still holds the clause is no change of the text.
        let (ou, nu) = (Units::of(&twice), Units::of(&once));
        let sided = one_sided(&ou, &nu);
        assert!(sided.gone.is_empty() && sided.came.is_empty(), "{:?} {:?}", sided.gone, sided.came);
        assert_eq!(sided.copies_gone.len(), 3);
        // A clause the document really drops, though a clause of the same words stays under
        // another heading, is removed.
        let two = "## Children\n\nWe may share your data with partners.\n\n## Adults\n\nWe may share your data with partners.\n";
        let s = c(two, &two.replacen("## Children\n\nWe may share your data with partners.\n\n", "## Children\n\n", 1));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A paragraph printed twice in a row (Bluesky's transfer safeguards) now printed once.
        let safeguard = "If we transfer personal information from the European Economic Area to a country that does not provide an adequate level of protection, we will only do so using appropriate safeguards such as standard contractual clauses.";
        let doubled = format!("## Transfers\n\nWe may store information anywhere.\n\n{safeguard}\n\n{safeguard}\n\nContact us for details.\n");
        let s = c(&doubled, &doubled.replacen(&format!("{safeguard}\n\n"), "", 1));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);

        // A level-6 heading that held two whole sentences, set as a paragraph.
        // (A typo fixed beside it, so the words do not stay the same.)
        let heading = "## Retention\n\n###### We will retain your personal data only for as long as is necessary for the purposes set out in this policy. We will retain and use your information to the extent necessary to comply with our legal obligations.\n\nContact us with questons.\n";
        let s = c(heading, &heading.replace("###### ", "").replace("questons", "questions"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);

        // "Apple Business Manager" renamed "Apple Business" in an enumeration of a rule is no
        // item leaving the list; a whole product added to it is one.
        let custom = "## Distribution\n\nYou may distribute Custom Apps only through Apple Business Manager, Apple School Manager, or as otherwise permitted by Apple.\n";
        let s = c(custom, &custom.replace("Apple Business Manager,", "Apple Business,"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let s = c(&custom.replace("Apple Business Manager, ", ""), custom);
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A court added beside another ("Wichita County or Tarrant County") is a new venue.
        let venue = "## Disputes\n\nAll disputes related to these Terms, the Services, or any patents must proceed exclusively in the federal or state courts located in Tarrant County, Texas, United States.\n";
        let s = c(venue, &venue.replace("in Tarrant County", "in Wichita County or Tarrant County"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        assert!(signals::renames_a_name(
            "Apple Business Manager, Apple School Manager",
            "Apple Business, Apple School Manager",
            "manager"
        ));
        assert!(!signals::renames_a_name(
            "in Wichita County or Tarrant County, Texas",
            "in Tarrant County, Texas",
            "wichita"
        ));

        // A changelog note describes the change; the change itself is in the text.
        let terms = "# Terms of Service\n\n_The most recent update to the Terms of Service on December 18, 2024 introduces an amendment to allow government agencies to sign up for accounts. No other changes were made._\n\n## Use\n\nYou must not misuse the service.\n";
        let s = c(
            terms,
            &terms.replace(
                "introduces an amendment to allow government agencies to sign up for accounts. No other changes were made.",
                "introduces contact information for the EU.",
            ),
        );
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn reported_figures_and_past_negations_are_no_terms() {
        // A transparency figure of the year, updated: no term changed.
        let stats = "## Disputes\n\nYou can dispute a claim within 30 days.\n\nOf the more than 1 billion claims made in 2023, fewer than 1% have been disputed. Over 65% of those disputes succeeded, because claimants did not respond within the 30-day window.\n";
        let s = c(
            stats,
            &stats.replace("1 billion", "2 billion").replace("in 2023", "in 2024").replace("Over 65%", "Over 70%"),
        );
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A threshold or a rate the terms set stays a term.
        let rise = "## Price changes\n\nIf the price rises by more than 5%, you may cancel your subscription.\n";
        let s = c(rise, &rise.replace("5%", "10%"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let commission = "## Fees\n\nThe commission is 15% of the sale price.\n";
        let s = c(commission, &commission.replace("15%", "20%"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        assert!(signals::only_reported_figures("Over 70% of those disputes succeeded.", "70"));
        assert!(!signals::only_reported_figures("You will pay no more than 5% of the price.", "5"));
        assert!(!signals::only_reported_figures("The commission is 15% of the sale price.", "15"));
        // "did not" tells what happened; "does not" states what is done.
        assert_eq!(signals::mark_false_modals("claimants did not respond".into()), "claimants did notpast respond");
        assert_eq!(signals::mark_false_modals("we do not sell your data".into()), "we do not sell your data");
    }

    #[test]
    fn helpline_directories_and_translated_sections_are_no_new_rules() {
        // A directory of helplines by country: a country added with its number is whom to call.
        let lines = "## Support resources\n\nIf you are in crisis, contact a local helpline.\n\n| Country | Organisation | Phone |\n| --- | --- | --- |\n| Australia | [Lifeline](https://lifeline.test/) | 13 11 14 |\n| Germany | [Telefonseelsorge](https://ts.test/) | 0800-1110111 |\n";
        let more = lines.replace(
            "| Germany |",
            "| Belgium | [Community Help Service](https://chs.test/) | 32 2 648 4014 |\n| Canada | [Talk Suicide](https://ts.test/ca) | 988 |\n| Germany |",
        );
        let s = c(lines, &more);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A table of what applies where is no directory: a country added there is a place.
        let ages = "## Minimum age\n\nYou must be old enough to use the service.\n\n| Country | Minimum age |\n| --- | --- |\n| Australia | 13 |\n| Germany | 16 |\n";
        let s = c(ages, &ages.replace("| Germany |", "| Belgium | 13 |\n| Germany |"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        assert!(signals::is_phone_row("| Belgium | [CHS](https://chs.test/) | 32 2 648 4014 |"));
        assert!(signals::is_phone_row("| Canada | Talk Suicide | 988<br>+1 800 931-2237 |"));
        assert!(!signals::is_phone_row("| Germany | 16 |"));
        assert!(!signals::is_phone_row("| France | since 2024 |"));

        // A section of a bilingual page captured in the document's other language: the same
        // rules, translated. English terms with a Spanish section for walkers.
        let english = "## Services\n\nWe provide a platform for booking free tours. You must be eighteen to register. We may remove reviews that break these terms.\n\n";
        // Each Spanish clause alone is too short to tell from French, Romanian or Dutch (it
        // shares "de", "la", "en"): only the block as a whole tells.
        let spanish = "## Condiciones para los walkers\n\nEn el momento en el que te das de alta en la web de Guruwalk aceptas la política de la plataforma.\n\nLa titularidad de la página web la ostenta Guruwalk, con domicilio social en la calle de Madrid.\n\nEl guru realiza la actividad de la ruta en la ciudad de destino bajo su propio riesgo.\n\nLa plataforma de Guruwalk actúa de intermediario en la reserva de actividades de la ciudad.\n\nGuruwalk podrá eliminar la cuenta de cualquier walker que incumpla la política de la plataforma en la web.\n\nLa opinión de un walker sobre la ruta de un guru es la opinión de la persona que la escribe.\n\nEl walker es el responsable de la información de su perfil en la web de la plataforma.\n\n";
        let translated = "## Conditions for walkers\n\nWhen you sign up on the Guruwalk website you accept the policy of the platform.\n\nThe website is owned by Guruwalk, with its registered office in a street of Madrid.\n\nThe guru carries out the activity of the route in the destination city at their own risk.\n\nThe Guruwalk platform acts as an intermediary in the booking of activities in the city.\n\nGuruwalk may delete the account of any walker who breaches the policy of the platform on the website.\n\nThe review of a walker about the route of a guru is the opinion of the person who writes it.\n\nThe walker is responsible for the information of their profile on the website of the platform.\n\n";
        let s = c(&format!("{english}{spanish}"), &format!("{english}{translated}"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // New English rules beside the Spanish section, which stays, are read.
        let added = "## Refunds\n\nYou may cancel a booking and get a full refund up to 24 hours before the tour. After that we will not refund the booking fee. We may charge a fee of 5 euros for each walker who does not attend.\n\nA guru who cancels a tour must inform every walker by e-mail and may not charge them.\n\nWe may suspend gurus who cancel more than three tours in a month.\n\n";
        let s = c(&format!("{english}{spanish}"), &format!("{english}{spanish}{added}"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn another_page_captured_instead_of_the_document_is_an_artefact() {
        let terms = include_str!("../tests/fixtures/deepseek-terms-2026-03-27.md");
        // A marketing home page about as long as the terms (4,200 words), stating none of
        // their provisions.
        let home = format!(
            "# More than social media\n\n{}",
            (1..=200)
                .map(|i| format!("## Feature {i}\n\nReal people and real communities share moments number {i} with creators they follow.\n\n"))
                .collect::<String>()
        );
        let s = c(terms, &home);
        assert!(s.capture_artefact, "{:?}", s.reasons);
        assert_eq!(s.significance, Significance::Cosmetic);
        // Another legal text in its place states provisions: a real (substantive) change.
        let other = include_str!("../tests/fixtures/chatgpt-terms-2026-07-26.md");
        let s = c(terms, other);
        assert!(!s.capture_artefact, "{:?}", s.reasons);
        assert_eq!(s.significance, Significance::Substantive);
    }

    #[test]
    fn a_label_introducing_a_pointer_states_no_provision() {
        let base = "## Use of the Services\n\nYou agree that you won't violate the Community Guidelines.\n\n";
        let pointer = format!(
            "{base}**Recommender Systems:**\n\nFor more information on how content is displayed in feeds and our use of recommender systems, please see [this Help Center article](https://help.x.test/recommender).\n\n"
        );
        let s = c(base, &pointer);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.provisions_added);
        // A lead-in that grants or forbids still states its rule.
        let rules = format!("{base}You may not:\n\n* scrape the Services\n\n* resell access to the Services\n\n");
        assert_eq!(c(base, &rules).significance, Significance::Substantive);
    }

    #[test]
    fn an_announced_version_naming_a_new_party_is_substantive() {
        // The page shows the announced version above the current one; its sections are the
        // current ones, but it names X Corp. where the current text names Twitter, Inc.
        let current = "## Terms of Service\n\nThese Terms are an agreement between you and Twitter, Inc., which provides the Services.\n\n## Using the Services\n\nYou may use the Services only in compliance with these Terms.\n\nWe may suspend or terminate your account at any time.\n\nYou are responsible for your use of the Services.\n";
        let announced = current.replace("Twitter, Inc.", "X Corp.");
        let s = c(
            current,
            &format!("**This version of the Terms will go into effect on May 18, 2023.**\n\n{announced}\n{current}"),
        );
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        assert!(s.reasons[0].contains("contracting party"), "{:?}", s.reasons);
        let old = format!(" {} ", Units::of(current).canon.join(" "));
        assert!(names_new_entity(
            "these terms are an agreement between you and x corp which provides the services",
            &old
        ));
        assert!(!names_new_entity(
            "these terms are an agreement between you and twitter inc which provides the services",
            &old
        ));
    }

    #[test]
    fn an_item_added_to_or_removed_from_a_rule_is_substantive() {
        let hate = "## Other types of content that violates this policy\n\n* Claims that a group is inferior. This includes calling them less intelligent, less capable, or damaged.\n\n## Appeals\n\nYou can appeal a decision.\n";
        let s =
            c(hate, &hate.replace("less intelligent, less capable, or damaged", "less intelligent or less capable"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        assert!(s.reasons[0].contains("removed from a list"), "{:?}", s.reasons);
        let posts = "## Do not post:\n\n* Content that threatens violence against a person.\n* Content that praises mass murder.\n\n## Appeals\n\nYou can appeal a decision.\n";
        let s = c(
            posts,
            &posts.replace(
                "* Content that praises mass murder.\n",
                "* Content that praises mass murder.\n* Content that focuses on clothed intimate body parts.\n",
            ),
        );
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // Outside a rule, a word leaving an enumeration is wording.
        let about = "## About us\n\nWe are a friendly, curious, and open team of engineers.\n";
        let s = c(about, &about.replace("friendly, curious, and open", "friendly and open"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn link_cards_and_postal_addresses_are_not_provisions() {
        // A help centre's "Related articles" cards: each a link whose text runs over lines and
        // teases another page ("Hosts must meet…"). Their coming and going is the page's.
        let body = "## Cancellations\n\nYou may cancel a reservation within 48 hours of booking for a full refund.\n";
        let cards = "\n\nRelated articles\n--------------------\n\n* [Host\n    \n    Standards and requirements\n    \n    Find the quality standards and requirements that Hosts must meet.](https://x.test/help/1451)\n* [Guest\n    \n    Age requirements\n    \n    You must be at least 18 to book a reservation.](https://x.test/help/2876)\n";
        let s = c(&format!("{body}{cards}"), body);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A new way to write to the company, naming its address and country: a contact detail.
        let rights =
            "## Your rights\n\nYou may exercise your rights:\n\n* By using the privacy request form on our website.\n";
        let letter =
            format!("{rights}* By sending us a letter at Example SAS, 15 rue des Halles, 75001 Paris, France.\n");
        let s = c(rights, &letter);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A web host's address changing, the old one on a street named after a state.
        let host = "## Hosting\n\nThe company tasked with hosting the website is Vercel Inc, 650 California St, San Francisco, CA 94108, US.\n";
        let moved = host
            .replace("Vercel Inc, 650 California St,", "Netlify, Inc., located at 101 2nd Street,")
            .replace("94108, US.", "94105.");
        let s = c(host, &moved);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // The same country becoming the governing law is a provision, not an address.
        let law = "## Law\n\nThese terms are governed by the laws of Ireland and you agree to the courts there.\n";
        let s = c(law, &law.replace("Ireland", "France"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn link_spans_run_over_lines_but_not_over_paragraphs() {
        let card = "* [Host\n    \n    Hosts must meet these standards.](https://x.test/1)";
        assert_eq!(link_spans(card), vec![(2, card.len())]);
        // A bracket left open in one paragraph does not swallow the next ones.
        let md = "Section [A of the terms.\n\nYou must be 18.\n\nSee [the policy](https://x.test/p).";
        let spans = link_spans(md);
        assert_eq!(spans.len(), 1);
        assert_eq!(&md[spans[0].0..spans[0].1], "[the policy](https://x.test/p)");
        assert!(link_spans("\\[email protected\\] and [1] alone").is_empty());
    }

    #[test]
    fn an_act_added_to_a_list_hung_from_a_prohibition_is_substantive() {
        let old = "## Article 14\n\nThe following acts are prohibited when using the Services:\n\n(1) act that is in violation of laws and regulations or court judgments;\n\n(2) act that is contrary to social norms or public policy, act of infringing upon the intellectual property rights of others;\n\n(3) act of submitting excessively violent expressions.\n";
        let new = old.replace("public policy, act", "public policy, fraud or fraud-related activities, act");
        let s = c(old, &new);
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // The same list under a lead-in that neither forbids nor requires: wording.
        let neutral =
            old.replace("The following acts are prohibited when using the Services:", "Examples of acts we have seen:");
        let s = c(
            &neutral,
            &neutral.replace("public policy, act", "public policy, fraud or fraud-related activities, act"),
        );
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A word the rule already held inside another ("defraud") is no new item (#583).
        let scams = "## Scams\n\nWe prohibit any scam or theft activity intended to defraud members out of money.\n\n## Law\n\nIrish law applies.\n";
        let s = c(scams, &scams.replace("any scam or theft", "any scam, fraud or theft"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let s = c(scams, &scams.replace("any scam or theft", "any scam, extortion or theft"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn contact_details_spelling_and_postcodes_are_not_substantive() {
        let addr = "## Cancel\n\nYou may cancel within three business days by writing to Example Inc., 3400 N. Ashton Blvd, Lehi, UT 84043.\n\n## Refunds\n\nRefund requests go to Example Inc., 3400 N. Ashton Blvd, Lehi, UT 84043, within 30 days.\n";
        let moved =
            addr.replace("3400 N. Ashton Blvd, Lehi, UT 84043", "10808 S River Front Parkway, South Jordan, UT 84095");
        let s = c(addr, &moved);
        assert_eq!(s.significance, Significance::Editorial, "{:?}", s.reasons);
        // An e-mail address given in clear where an obfuscated one stood, in a clause that
        // requires something: a contact detail, not a new obligation.
        let notice = "## Notices\n\nNotices of a legal nature must be emailed to us at [\\[email protected\\]](https://x.test/cdn-cgi/l/email-protection). Nothing herein limits our rights.\n";
        let s = c(
            notice,
            &notice.replace("[\\[email protected\\]](https://x.test/cdn-cgi/l/email-protection)", "legal@example.app"),
        );
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A pointer to other disclosures removed is a cross-reference, not a rule.
        let pointer = "## Korea\n\nWe process data lawfully.\n\nVisit the [Republic of Korea Privacy Disclosures](https://x.test/kr) page to read additional disclosures required under the Personal Information Protection Act.\n";
        let s = c(pointer, "## Korea\n\nWe process data lawfully.\n");
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let uk = "## Copyright\n\nPosting content through unauthorised devices is not allowed, amongst other things, such as jailbroken apps.\n";
        let us = uk.replace("unauthorised", "unauthorized").replace("amongst", "among").replace("such as", "like");
        assert!(c(uk, &us).significance <= Significance::Editorial);
    }

    #[test]
    fn a_quick_reextraction_is_never_substantive() {
        let a = doc(5);
        let b = a.replace("you agree to follow", "you must not follow");
        let context = Context { earlier: &[], reextraction_gap_days: Some(3.0), other_documents: &[] };
        assert_eq!(with(&context, &a, &b).significance, Significance::Editorial);
        let late = Context { earlier: &[], reextraction_gap_days: Some(200.0), other_documents: &[] };
        assert_eq!(
            with(&late, &a, &b).significance,
            Significance::Substantive,
            "after a long gap it can hide real edits"
        );
        // ... unless the document's own date says it was not updated.
        let (da, db) = (format!("Last updated: 1 March 2026\n\n{a}"), format!("Last updated: 1 March 2026\n\n{b}"));
        assert_eq!(with(&late, &da, &db).significance, Significance::Editorial);
        let db2 = format!("Last updated: 2 September 2026\n\n{b}");
        assert_eq!(with(&late, &da, &db2).significance, Significance::Substantive);
    }

    #[test]
    fn a_partial_capture_with_the_same_date_is_an_artefact() {
        let base = format!("Last updated: 1 March 2026\n\n{}", doc(20));
        let cut = base[..base.find("## Section 12").unwrap()].to_string();
        let s = c(&base, &cut);
        assert!(s.capture_artefact, "{:?}", s.reasons);
        // With a new date it is a real removal.
        let redated = cut.replace("1 March 2026", "2 April 2026");
        assert!(!c(&base, &redated).capture_artefact);
    }

    #[test]
    fn another_document_joining_the_capture_is_the_tracked_scope() {
        let base = format!("Last updated: 1 March 2026\n\n{}", doc(6));
        let other = format!(
            "## Limited Data Use Terms\n\nEffective: 3 November 2021\n\nThese Limited Data Use Terms form a legally binding contract between you and the company.\n\n{}",
            "You must not send us event data about people who asked that their data be used in a limited way, and we will keep such data apart from other data. ".repeat(14)
        );
        let joined = format!("{base}{other}");
        let s = c(&base, &joined);
        assert!(s.capture_artefact, "{:?}", s.reasons);
        assert_eq!(s.significance, Significance::Cosmetic);
        // The same block as the document's own new part, with a new date: a real change.
        let extended = joined.replace("1 March 2026", "2 April 2026");
        assert!(!c(&base, &extended).capture_artefact);
        // Terms that extend the document ("these additional terms") are the document's.
        let additional = joined.replace("These Limited Data Use Terms", "These Additional Terms");
        assert_eq!(c(&base, &additional).significance, Significance::Substantive);
        assert_eq!(
            signals::instrument_names("These Limited Data Use Terms form a contract"),
            vec!["limited data use terms"]
        );
        assert_eq!(
            signals::instrument_names("These “Developer and API Terms of Service” govern"),
            vec!["developer and api terms"]
        );
        let none = Vec::<String>::new();
        assert_eq!(signals::instrument_names("this section of our Terms and these Terms apply"), none);
        assert_eq!(signals::instrument_names("This Attachment replaces and supersedes the Terms"), none);
        assert_eq!(
            signals::instrument_names("In this Meta Global Data Transfer Addendum (“Transfer Addendum”):"),
            vec!["meta global data transfer addendum"]
        );
        // Numbered, it is the document's own new section.
        let section = joined.replace("## Limited Data Use Terms", "## 7. Limited Data Use Terms");
        assert!(!c(&base, &section).capture_artefact);

        // A block that names itself only by a title line, over a date line of its own (TikTok
        // Shop's guidelines joining the law enforcement guidelines). The old text may link to
        // it: a mention is not a name the document calls itself by.
        let base = format!(
            "Last updated: 1 March 2026\n\nThese Law Enforcement Guidelines explain how we answer requests. For shop data see the [Shop Law Enforcement & Regulatory Disclosure Guidelines](https://x.test/shop).\n\n{}",
            doc(6)
        );
        let body = "Each request for shop data must name the correct shop entity and the legal basis, and we may refuse a request that does not. ".repeat(14);
        let block = format!(
            "Shop Law Enforcement & Regulatory Disclosure Guidelines\n\n_Last updated 27 August 2025_\n\n{body}"
        );
        let titled = format!("{base}\n\n{block}");
        let s = c(&base, &titled);
        assert!(s.capture_artefact, "{:?}", s.reasons);
        assert!(s.reasons[0].contains("shop law enforcement & regulatory disclosure guidelines"), "{:?}", s.reasons);
        // Without a date line of its own, a title line names nothing: the document's new part.
        let undated = titled.replace("_Last updated 27 August 2025_\n\n", "");
        assert_eq!(c(&base, &undated).significance, Significance::Substantive);
        // The document's own title ("Acme Law Enforcement Guidelines" ends with the name the
        // old text calls itself by) is not another document.
        let own_title = format!("{base}\n\nAcme Law Enforcement Guidelines\n\n_Last updated 27 August 2025_\n\n{body}");
        assert_eq!(c(&base, &own_title).significance, Significance::Substantive);
        assert_eq!(
            signals::titled_instrument("**TikTok Shop Law Enforcement & Regulatory Disclosure Guidelines**"),
            Some("tiktok shop law enforcement & regulatory disclosure guidelines".into())
        );
        assert_eq!(signals::titled_instrument("Supplemental Terms"), None);
        assert_eq!(signals::titled_instrument("Terms of Service"), None);
        assert_eq!(signals::titled_instrument("You must follow these Terms"), None);
    }

    #[test]
    fn a_note_on_which_language_prevails_is_wording() {
        // UpScrolled's guidelines gain a language-precedence note (#551); Hily's cookie policy
        // loses one (#389).
        let base = doc(4);
        let note = "These Community Guidelines are written in English, the version of reference. Translations are provided for convenience only. In the case of any discrepancies or inconsistencies, the English language version of the Community Guidelines shall prevail.";
        let s = c(&base, &format!("{base}{note}\n"));
        assert_eq!(s.significance, Significance::Editorial, "{:?}", s.reasons);
        assert_eq!(c(&format!("{base}{note}\n"), &base).significance, Significance::Editorial);
        for t in [
            "In the event of any difference in meaning between the English language version of this Cookie Policy and any translation, the English language version shall prevail.",
            "En cas de divergence, la version française prévaudra.",
            "Im Falle von Widersprüchen ist die deutsche Fassung maßgeblich.",
            "Translations into other languages are provided for convenience only.",
            "These Terms are written in English, which is the version of reference.",
        ] {
            assert!(signals::is_language_version_note(&text::canonical(t)), "{t}");
        }
        // Which instrument governs in a conflict is no language note.
        for t in [
            "If there is a conflict between these Commercial Terms and the Terms, these Commercial Terms will govern.",
            "The version of these Terms in force when you placed the order shall govern the order.",
            "We offer saved payment methods for your convenience only.",
        ] {
            assert!(!signals::is_language_version_note(&text::canonical(t)), "{t}");
        }
        // A link in the note pointing elsewhere is a link target (Shopify's terms).
        let linked = "To the extent of any conflicts, the English version at [https://x.test/legal/terms](https://x.test/legal/terms) will prevail.";
        let s = c(&format!("{base}{linked}\n"), &format!("{base}{}\n", linked.replace("terms", "aup")));
        assert_eq!(s.significance, Significance::Cosmetic, "{:?}", s.reasons);
        // A rule added beside it still counts.
        let rule = "You must not resell access to the service.";
        assert_eq!(c(&base, &format!("{base}{note}\n\n{rule}\n")).significance, Significance::Substantive);
    }

    #[test]
    fn a_point_of_contact_for_authorities_is_contact_details() {
        // Bluesky's DSA representative for EU authorities (#308, #339), WeChat's DSA single
        // point of contact (#619).
        let base = doc(4);
        let contact = "Competent authorities of the EU and EU Member States that want to contact Acme under the Digital Services Act can obtain the necessary contact details from our representative. Requests are accepted in English. If you are not a competent EU or EU member authority, your request will not be processed and you will not get a response.";
        let s = c(&base, &format!("{base}{contact}\n"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let spoc = "## DSA Single Point of Contact\n\nThe email address dsa@acme.test serves as the single electronic point of contact for the European Commission, Member States' Authorities, and the European Board for Digital Services concerning the DSA.";
        let s = c(&base, &format!("{base}{spoc}\n"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // What the provider discloses to authorities is a data practice.
        let disclose = "We may disclose your personal data to competent authorities when they send us a request under the Digital Services Act.";
        assert!(!signals::is_authority_contact(&text::canonical(disclose)));
        assert_eq!(c(&base, &format!("{base}{disclose}\n")).significance, Significance::Substantive);
    }

    #[test]
    fn pages_joining_a_capture_of_several_pages_are_the_tracked_scope() {
        // Twitter's rules captured as several policy pages, each under a level-one title; ten
        // more pages join the capture and a page held twice is held once (#571).
        let page = |title: &str, rule: &str| {
            format!("{title}\n{}\n\n**March 2019**\n\n{}\n\n", "=".repeat(title.len()), rule.repeat(3))
        };
        let rules = page("The Rules", "You may not post spam or use the service to harass others. ");
        let harm = page("Self-harm policy", "You may not promote or encourage suicide or self-harm. ");
        let spam = page("Platform manipulation policy", "You can not mass-register accounts or buy engagement. ");
        let base = format!("{rules}{harm}{spam}{spam}");
        let body = "You may not threaten violence against a person or a group, and we will suspend accounts that do. ";
        let threats = page("Violent threats policy", &body.repeat(7));
        let media =
            page("Sensitive media policy", &body.replace("threaten violence against", "post gore about").repeat(7));
        let joined = format!("{rules}{harm}{threats}{spam}{media}");
        let s = c(&base, &joined);
        assert!(s.capture_artefact, "{:?}", s.reasons);
        assert_eq!(s.significance, Significance::Cosmetic);
        // One of the old pages changed as well: the document changed.
        let edited = joined.replace("buy engagement", "buy or sell engagement");
        assert_eq!(c(&base, &edited).significance, Significance::Substantive);
        // A document whose own sections are level-one headings gains a section whose title
        // names no page and which has no date line: its new part.
        let plain = |t: &str| t.replace("**March 2019**\n\n", "");
        let section =
            joined.replace("Violent threats policy", "Threats of violence").replace("Sensitive media policy", "Gore");
        assert_eq!(c(&plain(&base), &plain(&section)).significance, Significance::Substantive);
        // Nor when the new titles are numbered ("15. Violent threats policy").
        let numbered = joined
            .replace("Violent threats policy", "15. Violent threats policy")
            .replace("Sensitive media policy", "16. Sensitive media policy");
        assert_eq!(c(&base, &numbered).significance, Significance::Substantive);
        // Additional terms for a product extend the agreement to it.
        let additional = joined.replace("Sensitive media policy", "Gemini Business Additional Terms of Service");
        assert_eq!(c(&base, &additional).significance, Significance::Substantive);
        // A capture of one page (one level-one title) is no capture of several.
        let single = format!("{rules}{}", rules.replace("The Rules\n=========", "Enforcement\n-----------"));
        let grown = format!("{single}{threats}");
        assert_eq!(c(&single, &grown).significance, Significance::Substantive);
    }

    #[test]
    fn a_marketing_comparison_and_an_abbreviation_written_out_are_no_rules() {
        // Google Play: "e.g." written out as "for example" inside a rule.
        let rule = "## Health data\n\nThese laws and regulations may require you to execute additional agreements prior to sharing data (e.g., a Business Associate Agreement) with the relevant entities.\n";
        let s = c(rule, &rule.replace("(e.g.,", "(for example,"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // eharmony: a marketing block after the terms says "never been easier"; a clause that
        // says data was never sold states a practice.
        let base = doc(4);
        let s = c(&base, &format!("{base}How it works\n\nYour search for a great relationship has never been easier with the eharmony you know and trust.\n"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let s = c(
            &base,
            &format!("{base}## Your data\n\nYour personal data has never been sold to advertisers or data brokers.\n"),
        );
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn the_documents_version_for_other_users_joining_the_capture_is_the_tracked_scope() {
        // Airbnb's terms page: the Australian users' terms join the capture after the European
        // users' terms, under the same title but for one word and the same section headings.
        let terms = |who: &str, law: &str| {
            let title = format!("Terms of Service for {who} Users");
            let section = |h: &str, body: &str| format!("{h}\n{}\n\n{}\n\n", "-".repeat(h.len()), body.repeat(8));
            format!(
                "{title}\n{}\n\nLast Updated: 4 October 2023\n\n{}{}{}{}",
                "-".repeat(title.len()),
                section(
                    "Guest Terms",
                    &format!("You must pay the total price of a booking in {law} currency when you book. ")
                ),
                section(
                    "Host Terms",
                    &format!("You may not cancel a confirmed booking without a valid reason under {law} rules. ")
                ),
                section(
                    "General Terms",
                    &format!("These terms are governed by {law} law and you may not assign them. ")
                ),
                section(
                    "Dispute Resolution",
                    &format!("You may bring a claim before the {law} courts of your place of residence. ")
                ),
            )
        };
        let eu = terms("European", "Irish");
        let both = format!("{eu}{}", terms("Australian", "Australian"));
        let s = c(&eu, &both);
        assert!(s.capture_artefact && s.significance == Significance::Cosmetic, "{:?}", s.reasons);
        // The European terms edited as well: a change.
        let edited = both.replacen("without a valid reason under Irish rules", "at any time", 1);
        let s = c(&eu, &edited);
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A block under a title of its own that repeats the sections is not the document for
        // other users ("Supplemental Terms for Creators"): read as the document's.
        let other = both.replace("Terms of Service for Australian Users", "Supplemental Terms for Creators");
        assert_eq!(c(&eu, &other).significance, Significance::Substantive);
        // Nor is a block titled as the document that repeats none of its sections.
        let short = format!(
            "{eu}Terms of Service for Australian Users\n-----\n\n{}",
            "You may claim a refund within 30 days of a booking. ".repeat(40)
        );
        assert_eq!(c(&eu, &short).significance, Significance::Substantive);
    }

    #[test]
    fn clauses_moved_and_renumbered_cancel_out_a_grouped_figure_counts() {
        // Google Earth (section 18) moves up to become section 7: its clauses, renumbered with
        // it, are on both sides; only the clause that changed is one-sided.
        let old = "## Places API\n\n7.1 Customer must not use Places content with a non-Google map.\n\n## Google Earth\n\n18.1 Customer may cache Grounded Output for up to thirty (30) consecutive days.\n\n18.2 Customer will not export data layers.\n";
        let new = "## Google Earth\n\n7.1 Customer may cache Grounded Output for up to thirty (30) consecutive days.\n\n7.2 Customer will not export data layers or tables.\n\n## Places API\n\n8.1 Customer must not use Places content with a non-Google map.\n";
        let (ou, nu) = (Units::of(old), Units::of(new));
        let OneSided { gone, came, .. } = one_sided(&ou, &nu);
        let texts = |ix: &[usize], u: &Units| ix.iter().map(|&i| u.canon[i].clone()).collect::<Vec<_>>();
        assert_eq!(texts(&gone, &ou), ["18 2 customer will not export data layers"]);
        assert_eq!(texts(&came, &nu), ["7 2 customer will not export data layers or tables"]);
        // A threshold written in groups changes: "1.000,00 EUR" → "5.000,00 EUR".
        let base = "## Payouts\n\nIf total sales exceed 1.000,00 EUR, the Seller must provide its full name and bank account.\n\n## Law\n\nSlovenian law applies.\n";
        let s = c(base, &base.replace("1.000,00 EUR", "5.000,00 EUR"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn words_added_to_several_rules_are_no_rename() {
        let base = "## Regulated goods\n\nYou must not sell hard drugs on the service.\n\nDo not post links to shops where hard drugs can be bought.\n\n## Law\n\nIrish law applies.\n";
        let s = c(base, &base.replace("hard drugs", "hard drugs or certain poisonous substances"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A real rename throughout stays editorial.
        let renamed = c(base, &base.replace("hard drugs", "narcotics"));
        assert_ne!(renamed.significance, Significance::Substantive, "{:?}", renamed.reasons);
    }

    #[test]
    fn reported_figures_widgets_and_numbered_addresses_are_no_terms() {
        // Yearly request metrics: statistics, not a response-time commitment.
        let metrics = "## Your rights\n\nYou can ask us to delete your data and we respond within 45 days.\n\n**Right to Delete**\n\nReceived: 24\n\nAverage response time: 3 days\n\n## Law\n\nIrish law applies.\n";
        let s = c(metrics, &metrics.replace("Received: 24", "Received: 46").replace("3 days", "1.1 days"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // The commitment itself changing is substantive.
        let s = c(metrics, &metrics.replace("45 days", "90 days"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // P2B complaint statistics for a new period (Apple's, #623; Etsy's "on average").
        let p2b = "## Complaints\n\nYou may file a complaint and we will answer within 10 days.\n\n* Average time to process complaints submitted through the complaint-handling system: **4.18** calendar days\n\nWe processed the complaints within 7 days on average.\n\n## Law\n\nIrish law applies.\n";
        let s = c(p2b, &p2b.replace("4.18", "3.92").replace("7 days on", "9 days on"));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let s = c(p2b, &p2b.replace("within 10 days", "within 30 days"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // A help centre's topic lines, in the reader's voice, come and go with its widget.
        let topics = "## Monetisation\n\nYou may earn money from eligible videos.\n\nMy content was not monetized\n\nI reported content by mistake\n\n## Law\n\nIrish law applies.\n";
        let s = c(topics, &topics.replace("My content was not monetized\n\n", ""));
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // "No 2" in an address is a number, not a negation.
        assert_eq!(
            signals::mark_false_modals("colony no 2 mumbai and no refunds".into()),
            "colony nonumber 2 mumbai and no refunds"
        );
    }

    #[test]
    fn page_furniture_is_told_from_the_documents_text() {
        let furniture = [
            // A help widget's question, bold or not, and breadcrumb trails.
            "**Why was my content rejected?**",
            "Security and Privacy &gt;",
            "Help Center > Privacy > Cookies",
            // A help centre's topic lines in the reader's voice.
            "My content was not monetized",
            "I can't monetize",
            "Cancel my copyright report",
            // A navigation menu a capture glued into one line.
            "Creator AcademyHomeVideo coursesArticlesGet startedBecome a CreatorNavigating TikTok as a beginnerGetting started",
            // A language switcher and its entries.
            "Français (France)",
            "English (US)",
            "Change language or region: България - български Česko - čeština Danmark - dansk Österreich - Deutsch",
        ];
        let text = [
            "You must not post spam.",
            // Brand names are no glued menu, nor are link targets.
            "We share data with WhatsApp, YouTube, TikTok, LinkedIn and PlayStation Network.",
            "* [Biofase](https://meta.wikimedia.org/wiki/Special:CentralAuth/Biofase \"m:Special:CentralAuth/Biofase\") / [Drew McNish](https://meta.wikimedia.org/wiki/Special:CentralAuth/Drew_McNish \"m:Special:CentralAuth/Drew McNish\"), since 7 April 2026",
            "English law applies.",
            // A sentence, or the opt-out link a law requires, is no topic line.
            "I agree that my data may be used.",
            "Do Not Sell or Share My Personal Information",
        ];
        for line in furniture {
            assert!(signals::is_furniture(line, &text::canonical(line)), "{line}");
        }
        for line in text {
            assert!(!signals::is_furniture(line, &text::canonical(line)), "{line}");
        }
    }

    #[test]
    fn a_new_controller_is_substantive_a_moved_one_is_not() {
        let base = "## Who we are\n\n(a) your data controller is Hily Corp., 3172 North Rainbow Boulevard, Las Vegas, NV 89108, United States; email: legal@hily.com;\n\n## Law\n\nIrish law applies.\n";
        let new_entity = base.replace(
            "Hily Corp., 3172 North Rainbow Boulevard, Las Vegas, NV 89108, United States; email: legal@hily.com",
            "LATHINOL LIMITED, 705 Spyrou Araouzou, office No.: 2, 3036 Limassol, Cyprus",
        );
        let s = c(base, &new_entity);
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        let moved =
            base.replace("3172 North Rainbow Boulevard, Las Vegas, NV 89108", "1 Main Street, Austin, TX 73301");
        assert_ne!(c(base, &moved).significance, Significance::Substantive);
    }

    #[test]
    fn a_clause_reworded_across_the_cross_reference_line_is_a_rewrite() {
        // The same sentence, 40 words before and 41 after ("so they" → "so that they"): a
        // pointer to another page at 40 words, body text at 41. Read alike on both sides, the
        // edit is one function word, not a sentence with "not" and "share" added and removed.
        let mut sentence = String::from(
            "This strategy involves removing content that violates our [Community Standards](https://example.com/standards), reducing the spread of content that does not violate them and informing people so they can choose what to read or share, for more information",
        );
        let filler = ["here", "today", "online"];
        let mut k = 0;
        while text::canonical(&sentence).split(' ').count() < 40 {
            sentence.push(' ');
            sentence.push_str(filler[k % filler.len()]);
            k += 1;
        }
        assert_eq!(text::canonical(&sentence).split(' ').count(), 40);
        let old = format!("{BASE}\n## Recommendations\n\n{sentence}.\n");
        let new = old.replace("so they", "so that they");
        let s = c(&old, &new);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn a_changed_number_is_quoted_from_its_own_clause() {
        // Another number, with no unit, changed in the same region and comes first.
        let old =
            "## Cookies\n\nUnder Art. 2 of the law we use session cookies. They expire after 14 days at the latest.\n";
        let new =
            "## Cookies\n\nUnder Art. 1 of the law we use session cookies. They expire after 30 days at the latest.\n";
        let s = c(old, new);
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        assert!(s.reasons[0].contains("They expire after 30 days"), "{:?}", s.reasons);
    }

    #[test]
    fn a_widget_of_question_titles_states_no_provision() {
        let body = "# Monetization policies\n\nTo monetize, you must reside in an eligible country and follow our Community Standards.\n";
        let widget = "\nMy account was demonetized\n\nWhy was I demonetized?\n\nMonetization eligibility requirements\n\nAppeal a monetization decision\n\nI have a different question\n";
        let s = c(&format!("{body}{widget}"), body);
        assert!(s.provisions_removed.is_empty(), "{:?}", s.provisions_removed);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // The same topic stated as a sentence is a provision.
        let appeal = "\nYou can appeal a monetization decision within 30 days of our notice.\n";
        let s = c(&format!("{body}{appeal}"), body);
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn a_product_brought_under_the_policy_is_substantive() {
        let base = "## What Products does this policy cover?\n\n* Facebook\n* Instagram (including apps like Boomerang)\n* Messenger\n\n## Law\n\nIrish law applies.\n";
        let s = c(base, &base.replace("like Boomerang)", "like Boomerang and Threads)"));
        assert_eq!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn a_note_on_an_updated_addendum_is_an_update_notice() {
        let note = "These terms reflect our updated [European Data Transfer Addendum](https://example.com/dta) incorporating new Standard Contractual Clauses effective September 27, 2021.";
        assert!(signals::is_update_notice(&text::canonical(note)));
        let s = c(&format!("{note}\n\n{BASE}"), BASE);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }

    #[test]
    fn a_pointer_to_a_help_page_adds_no_provision() {
        let pointer =
            "More information can be found on the [Recommender Systems](https://example.com/recsys) help page.";
        assert!(signals::is_cross_reference(pointer, &text::canonical(pointer)));
        let s = c(BASE, &format!("{BASE}\n## Ranking\n\n{pointer}\n"));
        assert!(s.provisions_added.is_empty(), "{:?}", s.provisions_added);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
        // "as required under applicable laws" describes the page pointed to, not a new duty.
        let click = "Click [here](https://example.com/state) to read additional state-specific privacy disclosures as required under applicable laws.";
        assert!(signals::is_cross_reference(click, &text::canonical(click)));
        let s = c(&format!("{BASE}\n## State laws\n\n{click}\n"), BASE);
        assert_ne!(s.significance, Significance::Substantive, "{:?}", s.reasons);
    }
}
