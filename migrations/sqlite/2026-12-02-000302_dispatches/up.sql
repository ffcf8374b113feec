-- One row per happening on a case, written in the transaction of the change
-- that causes it; the outbox worker turns it into the mail and webhook
-- deliveries, resolving the addresses then, outside the request.
CREATE TABLE dispatches (
    id         INTEGER PRIMARY KEY,
    case_id    TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
