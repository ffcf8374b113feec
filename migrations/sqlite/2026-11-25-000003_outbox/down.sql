DROP TABLE webhooks;
DROP TABLE deadline_notices;
ALTER TABLE organisations DROP COLUMN preferred_language;
DROP TABLE outbox;
