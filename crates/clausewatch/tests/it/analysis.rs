//! The analyze stage end to end: a tracked platform's versions get findings and a summary,
//! stored with the analyser version (re-runs do nothing), printed with provenance; files and
//! URLs analyse without a store; the evaluation and training commands.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::helpers::{terms_page, TestApp, TestServer};

fn run(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = app.command(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const BODY: &str = "<h2>Payment</h2><p>Credits are non-refundable except where required by law. \
We may change our prices with thirty (30) days' notice.</p>\
<h2>Disputes</h2><p>These Terms are governed by the laws of the State of Delaware. \
Any dispute will be resolved by binding individual arbitration administered by JAMS.</p>\
<h2>Eligibility</h2><p>You must be at least 16 years old to use the Services.</p>";

fn finding<'a>(v: &'a Value, provision: &str) -> &'a Value {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["provision"] == provision)
        .unwrap_or_else(|| panic!("{provision} in {v}"))
}

fn attribute<'a>(f: &'a Value, name: &str) -> &'a Value {
    f["attributes"].as_array().unwrap().iter().find(|a| a["name"] == name).map(|a| &a["value"]).unwrap_or(&Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracked_platform_is_analysed_once_per_version_with_provenance() {
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    app.write_catalog(
        "acme",
        json!({"name": "Acme AI", "terms": {"Terms of Service": {"fetch": server.url("/t"), "select": "main"}}}),
    );
    server.set_html("/t", &terms_page("", "", BODY));
    let (ok, out, err) = run(&app, &["track", "--no-progress"]);
    assert!(ok, "{err}");
    assert!(out.contains("analyzed versions: 1"), "the analyze stage follows tracking: {out}");

    let (ok, out, err) = run(&app, &["analyze", "acme", "--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["source"]["platform"], "Acme AI");
    assert_eq!(v["source"]["version"], 1);
    assert!(v["source"]["captured_at"].is_string() && v["source"]["text_hash"].as_str().unwrap().len() == 64);
    assert_eq!(v["source"]["snapshots"][0]["url"], server.url("/t"));
    let law = finding(&v, "governing_law");
    assert_eq!(attribute(law, "governing_law_jurisdiction"), "Delaware");
    assert_eq!(law["section"], "Terms of Service › Disputes");
    assert_eq!(law["stance"], "states");
    assert!(law["quote"].as_str().unwrap().starts_with("These Terms are governed"));
    assert_eq!(attribute(finding(&v, "binding_individual_arbitration"), "arbitration_provider"), "JAMS");
    assert_eq!(attribute(finding(&v, "minimum_age"), "min_age"), 16);
    assert_eq!(attribute(finding(&v, "unilateral_price_change"), "notice_period_days")["value"], 30);
    assert_eq!(attribute(finding(&v, "no_refund_policy"), "legal_carve_out"), true);
    let summary = v["summary"]["text"].as_str().unwrap();
    assert!(
        summary.contains("Governing law: Delaware.")
            && summary.contains("(JAMS)")
            && summary.contains("Minimum age: 16."),
        "{summary}"
    );

    // Stored: a second run with the same analyser analyses nothing.
    let report = clausewatch::analyze::analyze_stored(&app.store, None).await.unwrap();
    assert_eq!((report.analyzed, report.up_to_date), (0, 1));
    let doc = app.doc("acme", "Terms of Service").await;
    let version = app.store.latest_version(doc.id).await.unwrap().unwrap();
    let stored = app.store.analysis(version.id).await.unwrap().expect("analysis stored");
    assert_eq!(stored.analyzer, clausewatch_analyze::analyzer_version());
    assert!(stored.summary.contains("Delaware"));
    let where_found = app.store.findings_of_provision("governing_law").await.unwrap();
    assert_eq!(where_found.len(), 1);

    // A new version is analysed on the next run; the text and Markdown renderings cite quotes.
    server.set_html("/t", &terms_page("", "", &BODY.replace("Delaware", "New York")));
    let (ok, _, err) = run(&app, &["track", "--no-progress"]);
    assert!(ok, "{err}");
    let (ok, out, _) = run(&app, &["analyze", "Acme AI", "--type", "terms of service"]);
    assert!(ok);
    assert!(
        out.contains("version 2") && out.contains("Governing law: New York.") && out.contains("governing_law [states"),
        "{out}"
    );
    let (ok, out, _) = run(&app, &["analyze", "acme", "--format", "json"]);
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["change"]["significance"], "substantive", "{}", v["change"]);
    let changed = &v["change"]["attributes_changed"][0];
    assert_eq!(
        (changed["before"].as_str(), changed["after"].as_str()),
        (Some("Delaware"), Some("New York")),
        "{changed}"
    );
    assert!(changed["after_quote"].as_str().unwrap().contains("State of New York"));
    let carried = v["continuity"].as_array().unwrap();
    let law = carried.iter().find(|c| c["provision"] == "governing_law").expect("the old finding is re-anchored");
    assert_eq!(law["status"], "edited", "{law}");
    assert_eq!(law["still_found"], true);
    let age = carried.iter().find(|c| c["provision"] == "minimum_age").unwrap();
    assert_eq!(age["status"], "found");
    let (ok, out, _) = run(&app, &["analyze", "acme", "--format", "md"]);
    assert!(ok && out.contains("> These Terms are governed by the laws of the State of New York."), "{out}");
    let (ok, out, err) = run(&app, &["timeline", "acme"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("first record")
            && out.contains("change [substantive]")
            && out.contains("governing law jurisdiction: Delaware → New York"),
        "{out}"
    );
    assert!(out.contains("first_records: 1") && out.contains("changes: 1") && out.contains("substantive: 1"), "{out}");
    let (ok, out, _) = run(&app, &["timeline", "acme", "--format", "json"]);
    assert!(ok);
    let t: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(t["events"][1]["significance"], "substantive");
    let (ok, _, err) = run(&app, &["analyze", "nobody"]);
    assert!(!ok && err.contains("no document of \"nobody\""), "{err}");
}

/// A marketing home page of about the document's size, stating no provision.
const HOME: &str = "<!doctype html><html><body><main><h1>More than social media</h1>\
<p>Your voice. Your audience. Your platform. Social media that respects you, built for creators, \
brands and communities who want stronger reach, real connection and more control over what they build.</p>\
<h2>Speak freely</h2><p>Open expression matters, and so do the people you meet here every day.</p>\
<h2>Connect directly</h2><p>Real people and a real community, with posts that reach the followers who chose you.</p>\
<h2>Build value</h2><p>More than likes and views: tips, subscriptions and a marketplace for what you make.</p>\
</main></body></html>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_common_page_captured_for_several_documents_is_no_version_of_either() {
    // Parler's terms, privacy policy and guidelines all redirected to its home page on the same
    // day (#533, #545): the same page captured for two documents of a platform is a common page.
    let server = TestServer::start().await;
    let app = TestApp::new().await;
    app.write_catalog(
        "acme",
        json!({"name": "Acme", "terms": {
            "Terms of Service": {"fetch": server.url("/t"), "select": "main"},
            "Privacy Policy": {"fetch": server.url("/p"), "select": "main"}
        }}),
    );
    app.write_catalog(
        "solo",
        json!({"name": "Solo", "terms": {"Terms of Service": {"fetch": server.url("/s"), "select": "main"}}}),
    );
    let privacy = "<h2>Data</h2><p>We collect your e-mail address and the posts you make, and we keep them while your account is open.</p>";
    server.set_html("/t", &terms_page("", "", BODY));
    server.set_html("/s", &terms_page("", "", BODY));
    server.set_html("/p", &terms_page("", "", privacy));
    let (ok, _, err) = run(&app, &["track", "--no-progress"]);
    assert!(ok, "{err}");
    for path in ["/t", "/p", "/s"] {
        server.set_html(path, HOME);
    }
    let (ok, _, err) = run(&app, &["track", "--no-progress"]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&app, &["analyze", "acme", "--type", "terms of service", "--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["change"]["significance"], "cosmetic", "{}", v["change"]);
    assert_eq!(v["change"]["capture_artefact"], true);
    assert!(v["change"]["reasons"][0].as_str().unwrap().contains("Privacy Policy"), "{}", v["change"]);
    // A platform with one document has nothing to compare with: the page replaced the terms.
    let (ok, out, _) = run(&app, &["analyze", "solo", "--format", "json"]);
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["change"]["significance"], "substantive", "{}", v["change"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_and_urls_analyse_without_a_store() {
    let app = TestApp::new().await;
    let md = app.dir.path().join("terms.md");
    std::fs::write(&md, "# Terms\n\n## Law\n\nThese Terms are governed by Irish law.\n").unwrap();
    let (ok, out, err) = run(&app, &["analyze", md.to_str().unwrap(), "--format", "json", "--name", "Acme"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(attribute(finding(&v, "governing_law"), "governing_law_jurisdiction"), "Irish");
    assert_eq!(finding(&v, "governing_law")["section"], "Terms › Law");

    let html = app.dir.path().join("terms.html");
    std::fs::write(&html, terms_page("<a href=/x>Home</a>", "", BODY)).unwrap();
    let (ok, out, err) = run(&app, &["analyze", html.to_str().unwrap(), "--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(attribute(finding(&v, "binding_individual_arbitration"), "arbitration_provider"), "JAMS");

    let server = TestServer::start().await;
    server.set_html("/terms", &terms_page("", "", BODY));
    let (ok, out, err) = run(&app, &["analyze", &server.url("/terms"), "--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["source"]["url"], server.url("/terms"));
    assert_eq!(attribute(finding(&v, "minimum_age"), "min_age"), 16);

    // Hostile input: not text, missing, empty.
    let bin = app.dir.path().join("x.md");
    std::fs::write(&bin, [0xff, 0xfe, 0x00, 0x80]).unwrap();
    let (ok, _, err) = run(&app, &["analyze", bin.to_str().unwrap()]);
    assert!(!ok && err.contains("not UTF-8"), "{err}");
    let empty = app.dir.path().join("empty.html");
    std::fs::write(&empty, "<html><body></body></html>").unwrap();
    let (ok, _, err) = run(&app, &["analyze", empty.to_str().unwrap()]);
    assert!(!ok && err.contains("cannot extract"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unfair_tos_evaluation_prints_labelled_lines() {
    let app = TestApp::new().await;
    let file = app.dir.path().join("v.jsonl");
    let lines = [
        json!({"text": "these terms shall be governed by the laws of the state of california .", "label_ids": [5]}),
        json!({"text": "you and we agree to resolve any dispute through final and binding arbitration .", "label_ids": [7]}),
        json!({"text": "we may terminate your account at any time for any reason .", "label_ids": [1]}),
        json!({"text": "welcome to our website .", "label_ids": []}),
    ];
    std::fs::write(&file, lines.iter().map(|l| l.to_string()).collect::<Vec<_>>().join("\n")).unwrap();
    let (ok, out, err) = run(&app, &["eval", "unfair-tos", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    for name in ["strict: micro-F1", "lexglue: micro-F1", "strict_macro_f1: ", "lexglue_micro_f1: ", "examples: 4"] {
        assert!(out.contains(name), "{name} in {out}");
    }
    let (ok, out, _) = run(&app, &["eval", "unfair-tos", file.to_str().unwrap(), "--format", "json"]);
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["per_label"].as_array().unwrap().len(), 8);
    assert!(v["strict_micro_f1"].as_f64().unwrap() > 0.5, "clear sentences are recognised: {out}");
    std::fs::write(&file, "{\"text\": 1}").unwrap();
    let (ok, _, err) = run(&app, &["eval", "unfair-tos", file.to_str().unwrap()]);
    assert!(!ok && err.contains("line 1"), "{err}");
    let (ok, _, err) = run(&app, &["eval", "unfair-tos", "/nonexistent/v.jsonl"]);
    assert!(ok && err.contains("skipped"), "{err}");

    let (ok, out, err) = run(&app, &["eval", "provisions"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("split: test") && out.contains("micro_precision: ") && out.contains("micro_recall: "),
        "{out}"
    );
}

/// With the shared data present (CI unpacks it), training reproduces the shipped model byte
/// for byte.
#[test]
fn training_reproduces_the_shipped_model() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let data = root.join("../shared/data/unfair-tos/train.jsonl");
    if !data.is_file() {
        eprintln!("skipped: {} not found", data.display());
        return;
    }
    let out = std::process::Command::new(crate::helpers::bin())
        .args(["train", "--check", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(root.join("crates/clausewatch-analyze/data/unfair-tos.model"))
        .env("CLAUSEWATCH_LOG", "error")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("reproduced: yes"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A page that alternates between two variants while it is captured twice a day: the variant
/// that comes back after a dozen captures (within the 60-day window) is a capture artefact,
/// not a change; the same text coming back after four months is read as a change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variant_returning_after_many_captures_is_an_artefact() {
    let app = TestApp::new().await;
    let hist = app.dir.path().join("versions/coll/Acme/Community Guidelines");
    std::fs::create_dir_all(&hist).unwrap();
    let rules = "These guidelines describe the rules of the Service in detail for every member. ".repeat(20);
    let uk = format!("# Guidelines\n\n{rules}\n\n## Recommendations\n\nWe do not recommend content that promotes cosmetic procedures, and we may limit the reach of accounts that repeatedly share misleading health claims.\n");
    let us = format!("# Guidelines\n\n{rules}\n\n## Recommendations\n\nWe do not recommend content that depicts violence, such as people fighting, and we remove graphically violent content.\n");
    // Day 0: UK. Then twelve captures of the US variant, each with its own view counter.
    let mut files = vec![("2026-05-01T00-00-00Z.md".to_string(), uk.clone())];
    for k in 0..12 {
        files.push((format!("2026-05-{:02}T12-00-00Z.md", 2 + k), format!("{us}\n{} views\n", 100 + k)));
    }
    files.push(("2026-05-20T00-00-00Z.md".to_string(), uk.clone()));
    for (name, text) in &files {
        std::fs::write(hist.join(name), text).unwrap();
    }
    let pair = |old: &str, new: &str| {
        let (ok, out, err) = run(
            &app,
            &[
                "classify-change",
                hist.join(old).to_str().unwrap(),
                hist.join(new).to_str().unwrap(),
                "--format",
                "json",
            ],
        );
        assert!(ok, "{err}");
        serde_json::from_str::<Value>(&out).unwrap()
    };
    let back = pair(&files[12].0, &files[13].0);
    assert_eq!(back["significance"], "cosmetic", "{back}");
    assert!(back["reasons"].to_string().contains("capture"), "{back}");
    // Without the history, the same pair is a change of the recommendations.
    let (ok, out, _) = run(
        &app,
        &[
            "classify-change",
            "--no-history",
            hist.join(&files[12].0).to_str().unwrap(),
            hist.join(&files[13].0).to_str().unwrap(),
        ],
    );
    assert!(ok && out.contains("significance: substantive"), "{out}");
    // Four months later the UK text coming back (not identical: the counter) is a change again.
    std::fs::remove_file(hist.join(&files[13].0)).unwrap();
    let late = "2026-09-20T00-00-00Z.md";
    std::fs::write(hist.join(late), format!("{uk}\n7 views\n")).unwrap();
    let later = pair(&files[12].0, late);
    assert_eq!(later["significance"], "substantive", "{later}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn classify_change_and_eval_changes_on_histories() {
    let app = TestApp::new().await;
    let dir = app.dir.path().join("versions/coll");
    let hist = dir.join("Acme/Terms of Service");
    std::fs::create_dir_all(&hist).unwrap();
    let base = "# Terms\n\n## Refunds\n\nYou can request a refund within 24 hours of purchase.\n\n## Law\n\nThese Terms are governed by the laws of Ireland.\n\nLast updated: 1 March 2026\n";
    let long_doc = format!(
        "{base}\n{}",
        "These Terms describe the rights and duties of users of the Service in detail. ".repeat(30)
    );
    let versions = [
        ("2026-01-01T00-00-00Z.md", long_doc.clone()),
        ("2026-02-01T00-00-00Z.md", long_doc.replace("1 March 2026", "2 April 2026")),
        ("2026-03-01T00-00-00Z.md", long_doc.replace("24 hours", "48 hours").replace("1 March 2026", "2 April 2026")),
        ("2026-04-01T00-00-00Z.md", "# Error\n\nSomething went wrong.\n".to_string()),
        ("2026-05-01T00-00-00Z.md", long_doc.replace("24 hours", "48 hours").replace("1 March 2026", "2 April 2026")),
        (
            "2026-06-01T00-00-00Z.md",
            long_doc
                .replace("24 hours", "48 hours")
                .replace("1 March 2026", "2 April 2026")
                .replace("## Law", "## **Law**"),
        ),
    ];
    for (name, text) in &versions {
        std::fs::write(hist.join(name), text).unwrap();
    }
    std::fs::write(
        dir.join("index.tsv"),
        "repo\tservice\tterms_type\tdate\tcommit\tbytes\tevent\tcommit_kind\tcommit_subject\tfile\n\
coll\tAcme\tTerms of Service\t2026-06-01\tx\t1\tchange\ttechnical_upgrade\tApply technical or declaration upgrade\tAcme/Terms of Service/2026-06-01T00-00-00Z.md\n",
    )
    .unwrap();

    let (ok, out, err) = run(
        &app,
        &[
            "classify-change",
            hist.join(versions[1].0).to_str().unwrap(),
            hist.join(versions[2].0).to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["significance"], "substantive");
    assert_eq!(v["attributes_changed"][0]["before"], "24 hours");
    assert_eq!(v["attributes_changed"][0]["after"], "48 hours");
    let (ok, out, _) = run(
        &app,
        &["classify-change", hist.join(versions[0].0).to_str().unwrap(), hist.join(versions[1].0).to_str().unwrap()],
    );
    assert!(ok && out.contains("significance: cosmetic"), "{out}");
    let (ok, _, err) = run(&app, &["classify-change", "/nonexistent/a.md", hist.join(versions[1].0).to_str().unwrap()]);
    assert!(!ok && err.contains("cannot read"), "{err}");

    let (ok, out, err) = run(&app, &["eval", "changes", app.dir.path().join("versions").to_str().unwrap()]);
    assert!(ok, "{err}");
    for line in [
        "histories: 1",
        "pairs: 5",
        "cosmetic: 3",
        "substantive: 1",
        "reextraction_pairs: 1",
        "reextraction_cosmetic: 1",
        "capture_artefacts: 2",
        "pairs_per_sec: ",
    ] {
        assert!(out.contains(line), "{line} in {out}");
    }
    let (ok, out, _) =
        run(&app, &["eval", "changes", app.dir.path().join("versions").to_str().unwrap(), "--format", "json"]);
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["pairs"], 5);
    // Every pair with its class and reasons, for auditing.
    let listing = app.dir.path().join("pairs.tsv");
    let versions_arg = app.dir.path().join("versions");
    let (ok, _, err) =
        run(&app, &["eval", "changes", versions_arg.to_str().unwrap(), "--list", listing.to_str().unwrap()]);
    assert!(ok, "{err}");
    let listed = std::fs::read_to_string(&listing).unwrap();
    let rows: Vec<&str> = listed.lines().collect();
    assert_eq!(rows[0], "history\told\tnew\treextraction\tsignificance\treasons");
    assert_eq!(rows.len(), 6, "{listed}");
    assert_eq!(rows.iter().filter(|r| r.contains("\tsubstantive\t")).count(), 1, "{listed}");

    // Hand labels scored against the classifier: confusion matrix, precision and recall.
    let labels = app.dir.path().join("labels.tsv");
    let row = |id: usize, old: &str, new: &str, label: &str| {
        format!("{id}\trandom\tcoll\tAcme\tTerms of Service\tAcme/Terms of Service/{old}\tAcme/Terms of Service/{new}\trecord_changes\t{label}\twhy {id}\n")
    };
    let text = format!(
        "# test labels\nid\tsample\trepo\tservice\tterms_type\told\tnew\tcommit_kind\tlabel\treason\n{}{}{}{}",
        row(1, versions[0].0, versions[1].0, "cosmetic"),
        row(2, versions[1].0, versions[2].0, "substantive"),
        row(3, versions[2].0, versions[3].0, "substantive"),
        row(4, versions[3].0, versions[4].0, "cosmetic"),
    );
    std::fs::write(&labels, text).unwrap();
    let versions_dir = app.dir.path().join("versions");
    let (ok, out, err) =
        run(&app, &["eval", "changes", versions_dir.to_str().unwrap(), "--labels", labels.to_str().unwrap()]);
    assert!(ok, "{err}");
    // Pair 3 is an error page: labelled substantive on purpose, so one miss is reported.
    for line in ["labelled_pairs: 4", "substantive_precision: 1.000", "substantive_recall: 0.500", "accuracy: 0.750"] {
        assert!(out.contains(line), "{line} in {out}");
    }
    assert!(out.contains("#3 ") && out.contains("gold substantive predicted cosmetic"), "{out}");
    let (ok, out, _) = run(
        &app,
        &["eval", "changes", versions_dir.to_str().unwrap(), "--labels", labels.to_str().unwrap(), "--format", "json"],
    );
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["confusion"]["substantive"]["substantive"], 1);
    assert_eq!(v["confusion"]["substantive"]["cosmetic"], 1);
    std::fs::write(&labels, "id\tlabel\n1\tcosmetic\n").unwrap();
    let (ok, _, err) =
        run(&app, &["eval", "changes", versions_dir.to_str().unwrap(), "--labels", labels.to_str().unwrap()]);
    assert!(!ok && err.contains("no `old` column"), "{err}");
    // The minimal form: paths relative to PATH, no id, sample or reason.
    std::fs::write(
        &labels,
        format!(
            "old\tnew\tlabel\ncoll/Acme/Terms of Service/{}\tcoll/Acme/Terms of Service/{}\tSubstantive\n",
            versions[1].0, versions[2].0
        ),
    )
    .unwrap();
    let (ok, out, err) =
        run(&app, &["eval", "changes", versions_dir.to_str().unwrap(), "--labels", labels.to_str().unwrap()]);
    assert!(ok && out.contains("labelled_pairs: 1") && out.contains("substantive_recall: 1.000"), "{out}{err}");

    // classify-change reads the folder's earlier versions: text that comes back from an earlier
    // capture is an alternation, not a change; --no-history compares the two files alone.
    let alt = app.dir.path().join("alt/Acme/Terms");
    std::fs::create_dir_all(&alt).unwrap();
    let with_rule = long_doc.replace("You can request a refund", "You must not request a refund");
    for (name, text) in [
        ("2026-01-01T00-00-00Z.md", &long_doc),
        ("2026-01-02T00-00-00Z.md", &with_rule),
        ("2026-01-03T00-00-00Z.md", &long_doc),
    ] {
        std::fs::write(alt.join(name), text).unwrap();
    }
    let (b_file, c_file) = (alt.join("2026-01-02T00-00-00Z.md"), alt.join("2026-01-03T00-00-00Z.md"));
    let (ok, out, err) =
        run(&app, &["classify-change", b_file.to_str().unwrap(), c_file.to_str().unwrap(), "--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["significance"], "cosmetic", "{v}");
    assert_eq!(v["capture_artefact"], true);
    let (ok, out, _) = run(
        &app,
        &["classify-change", b_file.to_str().unwrap(), c_file.to_str().unwrap(), "--no-history", "--format", "json"],
    );
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["significance"], "substantive", "{v}");

    // The same page captured for the platform's privacy policy within a day: a common page
    // (a home page or a redirect) in place of the terms; compared alone, the terms were replaced.
    let common = app.dir.path().join("common/Acme");
    let home = "# More than social media\n\nYour voice. Your audience. Your platform. Social media that respects you, built for creators, brands and communities who want stronger reach and real connection.\n\n## Build value\n\nMore than likes and views: tips, subscriptions and a marketplace for what you make.\n";
    let short_terms = "## Payment\n\nCredits are non-refundable except where required by law. We may change our prices with thirty days' notice.\n\n## Eligibility\n\nYou must be at least 16 years old to use the Services, and you must not share your account with anyone else.\n\n## Law\n\nThese Terms are governed by the laws of the State of Delaware and disputes go to its courts.\n";
    for (doc, first) in [("Terms of Service", short_terms), ("Privacy Policy", "We collect your e-mail address.")] {
        std::fs::create_dir_all(common.join(doc)).unwrap();
        std::fs::write(common.join(doc).join("2026-01-01T00-00-00Z.md"), first).unwrap();
        std::fs::write(common.join(doc).join("2026-01-05T00-00-07Z.md"), home).unwrap();
    }
    let terms = common.join("Terms of Service");
    let (a_file, b_file) = (terms.join("2026-01-01T00-00-00Z.md"), terms.join("2026-01-05T00-00-07Z.md"));
    let (ok, out, err) =
        run(&app, &["classify-change", a_file.to_str().unwrap(), b_file.to_str().unwrap(), "--format", "json"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["significance"], "cosmetic", "{v}");
    assert!(v["reasons"][0].as_str().unwrap().contains("Privacy Policy"), "{v}");
    let (ok, out, _) = run(
        &app,
        &["classify-change", a_file.to_str().unwrap(), b_file.to_str().unwrap(), "--no-history", "--format", "json"],
    );
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_ne!(v["significance"], "cosmetic", "{v}");

    // The redline of two files, in every format.
    let (a, b) = (hist.join(versions[2].0), hist.join(versions[5].0));
    let (ok, out, err) = run(&app, &["redline", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("section changed, was «"), "{out}");
    let (ok, out, _) = run(&app, &["redline", a.to_str().unwrap(), b.to_str().unwrap(), "--format", "html"]);
    assert!(ok && out.contains("<section class=\"redline-"), "{out}");
    let (ok, out, _) = run(&app, &["redline", a.to_str().unwrap(), b.to_str().unwrap(), "--format", "json"]);
    assert!(ok);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["stats"]["sections_changed"].as_u64().is_some(), "{v}");
}

#[test]
fn the_bundled_change_labels_are_a_usable_sample() {
    let pairs = clausewatch::eval_changes::parse_labels(&clausewatch::eval_changes::bundled_labels()).unwrap();
    assert!(pairs.len() >= 180, "{} labelled pairs", pairs.len());
    let ids: std::collections::BTreeSet<&str> = pairs.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), pairs.len(), "ids are unique");
    assert!(pairs.iter().all(|p| p.reason.split_whitespace().count() >= 3), "every label has a reason");
    let substantive =
        pairs.iter().filter(|p| p.label == clausewatch_analyze::change::Significance::Substantive).count();
    assert!(substantive >= 20, "{substantive}");
    for sample in ["random", "enriched", "heldout_random", "heldout_enriched"] {
        assert!(pairs.iter().any(|p| p.sample == sample), "no {sample} pairs");
    }
    // A held-out pair is never one of the development pairs.
    let dev: std::collections::BTreeSet<(&str, &str)> =
        pairs.iter().filter(|p| !p.sample.starts_with("heldout")).map(|p| (p.old.as_str(), p.new.as_str())).collect();
    assert!(pairs
        .iter()
        .filter(|p| p.sample.starts_with("heldout"))
        .all(|p| !dev.contains(&(p.old.as_str(), p.new.as_str()))));
}
