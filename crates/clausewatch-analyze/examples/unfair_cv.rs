use clausewatch_analyze::{model::TrainParams, unfair};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let train = unfair::parse_jsonl(&std::fs::read_to_string(&args[1]).unwrap()).unwrap();
    let val = unfair::parse_jsonl(&std::fs::read_to_string(&args[2]).unwrap()).unwrap();
    let mut p = TrainParams::default();
    let get = |k: &str| std::env::var(k).ok();
    if let Some(v) = get("C") {
        p.c = v.parse().unwrap();
    }
    if let Some(v) = get("PW") {
        p.positive_weight = v.parse().unwrap();
    }
    if let Some(v) = get("WN") {
        p.features.word_ngrams = v.parse().unwrap();
    }
    if let Some(v) = get("CMIN") {
        p.features.char_min = v.parse().unwrap();
    }
    if let Some(v) = get("CMAX") {
        p.features.char_max = v.parse().unwrap();
    }
    if let Some(v) = get("RR") {
        p.features.rule_repeat = v.parse().unwrap();
    }
    if let Some(v) = get("MINDF") {
        p.features.min_df = v.parse().unwrap();
    }
    let t0 = std::time::Instant::now();
    let oof = unfair::cross_val_scores(&train, &p, 5);
    let gold: Vec<Vec<usize>> = train.iter().map(|e| e.labels.clone()).collect();
    let th = unfair::best_thresholds(&oof, &gold, 8);
    let pred: Vec<Vec<usize>> = oof.iter().map(|s| (0..8).filter(|&l| s[l] > th[l]).collect()).collect();
    let cv = unfair::score(&gold, &pred, &unfair::LABELS);
    let m = unfair::train_model(&train, &p, String::new());
    let vg: Vec<Vec<usize>> = val.iter().map(|e| e.labels.clone()).collect();
    let vp: Vec<Vec<usize>> = val.iter().map(|e| unfair::predict_labels(&m, &e.text)).collect();
    let vs = unfair::score(&vg, &vp, &unfair::LABELS);
    println!("{:?} terms {} size {} {:.1}s", p, m.term_count(), m.to_bytes().len(), t0.elapsed().as_secs_f64());
    println!(
        "CV  strict micro {:.3} macro {:.3} lexglue {:.3}/{:.3}",
        cv.strict_micro_f1, cv.strict_macro_f1, cv.lexglue_micro_f1, cv.lexglue_macro_f1
    );
    println!(
        "VAL strict micro {:.3} macro {:.3} lexglue {:.3}/{:.3}",
        vs.strict_micro_f1, vs.strict_macro_f1, vs.lexglue_micro_f1, vs.lexglue_macro_f1
    );
    println!("{:?}\n{:?}", m.header.combination, m.header.precise_rules);
    if let Ok(out) = std::env::var("OUT") {
        std::fs::write(out, m.to_bytes()).unwrap();
    }
    for l in &vs.per_label {
        println!("  {:25} p {:.2} r {:.2} f {:.2} ({})", l.label, l.precision, l.recall, l.f1, l.support);
    }
}
