//! Show how automatic main content chooses its element on a saved page:
//! `cargo run --release -p clausewatch-extract --example main_content -- PAGE.html`
fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: main_content PAGE.html");
        std::process::exit(2);
    };
    let bytes = std::fs::read(&path).expect("readable page");
    let text = String::from_utf8_lossy(&bytes);
    let html = scraper::Html::parse_document(&text);
    for line in clausewatch_extract::main_content::explain(&html) {
        println!("{line}");
    }
}
