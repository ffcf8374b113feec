-- References come from a sequence, not a counter row every lodging locks
-- until it commits. One sequence serves every year (MG-<year>-<n> stays
-- unique; n no longer restarts at 1 each year). nextval is never rolled
-- back, so a failed lodging cannot hand its number to the next one.
CREATE SEQUENCE case_reference_seq;
SELECT setval('case_reference_seq', MAX(last_value)) FROM case_reference_counters HAVING MAX(last_value) > 0;
DROP TABLE case_reference_counters;
