DROP INDEX cases_open_created;
DROP INDEX cases_reprisal_watch;
ALTER TABLE cases DROP COLUMN outer_bound_passed_at;
ALTER TABLE cases DROP COLUMN reprisal_watch_until;
UPDATE remedies SET status = 'rejected' WHERE status = 'cancelled';
ALTER TABLE remedies DROP CONSTRAINT remedies_status_check;
ALTER TABLE remedies ADD CONSTRAINT remedies_status_check CHECK (status IN ('proposed', 'agreed', 'delivered',
    'verified', 'disputed', 'rejected'));
