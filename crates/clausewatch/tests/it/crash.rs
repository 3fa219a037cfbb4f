//! `kill -9` at any moment of `track` leaves a consistent store; the next run completes the
//! work; nothing recorded earlier is lost or duplicated.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use serde_json::json;

use crate::helpers::{terms_page, Page, TestApp, TestServer};

const TYPES: [&str; 3] = ["Terms of Service", "Privacy Policy", "Acceptable Use Policy"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_track_loses_and_duplicates_nothing() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    for p in 0..10 {
        let mut terms = serde_json::Map::new();
        for (t, ty) in TYPES.iter().enumerate() {
            let path = format!("/p{p}/d{t}");
            terms.insert(ty.to_string(), json!({"fetch": server.url(&path), "select": "main"}));
        }
        app.write_catalog(&format!("P{p}"), json!({"name": format!("Platform {p}"), "terms": terms}));
    }
    let set_round = |round: usize| {
        for p in 0..10 {
            for t in 0..3 {
                // Every round changes a third of the documents.
                let text = if (p + t) % 3 == round % 3 { format!("Rule {round}.") } else { "Stable rule.".to_string() };
                let body = terms_page(
                    &format!("nav {round}"),
                    "",
                    &format!("<p>Doc {p}-{t}. {text}</p><p>{}</p>", "filler ".repeat(2000)),
                );
                server.set(&format!("/p{p}/d{t}"), Page { delay: Duration::from_millis(40), ..Page::html(&body) });
            }
        }
    };

    let mut seen: HashMap<i64, String> = HashMap::new();
    let kill_after = [60u64, 150, 260, 380, 520, 700, 90, 330];
    for (round, ms) in kill_after.iter().enumerate() {
        set_round(round);
        let mut child = app
            .command(&["track", "--no-progress"])
            .env("CLAUSEWATCH_CONCURRENCY", "4")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(*ms)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // Whatever was recorded stays recorded, unchanged.
        for doc in app.store.documents(None).await.unwrap() {
            for v in app.store.versions(doc.id).await.unwrap() {
                let h = v.text_hash.to_hex();
                if let Some(prev) = seen.insert(v.id, h.clone()) {
                    assert_eq!(prev, h, "version {} changed after a crash", v.id);
                }
            }
        }
        let problems = app.store.check_consistency().await.unwrap();
        assert!(problems.is_empty(), "after kill at {ms} ms: {problems:?}");
        // A kill mid-append leaves at most a torn tail, never an unreadable pack.
        let packs = app.store.blobs().pack_report().unwrap();
        assert!(packs.unreadable.is_empty(), "after kill at {ms} ms: {packs:?}");
    }

    // A complete run finishes what was left and converges on the served text.
    let out = app.command(&["track", "--no-progress"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("failed: 0"), "{text}");
    let counts = app.store.counts().await.unwrap();
    assert_eq!(counts.pending_captures, 0);
    assert_eq!(counts.documents, 30);
    let last_round = kill_after.len() - 1;
    for doc in app.store.documents(None).await.unwrap() {
        let v = app.store.latest_version(doc.id).await.unwrap().expect("every document has a version");
        let (p, t) =
            (doc.platform_id[1..].parse::<usize>().unwrap(), TYPES.iter().position(|x| *x == doc.terms_type).unwrap());
        let expected =
            if (p + t) % 3 == last_round % 3 { format!("Rule {last_round}.") } else { "Stable rule.".into() };
        assert!(v.markdown.contains(&expected), "{} / {}: {}", doc.platform_name, doc.terms_type, &v.markdown[..60]);
        for v in app.store.versions(doc.id).await.unwrap() {
            if let Some(prev) = seen.get(&v.id) {
                assert_eq!(prev, &v.text_hash.to_hex(), "a version recorded before a crash was lost or altered");
            }
        }
    }
    assert!(app.store.check_consistency().await.unwrap().is_empty());
    let report = clausewatch::rebuild::rebuild(&app.store, false).await.unwrap();
    assert!(report.mismatches.is_empty(), "{}", report.render());
}
