-- Incidents: one open incident per (document, cause). A failed capture opens it or counts
-- another occurrence; a successful capture of the document resolves every open incident; a
-- relapse after resolution reopens the latest incident of that cause.
CREATE TABLE incidents (
    id               INTEGER PRIMARY KEY,
    document_id      INTEGER NOT NULL REFERENCES documents(id),
    cause            TEXT NOT NULL,
    opened_at        TEXT NOT NULL,
    last_seen_at     TEXT NOT NULL,
    resolved_at      TEXT,
    occurrences      INTEGER NOT NULL DEFAULT 1,
    reopened         INTEGER NOT NULL DEFAULT 0,
    last_message     TEXT NOT NULL,
    last_run_id      INTEGER REFERENCES runs(id)
);
CREATE UNIQUE INDEX incidents_one_open ON incidents (document_id, cause) WHERE resolved_at IS NULL;
CREATE INDEX incidents_by_document ON incidents (document_id, id);
