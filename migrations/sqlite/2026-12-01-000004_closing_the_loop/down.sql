PRAGMA foreign_keys = OFF;
BEGIN;
DROP INDEX cases_open_created;
DROP INDEX cases_reprisal_watch;
ALTER TABLE cases DROP COLUMN outer_bound_passed_at;
ALTER TABLE cases DROP COLUMN reprisal_watch_until;
UPDATE remedies SET status = 'rejected' WHERE status = 'cancelled';
CREATE TABLE remedies_rebuilt (
    id                          TEXT PRIMARY KEY,
    case_id                     TEXT NOT NULL REFERENCES cases (id),
    remedy_type                 TEXT NOT NULL CHECK (remedy_type IN ('apology', 'restitution', 'rehabilitation',
                                    'financial_compensation', 'non_financial_compensation', 'sanction',
                                    'non_repetition')),
    description                 TEXT NOT NULL,
    responsible_organisation_id TEXT NOT NULL REFERENCES organisations (id),
    amount                      TEXT,
    currency                    TEXT,
    due_date                    DATE,
    status                      TEXT NOT NULL CHECK (status IN ('proposed', 'agreed', 'delivered', 'verified',
                                    'disputed', 'rejected')),
    proposed_by_user_id         TEXT REFERENCES users (id),
    proposed_at                 TIMESTAMP NOT NULL,
    agreed_at                   TIMESTAMP,
    delivered_at                TIMESTAMP,
    delivery_note               TEXT,
    verified_at                 TIMESTAMP,
    CHECK ((amount IS NULL) = (currency IS NULL))
);
INSERT INTO remedies_rebuilt SELECT * FROM remedies;
DROP TABLE remedies;
ALTER TABLE remedies_rebuilt RENAME TO remedies;
CREATE INDEX remedies_case ON remedies (case_id, id);
CREATE INDEX remedies_responsible ON remedies (responsible_organisation_id, status);
COMMIT;
PRAGMA foreign_keys = ON;
