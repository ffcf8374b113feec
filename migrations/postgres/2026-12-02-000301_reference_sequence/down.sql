CREATE TABLE case_reference_counters (
    year       INTEGER PRIMARY KEY,
    last_value BIGINT NOT NULL
);
INSERT INTO case_reference_counters (year, last_value)
SELECT CAST(EXTRACT(YEAR FROM NOW()) AS INTEGER), last_value FROM case_reference_seq WHERE is_called;
DROP SEQUENCE case_reference_seq;
