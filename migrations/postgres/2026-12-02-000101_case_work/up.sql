-- Case work: the handler who owns a case, the responsible organisations and
-- the employer's name key denormalised onto the case row (so that the list
-- filters are index range scans, not a walk over all cases), the languages
-- staff speak, and mediators' declared conflicts of interest.
ALTER TABLE cases ADD COLUMN assigned_handler_user_id TEXT REFERENCES users (id);
ALTER TABLE cases ADD COLUMN supervising_organisation_id TEXT REFERENCES organisations (id);
-- `employer_name::key` of the linked organisation's name, else of the name as lodged.
-- Byte order ("C"), so that a prefix is one index range whatever the database's locale.
ALTER TABLE cases ADD COLUMN employer_key TEXT COLLATE "C";
UPDATE cases SET supervising_organisation_id =
    (SELECT o.supervising_organisation_id FROM organisations o WHERE o.id = cases.employer_organisation_id);
-- An approximation of the key for rows that predate it (lower case, no spaces);
-- new and linked cases get the exact key from the application.
UPDATE cases SET employer_key = replace(lower(coalesce(
    (SELECT o.name FROM organisations o WHERE o.id = cases.employer_organisation_id), cases.employer_name)), ' ', '');
CREATE INDEX cases_assignee_id ON cases (assigned_handler_user_id, id);
CREATE INDEX cases_supervisor_id ON cases (supervising_organisation_id, id);
CREATE INDEX cases_employer_key_id ON cases (employer_key, id);
-- Workload: open cases per handler and per mediator.
CREATE INDEX cases_open_assignee ON cases (assigned_handler_user_id) WHERE finished_at IS NULL;
CREATE INDEX cases_open_mediator ON cases (mediator_user_id) WHERE finished_at IS NULL;

CREATE TABLE user_languages (
    user_id  TEXT NOT NULL REFERENCES users (id),
    language TEXT NOT NULL,
    PRIMARY KEY (user_id, language)
);
CREATE INDEX user_languages_language ON user_languages (language, user_id);

-- No operation edits or deletes a declaration: it stays on record (there is
-- no trigger enforcing that, unlike case_events).
CREATE TABLE conflict_declarations (
    id               TEXT PRIMARY KEY,
    mediator_user_id TEXT NOT NULL REFERENCES users (id),
    organisation_id  TEXT REFERENCES organisations (id),
    case_id          TEXT REFERENCES cases (id),
    reason           TEXT NOT NULL,
    declared_at      TIMESTAMP NOT NULL,
    CHECK ((organisation_id IS NULL) <> (case_id IS NULL))
);
CREATE INDEX conflict_declarations_mediator ON conflict_declarations (mediator_user_id, id);
CREATE INDEX conflict_declarations_organisation ON conflict_declarations (organisation_id) WHERE organisation_id IS NOT NULL;
CREATE INDEX conflict_declarations_case ON conflict_declarations (case_id) WHERE case_id IS NOT NULL;
-- Organisation names are searched by the directory.
CREATE INDEX organisations_kind_name ON organisations (kind, name);
