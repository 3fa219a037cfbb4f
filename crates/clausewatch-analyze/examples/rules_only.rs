use clausewatch_analyze::{rules, taxonomy, text, unfair};
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = unfair::parse_jsonl(&std::fs::read_to_string(&args[1]).unwrap()).unwrap();
    let show: Option<usize> = args.get(2).map(|s| s.parse().unwrap());
    let t = taxonomy::taxonomy();
    let gold: Vec<Vec<usize>> = data.iter().map(|e| e.labels.clone()).collect();
    let mut pred = Vec::new();
    for e in &data {
        let c = text::canonical(&e.text);
        let mut p: Vec<usize> = rules::rules()
            .fire(&c)
            .into_iter()
            .filter_map(|(r, _)| t.get(&r.provision).and_then(|p| p.unfair_tos_label))
            .collect();
        p.sort();
        p.dedup();
        if let Some(l) = show {
            let (g, q) = (e.labels.contains(&l), p.contains(&l));
            if g != q {
                println!("{} {}", if g { "FN" } else { "FP" }, &e.text[..e.text.len().min(250)]);
            }
        }
        pred.push(p);
    }
    let s = unfair::score(&gold, &pred, &unfair::LABELS);
    println!("strict micro {:.3} macro {:.3}", s.strict_micro_f1, s.strict_macro_f1);
    for l in &s.per_label {
        println!("  {:25} p {:.2} r {:.2} f {:.2} ({})", l.label, l.precision, l.recall, l.f1, l.support);
    }
}
