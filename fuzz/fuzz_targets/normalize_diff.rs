//! Two arbitrary texts as Markdown versions: normalising is idempotent, and the section diff
//! of a text with itself is empty; the diff of two texts renders without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map(|(i, _)| i).unwrap_or(0));
    let (a, b) = (clausewatch_extract::normalize_markdown(a), clausewatch_extract::normalize_markdown(b));
    assert_eq!(clausewatch_extract::normalize_markdown(&a), a);
    let same = clausewatch_diff::diff(&a, &a);
    assert!(clausewatch_diff::render_text(&same).lines().all(|l| !l.starts_with("+ ") && !l.starts_with("- ")));
    let d = clausewatch_diff::diff(&a, &b);
    let _ = clausewatch_diff::render_text(&d);
});
