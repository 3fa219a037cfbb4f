-- The tracking spine: platforms, documents, dated rules, runs, captures, snapshots,
-- versions and changes. Times are RFC 3339 UTC strings with milliseconds (sortable as text).

CREATE TABLE platforms (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    category      TEXT,
    jurisdiction  TEXT,
    website       TEXT,
    imported_from TEXT,
    updated_at    TEXT NOT NULL
);

CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    platform_id TEXT NOT NULL REFERENCES platforms(id),
    terms_type  TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (platform_id, terms_type)
);

-- Rules are dated: valid_from NULL means "since always", valid_until NULL means "in force".
CREATE TABLE rules (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    rules_hash  TEXT NOT NULL,
    rules_json  TEXT NOT NULL,
    valid_from  TEXT,
    valid_until TEXT,
    recorded_at TEXT NOT NULL
);
CREATE INDEX rules_by_document ON rules (document_id, valid_from);

CREATE TABLE runs (
    id           INTEGER PRIMARY KEY,
    trigger      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    summary_json TEXT
);

-- One attempt to capture all sources of a document. state: pending (snapshots stored, not yet
-- versioned), done, failed (fetch or extraction failed; error_cause says why).
CREATE TABLE captures (
    id            INTEGER PRIMARY KEY,
    document_id   INTEGER NOT NULL REFERENCES documents(id),
    run_id        INTEGER REFERENCES runs(id),
    captured_at   TEXT NOT NULL,
    rules_id      INTEGER NOT NULL REFERENCES rules(id),
    sources_hash  TEXT,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    outcome       TEXT,
    error_cause   TEXT,
    error_message TEXT
);
CREATE INDEX captures_by_document ON captures (document_id, id);
CREATE INDEX captures_pending ON captures (state) WHERE state = 'pending';

-- One raw capture of one source URL; the bytes live in the blob folder under content_hash.
CREATE TABLE snapshots (
    id           INTEGER PRIMARY KEY,
    capture_id   INTEGER NOT NULL REFERENCES captures(id),
    document_id  INTEGER NOT NULL REFERENCES documents(id),
    position     INTEGER NOT NULL,
    url          TEXT NOT NULL,
    final_url    TEXT NOT NULL,
    status       INTEGER NOT NULL,
    headers_json TEXT NOT NULL,
    content_type TEXT,
    fetched_at   TEXT NOT NULL,
    fetcher      TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    size         INTEGER NOT NULL,
    not_modified INTEGER NOT NULL DEFAULT 0,
    UNIQUE (capture_id, position)
);
CREATE INDEX snapshots_by_url ON snapshots (document_id, url, id);

CREATE TABLE versions (
    id                INTEGER PRIMARY KEY,
    document_id       INTEGER NOT NULL REFERENCES documents(id),
    seq               INTEGER NOT NULL,
    capture_id        INTEGER NOT NULL REFERENCES captures(id),
    rules_id          INTEGER NOT NULL REFERENCES rules(id),
    kind              TEXT NOT NULL CHECK (kind IN ('first', 'change', 'technical_upgrade')),
    effective_at      TEXT NOT NULL,
    text_hash         TEXT NOT NULL,
    -- zstd-compressed UTF-8 Markdown; verified against text_hash when read.
    markdown_zstd     BLOB NOT NULL,
    extractor_version TEXT NOT NULL,
    recorded_at       TEXT NOT NULL,
    UNIQUE (document_id, seq)
);

CREATE TABLE changes (
    id              INTEGER PRIMARY KEY,
    document_id     INTEGER NOT NULL REFERENCES documents(id),
    from_version_id INTEGER NOT NULL REFERENCES versions(id),
    to_version_id   INTEGER NOT NULL UNIQUE REFERENCES versions(id),
    kind            TEXT NOT NULL,
    diff_json       TEXT NOT NULL,
    stats_json      TEXT NOT NULL
);
