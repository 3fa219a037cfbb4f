use std::time::Duration;

use serde_json::json;

use clausewatch_store::VersionKind;

use crate::helpers::{terms_page, Page, TestApp, TestServer};

const BODY_V1: &str =
    "<h2>Payments</h2><p>Credits are refundable within 24 hours.</p><h2>Law</h2><p>California law applies.</p>";
const BODY_V2: &str =
    "<h2>Payments</h2><p>Credits are refundable within 48 hours.</p><h2>Law</h2><p>California law applies.</p>";

fn catalog(app: &TestApp, server: &TestServer, remove: &[&str]) {
    app.write_catalog(
        "Example",
        json!({
            "name": "Example AI",
            "category": "AI model provider",
            "jurisdiction": "US-CA",
            "terms": {
                "Terms of Service": {"fetch": server.url("/terms"), "select": "main", "remove": remove},
                "Privacy Policy": {"fetch": server.url("/privacy"), "select": ["main"]}
            }
        }),
    );
}

#[tokio::test]
async fn versions_only_for_text_changes_and_technical_upgrades_apart() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    catalog(&app, &server, &[".banner"]);
    server.set_html("/terms", &terms_page("Home", "Try our app", BODY_V1));
    server.set_html("/privacy", &terms_page("Home", "", "<p>We collect your e-mail address.</p>"));

    // First pass: one version per document.
    let s = app.track().await;
    assert_eq!((s.documents, s.fetched, s.new_versions, s.failed), (2, 2, 2, 0), "{}", s.render());
    let terms = app.doc("Example", "Terms of Service").await;
    let v1 = app.store.latest_version(terms.id).await.unwrap().unwrap();
    assert_eq!(v1.kind, VersionKind::First);
    assert!(v1.markdown.contains("refundable within 24 hours"));
    assert!(!v1.markdown.contains("Try our app"), "removed element must not be in the text");
    assert!(!v1.markdown.contains("Home"), "text outside select must not be in the text");

    // Identical bytes: nothing extracted again, bytes stored once.
    let blobs_before = count_blobs(&app);
    let s = app.track().await;
    assert_eq!((s.fetched, s.unchanged, s.new_versions), (2, 2, 0), "{}", s.render());
    assert_eq!(count_blobs(&app), blobs_before);

    // Noise outside `select` and inside a removed element: a snapshot, no version.
    server.set_html("/terms", &terms_page("Home | Pricing", "Try our NEW app", BODY_V1));
    let captures_before = app.store.counts().await.unwrap().snapshots;
    let s = app.track().await;
    assert_eq!((s.fetched, s.unchanged, s.new_versions), (2, 2, 0), "{}", s.render());
    assert_eq!(app.store.counts().await.unwrap().snapshots, captures_before + 2);
    assert_eq!(
        count_blobs(&app),
        blobs_before + 1,
        "the changed page is stored, the unchanged one is not stored again"
    );
    assert_eq!(app.store.versions(terms.id).await.unwrap().len(), 1);

    // A text change: a version and a change record with a section-aware diff.
    server.set_html("/terms", &terms_page("Home | Pricing", "Try our NEW app", BODY_V2));
    let s = app.track().await;
    assert_eq!((s.new_versions, s.technical_upgrades), (1, 0), "{}", s.render());
    let versions = app.store.versions(terms.id).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1].kind, VersionKind::Change);
    let change = app.store.change_to(versions[1].id).await.unwrap().expect("change record");
    assert_eq!(change.from_version_id, versions[0].id);
    let stats: clausewatch_diff::DiffStats = serde_json::from_str(&change.stats_json).unwrap();
    assert_eq!((stats.sections_changed, stats.words_added, stats.words_removed), (1, 1, 1));
    assert!(change.diff_json.contains("Payments") && change.diff_json.contains("48"), "{}", change.diff_json);

    // A rule change together with a real change in the same run: a technical upgrade of the
    // old text first, then the real change as its own version.
    catalog(&app, &server, &[".banner", "h2 + p + h2 + p"]);
    server.set_html("/terms", &terms_page("Home", "Try", &BODY_V2.replace("Credits", "Prepaid credits")));
    let s = app.track().await;
    assert_eq!((s.technical_upgrades, s.new_versions), (1, 1), "{}", s.render());
    let versions = app.store.versions(terms.id).await.unwrap();
    assert_eq!(versions.len(), 4);
    assert_eq!(versions[2].kind, VersionKind::TechnicalUpgrade);
    assert_eq!(versions[2].capture_id, versions[1].capture_id, "technical upgrade re-extracts the old capture");
    assert!(!versions[2].markdown.contains("California"), "new rule removes the law paragraph");
    assert!(versions[2].markdown.contains("Credits are refundable within 48 hours"), "old text, new rules");
    assert_eq!(versions[3].kind, VersionKind::Change);
    assert!(versions[3].markdown.contains("Prepaid credits"));
    let upgrade = app.store.change_to(versions[2].id).await.unwrap().unwrap();
    assert_eq!(upgrade.kind, VersionKind::TechnicalUpgrade);

    // `show` semantics: the text in force at a date is the latest version effective then.
    let at_first = app.store.version_at(terms.id, versions[0].effective_at).await.unwrap().unwrap();
    assert_eq!(at_first.seq, 1);

    // Rebuild regenerates the same history, hash for hash.
    let report = clausewatch::rebuild::rebuild(&app.store, false).await.unwrap();
    assert!(report.mismatches.is_empty(), "{}", report.render());
    assert_eq!(report.versions_rebuilt, report.versions_stored);
    assert!(app.store.check_consistency().await.unwrap().is_empty());
}

