-- How each grievance reached the mechanism: online (the API, its web form or
-- an app), or recorded by a handler from a phone call, a letter, a visit, a
-- chat app or another channel.
ALTER TABLE cases ADD COLUMN channel TEXT NOT NULL DEFAULT 'online'
    CHECK (channel IN ('online', 'phone', 'letter', 'walk_in', 'chat_app', 'other'));
CREATE INDEX cases_channel ON cases (channel, id);
-- Evidence of a remedy's delivery is read per remedy.
CREATE INDEX evidence_remedy ON evidence (remedy_id, id) WHERE remedy_id IS NOT NULL;
-- A deactivated organisation cannot be named on new cases, given members or
-- made an advocate; its members cannot log in until it is reactivated.
ALTER TABLE organisations ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
