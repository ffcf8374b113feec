-- The case export joins each case to its supervising organisation. Without
-- an index of supervisor parties by case, PostgreSQL hashed every party row
-- for each 1,000-row page, which made the export quadratic in the cases.
CREATE INDEX case_parties_supervisor ON case_parties (case_id, organisation_id) WHERE party_role = 'supervisor';
