//! Arbitrary bytes as a PDF: text or a named error (decode-error, pdf-no-text), never a panic
//! or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.extend_from_slice(data);
    let _ = clausewatch_extract::pdf::pdf_to_markdown(&bytes);
});
