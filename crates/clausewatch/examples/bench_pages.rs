//! Write the benchmark's generated pages to a folder, to read them or to compare their make-up
//! with real captures (`scripts/page-composition.py`).
//! `cargo run --release --example bench_pages -p clausewatch -- OUT [PAGES] [TEXT_SHARE]`
fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let out = std::path::PathBuf::from(
        args.next().ok_or_else(|| anyhow::anyhow!("usage: bench_pages OUT [PAGES] [TEXT_SHARE]"))?,
    );
    let pages: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(200);
    let share: f64 = args.next().map(|a| a.parse()).transpose()?.unwrap_or(clausewatch::bench::DEFAULT_TEXT_SHARE);
    clausewatch::bench::check_text_share(share)?;
    std::fs::create_dir_all(&out)?;
    for i in 0..pages {
        std::fs::write(out.join(format!("{i:05}.html")), clausewatch::bench::page_with_text_share(i, false, share))?;
    }
    println!("{pages} pages in {}", out.display());
    Ok(())
}
