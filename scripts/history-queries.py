#!/usr/bin/env python3
"""Time the queries a tracking run starts with against a long history.

Builds a throwaway SQLite store with our migrations, fills it with RUNS runs of DOCS documents
(one done capture and one snapshot each), then times the start-of-run lookups of
`crates/clausewatch-store/src/sqlite.rs` (`last_done_captures`, `latest_snapshots`) in the
form they had before (a GROUP BY over the whole history), an intermediate form (pairs found
from the index) and the form they have now (one index seek per document / per source URL).
The SQL below mirrors the Rust; keep them in step.

    python3 scripts/history-queries.py [--runs 300] [--docs 1000]
"""
import argparse
import glob
import json
import os
import sqlite3
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
C = ("SELECT id, document_id, run_id, captured_at, rules_id, sources_hash, state, outcome, "
     "error_cause, error_message FROM captures")
S = ("SELECT id, capture_id, document_id, position, url, final_url, status, headers_json, "
     "content_type, fetched_at, fetcher, content_hash, size, not_modified FROM snapshots")
QUERIES = {
    "last_done_captures_group_by_ms": C + " WHERE id IN (SELECT MAX(id) FROM captures WHERE state = 'done' GROUP BY document_id)",
    "last_done_captures_seek_ms": C + " WHERE id IN (SELECT (SELECT c.id FROM captures c WHERE c.document_id = d.id"
    " AND c.state = 'done' ORDER BY c.id DESC LIMIT 1) FROM documents d)",
    "latest_snapshots_group_by_ms": S + " WHERE id IN (SELECT MAX(id) FROM snapshots WHERE status < 400 GROUP BY document_id, url)",
    "latest_snapshots_distinct_ms": S + " WHERE id IN (SELECT (SELECT s.id FROM snapshots s WHERE s.document_id = k.document_id"
    " AND s.url = k.url AND s.status < 400 ORDER BY s.id DESC LIMIT 1) FROM (SELECT DISTINCT document_id, url FROM snapshots) k)",
    # Now: the pairs asked for (the sources of the rules in force), one seek each.
    "latest_snapshots_seek_ms": S + " WHERE id IN (SELECT (SELECT s.id FROM snapshots s WHERE s.document_id = k.value->>0"
    " AND s.url = k.value->>1 AND s.status < 400 ORDER BY s.id DESC LIMIT 1) FROM json_each(?1) k)",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=300)
    ap.add_argument("--docs", type=int, default=1000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "store.db"))
        for f in sorted(glob.glob(os.path.join(ROOT, "crates/clausewatch-store/migrations/sqlite/*.sql"))):
            db.executescript(open(f).read())
        db.execute("INSERT INTO platforms (id, name, updated_at) VALUES ('p', 'P', '2026-01-01')")
        db.executemany("INSERT INTO documents (id, platform_id, terms_type, active) VALUES (?, 'p', ?, 1)",
                       [(d, f"type {d}") for d in range(1, args.docs + 1)])
        captures, snapshots, cid = [], [], 0
        for _ in range(args.runs):
            for d in range(1, args.docs + 1):
                cid += 1
                captures.append((cid, d, None, "2026-01-01", 1, "h", "done", "unchanged-bytes", None, None))
                snapshots.append((cid, d, 0, f"http://x/{d}", f"http://x/{d}", 200, "[]", "text/html",
                                  "2026-01-01", "http", "h", 100, 0))
        db.execute("PRAGMA foreign_keys = OFF")
        db.executemany("INSERT INTO captures VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", captures)
        db.executemany("INSERT INTO snapshots (capture_id, document_id, position, url, final_url, status, headers_json,"
                       " content_type, fetched_at, fetcher, content_hash, size, not_modified)"
                       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", snapshots)
        db.commit()
        print(f"captures: {len(captures)}")
        pairs = json.dumps([[d, f"http://x/{d}"] for d in range(1, args.docs + 1)])
        for name, sql in QUERIES.items():
            started = time.perf_counter()
            rows = db.execute(sql, (pairs,) if "?1" in sql else ()).fetchall()
            assert len(rows) == args.docs, (name, len(rows))
            print(f"{name}: {(time.perf_counter() - started) * 1000:.1f}")


if __name__ == "__main__":
    main()
