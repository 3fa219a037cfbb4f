//! The store on its own: batched writes, isolation of a bad request, verified reads.

use std::collections::BTreeMap;

use chrono::Utc;

use clausewatch_core::{ContentHash, DocumentEntry, DocumentRules, PlatformEntry, Selector, SourceRules};
use clausewatch_store::{compress_text, NewSnapshot, NewVersion, ProcessedCapture, Store, StoreError, VersionKind};

fn platform(id: &str, types: &[&str]) -> PlatformEntry {
    let mut documents = BTreeMap::new();
    for t in types {
        let rules = DocumentRules {
            sources: vec![SourceRules {
                url: format!("https://{id}.test/{}", t.replace(' ', "-")),
                select: vec![Selector::Css("main".into())],
                remove: vec![],
                filters: vec![],
                execute_client_scripts: false,
                origin: None,
                ignore_robots: None,
            }],
        };
        documents.insert(
            t.to_string(),
            DocumentEntry { terms_type: t.to_string(), rules, history: vec![], retired_at: None },
        );
    }
    PlatformEntry {
        id: id.into(),
        name: id.into(),
        category: None,
        jurisdiction: None,
        website: None,
        imported_from: None,
        documents,
    }
}

fn capture(store: &Store, document: i64, rules: i64, body: &[u8], text: &str) -> ProcessedCapture {
    let hash = store.blobs().put(body).unwrap();
    ProcessedCapture {
        document_id: document,
        run_id: None,
        captured_at: Utc::now(),
        rules_id: rules,
        snapshots: vec![NewSnapshot {
            url: "https://x.test/t".into(),
            final_url: "https://x.test/t".into(),
            status: 200,
            headers: vec![("content-type".into(), "text/html".into())],
            content_type: Some("text/html".into()),
            fetched_at: Utc::now(),
            fetcher: "test".into(),
            content_hash: hash,
            size: body.len() as u64,
            not_modified: false,
        }],
        outcome: "first".into(),
        versions: vec![NewVersion {
            capture_id: None,
            rules_id: rules,
            kind: VersionKind::First,
            effective_at: Utc::now(),
            text_hash: ContentHash::of(text.as_bytes()),
            markdown: text.into(),
            markdown_zstd: compress_text(text),
            extractor_version: "test".into(),
            automatic_sources: vec![],
            change: None,
        }],
        failure: None,
        extractor_version: "test".into(),
        automatic_sources: vec![],
        may_read_automatically: true,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_captures_are_batched_and_a_bad_one_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let types = ["Terms of Service", "Privacy Policy", "Imprint", "Trackers Policy"];
    let ids = store.sync_platform(&platform("p", &types), Utc::now()).await.unwrap();
    let mut tasks = Vec::new();
    for (i, (_, doc)) in ids.iter().enumerate() {
        let rules = store.rules_at(*doc, Utc::now()).await.unwrap().id;
        // The third request names rules that do not exist: a foreign-key violation.
        let rules = if i == 2 { 999_999 } else { rules };
        let c = capture(&store, *doc, rules, format!("<main>{i}</main>").as_bytes(), &format!("text {i}\n"));
        let s = store.clone();
        tasks.push(tokio::spawn(async move { s.record_processed(c).await }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    assert!(results[2].is_err(), "{:?}", results[2]);
    for (i, r) in results.iter().enumerate().filter(|(i, _)| *i != 2) {
        let (_, versions) = r.as_ref().unwrap_or_else(|e| panic!("request {i}: {e}"));
        assert_eq!(versions.len(), 1);
    }
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.captures, counts.snapshots, counts.versions), (3, 3, 3));
    assert!(store.check_consistency().await.unwrap().is_empty());
    // Texts come back as written, verified against their hash.
    let v = store.latest_version(ids[0].1).await.unwrap().unwrap();
    assert_eq!(v.markdown, "text 0\n");
}

/// Captures queued without waiting commit in order, each with its own ids; one that fails
/// (rules that do not exist) fails alone, and its error reaches whoever waits for it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_captures_commit_and_report_each_result() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let types = ["Terms of Service", "Privacy Policy", "Imprint"];
    let ids = store.sync_platform(&platform("w", &types), Utc::now()).await.unwrap();
    let mut queued = Vec::new();
    for (i, (_, doc)) in ids.iter().enumerate() {
        let rules = store.rules_at(*doc, Utc::now()).await.unwrap().id;
        let rules = if i == 1 { 999_999 } else { rules };
        let c = capture(&store, *doc, rules, format!("<main>q{i}</main>").as_bytes(), &format!("queued {i}\n"));
        queued.push(store.submit_processed(c).unwrap());
    }
    let mut results = Vec::new();
    for q in queued {
        results.push(q.committed().await);
    }
    assert!(results[1].is_err(), "{:?}", results[1]);
    let (first, _) = results[0].as_ref().unwrap();
    let (third, _) = results[2].as_ref().unwrap();
    assert!(first < third, "captures commit in the order they were queued");
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.captures, counts.versions), (2, 2));
    assert!(store.check_consistency().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_capture_naming_a_missing_blob_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let ids = store.sync_platform(&platform("q", &["Terms of Service"]), Utc::now()).await.unwrap();
    let rules = store.rules_at(ids[0].1, Utc::now()).await.unwrap().id;
    let mut c = capture(&store, ids[0].1, rules, b"<main>x</main>", "x\n");
    c.snapshots[0].content_hash = ContentHash::of(b"never stored");
    assert!(matches!(store.record_processed(c).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.counts().await.unwrap().captures, 0);
}

#[tokio::test]
async fn rule_changes_are_dated_and_old_rules_stay_readable() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).await.unwrap();
    let t0 = Utc::now();
    let mut p = platform("r", &["Terms of Service"]);
    let ids = store.sync_platform(&p, t0).await.unwrap();
    let first = store.rules_at(ids[0].1, t0).await.unwrap();
    // Same rules again: nothing new.
    store.sync_platform(&p, t0 + chrono::Duration::seconds(1)).await.unwrap();
    assert_eq!(store.rules_at(ids[0].1, t0 + chrono::Duration::seconds(2)).await.unwrap().id, first.id);
    // Changed rules: the old ones end, the new ones begin, both stay readable by date.
    p.documents.get_mut("Terms of Service").unwrap().rules.sources[0].select = vec![Selector::Css("article".into())];
    let t1 = t0 + chrono::Duration::seconds(10);
    store.sync_platform(&p, t1).await.unwrap();
    let before = store.rules_at(ids[0].1, t1 - chrono::Duration::seconds(1)).await.unwrap();
    let after = store.rules_at(ids[0].1, t1).await.unwrap();
    assert_eq!(before.id, first.id);
    assert_ne!(after.id, first.id);
    assert_eq!(after.rules.sources[0].select, vec![Selector::Css("article".into())]);
    // A document dropped from the catalog stays with its history but is no longer active.
    p.documents.clear();
    p.documents.insert("Imprint".into(), platform("r", &["Imprint"]).documents.remove("Imprint").unwrap());
    store.sync_platform(&p, t1).await.unwrap();
    let docs = store.documents(Some("r")).await.unwrap();
    assert!(docs.iter().any(|d| d.terms_type == "Terms of Service" && !d.active));
    assert!(docs.iter().any(|d| d.terms_type == "Imprint" && d.active));
}
