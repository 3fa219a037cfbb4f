#!/usr/bin/env python3
"""What terms pages are made of: the share of their bytes that is the document's text, inline
scripts and styles, and tags per KB. Compares real captures with the benchmark's generated pages,
which are calibrated on them (see DEFAULT_TEXT_SHARE in crates/clausewatch/src/bench.rs).

    ../shared/unpack     # DIR, default /tmp/clausewatch-shared
    cargo run --release --example bench_pages -p clausewatch -- /tmp/bench-pages
    python3 scripts/page-composition.py DIR/fixtures/extraction-dev /tmp/bench-pages

For real captures the document's text is `expected.md` (Open Terms Archive's extraction) over
the case's pages; for generated pages it is the selected `<article>`.
"""
import glob
import os
import re
import sys


def composition(pages):
    total = tags = scripts = styles = 0
    for text in pages:
        total += len(text.encode())
        tags += len(re.findall(r"<[a-zA-Z]", text))
        scripts += sum(len(m.encode()) for m in re.findall(r"<script.*?</script>", text, re.S))
        styles += sum(len(m.encode()) for m in re.findall(r"<style.*?</style>", text, re.S))
    return total, tags / (total / 1024), scripts / total, styles / total


def read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def report(name, pages, text_bytes):
    total, tags_per_kb, scripts, styles = composition(pages)
    print(f"{name}_pages: {len(pages)}")
    print(f"{name}_text_share: {text_bytes / total:.3f}")
    print(f"{name}_script_share: {scripts:.3f}")
    print(f"{name}_style_share: {styles:.3f}")
    print(f"{name}_tags_per_kb: {tags_per_kb:.2f}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    real_dir, generated_dir = sys.argv[1], sys.argv[2]
    pages, text = [], 0
    for case in sorted(glob.glob(os.path.join(real_dir, "*", "*", "*", ""))):
        htmls = sorted(glob.glob(os.path.join(case, "*.html")))
        expected = os.path.join(case, "expected.md")
        if not htmls or not os.path.exists(expected):
            continue
        pages += [read(h) for h in htmls]
        text += os.path.getsize(expected)
    if not pages:
        sys.exit(f"no case with pages and expected.md under {real_dir}")
    report("real", pages, text)
    generated = [read(p) for p in sorted(glob.glob(os.path.join(generated_dir, "*.html")))]
    article = sum(len(m.encode()) for g in generated for m in re.findall(r"<article.*?</article>", g, re.S))
    report("generated", generated, article)


if __name__ == "__main__":
    main()