#[tokio::test]
async fn rule_change_alone_is_only_a_technical_upgrade() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    catalog(&app, &server, &[]);
    server.set_html("/terms", &terms_page("Home", "Try our app", BODY_V1));
    server.set_html("/privacy", &terms_page("Home", "", "<p>Privacy.</p>"));
    app.track().await;
    catalog(&app, &server, &[".banner"]);
    let s = app.track().await;
    assert_eq!((s.technical_upgrades, s.new_versions, s.unchanged), (1, 0, 2), "{}", s.render());
    let terms = app.doc("Example", "Terms of Service").await;
    let versions = app.store.versions(terms.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.kind).collect::<Vec<_>>(),
        vec![VersionKind::First, VersionKind::TechnicalUpgrade]
    );
    let report = clausewatch::rebuild::rebuild(&app.store, false).await.unwrap();
    assert!(report.mismatches.is_empty(), "{}", report.render());
}

#[tokio::test]
async fn failures_are_recorded_with_their_cause_and_never_stop_the_run() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    let doc = |path: &str| json!({"fetch": server.url(path), "select": "main"});
    app.write_catalog(
        "Mixed",
        json!({"name": "Mixed", "terms": {
            "Terms of Service": doc("/ok"),
            "Privacy Policy": doc("/missing"),
            "Trackers Policy": doc("/slow"),
            "Imprint": doc("/huge"),
            "Acceptable Use Policy": doc("/garbage"),
            "Developer Terms": doc("/error"),
        }}),
    );
    server.set_html("/ok", &terms_page("", "", "<p>Fine.</p>"));
    server.set("/slow", Page { delay: Duration::from_secs(5), ..Page::html("<main>late</main>") });
    server.set("/huge", Page::html(&format!("<main>{}</main>", "x".repeat(2 * 1024 * 1024))));
    server.set("/garbage", Page { body: vec![0xff, 0xfe, 0x00, 0x01, 0x80, 0x81, b'<', 0xc3], ..Page::html("") });
    server.set("/error", Page { status: 503, ..Page::html("down") });

    let started = std::time::Instant::now();
    let s = app.track().await;
    assert!(started.elapsed() < Duration::from_secs(5), "the slow page costs the timeout, not its delay");
    assert_eq!((s.documents, s.fetched, s.new_versions, s.failed), (6, 2, 1, 5), "{}", s.render());
    let causes: Vec<(&str, usize)> = s.failures_by_cause.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        causes,
        vec![("http-4xx", 1), ("http-5xx", 1), ("selector-matched-nothing", 1), ("timeout", 1), ("too-large", 1)],
        "{}",
        s.render()
    );
    // Failed fetches are stored as failed captures with their cause; no version from them.
    let failed = app.store.failed_captures(s.run_id).await.unwrap();
    assert_eq!(failed.len(), 5);
    assert!(failed.iter().all(|c| c.error_cause.is_some() && c.error_message.is_some()));
    let missing = app.doc("Mixed", "Privacy Policy").await;
    assert_eq!(missing.versions, 0);
    // The summary table has the stable labelled lines.
    let table = s.render();
    for line in
        ["fetched: 2", "unchanged: 0", "new versions: 1", "technical upgrades: 0", "failed: 5", "failures by cause:"]
    {
        assert!(table.contains(line), "{table}");
    }
}

