//! Segmentation, attribute parsing and the whole analysis on arbitrary text: no panic, quotes
//! are the text at their offsets, re-anchoring finds every unchanged quote again, and the rules'
//! literal prefilter fires exactly the rules that running every pattern fires.
#![no_main]

use clausewatch_analyze::{attributes, segment, taxonomy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let clauses = segment::clauses(text);
    let index = segment::AnchorIndex::new(&clauses);
    for c in &clauses {
        assert_eq!(&text[c.start..c.end], c.text);
        let _ = attributes::facts(&c.text);
        match index.find(&c.anchor(), &c.text, 0.5) {
            segment::Reanchor::Found { .. } => {}
            other => panic!("an unchanged quote is found again: {other:?}"),
        }
    }
    for p in taxonomy::taxonomy().provisions.iter().take(8) {
        let _ = attributes::for_provision(p, text);
    }
    let canonical = clausewatch_analyze::text::canonical(text);
    let set = clausewatch_analyze::rules::rules();
    let fast: Vec<_> = set.fire(&canonical).into_iter().map(|(r, m)| (r.id.as_str(), m)).collect();
    let slow: Vec<_> = set.rules.iter().filter_map(|r| r.matches(&canonical).map(|m| (r.id.as_str(), m))).collect();
    assert_eq!(fast, slow, "the prefilter changed what fires");
    if text.len() < 4096 {
        let a = clausewatch_analyze::analyze(text, "x");
        for f in &a.findings {
            assert_eq!(&text[f.anchor.start..f.anchor.end], f.quote);
        }
    }
});
