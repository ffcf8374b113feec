-- Remedies can be cancelled (the case was withdrawn, closed or not admitted);
-- cases carry the reprisal watch and the moment the three-month outer bound passed.
ALTER TABLE remedies DROP CONSTRAINT remedies_status_check;
ALTER TABLE remedies ADD CONSTRAINT remedies_status_check CHECK (status IN ('proposed', 'agreed', 'delivered',
    'verified', 'disputed', 'rejected', 'cancelled'));

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
UPDATE outbox SET notification = CASE (params::json ->> 'state')
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
