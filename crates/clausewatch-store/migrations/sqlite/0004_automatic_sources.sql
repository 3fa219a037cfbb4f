-- Which sources of a version were extracted automatically because their select rule matched
-- nothing in the capture (the page was redesigned): comma-separated source positions, empty
-- when every rule applied as declared. Shown with the version, and used to read the next
-- capture the same way before comparing.
ALTER TABLE versions ADD COLUMN automatic_sources TEXT NOT NULL DEFAULT '';
