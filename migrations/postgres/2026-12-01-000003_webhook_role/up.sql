-- A webhook hears what its registrant's role may see on a case; earlier
-- endpoints take the role their organisation's kind implies.
ALTER TABLE webhooks ADD COLUMN role TEXT NOT NULL DEFAULT 'handler';
UPDATE webhooks SET role = CASE
    (SELECT kind FROM organisations WHERE organisations.id = webhooks.organisation_id)
    WHEN 'employer' THEN 'employer_staff'
    WHEN 'supervising_org' THEN 'supervising_org_staff'
    WHEN 'support_org' THEN 'supervising_org_staff'
    WHEN 'ngo' THEN 'advocate'
    WHEN 'mediation_body' THEN 'mediator'
    ELSE 'handler'
END;
