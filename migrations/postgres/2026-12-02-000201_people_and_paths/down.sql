ALTER TABLE organisations DROP COLUMN active;
DROP INDEX evidence_remedy;
DROP INDEX cases_channel;
ALTER TABLE cases DROP COLUMN channel;
