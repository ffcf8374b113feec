-- Notifications waiting to be sent, written in the same transaction as the
-- change that causes them (transactional outbox).
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    notification    TEXT NOT NULL,
    case_id         TEXT REFERENCES cases (id),
    recipient       TEXT NOT NULL,
    language        TEXT NOT NULL,
    -- JSON: what the template needs (reference, state, due date, …).
    params          TEXT NOT NULL,
    -- Stable across retries, so a receiver can recognise a repeated delivery.
    message_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'dead')),
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    locked_until    TIMESTAMP,
    locked_by       TEXT,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_case ON outbox (case_id);

-- Notifications to an organisation go out in its language.
ALTER TABLE organisations ADD COLUMN preferred_language TEXT NOT NULL DEFAULT 'ja';

-- Deadline notices already given: a reminder or expiry is acted on once per
-- stage entry (or per remedy due date), however many workers run.
CREATE TABLE deadline_notices (
    subject_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    stage_key  TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (subject_id, kind, stage_key)
);

-- HTTPS endpoints organisations register to receive the case events they may see.
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    url             TEXT NOT NULL,
    -- The HMAC key shared with the receiver; shown to it once, at registration.
    secret          TEXT NOT NULL,
    active          BOOLEAN NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_organisation ON webhooks (organisation_id, active);
