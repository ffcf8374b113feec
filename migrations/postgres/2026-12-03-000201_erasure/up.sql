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
CREATE OR REPLACE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.reason IS NULL AND NEW.details = '{}'
        AND NEW.id = OLD.id AND NEW.case_id = OLD.case_id AND NEW.occurred_at = OLD.occurred_at
        AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id AND NEW.actor_role = OLD.actor_role
        AND NEW.kind = OLD.kind AND NEW.action IS NOT DISTINCT FROM OLD.action
        AND NEW.from_state IS NOT DISTINCT FROM OLD.from_state AND NEW.to_state IS NOT DISTINCT FROM OLD.to_state
        AND NEW.visibility = OLD.visibility THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'case_events is append-only';
END;
$$ LANGUAGE plpgsql;
