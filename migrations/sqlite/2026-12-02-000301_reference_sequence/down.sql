CREATE TABLE case_reference_counters (
    year       INTEGER PRIMARY KEY,
    last_value BIGINT NOT NULL
);
INSERT INTO case_reference_counters (year, last_value)
SELECT CAST(substr(reference, 4, 4) AS INTEGER), MAX(CAST(substr(reference, 9) AS INTEGER))
FROM cases GROUP BY substr(reference, 4, 4);
