-- Single-use codes mailed for an account: confirming an address before it is
-- attached, and resetting a password. Only a SHA-256 of each code is kept.
CREATE TABLE account_codes (
    id         TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('confirm_email', 'reset_password')),
    email      TEXT NOT NULL,
    code_hash  TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP
);
CREATE INDEX account_codes_user_purpose ON account_codes (user_id, purpose, created_at);
