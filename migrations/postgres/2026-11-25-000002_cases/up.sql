-- Cases and everything said and done on them.

CREATE TABLE cases (
    id                          TEXT PRIMARY KEY,
    reference                   TEXT NOT NULL UNIQUE,
    state                       TEXT NOT NULL CHECK (state IN ('submitted', 'acknowledged', 'referred', 'responded',
                                    'in_mediation', 'remedy_proposed', 'remedy_agreed', 'remedy_delivered',
                                    'remedy_verified', 'escalated', 'referred_external', 'closed',
                                    'not_admissible', 'withdrawn')),
    version                     INTEGER NOT NULL,
    priority                    TEXT NOT NULL CHECK (priority IN ('normal', 'urgent')),
    narrative                   TEXT NOT NULL,
    narrative_language          TEXT NOT NULL,
    incident_from               DATE,
    incident_to                 DATE,
    prefecture                  TEXT,
    industry                    TEXT,
    employer_organisation_id    TEXT REFERENCES organisations (id),
    employer_name               TEXT,
    nationality                 TEXT,
    residence_status            TEXT CHECK (residence_status IN ('technical_intern', 'specified_skilled_worker',
                                    'student', 'dispatched', 'other')),
    lodged_via                  TEXT NOT NULL CHECK (lodged_via IN ('worker', 'advocate', 'intake')),
    lodged_by_user_id           TEXT REFERENCES users (id),
    worker_user_id              TEXT REFERENCES users (id),
    advocate_organisation_id    TEXT REFERENCES organisations (id),
    mediator_user_id            TEXT REFERENCES users (id),
    receipt_code_hash           TEXT NOT NULL UNIQUE,
    identity_disclosure_consent BOOLEAN NOT NULL,
    satisfaction_rating         INTEGER CHECK (satisfaction_rating BETWEEN 1 AND 5),
    satisfaction_comment        TEXT,
    created_at                  TIMESTAMP NOT NULL,
    updated_at                  TIMESTAMP NOT NULL,
    stage_entered_at            TIMESTAMP NOT NULL,
    stage_due_at                TIMESTAMP,
    acknowledged_at             TIMESTAMP,
    referred_at                 TIMESTAMP,
    first_response_at           TIMESTAMP,
    remedy_verified_at          TIMESTAMP,
    finished_at                 TIMESTAMP,
    CHECK (employer_organisation_id IS NOT NULL OR employer_name IS NOT NULL)
);
-- Keyset pagination runs newest first by id (UUIDv7); one index per supported filter.
CREATE INDEX cases_state_id ON cases (state, id);
CREATE INDEX cases_priority_id ON cases (priority, id);
CREATE INDEX cases_worker_id ON cases (worker_user_id, id);
CREATE INDEX cases_advocate_id ON cases (advocate_organisation_id, id);
CREATE INDEX cases_mediator_id ON cases (mediator_user_id, id);
CREATE INDEX cases_employer_id ON cases (employer_organisation_id, id);
CREATE INDEX cases_created_id ON cases (created_at, id);
CREATE INDEX cases_due_id ON cases (stage_due_at, id);

CREATE TABLE case_categories (
    case_id  TEXT NOT NULL REFERENCES cases (id),
    category TEXT NOT NULL,
    PRIMARY KEY (case_id, category)
);
CREATE INDEX case_categories_category ON case_categories (category, case_id);

CREATE TABLE case_indicators (
    case_id TEXT NOT NULL REFERENCES cases (id),
    code    TEXT NOT NULL,
    PRIMARY KEY (case_id, code)
);
CREATE INDEX case_indicators_code ON case_indicators (code, case_id);

-- Organisations responsible for a case, from referral on.
CREATE TABLE case_parties (
    case_id         TEXT NOT NULL REFERENCES cases (id),
    organisation_id TEXT NOT NULL REFERENCES organisations (id),
    party_role      TEXT NOT NULL CHECK (party_role IN ('employer', 'supervisor')),
    added_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, organisation_id)
);
CREATE INDEX case_parties_organisation ON case_parties (organisation_id, case_id);

-- The worker's identity, kept apart from the narrative (reprisal risk).
CREATE TABLE case_identities (
    case_id               TEXT PRIMARY KEY REFERENCES cases (id),
    full_name             TEXT,
    email                 TEXT,
    phone                 TEXT,
    address               TEXT,
    residence_card_number TEXT,
    passport_number       TEXT,
    updated_at            TIMESTAMP NOT NULL
);

-- The audit trail: append-only (triggers below refuse updates and deletes).
CREATE TABLE case_events (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    occurred_at   TIMESTAMP NOT NULL,
    actor_user_id TEXT REFERENCES users (id),
    actor_role    TEXT NOT NULL,
    kind          TEXT NOT NULL,
    action        TEXT,
    from_state    TEXT,
    to_state      TEXT,
    reason        TEXT,
    details       TEXT NOT NULL,
    visibility    TEXT NOT NULL CHECK (visibility IN ('parties', 'worker_side', 'internal'))
);
CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE TABLE case_messages (
    id             TEXT PRIMARY KEY,
    case_id        TEXT NOT NULL REFERENCES cases (id),
    author_user_id TEXT REFERENCES users (id),
    author_role    TEXT NOT NULL,
    visibility     TEXT NOT NULL CHECK (visibility IN ('parties', 'worker_side', 'internal')),
    body           TEXT NOT NULL,
    language       TEXT,
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX case_messages_case ON case_messages (case_id, id);

CREATE TABLE remedies (
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
CREATE INDEX remedies_case ON remedies (case_id, id);
CREATE INDEX remedies_responsible ON remedies (responsible_organisation_id, status);

CREATE TABLE evidence (
    id                  TEXT PRIMARY KEY,
    case_id             TEXT NOT NULL REFERENCES cases (id),
    message_id          TEXT REFERENCES case_messages (id),
    remedy_id           TEXT REFERENCES remedies (id),
    uploaded_by_user_id TEXT REFERENCES users (id),
    uploader_role       TEXT NOT NULL,
    visibility          TEXT NOT NULL CHECK (visibility IN ('parties', 'worker_side', 'internal')),
    file_name           TEXT NOT NULL,
    content_type        TEXT NOT NULL,
    size_bytes          BIGINT NOT NULL,
    sha256              TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL
);
CREATE INDEX evidence_case ON evidence (case_id, id);

-- Human-readable references MG-<year>-<n>: one counter per year.
CREATE TABLE case_reference_counters (
    year       INTEGER PRIMARY KEY,
    last_value BIGINT NOT NULL
);

-- Replayed intake requests (Idempotency-Key) return the first answer.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    case_id      TEXT NOT NULL REFERENCES cases (id),
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, key)
);

CREATE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER case_events_append_only
    BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();
