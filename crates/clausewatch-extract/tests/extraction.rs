use clausewatch_core::{DocumentRules, RangeBoundary, RangeSelector, Selector, SourceRules};
use clausewatch_extract::{extract_document, extract_document_in, extract_source, ExtractError, Mode, SourceInput};

fn rules(select: Vec<Selector>, remove: Vec<Selector>) -> SourceRules {
    SourceRules {
        url: "https://example.test/legal/terms".into(),
        select,
        remove,
        filters: vec![],
        execute_client_scripts: false,
        origin: None,
        ignore_robots: None,
    }
}

fn css(s: &str) -> Selector {
    Selector::Css(s.into())
}

fn md(html: &str, r: &SourceRules) -> Result<String, ExtractError> {
    extract_source(r, &SourceInput { url: &r.url, bytes: html.as_bytes(), content_type: Some("text/html") })
}

const PAGE: &str = r#"<!doctype html><html><head><title>T</title><style>p{}</style></head><body>
<nav>Home | Pricing</nav>
<main>
  <h1>Terms of   Service</h1>
  <p class="updated">Last updated: <time>2026-01-02</time></p>
  <div class="banner">Try our new app!</div>
  <h2>1. Payments</h2>
  <p>Credits are   <strong>non-refundable</strong> after <em>7 days</em>. See <a href="/refunds?utm_source=x&amp;id=3">refunds</a>.</p>
  <ul><li>First item</li><li>Second <b>item</b><ul><li>Nested</li></ul></li></ul>
  <ol start="3"><li>three</li><li>four</li></ol>
  <h3>1.1 Fees</h3>
  <p>Line one<br>Line two</p>
  <table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>$10</td></tr></table>
  <script>var x = 1;</script>
</main>
<footer>© 2026</footer>
</body></html>"#;

#[test]
fn select_remove_and_turndown_style_markdown() {
    let r = rules(vec![css("main")], vec![css(".banner")]);
    let out = md(PAGE, &r).unwrap();
    assert!(out.starts_with("Terms of Service\n================"), "{out}");
    assert!(out.contains("1\\. Payments\n-----------"), "{out}");
    assert!(
        out.contains(
            "Credits are **non-refundable** after _7 days_. See [refunds](https://example.test/refunds?id=3)."
        ),
        "{out}"
    );
    assert!(out.contains("*   First item\n*   Second **item**\n    *   Nested"), "{out}");
    assert!(out.contains("3.  three\n4.  four"), "{out}");
    assert!(out.contains("### 1.1 Fees"), "{out}");
    assert!(out.contains("Line one  \nLine two"), "{out}");
    assert!(out.contains("| Plan | Price |\n| --- | --- |\n| Pro | $10 |"), "{out}");
    assert!(!out.contains("Try our new app"));
    assert!(!out.contains("Home | Pricing"));
    assert!(!out.contains("var x"));
}

#[test]
fn without_select_the_main_content_is_found() {
    let r = rules(vec![], vec![]);
    let out = md(PAGE, &r).unwrap();
    assert!(out.starts_with("Terms of Service\n================"), "{out}");
    assert!(out.contains("| Pro | $10 |"), "{out}");
    assert!(!out.contains("Home | Pricing"), "{out}");
    assert!(!out.contains("© 2026"), "{out}");
}

#[test]
fn range_selectors_select_and_remove() {
    let r = rules(
        vec![Selector::Range(RangeSelector {
            start: RangeBoundary::Before("h2".into()),
            end: RangeBoundary::Before("h3".into()),
        })],
        vec![],
    );
    let out = md(PAGE, &r).unwrap();
    assert!(out.starts_with("1\\. Payments"), "{out}");
    assert!(out.contains("four"));
    assert!(!out.contains("Fees"), "{out}");
    assert!(!out.contains("Last updated"), "{out}");

    let r = rules(
        vec![css("main")],
        vec![Selector::Range(RangeSelector {
            start: RangeBoundary::After("h1".into()),
            end: RangeBoundary::Before("h2".into()),
        })],
    );
    let out = md(PAGE, &r).unwrap();
    assert!(!out.contains("Last updated"), "{out}");
    assert!(!out.contains("Try our"), "{out}");
    assert!(out.contains("Terms of Service") && out.contains("Payments"));
}

#[test]
fn filters_strip_query_params() {
    let mut r = rules(vec![css("main")], vec![]);
    r.filters = vec![serde_json::json!({"removeQueryParams": ["utm_source"]})];
    let out = md(PAGE, &r).unwrap();
    assert!(out.contains("(https://example.test/refunds?id=3)"), "{out}");
}