#[tokio::test]
async fn conditional_get_reuses_the_stored_capture() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    app.write_catalog(
        "Etag",
        json!({"name": "Etag", "terms": {"Terms of Service": {"fetch": server.url("/t"), "select": "main"}}}),
    );
    server.set("/t", Page { etag: Some("\"v1\"".into()), ..Page::html(&terms_page("", "", "<p>One.</p>")) });
    app.track().await;
    let s = app.track().await;
    assert_eq!((s.fetched, s.unchanged, s.new_versions), (1, 1, 0), "{}", s.render());
    let doc = app.doc("Etag", "Terms of Service").await;
    let last = app.store.latest_snapshot_for_url(doc.id, &server.url("/t")).await.unwrap().unwrap();
    assert!(last.not_modified);
    assert_eq!(last.status, 304);
    // A new ETag with new text is a new version.
    server.set("/t", Page { etag: Some("\"v2\"".into()), ..Page::html(&terms_page("", "", "<p>Two.</p>")) });
    let s = app.track().await;
    assert_eq!(s.new_versions, 1, "{}", s.render());
}

#[tokio::test]
async fn combine_and_filters_by_platform_and_type() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    app.write_catalog(
        "Combo",
        json!({"name": "Combo", "terms": {
            "Terms of Service": {"select": "main", "combine": [{"fetch": server.url("/a")}, {"fetch": server.url("/b"), "select": "article"}]},
            "Privacy Policy": {"fetch": server.url("/p"), "select": "main"}
        }}),
    );
    server.set_html("/a", &terms_page("", "", "<p>Part A.</p>"));
    server.set_html("/b", "<html><body><article><p>Part B.</p></article></body></html>");
    server.set_html("/p", &terms_page("", "", "<p>Privacy.</p>"));
    let opts = clausewatch::track::TrackOptions {
        platform: Some("combo".into()),
        terms_type: Some("terms of service".into()),
        ..Default::default()
    };
    let s = clausewatch::track::track(&app.store, &app.config, &opts).await.unwrap();
    assert_eq!((s.documents, s.new_versions), (1, 1), "{}", s.render());
    assert_eq!(server.hits("/p"), 0);
    let doc = app.doc("Combo", "Terms of Service").await;
    let v = app.store.latest_version(doc.id).await.unwrap().unwrap();
    let a = v.markdown.find("Part A.").unwrap();
    let b = v.markdown.find("Part B.").unwrap();
    assert!(a < b, "sources are combined in declaration order");
    assert_eq!(app.store.snapshots(v.capture_id).await.unwrap().len(), 2);
    let none = clausewatch::track::TrackOptions { platform: Some("nope".into()), ..Default::default() };
    let err = clausewatch::track::track(&app.store, &app.config, &none).await.unwrap_err().to_string();
    assert!(err.contains("nope"), "{err}");
}

fn count_blobs(app: &TestApp) -> usize {
    // Counted from the folder by a store of its own, as another process would see it.
    clausewatch_store::BlobStore::open(app.config.data_dir.join("blobs")).unwrap().len().unwrap()
}

#[tokio::test]
async fn rule_change_without_text_effect_is_confirmed_once() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    catalog(&app, &server, &[".banner"]);
    server.set_html("/terms", &terms_page("Home", "Try", BODY_V1));
    server.set_html("/privacy", &terms_page("Home", "", "<p>Privacy.</p>"));
    app.track().await;
    // New rules that change nothing in the text: no technical upgrade, and the next run with
    // the same bytes is not extracted again.
    catalog(&app, &server, &[".banner", ".does-not-exist"]);
    let s = app.track().await;
    assert_eq!((s.technical_upgrades, s.new_versions, s.unchanged), (0, 0, 2), "{}", s.render());
    let s = app.track().await;
    let terms = app.doc("Example", "Terms of Service").await;
    let captures = app.store.captures_with_snapshots(terms.id).await.unwrap();
    assert_eq!(captures.last().unwrap().outcome.as_deref(), Some("unchanged_bytes"), "{}", s.render());
    let report = clausewatch::rebuild::rebuild(&app.store, false).await.unwrap();
    assert!(report.mismatches.is_empty(), "{}", report.render());
}

