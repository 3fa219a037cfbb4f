//! Arbitrary bytes as an HTML page, through declared rules (CSS select + remove, a range) and
//! through automatic main content (with and without a terms type to pick out of a page of
//! several documents), and with a select rule that falls back to automatic extraction when it
//! matches nothing: extraction must return text or a named error, never panic.
#![no_main]

use clausewatch_core::{DocumentRules, RangeBoundary, RangeSelector, Selector, SourceRules};
use clausewatch_extract::{extract_document, extract_document_in, extract_source, Mode, SourceInput};
use libfuzzer_sys::fuzz_target;

fn rules(select: Vec<Selector>, remove: Vec<Selector>) -> SourceRules {
    SourceRules {
        url: "https://fuzz.test/legal/terms".into(),
        select,
        remove,
        filters: vec![],
        execute_client_scripts: false,
        origin: None,
        ignore_robots: None,
    }
}

fuzz_target!(|data: &[u8]| {
    let input = SourceInput { url: "https://fuzz.test/legal/terms", bytes: data, content_type: Some("text/html") };
    let css = |s: &str| Selector::Css(s.into());
    for r in [
        rules(vec![css("main"), css("article")], vec![css(".banner"), css("nav")]),
        rules(
            vec![Selector::Range(RangeSelector {
                start: RangeBoundary::Before("h1".into()),
                end: RangeBoundary::After("footer".into()),
            })],
            vec![],
        ),
        rules(vec![], vec![]),
    ] {
        if let Ok(md) = extract_source(&r, &input) {
            // The normal form is idempotent.
            let once = clausewatch_extract::normalize_markdown(&md);
            assert_eq!(clausewatch_extract::normalize_markdown(&once), once);
        }
    }
    let automatic = DocumentRules { sources: vec![rules(vec![], vec![])] };
    for terms_type in ["Trackers Policy", "Terms of Service"] {
        if let Ok(ex) = extract_document(&automatic, Some(terms_type), &[input]) {
            assert!(!ex.markdown.trim().is_empty());
        }
    }
    // A select rule that may match nothing: falling back, or forced automatic, the sources read
    // automatically are exactly those with a select rule that was set aside.
    let declared = DocumentRules { sources: vec![rules(vec![css("#terms")], vec![css("nav")])] };
    for mode in [Mode { automatic: vec![], fall_back: true }, Mode { automatic: vec![0], fall_back: false }] {
        if let Ok(ex) = extract_document_in(&declared, Some("Privacy Policy"), &[input], &mode) {
            assert!(ex.automatic_sources.is_empty() || ex.automatic_sources == vec![0]);
            if !mode.automatic.is_empty() {
                assert_eq!(ex.automatic_sources, vec![0]);
            }
        }
    }
});
