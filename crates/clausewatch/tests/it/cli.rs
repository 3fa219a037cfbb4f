//! The CLI as a user runs it: track, history, show --at, diff, rebuild, check.

use std::process::Command;

use serde_json::json;

use crate::helpers::{bin, terms_page, TestApp, TestServer};

fn run(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = app.command(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn track_history_show_diff_rebuild_check() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    app.write_catalog(
        "Acme",
        json!({"name": "Acme AI", "terms": {"Terms of Service": {"fetch": server.url("/t"), "select": "main"}}}),
    );
    server.set_html(
        "/t",
        &terms_page("", "", "<h2>Refunds</h2><p>Refunds within 24 hours.</p><h2>Law</h2><p>Delaware law.</p>"),
    );
    let (ok, out, err) = run(&app, &["track", "--no-progress"]);
    assert!(ok, "{err}");
    for line in ["fetched: 1", "unchanged: 0", "new versions: 1", "technical upgrades: 0", "failed: 0"] {
        assert!(out.contains(line), "{out}");
    }
    let between = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(20));
    server.set_html(
        "/t",
        &terms_page("", "", "<h2>Refunds</h2><p>Refunds within 48 hours.</p><h2>Law</h2><p>Delaware law.</p>"),
    );
    let (ok, out, _) = run(&app, &["track", "--no-progress", "--format", "json"]);
    assert!(ok);
    let summary: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(summary["new_versions"], 1);

    let (ok, out, _) = run(&app, &["history", "acme ai", "terms of service"]);
    assert!(ok);
    assert!(out.contains("first") && out.contains("change") && out.contains("+1 −1 words"), "{out}");

    let at = between.to_rfc3339();
    let (ok, out, err) = run(&app, &["show", "Acme", "Terms of Service", "--at", &at]);
    assert!(ok, "{err}");
    assert!(out.contains("24 hours") && !out.contains("48 hours"), "{out}");
    assert!(err.contains("version 1") && err.contains("blake3"), "provenance on stderr: {err}");
    let (_, out, _) = run(&app, &["show", "Acme", "Terms of Service"]);
    assert!(out.contains("48 hours"));
    let (ok, _, err) = run(&app, &["show", "Acme", "Terms of Service", "--at", "2001-01-01"]);
    assert!(!ok && err.contains("no version"), "{err}");
    let (ok, _, err) = run(&app, &["show", "Acme", "Privacy Policy"]);
    assert!(!ok && err.contains("it has: Terms of Service"), "{err}");

    let (ok, out, _) = run(&app, &["diff", "Acme", "Terms of Service"]);
    assert!(ok);
    assert!(out.contains("## Terms of Service › Refunds") && out.contains("[-24-]{+48+}"), "{out}");
    let (ok, out, _) = run(&app, &["diff", "Acme", "Terms of Service", "--format", "json"]);
    assert!(ok);
    let d: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["stats"]["words_added"], 1);

    let (ok, out, _) = run(&app, &["rebuild"]);
    assert!(ok && out.contains("mismatched documents: 0"), "{out}");
    let (ok, out, _) = run(&app, &["check"]);
    assert!(ok && out.contains("problems: 0"), "{out}");
    assert!(out.contains("loose blobs: 0, torn tails: 0 bytes"), "{out}");
    assert!(!out.contains("blob packs: 0 "), "the captures' bodies are in packs: {out}");
}

#[test]
fn bad_configuration_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[fetch]\ntotal_timeout_secs = \"soon\"\n").unwrap();
    let out = Command::new(bin()).args(["check", "--config"]).arg(&cfg).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("c.toml") && err.contains("total_timeout_secs"), "{err}");
    let out = Command::new(bin())
        .args(["check"])
        .env("CLAUSEWATCH_MAX_BODY_MB", "0")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("max_body_mb"));
}

/// `clausewatch bench ARGS --format json --data-dir DIR`: its report, once it succeeded.
fn bench_report(args: &[&std::ffi::OsStr], data_dir: &std::path::Path) -> serde_json::Value {
    let out = Command::new(bin())
        .arg("bench")
        .args(args)
        .args(["--format", "json", "--data-dir"])
        .arg(data_dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The tracking benchmark end to end on a few hundred pages: its page server runs as a child
/// process, every page gets a version in pass 1 and exactly the text-changed ones in pass 2
/// (more documents than a run lets queue for the store's writer, so the run also waits for
/// the oldest queued captures as it goes).
#[test]
fn the_tracking_benchmark_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let args = ["--pages", "300", "--hosts", "3"].map(std::ffi::OsStr::new);
    let report = bench_report(&args, dir.path());
    assert_eq!(report["pass1_new_versions"], 300, "{report}");
    assert_eq!(report["pass2_text_changed_pages"], 30, "{report}");
    assert_eq!(report["pass2_new_versions"], 30, "{report}");
    assert_eq!(report["pass2_failed"], 0, "{report}");
    assert!(report["bytes"].as_u64().unwrap() >= 300 * 20 * 1024, "{report}");
    // Its work folder is removed afterwards.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("bench"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The benchmark on captured pages (`--real-pages`): every page under the folder is served and
/// extracted automatically as the terms type its folder names; pass 2 serves the same bytes
/// and records nothing.
#[test]
fn the_tracking_benchmark_runs_on_real_pages() {
    let pages = tempfile::tempdir().unwrap();
    let words = "You may close your account at any time and we keep your data for thirty days. ".repeat(20);
    for (folder, title) in [
        ("Acme/Privacy Policy/2026-01-01T00-00-00Z", "Privacy Policy"),
        ("Acme/Terms of Service/2026-01-01T00-00-00Z", "Terms of Service"),
    ] {
        std::fs::create_dir_all(pages.path().join(folder)).unwrap();
        let html = format!(
            "<html><head><script>var a=1;</script></head><body><nav><a href=\"/\">Home</a></nav>\
<main><h1>{title}</h1><p>{words}</p><h2>Contact</h2><p>{words}</p></main><footer>(c) Acme</footer></body></html>"
        );
        std::fs::write(pages.path().join(folder).join("page.html"), html).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let args = ["--hosts".as_ref(), "2".as_ref(), "--real-pages".as_ref(), pages.path().as_os_str()];
    let report = bench_report(&args, dir.path());
    assert_eq!(report["pages"], 2, "{report}");
    assert!(report["pages_from"].as_str().unwrap().starts_with("real: "), "{report}");
    assert_eq!(report["pass1_new_versions"], 2, "{report}");
    assert_eq!(report["pass1_failed"], 0, "{report}");
    assert_eq!(report["pass2_new_versions"], 0, "{report}");
}