/// One page holding all of a platform's documents, each in its own section; catalog entries
/// with a URL only (automatic main content) each get their own document's text, and `rebuild`
/// reproduces them.
#[tokio::test]
async fn url_only_documents_on_a_page_of_several_get_their_own_sections() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    let url = server.url("/legal");
    app.write_catalog(
        "Multi",
        json!({"name": "Multi", "terms": {
            "Privacy Policy": {"fetch": url},
            "Trackers Policy": {"fetch": url},
            "Terms of Service": {"fetch": url}
        }}),
    );
    let section = |id: &str, title: &str, sentence: &str| {
        format!(r#"<div id="{id}"><div class="title"><p>{title}</p></div><p>{}</p></div>"#, sentence.repeat(30))
    };
    let page = format!(
        r#"<html><body><nav><a href="/">Home</a></nav><main><div class="docs">{}{}{}</div></main>
        <footer><a href="/legal">Privacy Policy</a> <a href="/legal">Cookie Policy</a></footer></body></html>"#,
        section("terms", "Terms of Service", "You may terminate your account at any time. "),
        section("privacy", "Privacy Policy", "We keep your personal data for twelve months. "),
        section("cookie-policy", "Cookie Policy", "We set an analytics cookie that lasts one year. "),
    );
    server.set_html("/legal", &page);
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (3, 0), "{}", s.render());
    let text = |terms_type: &'static str| {
        let app = &app;
        async move {
            let doc = app.doc("Multi", terms_type).await;
            app.store.latest_version(doc.id).await.unwrap().unwrap().markdown
        }
    };
    let privacy = text("Privacy Policy").await;
    assert!(privacy.starts_with("Privacy Policy") && privacy.contains("twelve months"), "{privacy}");
    assert!(!privacy.contains("analytics cookie") && !privacy.contains("terminate"), "{privacy}");
    // Its id marks it like a cookie banner, but it is the document asked for.
    let trackers = text("Trackers Policy").await;
    assert!(trackers.starts_with("Cookie Policy") && trackers.contains("analytics cookie"), "{trackers}");
    assert!(!trackers.contains("personal data"), "{trackers}");
    let terms = text("Terms of Service").await;
    assert!(terms.contains("terminate") && !terms.contains("twelve months"), "{terms}");
    let report = clausewatch::rebuild::rebuild(&app.store, false).await.unwrap();
    assert_eq!((report.identical_documents, report.mismatches.len()), (3, 0), "{}", report.render());
}

