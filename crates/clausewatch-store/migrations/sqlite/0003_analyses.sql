-- Provision analyses: one per version, recorded with the analyser that produced it (logic,
-- rule file and model hashes), so re-runs redo only versions analysed by another analyser.
-- The full analysis (findings with quotes, attributes, summary) is kept as JSON; findings are
-- also rows, so one provision can be watched across platforms.
CREATE TABLE analyses (
    version_id     INTEGER PRIMARY KEY REFERENCES versions(id),
    analyzer       TEXT NOT NULL,
    analyzed_at    TEXT NOT NULL,
    finding_count  INTEGER NOT NULL,
    summary        TEXT NOT NULL,
    analysis_json  TEXT NOT NULL
);
CREATE TABLE findings (
    version_id     INTEGER NOT NULL REFERENCES versions(id),
    ordinal        INTEGER NOT NULL,
    provision      TEXT NOT NULL,
    stance         TEXT NOT NULL,
    section        TEXT NOT NULL,
    start_offset   INTEGER NOT NULL,
    end_offset     INTEGER NOT NULL,
    quote_hash     TEXT NOT NULL,
    confidence     REAL NOT NULL,
    attributes_json TEXT NOT NULL,
    PRIMARY KEY (version_id, ordinal)
);
CREATE INDEX findings_by_provision ON findings (provision, version_id);
