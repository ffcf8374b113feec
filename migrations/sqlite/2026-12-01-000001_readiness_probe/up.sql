-- One row that /health/ready rewrites: readiness proves a committed write.
CREATE TABLE readiness_probe (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    checked_at TIMESTAMP NOT NULL
);
INSERT INTO readiness_probe (id, checked_at) VALUES (1, CURRENT_TIMESTAMP);
