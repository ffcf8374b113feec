-- Remedies can be cancelled (the case was withdrawn, closed or not admitted);
-- cases carry the reprisal watch and the moment the three-month outer bound passed.
PRAGMA foreign_keys = OFF;
BEGIN;
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
                                    'disputed', 'rejected', 'cancelled')),
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

ALTER TABLE cases ADD COLUMN reprisal_watch_until TIMESTAMP;
ALTER TABLE cases ADD COLUMN outer_bound_passed_at TIMESTAMP;
CREATE INDEX cases_reprisal_watch ON cases (reprisal_watch_until) WHERE reprisal_watch_until IS NOT NULL;
CREATE INDEX cases_open_created ON cases (created_at, id) WHERE outer_bound_passed_at IS NULL;
-- Notifications still waiting keep their meaning under the new names (one per happening).
UPDATE outbox SET notification = 'lodged' WHERE notification = 'case_submitted';
UPDATE outbox SET notification = 'referred' WHERE notification = 'case_referred';
UPDATE outbox SET notification = 'message_parties' WHERE notification = 'message_posted';
UPDATE outbox SET notification = 'stage_reminder' WHERE notification = 'deadline_approaching';
UPDATE outbox SET notification = 'stage_expired' WHERE notification = 'deadline_passed';
UPDATE outbox SET notification = CASE json_extract(params, '$.state')
        WHEN 'in_mediation' THEN 'mediation_started'
        WHEN 'remedy_agreed' THEN 'remedy_accepted'
        WHEN 'acknowledged' THEN 'acknowledged'
        WHEN 'not_admissible' THEN 'not_admissible'
        WHEN 'referred' THEN 'referred'
        WHEN 'responded' THEN 'responded'
        WHEN 'remedy_proposed' THEN 'remedy_proposed'
        WHEN 'remedy_delivered' THEN 'remedy_delivered'
        WHEN 'remedy_verified' THEN 'remedy_verified'
        WHEN 'escalated' THEN 'escalated'
        WHEN 'referred_external' THEN 'referred_external'
        WHEN 'closed' THEN 'closed'
        WHEN 'withdrawn' THEN 'withdrawn'
        ELSE 'reopened' END
    WHERE notification = 'case_state_changed';
COMMIT;
PRAGMA foreign_keys = ON;
