//! Evaluation commands on small case folders written by the test (the real data lives in
//! ../shared and is measured by the eval commands themselves, not by tests).

use std::path::Path;

use serde_json::{json, Value};

use crate::helpers::TestApp;

fn write_case(root: &Path, name: &str, html: &str, declaration: Value, expected: &str) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("page.html"), html).unwrap();
    std::fs::write(
        dir.join("source.json"),
        json!([{"order": 0, "file": "page.html", "url": "https://example.test/terms", "media_type": "text/html"}])
            .to_string(),
    )
    .unwrap();
    std::fs::write(dir.join("declaration.json"), declaration.to_string()).unwrap();
    std::fs::write(dir.join("expected.md"), expected).unwrap();
}

#[tokio::test]
async fn eval_extraction_scores_cases_and_names_what_differs() {
    let app = TestApp::new().await;
    let cases = app.dir.path().join("cases");
    let page = "<html><body><nav>Menu</nav><main><h1>Terms</h1><p>Refunds within <b>24 hours</b>.</p>\
                <p>See <a href='/privacy'>privacy</a>.</p></main></body></html>";
    let rules = json!({"fetch": "https://example.test/terms", "select": "main"});
    // Same words, other Markdown markup: identical under the fixed comparison.
    write_case(
        &cases,
        "A/Terms/1",
        page,
        rules.clone(),
        "# Terms\n\nRefunds within *24 hours*.\n\nSee [privacy](https://example.test/privacy).\n",
    );
    // One word differs in the reference.
    write_case(
        &cases,
        "A/Terms/2",
        page,
        rules.clone(),
        "Terms\n=====\n\nRefunds within **48 hours**.\n\nSee [privacy](https://example.test/privacy).\n",
    );
    // Selector that matches nothing: an error naming the selector.
    write_case(&cases, "B/Privacy/1", page, json!({"fetch": "https://example.test/terms", "select": "#gone"}), "x\n");
    // A hostile case: source.json points outside its folder.
    let evil = cases.join("C/Evil/1");
    write_case(&cases, "C/Evil/1", page, rules, "x\n");
    std::fs::write(
        evil.join("source.json"),
        r#"[{"order":0,"file":"../../../../etc/passwd","url":"https://example.test/terms"}]"#,
    )
    .unwrap();

    // A rule that matches nothing on a page that is plainly the document: read automatically, as
    // tracking reads such a first capture (titled as the terms type, 150 words or more).
    let sentence = "We collect the account details you give us and keep them while your account is open. ";
    let policy = format!(
        "<html><body><nav><a href='/'>Home</a> <a href='/blog'>Blog</a></nav><main><h1>Privacy Policy</h1><p>{}</p>\
         <h2>Your rights</h2><p>{}</p></main><footer>© Example</footer></body></html>",
        sentence.repeat(10),
        sentence.repeat(10)
    );
    let expected =
        format!("# Privacy Policy\n\n{}\n\n## Your rights\n\n{}\n", sentence.repeat(10), sentence.repeat(10));
    write_case(
        &cases,
        "D/Privacy/1",
        &policy,
        json!({"fetch": "https://example.test/terms", "select": ".legalPage"}),
        &expected,
    );
    std::fs::write(cases.join("D/Privacy/1/meta.json"), r#"{"terms_type": "Privacy Policy"}"#).unwrap();
    // The same rule on a page that only redirects: refused, still an error.
    let stub = "<html><body><main><h1>Redirecting</h1><p>Redirecting to example.test</p></main></body></html>";
    write_case(
        &cases,
        "D/Privacy/2",
        stub,
        json!({"fetch": "https://example.test/terms", "select": ".legalPage"}),
        "Redirecting\n",
    );
    std::fs::write(cases.join("D/Privacy/2/meta.json"), r#"{"terms_type": "Privacy Policy"}"#).unwrap();

    let out = app.command(&["eval", "extraction", cases.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cases: 6"), "{text}");
    assert!(text.contains("1.0000 identical D/Privacy/1"), "{text}");
    assert!(text.contains("identical: 2/6 (33.3%)"), "{text}");
    assert!(text.contains("read_automatically: 1"), "{text}");
    assert!(text.contains("errors: 3"), "{text}");
    assert!(
        text.contains("source #1 not read automatically: a first capture read automatically must be titled"),
        "{text}"
    );
    assert!(text.contains("missing \"48\", extra \"24\""), "{text}");
    assert!(text.contains("#gone matched nothing"), "{text}");
    assert!(text.contains("outside the case"), "{text}");

    let out = app.command(&["eval", "extraction", cases.to_str().unwrap(), "--format", "json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["identical"], 2);
    assert_eq!(report["total"], 6);
    assert_eq!(report["read_automatically"], 1);
    let second = report["cases"].as_array().unwrap().iter().find(|c| c["case"] == "A/Terms/2").unwrap();
    let similarity = second["similarity"].as_f64().unwrap();
    // "Terms Refunds within 48 hours. See privacy.": 7 words, one substituted.
    assert!((similarity - (1.0 - 1.0 / 7.0)).abs() < 1e-9, "{similarity}");
    assert_eq!(second["links_identical"], true);
}

#[tokio::test]
async fn eval_without_shared_data_skips_with_a_message() {
    let app = TestApp::new().await;
    let missing = app.dir.path().join("nowhere");
    let out = app.command(&["eval", "extraction", missing.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipped"));
}
