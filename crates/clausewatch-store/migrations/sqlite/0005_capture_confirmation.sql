-- How a processed capture confirmed the latest text: the extractor and the sources read
-- automatically. A later capture whose extraction is the same needs no re-extraction of the
-- latest version's bytes first. Empty extractor: captures processed before this was recorded.
ALTER TABLE captures ADD COLUMN extractor_version TEXT NOT NULL DEFAULT '';
ALTER TABLE captures ADD COLUMN automatic_sources TEXT NOT NULL DEFAULT '';
-- Whether a source whose select rule matched nothing could be read automatically in this
-- capture: not in a static capture about to be looked at again in the browser (the rule may
-- match the rendered page). Recorded so `rebuild` decides as tracking did.
ALTER TABLE captures ADD COLUMN may_read_automatically INTEGER NOT NULL DEFAULT 1;