/// A text made by an older extractor is extracted again from its own bytes before a fresh
/// capture is compared with it: an extractor upgrade is a technical upgrade, never a change.
#[tokio::test]
async fn an_extractor_upgrade_is_a_technical_upgrade_not_a_change() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    catalog(&app, &server, &[".banner"]);
    server.set_html("/terms", &terms_page("Home", "", BODY_V1));
    server.set_html("/privacy", &terms_page("Home", "", "<p>We collect your e-mail address.</p>"));
    assert_eq!(app.track().await.new_versions, 2);
    let doc = app.doc("Example", "Terms of Service").await;
    let v1 = app.store.latest_version(doc.id).await.unwrap().unwrap();

    // The store as an older extractor left it: another text from the same capture.
    let old_text = v1.markdown.replace("California law applies.", "California law applies .");
    app.store
        .replace_versions(
            doc.id,
            &[clausewatch_store::NewVersion {
                capture_id: Some(v1.capture_id),
                rules_id: v1.rules_id,
                kind: VersionKind::First,
                effective_at: v1.effective_at,
                text_hash: clausewatch_core::ContentHash::of(old_text.as_bytes()),
                markdown_zstd: clausewatch_store::compress_text(&old_text),
                markdown: old_text,
                extractor_version: "0".into(),
                automatic_sources: vec![],
                change: None,
            }],
        )
        .await
        .unwrap();

    // New bytes with the same text (noise outside `select`): the old text is re-extracted as a
    // technical upgrade, and the fresh capture is unchanged against it.
    server.set_html("/terms", &terms_page("Home | Pricing", "", BODY_V1));
    let s = app.track().await;
    assert_eq!((s.technical_upgrades, s.new_versions, s.failed), (1, 0, 0), "{}", s.render());
    let versions = app.store.version_summaries(doc.id).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.kind).collect::<Vec<_>>(),
        vec![VersionKind::First, VersionKind::TechnicalUpgrade]
    );
    assert_eq!(versions[1].text_hash, v1.text_hash, "the upgrade is today's extraction of the old bytes");
    assert_eq!(versions[1].capture_id, v1.capture_id);
    assert_eq!(versions[1].extractor_version, clausewatch_extract::EXTRACTOR_VERSION);

    // A real change afterwards is a change, against the upgraded text.
    server.set_html("/terms", &terms_page("Home", "", BODY_V2));
    let s = app.track().await;
    assert_eq!((s.technical_upgrades, s.new_versions), (0, 1), "{}", s.render());

    // An upgrade that changes nothing is recorded on the capture, not as a version, so later
    // captures do not extract the old bytes again: the store as an older extractor left it,
    // with the very same text.
    let latest = app.store.latest_version(doc.id).await.unwrap().unwrap();
    let same = clausewatch_store::NewVersion {
        capture_id: Some(latest.capture_id),
        rules_id: latest.rules_id,
        kind: VersionKind::First,
        effective_at: latest.effective_at,
        text_hash: latest.text_hash,
        markdown_zstd: clausewatch_store::compress_text(&latest.markdown),
        markdown: latest.markdown.clone(),
        extractor_version: "0".into(),
        automatic_sources: vec![],
        change: None,
    };
    app.store.replace_versions(doc.id, &[same]).await.unwrap();
    let confirmed = |captures: &[clausewatch_store::CaptureRow], latest: &clausewatch_store::VersionSummary| {
        let done = captures.iter().rev().find(|c| c.state == clausewatch_store::CaptureState::Done);
        clausewatch::versioning::Confirmed::of(done, Some(&clausewatch::versioning::Current::from(latest)))
            .map(|c| c.extractor_version)
    };
    let summary = app.store.latest_version_summary(doc.id).await.unwrap().unwrap();
    let captures = app.store.captures_with_snapshots(doc.id).await.unwrap();
    assert_eq!(confirmed(&captures, &summary).as_deref(), Some("0"), "replaced versions void what captures confirmed");
    server.set_html("/terms", &terms_page("Home | Blog", "", BODY_V2));
    let s = app.track().await;
    assert_eq!((s.technical_upgrades, s.new_versions, s.unchanged), (0, 0, 2), "{}", s.render());
    let captures = app.store.captures_with_snapshots(doc.id).await.unwrap();
    assert_eq!(captures.last().unwrap().extractor_version, clausewatch_extract::EXTRACTOR_VERSION);
    assert_eq!(
        confirmed(&captures, &summary).as_deref(),
        Some(clausewatch_extract::EXTRACTOR_VERSION),
        "the latest text now stands confirmed by this extractor"
    );
}

/// A policy long enough for automatic main content to tell it from the page around it.
fn policy_body(refund_hours: u32, credits: &str) -> String {
    let mut body = format!(
        "<h2>1. Payments</h2><p>{credits} are refundable within {refund_hours} hours of purchase. \
         Subscriptions renew every month until cancelled in the account settings.</p>"
    );
    for (title, text) in [
        (
            "2. Your content",
            "You keep ownership of the prompts you submit and grant us a licence to operate the service.",
        ),
        ("3. Acceptable use", "You may not use the service to generate malware, spam or content that exploits minors."),
        (
            "4. Termination",
            "We may suspend accounts that breach these terms after notice, unless the law requires otherwise.",
        ),
        (
            "5. Liability",
            "Our total liability is limited to the amounts you paid us in the twelve months before the claim.",
        ),
        (
            "6. Law",
            "These terms are governed by the laws of California, and disputes go to the courts of San Francisco.",
        ),
    ] {
        body.push_str(&format!("<h2>{title}</h2><p>{text} This clause applies to every plan we offer.</p>"));
    }
    body
}

