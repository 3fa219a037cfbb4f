use crate::helpers::shared_dir;

/// Replays the real monthly states and reports, per month pair, which documents got a new
/// version next to the reference (scored in full by `clausewatch eval replay`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_of_real_states() {
    let Some(shared) = shared_dir() else {
        eprintln!("skipped: shared data not unpacked (run ../shared/unpack)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let report = clausewatch::replay::run(&shared, dir.path()).await.unwrap();
    eprintln!("{}", report.render());
    assert_eq!(report.states.len(), 8);
    assert!(report.documents > 40, "{}", report.documents);
    assert_eq!(report.pairs.len(), 7);
    // Sanity, not the target (that is issue 4's): most real changes are seen.
    assert!(report.recall >= 0.5, "{}", report.render());
}
