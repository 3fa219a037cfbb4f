//! The command line: a thin layer over the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand, ValueEnum};

use clausewatch_store::{DocumentRow, Store, VersionRow};

use crate::config::Config;

#[derive(Parser, Debug)]
#[command(
    name = "clausewatch",
    version,
    about = "Watch platforms' legal documents and keep a citable history of every version"
)]
pub struct Cli {
    /// TOML configuration file (default: ./clausewatch.toml if present).
    #[arg(long, global = true, env = "CLAUSEWATCH_CONFIG")]
    config: Option<PathBuf>,
    /// Where the store lives (SQLite + blobs). Also CLAUSEWATCH_DATA_DIR. Default ./data.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Folder of platform declarations. Also CLAUSEWATCH_CATALOG_DIR. Default ./catalog.
    #[arg(long, global = true)]
    catalog: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum RedlineFormat {
    Text,
    Md,
    Html,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
enum AnalyzeFormat {
    Text,
    Json,
    Md,
}

#[derive(Subcommand, Debug)]
enum Eval {
    /// Score the UNFAIR-ToS classifier (shipped model + precise rules) on a LexGLUE-style
    /// JSON-lines file: per-label precision / recall / F1, then `strict` (8 labels) and
    /// `lexglue` (9 columns, as LexGLUE's scripts) micro and macro F1.
    UnfairTos {
        file: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Classify every consecutive version pair of the histories under PATH (e.g.
    /// DIR/ota/versions or one collection): class distribution, re-extractions apart, speed.
    Changes {
        path: PathBuf,
        /// Score the project's hand-labelled pairs (data/change-labels.tsv and the held-out
        /// data/change-labels-heldout.tsv) instead of walking every pair: precision and recall
        /// of `substantive` overall and per sample, and the confusion matrix.
        #[arg(long)]
        labelled: bool,
        /// Score another labels file (same columns as data/change-labels.tsv).
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Also write every pair with its class and reasons to this TSV file (for auditing).
        #[arg(long)]
        list: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Per-provision precision and recall of the analyser on the hand-labelled clauses
    /// (default: the held-out part of the project's labels, data/provisions-labels.tsv).
    Provisions {
        /// A labels file (TSV: split, service, document, provision, polarity, quote, note).
        #[arg(long)]
        labels: Option<PathBuf>,
        /// Score the `dev` part (used to write the rules) instead of the held-out `test` part.
        #[arg(long)]
        dev: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Extract every case under CASES (fixtures/extraction-dev layout) and compare with the
    /// reference Markdown: identical and similarity>=0.99 shares, per-case missing and extra text.
    Extraction {
        cases: PathBuf,
        /// Ignore the declared select/remove rules and find the main content automatically.
        #[arg(long)]
        auto: bool,
        /// Show every missing and extra run in full.
        #[arg(long)]
        verbose: bool,
        /// Only cases whose path contains this text.
        #[arg(long)]
        only: Option<String>,
        /// Write each case's extraction to this folder (as <case path>/actual.md).
        #[arg(long)]
        dump: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Automatic main content on the latest replay state: every document's page extracted
    /// with no select/remove rule, compared with its declared extraction. DIR is the unpacked
    /// shared data.
    MainContent {
        dir: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Replay the genai-eu monthly states on 127.0.0.1 and score new versions against
    /// expected_docs.tsv. DIR is the unpacked shared data (../shared/unpack).
    Replay {
        dir: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
enum CatalogCommand {
    /// Check every entry: schema, URL syntax, duplicates, known terms types and categories,
    /// provenance of every URL and field. Exits 1 when an entry has an error.
    Validate {
        /// The catalog folder (default: the configured catalog folder).
        dir: Option<PathBuf>,
        /// Also list warnings.
        #[arg(long)]
        verbose: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fetch documents, store snapshots, record new versions and changes.
    Track {
        /// Only this platform (id or name).
        #[arg(long)]
        platform: Option<String>,
        /// Only this terms type (e.g. "Privacy Policy").
        #[arg(long = "type")]
        terms_type: Option<String>,
        /// No progress bar.
        #[arg(long)]
        no_progress: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// List a platform's documents, or one document's versions and changes.
    History {
        platform: String,
        terms_type: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the text of a document in force at a date (default: now) or a given version.
    Show {
        platform: String,
        terms_type: String,
        /// A date (2026-01-31) or instant (RFC 3339).
        #[arg(long)]
        at: Option<String>,
        /// Version number (1 = first record).
        #[arg(long, conflicts_with = "at")]
        version: Option<i64>,
        /// Mark where each page of a PDF starts, as `<!-- page N -->` lines (the stored text
        /// holds no page marks: a reflow is not a change).
        #[arg(long)]
        pages: bool,
    },
    /// Section-aware diff between two versions (default: the latest change).
    Diff {
        platform: String,
        terms_type: String,
        #[arg(long)]
        from: Option<i64>,
        #[arg(long)]
        to: Option<i64>,
        #[arg(long, value_enum, default_value = "text")]
        format: RedlineFormat,
    },
    /// Fetch incidents: one per (document, cause), opened on failure, resolved on recovery,
    /// reopened on relapse. Open ones by default.
    Incidents {
        /// Resolved ones too.
        #[arg(long)]
        all: bool,
        /// Only this platform (id or name).
        #[arg(long)]
        platform: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Work on the catalog of platforms.
    Catalog {
        #[command(subcommand)]
        what: CatalogCommand,
    },
    /// Import a folder of Open Terms Archive declarations into the catalog and the store.
    ImportOta {
        folder: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Regenerate every version from stored snapshots and dated rules; report differences.
    Rebuild {
        /// Replace stored versions that differ with the regenerated ones.
        #[arg(long)]
        apply: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Check the store: version numbering, change records, blob integrity.
    Check,
    /// Evaluations on the shared real data (labelled `name: value` lines, or --format json).
    Eval {
        #[command(subcommand)]
        what: Eval,
    },
    /// Benchmark tracking against download and parse floors on generated local pages.
    Bench {
        #[arg(long, default_value_t = 1000)]
        pages: usize,
        /// Local servers (127.0.0.1 .. 127.0.0.N).
        #[arg(long, default_value_t = 10)]
        hosts: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Share of each page's bytes that is the legal document (the rest: scripts, styles,
        /// navigation). The default, 0.15, is twice the average of real captures; 1 gives pages
        /// that are all document.
        #[arg(long, default_value_t = crate::bench::DEFAULT_TEXT_SHARE)]
        text_share: f64,
        /// Serve real captured pages instead: every `*.html` under this folder (at most
        /// --pages), extracted automatically, unchanged in pass 2 (e.g.
        /// DIR/fixtures/extraction-dev).
        #[arg(long, conflicts_with = "text_share")]
        real_pages: Option<PathBuf>,
        /// Run the benchmark this many times and print the median of every figure (and the
        /// worst run of the two target ratios).
        #[arg(long, default_value_t = 1)]
        runs: usize,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// The benchmark's page server (run by `bench` as a child process).
    #[command(hide = true)]
    BenchPageServer {
        #[arg(long)]
        pages: usize,
        #[arg(long)]
        hosts: usize,
        #[arg(long, default_value_t = crate::bench::DEFAULT_TEXT_SHARE)]
        text_share: f64,
        #[arg(long)]
        real_pages: Option<PathBuf>,
    },
    /// Tracking under politeness limits: 1,000 documents over 50 local hosts (2 at a time and
    /// 5 a second per host), five of them broken (2 refuse, 1 answers 500, 1 answers 404, 1
    /// never answers); wall time against the politeness floor, and the incidents produced.
    BenchFetch {
        #[arg(long, default_value_t = 1000)]
        documents: usize,
        #[arg(long, default_value_t = 50)]
        hosts: usize,
        /// The fetch timeout: what the silent host costs.
        #[arg(long, default_value_t = 5.0)]
        timeout_secs: f64,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Hostile servers on 127.0.0.1, one case at a time (drip, endless body, redirect loop,
    /// gzip bomb, 100 MB page, wrong charsets, mislabelled type, deep nesting, truncated and
    /// bomb PDFs, silence): the cause each ends as, its time and its peak memory growth.
    BenchHostile {
        /// The fetch timeout: what the drip and the silent server cost.
        #[arg(long, default_value_t = 4.0)]
        timeout_secs: f64,
        /// Run only this case, in this process, on the store of --data-dir (what the benchmark
        /// runs in a fresh process per case).
        #[arg(long, hide = true)]
        case: Option<usize>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Analyse a document: a file (Markdown, HTML or PDF), a URL, or a platform in the store
    /// (the latest version of each of its documents, stored and incremental). Prints the
    /// themed summary and every finding with its quote, section, offsets and attributes.
    Analyze {
        /// FILE, http(s) URL, or platform id/name.
        target: String,
        /// Only this terms type (platform targets).
        #[arg(long = "type")]
        terms_type: Option<String>,
        /// Who the document belongs to, for the summary (file and URL targets).
        #[arg(long, default_value = "The provider")]
        name: String,
        #[arg(long, value_enum, default_value = "text")]
        format: AnalyzeFormat,
    },
    /// A platform's governance timeline: first records, changes with their significance,
    /// technical upgrades, fetch incidents opened and resolved, in date order.
    Timeline {
        platform: String,
        #[arg(long = "type")]
        terms_type: Option<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Classify the change between two versions (Markdown files): significance (noise,
    /// cosmetic, editorial, substantive), provisions added / removed, attributes before → after
    /// with both quotes, and a short paragraph.
    ClassifyChange {
        old: PathBuf,
        new: PathBuf,
        /// Compare the two files alone, without the earlier versions of their folder.
        #[arg(long)]
        no_history: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Section-aware redline of two Markdown files: moved sections and paragraphs shown as
    /// moves, word-level changes inside paragraphs, unchanged sections folded.
    Redline {
        old: PathBuf,
        new: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: RedlineFormat,
    },
    /// Train the UNFAIR-ToS model from the data with a fixed seed; byte-for-byte reproducible.
    Train {
        /// UNFAIR-ToS train split (JSON lines).
        #[arg(long, default_value = "../shared/data/unfair-tos/train.jsonl")]
        data: PathBuf,
        /// Where to write the model.
        #[arg(long, default_value = "crates/clausewatch-analyze/data/unfair-tos.model")]
        out: PathBuf,
        /// Do not write: train and compare with OUT byte for byte (exit 1 if they differ).
        #[arg(long)]
        check: bool,
    },
    /// Analysis speed over the latest version of every document under DIR (e.g.
    /// ../shared unpacked: DIR/ota/versions), on one core: MB/s and time per 100 KB.
    BenchAnalyze {
        dir: PathBuf,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Serve the HTML listing and track on a schedule (loads the bundled demo into an empty store).
    Serve {
        /// Address to listen on. Also CLAUSEWATCH_LISTEN. Default 127.0.0.1:8080.
        #[arg(long)]
        listen: Option<String>,
        /// Hours between track runs, 0 = off. Also CLAUSEWATCH_SCHEDULE_HOURS. Default 12.
        #[arg(long)]
        schedule_hours: Option<f64>,
        /// Do not load the bundled demo.
        #[arg(long)]
        no_demo: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLAUSEWATCH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,clausewatch=info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let env: Vec<(String, String)> = std::env::vars().collect();
    let mut config = Config::load(cli.config.as_deref(), &env)?;
    if let Some(d) = &cli.data_dir {
        config.data_dir = d.clone();
    }
    if let Some(c) = &cli.catalog {
        config.catalog_dir = c.clone();
    }
    Ok(config)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut config = load_config(&cli)?;
    if let Command::Serve { listen, schedule_hours, no_demo } = &cli.command {
        if let Some(l) = listen {
            config.serve.listen = l.clone();
        }
        if let Some(h) = schedule_hours {
            config.serve.schedule_hours = *h;
        }
        if *no_demo {
            config.serve.demo = false;
        }
        config.validate()?;
    }
    // Commands that need no store: they must not create a data folder where they run.
    if let Command::Eval { what: Eval::Extraction { cases, auto, verbose, only, dump, format } } = cli.command {
        if !cases.is_dir() {
            eprintln!("skipped: {} is not a folder of extraction cases (run ../shared/unpack)", cases.display());
            return Ok(ExitCode::SUCCESS);
        }
        let mode = if auto { crate::fidelity::RulesMode::Automatic } else { crate::fidelity::RulesMode::Declared };
        let report = tokio::task::spawn_blocking(move || {
            let options = crate::fidelity::Options { mode, only, dump };
            crate::fidelity::run(&cases, &options)
        })
        .await??;
        print_report(format, &report, || report.render(verbose))?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Catalog { what: CatalogCommand::Validate { dir, verbose, format } } = cli.command {
        let dir = dir.unwrap_or_else(|| config.catalog_dir.clone());
        let report = crate::catalog::validate(&dir)?;
        print_report(format, &report, || report.render(verbose))?;
        return Ok(if report.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    if let Command::Eval { what: Eval::MainContent { dir, format } } = cli.command {
        if !dir.join("fixtures/replay/states").is_dir() {
            eprintln!("skipped: {} has no fixtures/replay/states (run ../shared/unpack)", dir.display());
            return Ok(ExitCode::SUCCESS);
        }
        let report = tokio::task::spawn_blocking(move || crate::fidelity::run_replay_main_content(&dir)).await??;
        print_report(format, &report, || report.render())?;
        return Ok(ExitCode::SUCCESS);
    }
    match &cli.command {
        Command::Eval { what: Eval::UnfairTos { file, format } } => {
            if !file.is_file() {
                eprintln!(
                    "skipped: {} not found (run ../shared/unpack or point at a LexGLUE JSON-lines file)",
                    file.display()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let file = file.clone();
            let report = tokio::task::spawn_blocking(move || crate::eval_unfair::run(&file)).await??;
            print_report(*format, &report, || report.render())?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Eval { what: Eval::Provisions { labels, dev, format } } => {
            let report = crate::eval_provisions::run(labels.as_deref(), *dev)?;
            print_report(*format, &report, || report.render())?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::ClassifyChange { old, new, no_history, format } => {
            let (old, new, history) = (old.clone(), new.clone(), !*no_history);
            let s =
                tokio::task::spawn_blocking(move || crate::eval_changes::classify_files(&old, &new, history)).await??;
            print_report(*format, &s, || crate::eval_changes::render_summary(&s))?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Redline { old, new, format } => {
            let a = crate::eval_changes::read_markdown(old)?;
            let b = crate::eval_changes::read_markdown(new)?;
            let d = clausewatch_diff::diff(&a, &b);
            print_redline(*format, &d, serde_json::json!({"old": old, "new": new}))?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Eval { what: Eval::Changes { path, labelled, labels, list, format } } => {
            if !path.is_dir() {
                eprintln!("skipped: {} is not a folder of version histories (run ../shared/unpack)", path.display());
                return Ok(ExitCode::SUCCESS);
            }
            let path = path.clone();
            if *labelled || labels.is_some() {
                let text = match labels {
                    Some(f) => {
                        std::fs::read_to_string(f).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", f.display()))?
                    }
                    None => crate::eval_changes::bundled_labels(),
                };
                let pairs = crate::eval_changes::parse_labels(&text)?;
                let report =
                    tokio::task::spawn_blocking(move || crate::eval_changes::run_labelled(&path, &pairs)).await??;
                print_report(*format, &report, || report.render())?;
                return Ok(ExitCode::SUCCESS);
            }
            let listing = list.is_some();
            let report = tokio::task::spawn_blocking(move || crate::eval_changes::run(&path, listing)).await??;
            if let Some(file) = list {
                std::fs::write(file, report.listed_tsv())
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
            }
            print_report(*format, &report, || report.render())?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Train { data, out, check } => {
            if !data.is_file() {
                anyhow::bail!(
                    "{} not found: the UNFAIR-ToS train split is in ../shared/data/unfair-tos/",
                    data.display()
                );
            }
            let (data, out, check) = (data.clone(), out.clone(), *check);
            return tokio::task::spawn_blocking(move || crate::eval_unfair::train(&data, &out, check)).await?;
        }
        Command::BenchPageServer { pages, hosts, text_share, real_pages } => {
            let source = match real_pages {
                Some(dir) => crate::bench::Pages::Real(dir.clone()),
                None => crate::bench::Pages::Generated { text_share: *text_share },
            };
            crate::bench::serve_pages(*pages, *hosts, source).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::BenchAnalyze { dir, format } => {
            if !dir.is_dir() {
                eprintln!("skipped: {} is not a folder (run ../shared/unpack)", dir.display());
                return Ok(ExitCode::SUCCESS);
            }
            let dir = dir.clone();
            let report = tokio::task::spawn_blocking(move || crate::bench_analyze::run(&dir)).await??;
            print_report(*format, &report, || report.render())?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Analyze { target, terms_type: None, name, format } if Path::new(target).is_file() => {
            let doc = crate::analyze::analyze_file(Path::new(target), name)?;
            print_analysis(*format, &[doc])?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Analyze { target, name, format, .. }
            if target.starts_with("http://") || target.starts_with("https://") =>
        {
            let doc = crate::analyze::analyze_url(&config, target, name).await?;
            print_analysis(*format, &[doc])?;
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let store = Store::open(&config.data_dir).await?;
    let code = match cli.command {
        Command::Timeline { platform, terms_type, format } => {
            // Bring this platform's analyses (and so its change classes) up to date first.
            if let Some(d) = crate::analyze::platform_documents(&store, &platform, None).await?.first() {
                crate::analyze::analyze_stored(&store, Some(&d.platform_id)).await?;
            }
            let t = crate::timeline::timeline(&store, &platform, terms_type.as_deref()).await?;
            print_report(format, &t, || t.render())?;
            ExitCode::SUCCESS
        }
        Command::Analyze { target, terms_type, format, .. } => {
            let docs = crate::analyze::analyze_platform(&store, &target, terms_type.as_deref()).await?;
            print_analysis(format, &docs)?;
            ExitCode::SUCCESS
        }
        Command::Train { .. }
        | Command::ClassifyChange { .. }
        | Command::Redline { .. }
        | Command::BenchAnalyze { .. }
        | Command::BenchPageServer { .. }
        | Command::Eval { what: Eval::UnfairTos { .. } | Eval::Provisions { .. } | Eval::Changes { .. } } => {
            anyhow::bail!("this command runs without a store")
        }
        Command::Track { platform, terms_type, no_progress, format } => {
            let opts = crate::track::TrackOptions {
                platform,
                terms_type,
                trigger: "cli".into(),
                progress: !no_progress && format == Format::Text,
            };
            let summary = crate::track::track(&store, &config, &opts).await?;
            let analysis = crate::analyze::analyze_stored(&store, None).await?;
            match format {
                Format::Text => {
                    print!("{}", summary.render());
                    println!("analyzed versions: {}", analysis.analyzed);
                }
                Format::Json => {
                    let mut v = serde_json::to_value(&summary)?;
                    v["analysis"] = serde_json::to_value(&analysis)?;
                    println!("{}", serde_json::to_string_pretty(&v)?)
                }
            }
            ExitCode::SUCCESS
        }
        Command::History { platform, terms_type, format } => {
            history(&store, &platform, terms_type.as_deref(), format).await?
        }
        Command::Show { platform, terms_type, at, version, pages } => {
            show(&store, &platform, &terms_type, at.as_deref(), version, pages).await?
        }
        Command::Diff { platform, terms_type, from, to, format } => {
            diff(&store, &platform, &terms_type, from, to, format).await?
        }
        Command::Incidents { all, platform, format } => {
            let incidents = store.incidents(!all, platform.as_deref()).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&incidents)?),
                Format::Text => {
                    for i in &incidents {
                        let state = match i.resolved_at {
                            Some(r) => format!("resolved {}", r.format("%Y-%m-%d %H:%M")),
                            None => "OPEN".to_string(),
                        };
                        println!(
                            "{:<8} {} / {} — {} (since {}, last {}, {}×{})\n         {}",
                            state,
                            i.platform_name,
                            i.terms_type,
                            i.cause,
                            i.opened_at.format("%Y-%m-%d %H:%M"),
                            i.last_seen_at.format("%Y-%m-%d %H:%M"),
                            i.occurrences,
                            if i.reopened > 0 { format!(", reopened {}×", i.reopened) } else { String::new() },
                            i.last_message
                        );
                    }
                    let open = incidents.iter().filter(|i| i.resolved_at.is_none()).count();
                    println!("incidents: {}", incidents.len());
                    println!("open: {open}");
                }
            }
            ExitCode::SUCCESS
        }
        Command::ImportOta { folder, format } => {
            let report = crate::catalog::import_ota(&store, &folder, &config.catalog_dir, Utc::now()).await?;
            match format {
                Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
                Format::Text => {
                    for line in report.rejected.iter().chain(&report.warnings).chain(&report.skipped) {
                        println!("{line}");
                    }
                    println!("imported platforms: {}", report.imported_platforms);
                    println!("imported documents: {}", report.imported_documents);
                    println!("rejected: {}", report.rejected.len());
                    println!("warnings: {}", report.warnings.len());
                    println!("skipped: {}", report.skipped.len());
                    println!("catalog: {}", report.written_to.display());
                }
            }
            if report.imported_platforms == 0 && !report.rejected.is_empty() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Rebuild { apply, format } => {
            let _lock = crate::track::RunLock::acquire(&config.data_dir)?;
            let report = crate::rebuild::rebuild(&store, apply).await?;
            print_report(format, &report, || report.render())?;
            if report.mismatches.is_empty() || apply {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            }
        }
        Command::Check => {
            let counts = store.counts().await?;
            let mut problems = store.check_consistency().await?;
            let blobs = store.blobs().clone();
            let packs = tokio::task::spawn_blocking(move || blobs.pack_report()).await??;
            problems.extend(packs.unreadable.iter().map(|p| format!("blob pack {p}")));
            println!(
                "platforms: {}\ndocuments: {}\ncaptures: {}\nsnapshots: {}\nversions: {}\nchanges: {}\npending captures: {}\nproblems: {}",
                counts.platforms,
                counts.documents,
                counts.captures,
                counts.snapshots,
                counts.versions,
                counts.changes,
                counts.pending_captures,
                problems.len()
            );
            println!(
                "blob packs: {} ({} blobs, {:.1} MB), loose blobs: {}, torn tails: {} bytes (left by an interrupted write; nothing names them)",
                packs.packs,
                packs.packed_blobs,
                packs.packed_bytes as f64 / 1e6,
                packs.loose_blobs,
                packs.torn_tail_bytes
            );
            for p in &problems {
                println!("  {p}");
            }
            if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Catalog { .. } | Command::Eval { what: Eval::Extraction { .. } | Eval::MainContent { .. } } => {
            anyhow::bail!("this evaluation runs without a store")
        }
        Command::Eval { what: Eval::Replay { dir, format } } => {
            if !dir.join("fixtures/replay/states").is_dir() {
                eprintln!("skipped: {} has no fixtures/replay/states (run ../shared/unpack)", dir.display());
                return Ok(ExitCode::SUCCESS);
            }
            let work = tempfile_dir(&config.data_dir, "replay")?;
            let report = crate::replay::run(&dir, &work).await?;
            print_report(format, &report, || report.render())?;
            ExitCode::SUCCESS
        }
        Command::BenchHostile { timeout_secs, case: Some(index), format } => {
            let result = crate::hostile::run_case(index, timeout_secs, &config.data_dir).await?;
            print_report(format, &result, || format!("{result:?}\n"))?;
            ExitCode::SUCCESS
        }
        Command::BenchHostile { timeout_secs, case: None, format } => {
            let work = tempfile_dir(&config.data_dir, "bench-hostile")?;
            let report = crate::hostile::run(timeout_secs, &work).await;
            let _ = std::fs::remove_dir_all(&work);
            let report = report?;
            print_report(format, &report, || report.render())?;
            if report.all_classified {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::BenchFetch { documents, hosts, timeout_secs, format } => {
            let work = tempfile_dir(&config.data_dir, "bench-fetch")?;
            let report = crate::bench_fetch::run(documents, hosts, timeout_secs, &work).await;
            let _ = std::fs::remove_dir_all(&work);
            let report = report?;
            print_report(format, &report, || report.render())?;
            ExitCode::SUCCESS
        }
        Command::Bench { pages, hosts, concurrency, text_share, real_pages, runs, format } => {
            crate::bench::check_text_share(text_share)?;
            let source = match real_pages {
                Some(dir) => crate::bench::Pages::Real(dir),
                None => crate::bench::Pages::Generated { text_share },
            };
            if hosts == 0 || hosts > 250 || pages == 0 || runs == 0 {
                anyhow::bail!("--hosts must be 1..=250, and --pages and --runs at least 1");
            }
            // The page server holds every page in memory (about 130 KB each, twice for the
            // changed ones): bounded so a typo cannot ask for more memory than a machine has.
            if pages > crate::bench::MAX_PAGES {
                anyhow::bail!(
                    "--pages is at most {} (the page server keeps every page in memory)",
                    crate::bench::MAX_PAGES
                );
            }
            let mut reports = Vec::new();
            for _ in 0..runs {
                let work = tempfile_dir(&config.data_dir, "bench")?;
                let report = crate::bench::run(pages, hosts, concurrency, source.clone(), &work).await;
                let _ = std::fs::remove_dir_all(&work);
                reports.push(report?);
            }
            match reports.as_slice() {
                [report] => print_report(format, report, || report.render())?,
                _ => {
                    let medians = crate::bench::BenchMedians::of(&reports)?;
                    print_report(format, &medians, || medians.render())?;
                }
            }
            ExitCode::SUCCESS
        }
        Command::Serve { .. } => {
            serve(store, config).await?;
            ExitCode::SUCCESS
        }
    };
    Ok(code)
}

async fn serve(store: Store, config: Config) -> anyhow::Result<()> {
    if config.serve.demo && store.counts().await?.platforms == 0 {
        let report = crate::demo::load(&store).await?;
        tracing::info!(
            platforms = report.platforms,
            captures = report.captures,
            versions = report.versions,
            "loaded the bundled demo"
        );
    }
    // Versions already in the store (the demo's, a previous run's) get their analysis now.
    let analysed = crate::analyze::analyze_stored(&store, None).await?;
    if analysed.analyzed > 0 {
        tracing::info!(versions = analysed.analyzed, findings = analysed.findings, "analysed stored versions");
    }
    // The listing shows the catalog from the first request, before the first run ends.
    if config.catalog_dir.is_dir() {
        let load = crate::catalog::load(&config.catalog_dir)?;
        for p in load.rejected() {
            tracing::warn!("catalog: {p}");
        }
        crate::catalog::sync(&store, &load, Utc::now()).await?;
    }
    let listener = tokio::net::TcpListener::bind(&config.serve.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.serve.listen))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    let state = crate::web::AppState { store, config: Arc::new(config) };
    tokio::spawn(crate::web::schedule(state.clone()));
    axum::serve(listener, crate::web::router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// A report as labelled lines, or as JSON.
fn print_report<R: serde::Serialize>(format: Format, report: &R, text: impl FnOnce() -> String) -> anyhow::Result<()> {
    match format {
        Format::Text => print!("{}", text()),
        Format::Json => println!("{}", serde_json::to_string_pretty(report)?),
    }
    Ok(())
}

/// A fresh folder under the data folder for an evaluation's own store.
fn tempfile_dir(data_dir: &std::path::Path, name: &str) -> anyhow::Result<PathBuf> {
    let dir = data_dir.join("eval").join(format!("{name}-{}", Utc::now().format("%Y%m%dT%H%M%S%.3f")));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

async fn find(store: &Store, platform: &str, terms_type: &str) -> anyhow::Result<DocumentRow> {
    match store.find_document(platform, terms_type).await? {
        Some(d) => Ok(d),
        None => {
            let docs = store.documents(None).await?;
            let known: Vec<String> = docs
                .iter()
                .filter(|d| {
                    d.platform_id.eq_ignore_ascii_case(platform) || d.platform_name.eq_ignore_ascii_case(platform)
                })
                .map(|d| d.terms_type.clone())
                .collect();
            if known.is_empty() {
                anyhow::bail!("no platform {platform:?} in the store")
            }
            anyhow::bail!("{platform} has no document {terms_type:?}; it has: {}", known.join(", "))
        }
    }
}

/// Accepts `2026-01-31` (end of that day, UTC) or an RFC 3339 instant.
fn parse_at(s: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| anyhow::anyhow!("--at {s:?}: expected a date (2026-01-31) or an RFC 3339 instant"))?;
    Ok(d.and_hms_milli_opt(23, 59, 59, 999).expect("valid time").and_utc())
}

async fn history(store: &Store, platform: &str, terms_type: Option<&str>, format: Format) -> anyhow::Result<ExitCode> {
    let Some(terms_type) = terms_type else {
        let p = store.platform(platform).await?;
        let docs: Vec<DocumentRow> = store
            .documents(None)
            .await?
            .into_iter()
            .filter(|d| d.platform_id.eq_ignore_ascii_case(platform) || d.platform_name.eq_ignore_ascii_case(platform))
            .collect();
        if docs.is_empty() && p.is_none() {
            anyhow::bail!("no platform {platform:?} in the store");
        }
        match format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&docs)?),
            Format::Text => {
                for d in docs {
                    println!(
                        "{:<32} {:>3} versions  latest {}",
                        d.terms_type,
                        d.versions,
                        d.latest_effective_at.as_deref().unwrap_or("–")
                    );
                }
            }
        }
        return Ok(ExitCode::SUCCESS);
    };
    let doc = find(store, platform, terms_type).await?;
    let versions = store.versions(doc.id).await?;
    let changes = store.changes(doc.id).await?;
    match format {
        Format::Json => {
            let items: Vec<serde_json::Value> = versions
                .iter()
                .map(|v| {
                    let change = changes.iter().find(|c| c.to_version_id == v.id);
                    serde_json::json!({
                        "version": v.seq,
                        "kind": v.kind,
                        "effective_at": clausewatch_store::format_time(v.effective_at),
                        "text_hash": v.text_hash,
                        "capture_id": v.capture_id,
                        "automatic_sources": v.automatic_sources,
                        "words": v.markdown.split_whitespace().count(),
                        "change_stats": change.and_then(|c| serde_json::from_str::<serde_json::Value>(&c.stats_json).ok()),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(
                    &serde_json::json!({"platform": doc.platform_name, "terms_type": doc.terms_type, "versions": items})
                )?
            );
        }
        Format::Text => {
            println!("{} — {}", doc.platform_name, doc.terms_type);
            for v in &versions {
                let change = changes.iter().find(|c| c.to_version_id == v.id);
                let stats = change
                    .and_then(|c| serde_json::from_str::<clausewatch_diff::DiffStats>(&c.stats_json).ok())
                    .map(|s| {
                        format!(
                            "+{} −{} words, {} section(s) changed",
                            s.words_added,
                            s.words_removed,
                            s.sections_changed + s.sections_added + s.sections_removed
                        )
                    })
                    .unwrap_or_default();
                println!(
                    "{:>3}  {}  {:<17}  {}  {:>6} words  {}{}",
                    v.seq,
                    clausewatch_store::format_time(v.effective_at),
                    v.kind.as_str(),
                    v.text_hash.short(),
                    v.markdown.split_whitespace().count(),
                    stats,
                    crate::versioning::automatic_note(&v.automatic_sources)
                        .map(|n| format!("  [{n}]"))
                        .unwrap_or_default()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn provenance(doc: &DocumentRow, v: &VersionRow) -> String {
    format!(
        "{} — {}, version {} ({}), in force from {}, text {}, capture {}",
        doc.platform_name,
        doc.terms_type,
        v.seq,
        v.kind.as_str(),
        clausewatch_store::format_time(v.effective_at),
        v.text_hash,
        v.capture_id
    )
}

async fn show(
    store: &Store,
    platform: &str,
    terms_type: &str,
    at: Option<&str>,
    version: Option<i64>,
    with_pages: bool,
) -> anyhow::Result<ExitCode> {
    let doc = find(store, platform, terms_type).await?;
    let v = match (at, version) {
        (_, Some(n)) => store
            .version_by_seq(doc.id, n)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no version {n} (the document has {})", doc.versions))?,
        (Some(at), None) => {
            let t = parse_at(at)?;
            store.version_at(doc.id, t).await?.ok_or_else(|| {
                anyhow::anyhow!("no version of {} / {} was in force at {at}", doc.platform_name, doc.terms_type)
            })?
        }
        (None, None) => store
            .latest_version(doc.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("{} / {} has no version yet", doc.platform_name, doc.terms_type))?,
    };
    eprintln!("{}", provenance(&doc, &v));
    for s in store.snapshots(v.capture_id).await? {
        eprintln!(
            "  snapshot {} fetched {} status {} blake3 {}",
            s.url,
            clausewatch_store::format_time(s.fetched_at),
            s.status,
            s.content_hash
        );
    }
    if !with_pages {
        print!("{}", v.markdown);
        return Ok(ExitCode::SUCCESS);
    }
    let pages = crate::versioning::page_starts(store, &v).await?;
    if pages.is_empty() {
        eprintln!("  no page map: not a PDF, or its capture no longer extracts to this text");
    }
    let out = clausewatch_extract::with_page_marks(
        &v.markdown,
        &pages,
        |p| {
            let source = if p.source > 0 { format!(" of source {}", p.source + 1) } else { String::new() };
            format!("<!-- page {}{source} -->\n", p.page)
        },
        str::to_string,
    );
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

async fn diff(
    store: &Store,
    platform: &str,
    terms_type: &str,
    from: Option<i64>,
    to: Option<i64>,
    format: RedlineFormat,
) -> anyhow::Result<ExitCode> {
    let doc = find(store, platform, terms_type).await?;
    let latest = store
        .latest_version(doc.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{} / {} has no version yet", doc.platform_name, doc.terms_type))?;
    let to_seq = to.unwrap_or(latest.seq);
    let from_seq = from.unwrap_or(to_seq - 1);
    if from_seq < 1 || from_seq >= to_seq {
        anyhow::bail!("nothing to compare: need 1 <= from < to <= {} (got from {from_seq}, to {to_seq})", latest.seq);
    }
    let a = store.version_by_seq(doc.id, from_seq).await?.ok_or_else(|| anyhow::anyhow!("no version {from_seq}"))?;
    let b = store.version_by_seq(doc.id, to_seq).await?.ok_or_else(|| anyhow::anyhow!("no version {to_seq}"))?;
    let d = clausewatch_diff::diff(&a.markdown, &b.markdown);
    let meta = serde_json::json!({
        "platform": doc.platform_name, "terms_type": doc.terms_type,
        "from": {"version": a.seq, "text_hash": a.text_hash, "effective_at": clausewatch_store::format_time(a.effective_at)},
        "to": {"version": b.seq, "text_hash": b.text_hash, "effective_at": clausewatch_store::format_time(b.effective_at)},
    });
    match format {
        RedlineFormat::Text => {
            println!("from: {}", provenance(&doc, &a));
            println!("to:   {}", provenance(&doc, &b));
            print_redline(format, &d, meta)?;
        }
        RedlineFormat::Md => {
            println!("*from:* {}  ", clausewatch_diff::escape_markdown(&provenance(&doc, &a)));
            println!("*to:* {}\n", clausewatch_diff::escape_markdown(&provenance(&doc, &b)));
            print_redline(format, &d, meta)?;
        }
        _ => print_redline(format, &d, meta)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a redline; `meta` (what was compared) goes into the JSON form.
fn print_redline(
    format: RedlineFormat,
    d: &clausewatch_diff::DocumentDiff,
    meta: serde_json::Value,
) -> anyhow::Result<()> {
    let s = &d.stats;
    let stats_line = format!(
        "sections: +{} −{} ~{} moved {}  paragraphs: +{} −{} ~{} moved {}  words: +{} −{}",
        s.sections_added,
        s.sections_removed,
        s.sections_changed,
        s.sections_moved,
        s.paragraphs_added,
        s.paragraphs_removed,
        s.paragraphs_changed,
        s.paragraphs_moved,
        s.words_added,
        s.words_removed
    );
    match format {
        RedlineFormat::Text => print!("{stats_line}\n\n{}", clausewatch_diff::render_text(d)),
        RedlineFormat::Md => print!("*{}*\n\n{}", stats_line, clausewatch_diff::render_markdown(d)),
        RedlineFormat::Html => print!("{}", clausewatch_diff::render_html(d)),
        RedlineFormat::Json => {
            let mut v = meta;
            v["stats"] = serde_json::to_value(&d.stats)?;
            v["sections"] = serde_json::to_value(&d.sections)?;
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
    }
    Ok(())
}

fn print_analysis(format: AnalyzeFormat, docs: &[crate::analyze::AnalyzedDocument]) -> anyhow::Result<()> {
    match format {
        AnalyzeFormat::Text => print!("{}", crate::analyze::render_text(docs)),
        AnalyzeFormat::Md => print!("{}", crate::analyze::render_markdown(docs)),
        AnalyzeFormat::Json => {
            let v = if docs.len() == 1 {
                serde_json::to_value(&docs[0])?
            } else {
                // Several documents: each keeps its analysis; `findings` lists them all, each
                // with the document and version it quotes.
                let mut all = Vec::new();
                for d in docs {
                    for f in &d.analysis.findings {
                        let mut v = serde_json::to_value(f)?;
                        v["terms_type"] = serde_json::to_value(&d.source.terms_type)?;
                        v["version"] = serde_json::to_value(d.source.version)?;
                        v["version_id"] = serde_json::to_value(d.source.version_id)?;
                        all.push(v);
                    }
                }
                serde_json::json!({"documents": docs, "findings": all})
            };
            println!("{}", serde_json::to_string_pretty(&v)?);
        }
    }
    Ok(())
}