/// The page as declared: the select rule `.clauses` picks the clauses, without the title.
fn declared_layout(body: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Terms</title></head><body><nav><a href=\"/\">Home</a> <a href=\"/pricing\">Pricing</a></nav>\
<main><article><h1>Terms of Service</h1><div class=\"clauses\">{body}</div></article></main><footer>© Example</footer></body></html>"
    )
}

/// The same page after a redesign: no `.clauses` any more.
fn redesigned_layout(body: &str) -> String {
    format!(
        "<!doctype html><html><head><title>Terms</title></head><body><header><nav><a href=\"/\">Home</a> <a href=\"/pricing\">Pricing</a></nav></header>\
<div class=\"page\"><h1>Terms of Service</h1><section>{body}</section></div><footer>© Example</footer></body></html>"
    )
}

#[tokio::test]
async fn a_redesign_that_breaks_the_select_rule_is_read_automatically_without_false_changes() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    app.write_catalog(
        "Example",
        json!({"name": "Example AI", "terms": {"Terms of Service": {"fetch": server.url("/terms"), "select": ".clauses"}}}),
    );
    server.set_html("/terms", &declared_layout(&policy_body(24, "Credits")));
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (1, 0), "{}", s.render());
    let terms = app.doc("Example AI", "Terms of Service").await;

    assert!(!app.store.latest_version(terms.id).await.unwrap().unwrap().markdown.contains("Terms of Service"));

    // Redesign, same text: the old capture is read automatically too (it then includes the
    // title: a technical upgrade), and the new one compares unchanged. The summary says the
    // rule needs fixing.
    server.set_html("/terms", &redesigned_layout(&policy_body(24, "Credits")));
    let s = app.track().await;
    assert_eq!((s.new_versions, s.technical_upgrades, s.failed, s.unchanged), (0, 1, 0, 1), "{}", s.render());
    assert_eq!(s.read_automatically.len(), 1, "{}", s.render());
    assert!(s.render().contains("read automatically: 1"), "{}", s.render());
    let versions = app.store.versions(terms.id).await.unwrap();
    let upgrade = &versions[1];
    assert_eq!((upgrade.kind, upgrade.capture_id), (VersionKind::TechnicalUpgrade, versions[0].capture_id));
    assert_eq!(upgrade.automatic_sources, vec![0]);
    assert!(upgrade.markdown.contains("Terms of Service") && !upgrade.markdown.contains("Pricing"));
    // The rule to fix is an open incident for as long as the page is read automatically.
    let open = app.store.incidents(true, None).await.unwrap();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0].cause, "read-automatically");
    assert!(open[0].last_message.contains("source #1 read automatically"), "{}", open[0].last_message);

    // Redesigned and changed: a real change, read automatically.
    server.set_html("/terms", &redesigned_layout(&policy_body(48, "Credits")));
    let s = app.track().await;
    assert_eq!((s.new_versions, s.technical_upgrades, s.failed), (1, 0, 0), "{}", s.render());
    let changed = app.store.latest_version(terms.id).await.unwrap().unwrap();
    assert_eq!((changed.kind, changed.automatic_sources.clone()), (VersionKind::Change, vec![0]));
    assert!(
        changed.markdown.contains("within 48 hours") && !changed.markdown.contains("Pricing"),
        "{}",
        changed.markdown
    );
    // The same bytes again are not extracted again, and the rule is still to fix.
    let s = app.track().await;
    assert_eq!((s.unchanged, s.read_automatically.len()), (1, 1), "{}", s.render());
    assert_eq!(app.store.incidents(true, None).await.unwrap().len(), 1);

    // An error page where the document was: still a failure naming the selector, no version.
    server.set_html(
        "/terms",
        "<html><body><nav>Home</nav><div class=\"error\"><h1>Something went wrong</h1><p>Try reloading the page.</p></div></body></html>",
    );
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (0, 1), "{}", s.render());
    let failure = &s.failures[0];
    assert_eq!(failure.cause, "selector-matched-nothing");
    assert!(
        failure.message.contains(".clauses") && failure.message.contains("not the document"),
        "{}",
        failure.message
    );
    assert_eq!(app.store.versions(terms.id).await.unwrap().len(), versions.len() + 1);
    let causes: Vec<String> = app.store.incidents(true, None).await.unwrap().into_iter().map(|i| i.cause).collect();
    assert_eq!(causes, vec!["selector-matched-nothing".to_string(), "read-automatically".to_string()]);

    // The declared layout comes back with a real change: compared the way the latest version
    // was read (automatically) first, so the change is exactly the edit; then the switch back
    // to the rule is a technical upgrade of that capture.
    server.set_html("/terms", &declared_layout(&policy_body(48, "Prepaid credits")));
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (1, 0), "{}", s.render());
    assert!(s.read_automatically.is_empty(), "{}", s.render());
    assert!(app.store.incidents(true, None).await.unwrap().is_empty(), "read by its rule again: all resolved");
    let all = app.store.versions(terms.id).await.unwrap();
    let tail: Vec<_> = all.iter().rev().take_while(|v| v.capture_id == all.last().unwrap().capture_id).collect();
    let change = tail.iter().find(|v| v.kind == VersionKind::Change).expect("a change");
    assert!(change.markdown.contains("Prepaid credits"));
    assert_eq!(change.automatic_sources, vec![0]);
    // Provenance: the version page says how the text was read.
    let base = crate::web::spawn_web(&app).await;
    let (status, page) = crate::web::get(&format!("{base}/versions/{}", change.id)).await;
    assert_eq!(status, 200);
    assert!(page.contains("source #1 read automatically"), "{page}");
    let diff = app.store.change_to(change.id).await.unwrap().unwrap();
    let stats: clausewatch_diff::DiffStats = serde_json::from_str(&diff.stats_json).unwrap();
    assert_eq!((stats.words_added, stats.words_removed), (2, 1), "only the edit: {}", diff.diff_json);
    let latest = all.last().unwrap();
    assert_eq!(latest.kind, VersionKind::TechnicalUpgrade, "back on the declared rule, without the title again");
    assert!(latest.automatic_sources.is_empty() && !latest.markdown.contains("Terms of Service"), "{latest:#?}");
    assert_eq!(
        app.store.latest_version(terms.id).await.unwrap().unwrap().markdown,
        clausewatch_extract::extract_document(
            &app.store.rules(latest.rules_id).await.unwrap().rules,
            Some("Terms of Service"),
            &[clausewatch_extract::SourceInput {
                url: &server.url("/terms"),
                bytes: declared_layout(&policy_body(48, "Prepaid credits")).as_bytes(),
                content_type: Some("text/html")
            }]
        )
        .unwrap()
        .markdown
    );

    let report = clausewatch::rebuild::rebuild(&app.store, false).await.unwrap();
    assert!(report.mismatches.is_empty(), "{}", report.render());
    assert_eq!(report.versions_rebuilt, report.versions_stored);
}

