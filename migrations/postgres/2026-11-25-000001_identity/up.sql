-- Organisations, users and refresh tokens.
-- Portable types only: ids as TEXT (UUIDv7), times as UTC TIMESTAMP, enums as TEXT + CHECK.

CREATE TABLE organisations (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    kind          TEXT NOT NULL CHECK (kind IN ('employer', 'supervising_org', 'support_org',
                                                'recruiter', 'ngo', 'mediation_body', 'operator')),
    contact_email TEXT,
    -- For employers: their supervising (監理団体) or support (登録支援機関) organisation.
    supervising_organisation_id TEXT REFERENCES organisations (id),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX organisations_kind_id ON organisations (kind, id);

CREATE TABLE users (
    id                 TEXT PRIMARY KEY,
    email              TEXT UNIQUE,
    username           TEXT UNIQUE,
    phone              TEXT,
    display_name       TEXT,
    password_hash      TEXT NOT NULL,
    role               TEXT NOT NULL CHECK (role IN ('worker', 'advocate', 'handler', 'employer_staff',
                                                     'supervising_org_staff', 'mediator', 'analyst', 'admin')),
    organisation_id    TEXT REFERENCES organisations (id),
    preferred_language TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    CHECK (email IS NOT NULL OR username IS NOT NULL)
);
CREATE INDEX users_organisation_id ON users (organisation_id, id);
CREATE INDEX users_role_id ON users (role, id);

CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY,
    family_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    issued_at  TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id ON refresh_tokens (user_id);
