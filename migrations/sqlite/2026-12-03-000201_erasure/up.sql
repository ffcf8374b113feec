-- What the installation holds back from erasure, and what it has erased:
-- a handler's legal hold (kept past the retention period), a worker's
-- pending request for erasure, and when the personal data went.
CREATE TABLE case_privacy (
    case_id              TEXT PRIMARY KEY REFERENCES cases (id),
    legal_hold_reason    TEXT,
    legal_hold_set_at    TIMESTAMP,
    erasure_requested_at TIMESTAMP,
    erased_at            TIMESTAMP
);

-- The audit trail stays append-only, except for redaction: erasure may
-- blank an entry's reason and details (which can quote the worker) and
-- nothing else; deleting an entry is still refused.
DROP TRIGGER case_events_no_update;
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
WHEN NOT (NEW.reason IS NULL AND NEW.details = '{}'
    AND NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.occurred_at = OLD.occurred_at
    AND NEW.actor_user_id IS OLD.actor_user_id AND NEW.actor_role = OLD.actor_role AND NEW.kind = OLD.kind
    AND NEW.action IS OLD.action AND NEW.from_state IS OLD.from_state AND NEW.to_state IS OLD.to_state
    AND NEW.visibility = OLD.visibility)
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only');
END;
