-- SQLite has one writer connection, which numbers references itself from
-- the cases it finds (see db::intake::ReferenceSource); the counter row is
-- no longer used.
DROP TABLE case_reference_counters;
