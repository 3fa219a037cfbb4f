//! Hostile servers, all on 127.0.0.1 (the cases of `clausewatch::hostile`): each misbehaviour
//! ends as a classified failure within the configured timeout and under the stated memory
//! bound, and the rest of the run goes on.

use std::time::{Duration, Instant};

use serde_json::json;

use clausewatch::hostile::{hostile_server, CASES};

use crate::helpers::{chromium_here, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_servers_end_as_classified_failures_and_the_run_goes_on() {
    let addr = hostile_server().await.unwrap();
    let mut app = TestApp::new().await;
    // Room for the quick cases (an 11-hop redirect loop) on a loaded machine; the slow ones
    // cost exactly this.
    app.config.fetch.total_timeout_secs = 4.0;
    // One platform per case, all tracked in one run.
    for (i, case) in CASES.iter().enumerate() {
        app.write_catalog(
            &format!("hostile-{i:02}"),
            json!({"name": format!("Hostile {i:02}"), "terms": {"Terms of Service": {
                "fetch": format!("http://{addr}{}", case.path), "select": "main"}}}),
        );
    }
    let started = Instant::now();
    let s = app.track().await;
    let elapsed = started.elapsed();
    // Total timeout 4 s, body limit 20 MB. Requests run in parallel, two per host: the slow
    // ones cost the timeout each, nothing waits for a drip or a silent server.
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}\n{}", s.render());
    for (i, case) in CASES.iter().enumerate() {
        let platform = format!("Hostile {i:02}");
        let cause =
            s.failures.iter().find(|f| f.platform == platform).map(|f| f.cause.clone()).unwrap_or_else(|| "ok".into());
        assert_eq!(cause, case.expected, "{}: {}", case.name, s.render());
    }
    let charset = app.doc("Hostile 06", "Terms of Service").await;
    assert_eq!(CASES[6].path, "/wrong-charset");
    let v = app.store.latest_version(charset.id).await.unwrap().unwrap();
    assert!(v.markdown.contains("Déjà vu — données personnelles."), "{}", v.markdown);
    // Every failure is an open incident.
    assert_eq!(app.store.incidents(true, None).await.unwrap().len(), s.failed);
}

/// The benchmark runs each case in a fresh process and measures its peak memory: every case
/// is classified as expected and stays under the stated bound. The timeout leaves room for a
/// loaded machine: with 1 s, a starved process can time out on a bomb before it has
/// decompressed up to the size limit.
#[test]
fn each_hostile_case_stays_under_the_memory_bound() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(crate::helpers::bin())
        .args(["bench-hostile", "--timeout-secs", "3", "--format", "json", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["cases"].as_array().unwrap().len(), CASES.len());
    for case in report["cases"].as_array().unwrap() {
        assert_eq!(case["cause"], case["expected"], "{case}");
        assert_eq!(case["within_memory"], true, "{case}");
        assert!(case["peak_rss_growth_mb"].as_f64().unwrap() > 0.0, "measured: {case}");
    }
}

/// A bot challenge is classified as such, and a browser gets past it when there is one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bot_challenges_are_classified_and_retried_in_the_browser() {
    let addr = hostile_server().await.unwrap();
    let catalog = json!({"name": "Guarded", "terms": {"Terms of Service": {
        "fetch": format!("http://{addr}/challenge"), "select": "main"}}});
    let mut app = TestApp::new().await;
    app.config.fetch.browser = true;
    app.config.fetch.browser_path = Some("/nonexistent/chromium".into());
    app.write_catalog("Guarded", catalog.clone());
    let s = app.track().await;
    assert_eq!(s.failures_by_cause.get("bot-blocked"), Some(&1), "{}", s.render());
    assert!(s.failures[0].message.contains("Cloudflare"), "{}", s.failures[0].message);

    if !chromium_here("the browser half") {
        return;
    }
    let mut app = TestApp::new().await;
    app.config.fetch.browser = true;
    app.write_catalog("Guarded", catalog);
    let s = app.track().await;
    assert_eq!(s.new_versions, 1, "{}", s.render());
    let doc = app.doc("Guarded", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    assert!(v.markdown.contains("Past the challenge."), "{}", v.markdown);
}

/// A host that never answers costs the timeout once per run, not once per document; a host
/// that refuses connections fails its documents at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_host_costs_the_timeout_once() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    let refused_addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let app = TestApp::new().await;
    let types =
        ["Terms of Service", "Privacy Policy", "Imprint", "Trackers Policy", "Developer Terms", "Commercial Terms"];
    let terms: serde_json::Map<String, serde_json::Value> = types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let addr = if i < 4 { silent_addr } else { refused_addr };
            (t.to_string(), json!({"fetch": format!("http://{addr}/doc/{i}"), "select": "main"}))
        })
        .collect();
    app.write_catalog("Dead", json!({"name": "Dead", "terms": terms}));
    let started = Instant::now();
    let s = app.track().await;
    let elapsed = started.elapsed();
    assert_eq!(s.failures_by_cause.get("timeout"), Some(&4), "{}", s.render());
    assert_eq!(s.failures_by_cause.get("connect"), Some(&2), "{}", s.render());
    // TestApp's timeout is 2 s: four documents on a silent host with two permits would take
    // 2 × 2 s more without the per-run memory of dead hosts.
    assert!(elapsed < Duration::from_millis(3500), "{elapsed:?}");
}