/// A document whose select rule matches nothing from its very first capture: read
/// automatically only when the page calls itself a document of that type and has some length;
/// an error page, or a page titled as something else, stays a failure.
#[tokio::test]
async fn a_first_capture_is_read_automatically_only_when_it_titles_itself_as_the_document() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    app.write_catalog(
        "Example",
        json!({"name": "Example AI", "terms": {
            "Terms of Service": {"fetch": server.url("/terms"), "select": ".clauses"},
            "Privacy Policy": {"fetch": server.url("/privacy"), "select": ".clauses"},
            "Imprint": {"fetch": server.url("/imprint"), "select": ".clauses"}
        }}),
    );
    server.set_html("/terms", &redesigned_layout(&policy_body(24, "Credits").repeat(2)));
    // Titled as terms, not as a privacy policy.
    server.set_html("/privacy", &redesigned_layout(&policy_body(24, "Credits").repeat(2)));
    server.set_html("/imprint", "<html><body><h1>Oops</h1><p>Something went wrong. Try again later.</p></body></html>");
    // A title in another language counts too.
    app.write_catalog(
        "Beispiel",
        json!({"name": "Beispiel", "terms": {"Privacy Policy": {"fetch": server.url("/datenschutz"), "select": ".inhalt"}}}),
    );
    let german = "<p>Wir verarbeiten personenbezogene Daten nur, soweit dies zur Bereitstellung des Dienstes erforderlich ist,         und speichern sie nicht länger als nötig.</p>"
        .repeat(8);
    server.set_html(
        "/datenschutz",
        &format!("<html><body><nav><a href=\"/\">Start</a></nav><div class=\"seite\"><h1>Datenschutzerklärung</h1>{german}</div></body></html>"),
    );
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (2, 2), "{}", s.render());
    assert_eq!(s.read_automatically.len(), 2, "{}", s.render());
    let terms = app.store.latest_version(app.doc("Example AI", "Terms of Service").await.id).await.unwrap().unwrap();
    assert_eq!(terms.automatic_sources, vec![0]);
    assert!(
        terms.markdown.starts_with("Terms of Service") && !terms.markdown.contains("Pricing"),
        "{}",
        terms.markdown
    );
    for f in &s.failures {
        assert_eq!(f.cause, "selector-matched-nothing", "{f:?}");
        assert!(f.message.contains("must be titled as a"), "{}", f.message);
    }
    let report = clausewatch::rebuild::rebuild(&app.store, false).await.unwrap();
    assert!(report.mismatches.is_empty(), "{}", report.render());
}