#[test]
fn missing_selection_is_an_error_naming_the_selector() {
    let r = rules(vec![css("#does-not-exist")], vec![]);
    match md(PAGE, &r) {
        Err(ExtractError::SelectorMatchedNothing { selector }) => {
            assert!(selector.contains("#does-not-exist"))
        }
        other => panic!("{other:?}"),
    }
    let r = rules(vec![css("nav ~ main .banner + h2 +")], vec![]);
    assert!(matches!(md(PAGE, &r), Err(ExtractError::InvalidSelector { .. })));
}

#[test]
fn empty_selection_is_an_error() {
    let r = rules(vec![css("footer script")], vec![]);
    assert!(md("<html><body><footer><div> </div></footer></body></html>", &rules(vec![css("footer")], vec![])).is_err());
    assert!(md(PAGE, &r).is_err());
}

#[test]
fn combine_joins_sources_in_order_and_hash_is_stable() {
    let a = rules(vec![css("h1")], vec![]);
    let mut b = rules(vec![css("h3")], vec![]);
    b.url = "https://example.test/other".into();
    let doc = DocumentRules { sources: vec![a, b] };
    let inputs = [
        SourceInput { url: "https://example.test/legal/terms", bytes: PAGE.as_bytes(), content_type: None },
        SourceInput { url: "https://example.test/other", bytes: PAGE.as_bytes(), content_type: None },
    ];
    let one = extract_document(&doc, None, &inputs).unwrap();
    let two = extract_document(&doc, None, &inputs).unwrap();
    assert_eq!(one, two);
    // Sources are separated by a rule, as in Open Terms Archive's versions.
    assert_eq!(one.markdown, "Terms of Service\n================\n\n- - -\n\n### 1.1 Fees\n");
}

