use std::process::Command;

use crate::helpers::{bin, shared_dir, TestApp};

#[tokio::test]
async fn import_ota_accepts_good_rejects_bad_with_file_field_reason() {
    let app = TestApp::new().await;
    let src = app.dir.path().join("ota");
    std::fs::create_dir_all(&src).unwrap();
    let write = |name: &str, text: &str| std::fs::write(src.join(name), text).unwrap();
    write(
        "Good.json",
        r##"{"name":"Good","terms":{"Terms of Service":{"fetch":"https://good.test/terms","select":["main"],
            "remove":[{"startBefore":"#cookie","endAfter":"#cookie-end"}],"filter":["removeTrackingIDs"],"executeClientScripts":true}}}"##,
    );
    write(
        "Good.history.json",
        r#"{"Terms of Service":[{"fetch":"https://good.test/old-terms","select":"body","validUntil":"2024-01-01T00:00:00Z"}]}"#,
    );
    write("NoName.json", r#"{"terms":{}}"#);
    write(
        "BadUrl.json",
        r#"{"name":"Bad","terms":{"Privacy Policy":{"fetch":"javascript:alert(1)","select":"main"}}}"#,
    );
    write(
        "BadCss.json",
        r#"{"name":"Css","terms":{"Privacy Policy":{"fetch":"https://css.test/p","select":"main >>> p"}}}"#,
    );
    write("Broken.json", "{\"name\": \"Broken\", ");
    write("README.md", "# not a declaration");

    let report =
        clausewatch::catalog::import_ota(&app.store, &src, app.catalog_dir(), chrono::Utc::now()).await.unwrap();
    assert_eq!((report.imported_platforms, report.imported_documents), (1, 1), "{report:#?}");
    let rejected = report.rejected.join("\n");
    assert!(rejected.contains("NoName.json: name: missing"), "{rejected}");
    assert!(rejected.contains("BadUrl.json: terms.\"Privacy Policy\".fetch: only http and https"), "{rejected}");
    assert!(rejected.contains("BadCss.json: terms.\"Privacy Policy\".select: invalid CSS selector"), "{rejected}");
    assert!(rejected.contains("Broken.json: invalid JSON"), "{rejected}");
    assert!(report.skipped.iter().any(|s| s.contains("README.md")), "{:?}", report.skipped);
    assert!(
        report.warnings.iter().any(|w| w.contains("unknown filter \"removeTrackingIDs\"")),
        "{:?}",
        report.warnings
    );
    // The declaration is a valid catalog entry as it is: copied unchanged, with its history.
    assert_eq!(
        std::fs::read_to_string(app.catalog_dir().join("Good.json")).unwrap(),
        std::fs::read_to_string(src.join("Good.json")).unwrap()
    );
    assert!(app.catalog_dir().join("Good.history.json").exists());
    let doc = app.doc("Good", "Terms of Service").await;
    let old = app.store.rules_at(doc.id, "2023-06-01T00:00:00Z".parse().unwrap()).await.unwrap();
    assert_eq!(old.rules.sources[0].url, "https://good.test/old-terms");
    let now = app.store.rules_at(doc.id, chrono::Utc::now()).await.unwrap();
    assert_eq!(now.rules.sources[0].url, "https://good.test/terms");
    assert!(now.rules.sources[0].execute_client_scripts);
}

/// Every declaration of the real collections either imports or is rejected with a reason.
#[test]
fn import_ota_real_declarations() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipped: shared data not unpacked (run ../shared/unpack)");
        return;
    };
    let root = shared.join("ota/declarations");
    let mut total_json = 0;
    let mut total_imported = 0;
    let mut total_rejected_files = 0;
    for collection in std::fs::read_dir(&root).unwrap() {
        let folder = collection.unwrap().path().join("declarations");
        if !folder.is_dir() {
            continue;
        }
        let declarations: Vec<_> = std::fs::read_dir(&folder)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json") && !n.ends_with(".history.json"))
            .collect();
        let data = tempfile::tempdir().unwrap();
        let out = Command::new(bin())
            .args(["import-ota", "--format", "json"])
            .arg(&folder)
            .arg("--data-dir")
            .arg(data.path().join("data"))
            .arg("--catalog")
            .arg(data.path().join("catalog"))
            .env("CLAUSEWATCH_LOG", "error")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", folder.display(), String::from_utf8_lossy(&out.stderr));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let imported = report["imported_platforms"].as_u64().unwrap() as usize;
        let rejected: Vec<String> =
            report["rejected"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect();
        // A file is either imported or named in at least one rejection.
        let rejected_files: std::collections::BTreeSet<String> =
            declarations.iter().filter(|d| rejected.iter().any(|r| r.contains(&format!("/{d}:")))).cloned().collect();
        let fully_rejected = declarations.len() - imported;
        assert!(
            rejected_files.len() >= fully_rejected,
            "{}: {fully_rejected} not imported, {} named",
            folder.display(),
            rejected_files.len()
        );
        for r in &rejected {
            assert!(
                r.starts_with("rejected: ") && r.matches(": ").count() >= 2,
                "rejection without file/field/reason: {r}"
            );
        }
        total_json += declarations.len();
        total_imported += imported;
        total_rejected_files += fully_rejected;
        eprintln!(
            "{}: {} declarations, {} imported, {} rejections",
            folder.display(),
            declarations.len(),
            imported,
            rejected.len()
        );
    }
    eprintln!("total: {total_json} declarations, {total_imported} imported, {total_rejected_files} rejected");
    assert_eq!(total_imported + total_rejected_files, total_json);
    assert!(total_imported as f64 > 0.9 * total_json as f64, "most real declarations must import");
}
