use clausewatch_analyze::{analysis, rules, segment, text, unfair};
use std::time::Instant;
fn main() {
    let md = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let _ = clausewatch_analyze::analyze(&std::fs::read_to_string(std::env::args().nth(2).unwrap()).unwrap(), "x");
    let t = Instant::now();
    let clauses = segment::clauses(&md);
    println!("segment {:?} ({} clauses, {} bytes)", t.elapsed(), clauses.len(), md.len());
    let t = Instant::now();
    let canon: Vec<String> = clauses.iter().map(|c| text::canonical(&c.text)).collect();
    println!("canonical {:?}", t.elapsed());
    let t = Instant::now();
    let fired: Vec<Vec<String>> =
        canon.iter().map(|c| rules::rules().fire(c).into_iter().map(|(r, _)| r.id.clone()).collect()).collect();
    println!("rules {:?}", t.elapsed());
    let m = analysis::model().unwrap();
    let t = Instant::now();
    for (c, f) in clauses.iter().zip(&fired) {
        let _ = unfair::predict_labels_with(m, &c.text, f);
    }
    println!("model {:?}", t.elapsed());
    let t = Instant::now();
    let a = clausewatch_analyze::analyze(&md, "x");
    println!("total {:?} ({} findings)", t.elapsed(), a.findings.len());
}