#[test]
fn hostile_nesting_does_not_overflow() {
    let mut page = String::from("<html><body><main>");
    for _ in 0..1_500 {
        page.push_str("<div><span>");
    }
    page.push_str("deep text");
    let r = rules(vec![css("main")], vec![]);
    let out = md(&page, &r).unwrap();
    assert!(out.contains("deep text"));
    // Far deeper: refused up front with the reason, in bounded time.
    let hostile = format!("<html><body><main>{}x</main></body></html>", "<div><span>".repeat(50_000));
    let started = std::time::Instant::now();
    let err = md(&hostile, &r).unwrap_err();
    assert!(matches!(err, ExtractError::TooDeep { .. }), "{err:?}");
    assert!(err.to_string().contains("nested deeper"));
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn malformed_pdf_is_an_error_not_a_panic() {
    let r = rules(vec![], vec![]);
    let bytes = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage garbage";
    let err =
        extract_source(&r, &SourceInput { url: &r.url, bytes, content_type: Some("application/pdf") }).unwrap_err();
    assert!(matches!(err, ExtractError::Pdf(_) | ExtractError::PdfNoText), "{err:?}");
}

#[test]
fn removed_elements_cannot_be_selected_again() {
    let page = "<html><body><main><p>Keep me.</p><div class=\"banner\"><p>Drop me.</p></div><p>Me too.</p></main></body></html>";
    let r = rules(vec![css("p")], vec![css(".banner")]);
    let out = md(page, &r).unwrap();
    assert_eq!(out, "Keep me.\n\nMe too.");
    // A range boundary inside a removed element matches nothing.
    let r = rules(
        vec![Selector::Range(RangeSelector {
            start: RangeBoundary::Before(".banner p".into()),
            end: RangeBoundary::After("main > p:last-child".into()),
        })],
        vec![css(".banner")],
    );
    assert!(matches!(md(page, &r), Err(ExtractError::SelectorMatchedNothing { .. })));
}

#[test]
fn matches_come_in_document_order() {
    let page =
        "<html><body><table><tr><td>Cell</td></tr><p>Foster-parented paragraph</p></table><p>After</p></body></html>";
    let r = rules(vec![css("p, td")], vec![]);
    let out = md(page, &r).unwrap();
    let a = out.find("Foster-parented").unwrap();
    let b = out.find("Cell").unwrap();
    let c = out.find("After").unwrap();
    assert!(a < b && b < c, "{out}");
}

/// Behaviours matched against Open Terms Archive's extractions (turndown + GFM tables).
#[test]
fn follows_the_reference_converter_on_real_page_patterns() {
    let all = rules(vec![css("main")], vec![]);
    let one = |html: &str| {
        clausewatch_extract::normalize_markdown(
            &md(&format!("<html><body><main>{html}</main></body></html>"), &all).unwrap(),
        )
    };
    // A blank inline element keeps its space; a bold line break keeps nothing.
    assert_eq!(
        one("<p><b>safe</b><span>.</span><b><span> </span></b><span>Children</span></p>"),
        "**safe**. Children\n"
    );
    // Line breaks inside table cells become <br>.
    assert_eq!(
        one("<table><tr><th>A</th><th>B</th></tr><tr><td>x<br>y</td><td><p>p1</p><p>p2</p></td></tr></table>"),
        "| A | B |\n| --- | --- |\n| x  <br>y | p1<br><br>p2 |\n"
    );
    // A table holding a table is layout: its cells are plain content.
    let layout =
        one("<table><tr><td><p>Intro</p><table><tr><th>K</th></tr><tr><td>v</td></tr></table></td></tr></table>");
    assert!(layout.starts_with("Intro\n\n| K |"), "{layout}");
    // Text after a nested list that ends an item runs on (turndown's lastElementChild test).
    assert_eq!(one("<ul><li>a<ul><li>b</li></ul>tail</li></ul>"), "*   a\n    *   btail\n");
    // `pre` without `code` keeps its line breaks as Markdown breaks.
    assert_eq!(one("<pre>a -<br>b</pre>"), "a -\nb\n");
    // Inline code text is whitespace-collapsed.
    assert_eq!(one("<p><code>   x   </code><br><code> y</code></p>"), "`x`\n`y`\n");
    // Links: block content drops its line breaks, icon-only links vanish, anchors stay relative.
    assert_eq!(
        one("<a href='/h'><div>Home</div></a><a href='/i'><svg></svg><div></div></a>"),
        "[Home](https://example.test/h)\n"
    );
    assert_eq!(one("<p><a href='#s2'>see</a> <img src='/i.png' alt='i'></p>"), "[see](#s2) ![i](/i.png)\n");
    // Invisible characters are text.
    assert_eq!(one("<p>tools\u{2060}</p>"), "tools\u{2060}\n");
}

#[test]
fn relative_links_resolve_against_base_href() {
    let page = "<html><head><base href='https://policies.example.test/'></head><body><main><a href='terms?hl=en'>t</a></main></body></html>";
    let r =
        SourceRules { url: "https://policies.example.test/terms/ai?hl=en".into(), ..rules(vec![css("main")], vec![]) };
    assert_eq!(md(page, &r).unwrap(), "[t](https://policies.example.test/terms?hl=en)");
}

/// A redesign that drops the selected element: strict extraction names the selector; the
/// fall-back mode reads the page automatically and says which source it read so; a source
/// forced automatic is read so even when its selector still matches; a page with no text
/// still fails with the rule's error.
#[test]
fn a_select_rule_that_matches_nothing_can_fall_back_to_automatic_extraction() {
    let redesigned = PAGE.replace("<main>", "<div class=\"page\">").replace("</main>", "</div>");
    let doc = DocumentRules {
        sources: vec![rules(vec![css("main")], vec![css(".banner")]), rules(vec![css("#other")], vec![])],
    };
    let other = "<html><body><div id=other><p>Annex: fees are listed in the price list.</p></div></body></html>";
    fn input(html: &str) -> SourceInput<'_> {
        SourceInput { url: "https://example.test/t", bytes: html.as_bytes(), content_type: None }
    }
    let inputs = [input(&redesigned), input(other)];
    let strict = extract_document(&doc, None, &inputs).unwrap_err();
    assert!(
        matches!(&strict, ExtractError::SelectorMatchedNothing { selector } if selector.contains("main")),
        "{strict}"
    );

    let fallen = extract_document_in(&doc, None, &inputs, &Mode { automatic: vec![], fall_back: true }).unwrap();
    assert_eq!(fallen.automatic_sources, vec![0]);
    assert!(fallen.markdown.contains("non-refundable"), "{}", fallen.markdown);
    assert!(fallen.markdown.contains("Annex: fees"), "the second source keeps its rule");
    assert!(!fallen.markdown.contains("Try our new app"), "remove rules still apply");
    assert!(!fallen.markdown.contains("Home | Pricing"), "navigation is not the document");

    // The original page read the way the redesigned one had to be: the same text.
    let original = [input(PAGE), input(other)];
    let forced = extract_document_in(&doc, None, &original, &Mode { automatic: vec![0], fall_back: false }).unwrap();
    assert_eq!(forced.automatic_sources, vec![0]);
    assert_eq!(forced.text_hash, fallen.text_hash);
    assert_eq!(extract_document(&doc, None, &original).unwrap().automatic_sources, Vec::<usize>::new());

    // Nothing to read at all: the rule's own error.
    let empty = [input("<html><body></body></html>"), input(other)];
    let err = extract_document_in(&doc, None, &empty, &Mode { automatic: vec![], fall_back: true }).unwrap_err();
    assert!(matches!(&err, ExtractError::SelectorMatchedNothing { selector } if selector.contains("main")), "{err}");
}
