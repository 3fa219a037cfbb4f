//! `catalog validate` on the shipped catalog and on broken entries.

use serde_json::{json, Value};

use crate::helpers::TestApp;

fn validate(app: &TestApp, dir: &std::path::Path) -> (bool, String) {
    let out = app.command(&["catalog", "validate", dir.to_str().unwrap(), "--verbose"]).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn the_shipped_catalog_is_valid_and_large() {
    let app = TestApp::new().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../catalogs/platforms");
    let out = app.command(&["catalog", "validate", dir.to_str().unwrap(), "--format", "json"]).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(out.status.success(), "{:#}", report["errors"]);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    assert!(report["platforms"].as_u64().unwrap() >= 320, "{}", report["platforms"]);
    assert!(report["by_category"]["ai"].as_u64().unwrap() >= 40, "{}", report["by_category"]);
}

#[tokio::test]
async fn validate_names_every_problem() {
    let app = TestApp::new().await;
    let dir = app.dir.path().join("bad-catalog");
    std::fs::create_dir_all(&dir).unwrap();
    let write = |file: &str, v: Value| std::fs::write(dir.join(file), v.to_string()).unwrap();
    let origin = "editorial:test";
    write(
        "Good.json",
        json!({"name": "Good", "category": "ai", "jurisdiction": "FR", "website": "https://good.test/",
               "provenance": {"name": origin, "category": origin, "jurisdiction": origin, "website": origin},
               "terms": {"Terms of Service": {"fetch": "https://good.test/terms", "origin": origin}}}),
    );
    write(
        "Twin.json",
        json!({"name": "good", "category": "ai", "website": "https://twin.test/", "unverified": ["jurisdiction"],
               "provenance": {"category": origin, "website": origin},
               "terms": {"Terms of Service": {"fetch": "https://twin.test/terms", "origin": origin}}}),
    );
    write(
        "NoOrigin.json",
        json!({"name": "No Origin", "category": "kitchen", "jurisdiction": "US",
               "terms": {"Made-up Policy": {"fetch": "https://x.test/a"},
                         "Privacy Policy": {"combine": [{"fetch": "https://x.test/p", "origin": origin},
                                                        {"fetch": "https://x.test/p", "origin": origin}]}}}),
    );
    write("BadUrl.json", json!({"name": "Bad", "terms": {"Terms of Service": {"fetch": "ftp://x.test/a"}}}));
    let (ok, out) = validate(&app, &dir);
    assert!(!ok, "{out}");
    for expected in [
        "Twin.json: name: \"good\" is also the name in Good.json",
        "NoOrigin.json: category: \"kitchen\" is not one of",
        "NoOrigin.json: provenance.jurisdiction: the value has no source",
        "NoOrigin.json: website: missing",
        "NoOrigin.json: terms.\"Made-up Policy\": not a known terms type",
        "no origin (where does https://x.test/a come from?)",
        "https://x.test/p is combined twice",
        "BadUrl.json: terms.\"Terms of Service\".fetch: only http and https",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert!(out.contains("unverified_jurisdiction: 1"), "{out}");
}
