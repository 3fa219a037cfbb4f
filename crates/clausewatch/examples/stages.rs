//! Per-stage throughput of the pipeline's CPU work on one core (benchmark pages).
//! `cargo run --release --example stages -p clausewatch`
use std::time::Instant;

fn main() {
    // `stages DIR` measures the real pages (`*.html`) under DIR instead of generated ones.
    let real = std::env::args().nth(1).is_some();
    let pages: Vec<String> = match std::env::args().nth(1) {
        Some(dir) => real_pages(std::path::Path::new(&dir)),
        None => (0..200).map(|i| clausewatch::bench::page(i, false)).collect(),
    };
    let bytes: usize = pages.iter().map(|p| p.len()).sum();
    let rules = clausewatch_core::SourceRules {
        url: "http://127.0.0.1/p".into(),
        // Real pages are extracted automatically (no rules of ours fit them all).
        select: if real { vec![] } else { vec![clausewatch_core::Selector::Css("article.legal".into())] },
        remove: if real { vec![] } else { vec![clausewatch_core::Selector::Css(".promo".into())] },
        filters: vec![],
        execute_client_scripts: false,
        origin: None,
        ignore_robots: None,
    };
    let mb = bytes as f64 / 1e6;
    let rate = |t: Instant| mb / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for p in &pages {
        std::hint::black_box(scraper::Html::parse_document(p));
    }
    println!("parse: {:.0} MB/s", rate(t));
    let t = Instant::now();
    let mut mds = vec![];
    for p in &pages {
        let input =
            clausewatch_extract::SourceInput { url: &rules.url, bytes: p.as_bytes(), content_type: Some("text/html") };
        mds.push(clausewatch_extract::extract_source(&rules, &input).unwrap());
    }
    println!("extract (parse + select + markdown): {:.0} MB/s", rate(t));
    let t = Instant::now();
    for m in &mds {
        std::hint::black_box(clausewatch_extract::normalize_markdown(m));
    }
    println!("normalize: {:.0} MB/s of pages", rate(t));
    for level in [-5, -1, 1, 3] {
        let mut c = zstd::bulk::Compressor::new(level).unwrap();
        let t = Instant::now();
        let mut out = 0;
        for p in &pages {
            out += c.compress(p.as_bytes()).unwrap().len();
        }
        println!("zstd level {level}: {:.0} MB/s, ratio {:.1}", rate(t), bytes as f64 / out as f64);
    }
    let t = Instant::now();
    let mut out = 0;
    for m in &mds {
        out += zstd::bulk::compress(m.as_bytes(), 1).unwrap().len();
    }
    println!(
        "zstd level 1 on markdown: {:.0} MB/s of pages, ratio {:.1}",
        rate(t),
        mds.iter().map(|m| m.len()).sum::<usize>() as f64 / out as f64
    );
    let t = Instant::now();
    for p in &pages {
        std::hint::black_box(clausewatch_core::ContentHash::of(p.as_bytes()));
    }
    println!("blake3: {:.0} MB/s", rate(t));
    let changed: Vec<String> = (0..20)
        .map(|i| {
            let p = clausewatch::bench::page(i * 10, true);
            let input = clausewatch_extract::SourceInput { url: &rules.url, bytes: p.as_bytes(), content_type: None };
            clausewatch_extract::extract_source(&rules, &input).unwrap()
        })
        .collect();
    let t = Instant::now();
    for (i, new) in changed.iter().enumerate() {
        std::hint::black_box(clausewatch_diff::diff(&mds[i * 10], new));
    }
    println!("diff: {:.2} ms per changed document", t.elapsed().as_secs_f64() * 1000.0 / changed.len() as f64);
}

fn real_pages(dir: &std::path::Path) -> Vec<String> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "html") {
                out.push(String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).into_owned());
            }
        }
    }
    out
}