/// The document's text with everything a page changes per request inside it: tracking
/// parameters, a redirect shim's signature, a cache-busted image and stylesheet link, a
/// time-stamped download link, and attributes in another order.
fn per_request_body(token: &str, stamp: u64, attrs_swapped: bool) -> String {
    let image = if attrs_swapped {
        format!("<img alt=\"Example logo\" src=\"/static/logo.png?v={token}\">")
    } else {
        format!("<img src=\"/static/logo.png?v={token}\" alt=\"Example logo\">")
    };
    format!(
        "{image}<h2>Payments</h2><p>Credits are refundable within 24 hours. See our \
         <a href=\"/pricing?utm_source=legal&utm_campaign={token}\">pricing</a> and the \
         <a href=\"https://l.example.test/l.php?u=https%3A%2F%2Fhelp.example.test%2Frefunds&h={token}\">refund help</a>.</p>\
         <p>Download the <a href=\"/files/terms.pdf?t={stamp}\">printable terms</a> \
         (<a href=\"/print.css?{stamp}\">print style</a>).</p>"
    )
}

#[tokio::test]
async fn per_request_tokens_inside_the_document_make_no_version() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    catalog(&app, &server, &[]);
    server.set_html("/privacy", &terms_page("Home", "", "<p>We collect your e-mail address.</p>"));
    server.set_html("/terms", &terms_page("Home", "", &per_request_body("a1b2c3", 1_712_345_678, false)));
    let s = app.track().await;
    assert_eq!((s.new_versions, s.failed), (2, 0), "{}", s.render());
    let terms = app.doc("Example", "Terms of Service").await;
    let v1 = app.store.latest_version(terms.id).await.unwrap().unwrap();
    assert!(v1.markdown.contains("![Example logo](/static/logo.png)"), "{}", v1.markdown);
    assert!(v1.markdown.contains("/files/terms.pdf)"), "{}", v1.markdown);
    assert!(v1.markdown.contains("(https://help.example.test/refunds)"), "{}", v1.markdown);
    assert!(!v1.markdown.contains("utm_"), "{}", v1.markdown);

    // Every token changes, the attributes swap places: new bytes, the same text.
    server.set_html("/terms", &terms_page("Home", "", &per_request_body("z9y8x7", 1_712_999_999, true)));
    let s = app.track().await;
    assert_eq!((s.fetched, s.unchanged, s.new_versions), (2, 2, 0), "{}", s.render());
    assert_eq!(app.store.versions(terms.id).await.unwrap().len(), 1);

    // No-break spaces where plain ones were (`&nbsp;`, a narrow one): the same text.
    let fixed_spaces =
        per_request_body("k4l5m6", 1_713_000_000, true).replace("within 24 hours", "within&nbsp;24\u{202f}hours");
    server.set_html("/terms", &terms_page("Home", "", &fixed_spaces));
    let s = app.track().await;
    assert_eq!((s.unchanged, s.new_versions), (2, 0), "{}", s.render());

    // A change of the text itself is still a version.
    let edited = per_request_body("q1w2e3", 1_713_000_000, false).replace("24 hours", "48 hours");
    server.set_html("/terms", &terms_page("Home", "", &edited));
    let s = app.track().await;
    assert_eq!(s.new_versions, 1, "{}", s.render());
}
