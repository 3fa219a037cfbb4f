fn main() {
    let pages: Vec<String> = (0..200).map(|i| clausewatch::bench::page(i, false)).collect();
    let rules = clausewatch_core::SourceRules {
        url: "http://127.0.0.1/p".into(),
        select: vec![clausewatch_core::Selector::Css("article.legal".into())],
        remove: vec![clausewatch_core::Selector::Css(".promo".into())],
        filters: vec![],
        execute_client_scripts: false,
        origin: None,
    };
    for _ in 0..5 {
        for p in &pages {
            let input = clausewatch_extract::SourceInput {
                url: &rules.url,
                bytes: p.as_bytes(),
                content_type: Some("text/html"),
            };
            std::hint::black_box(clausewatch_extract::extract_source(&rules, &input).unwrap());
        }
    }
}
