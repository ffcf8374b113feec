-- Synthetic cases for the benchmark (ids are valid UUIDs, as the API expects): {n} cases spread over a year,
-- 15 categories, 8 nationalities, 47 prefectures, 200 employers, every state.
-- {seq} is a per-backend row generator producing column n = 1..{n}.
INSERT INTO organisations (id, name, kind, contact_email, supervising_organisation_id, created_at, updated_at, preferred_language)
SELECT '02000000-0000-7000-8000-' || {pad12}, 'Bench Employer ' || n, 'employer', NULL, NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'ja'
FROM ({seq200}) AS s;

-- 20 supervising organisations (before the cases, which name one each).
INSERT INTO organisations (id, name, kind, contact_email, supervising_organisation_id, created_at, updated_at, preferred_language)
SELECT '04000000-0000-7000-8000-' || {pad12}, 'Bench Supervisor ' || n, 'supervising_org', NULL, NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'ja'
FROM ({seq20}) AS s;

-- The operator, for the handler who lists cases in the latency run.
INSERT INTO organisations (id, name, kind, contact_email, supervising_organisation_id, created_at, updated_at, preferred_language)
VALUES ('01000000-0000-7000-8000-000000000001', 'Bench Operator', 'operator', NULL, NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00', 'ja');

INSERT INTO cases (id, reference, state, version, priority, narrative, narrative_language, incident_from, incident_to,
    prefecture, industry, employer_organisation_id, employer_name, nationality, residence_status, lodged_via,
    lodged_by_user_id, worker_user_id, advocate_organisation_id, mediator_user_id, receipt_code_hash,
    identity_disclosure_consent, satisfaction_rating, satisfaction_comment, created_at, updated_at, stage_entered_at,
    stage_due_at, acknowledged_at, referred_at, first_response_at, remedy_verified_at, finished_at,
    supervising_organisation_id, employer_key)
SELECT
    '03000000-0000-7000-8000-' || {pad12},
    'MG-1999-' || {pad12},
    (ARRAY_STATES),
    1,
    CASE WHEN n % 4 = 0 THEN 'urgent' ELSE 'normal' END,
    'synthetic narrative', 'vi', NULL, NULL,
    'JP-' || {prefecture},
    CASE n % 3 WHEN 0 THEN 'construction' WHEN 1 THEN 'food processing' ELSE 'agriculture' END,
    '02000000-0000-7000-8000-' || {employer},
    NULL,
    CASE n % 8 WHEN 0 THEN 'VN' WHEN 1 THEN 'ID' WHEN 2 THEN 'PH' WHEN 3 THEN 'NP' WHEN 4 THEN 'MM' WHEN 5 THEN 'KH' WHEN 6 THEN 'TH' ELSE 'MN' END,
    CASE n % 5 WHEN 0 THEN 'technical_intern' WHEN 1 THEN 'specified_skilled_worker' WHEN 2 THEN 'student' WHEN 3 THEN 'dispatched' ELSE 'other' END,
    'intake', NULL, NULL, NULL, NULL,
    'bench-receipt-' || n,
    {false},
    CASE WHEN n % 10 = 0 THEN 1 + n % 5 ELSE NULL END, NULL,
    {created}, {created}, {created}, NULL,
    CASE WHEN n % 2 = 0 THEN {created_plus_days} ELSE NULL END,
    NULL, NULL,
    CASE WHEN n % 10 = 0 THEN {created_plus_days} ELSE NULL END,
    NULL,
    -- The list filters' denormalised columns, as the application keeps them.
    '04000000-0000-7000-8000-' || {supervisor},
    'benchemployer' || {employer_n}
FROM ({seq}) AS s;

INSERT INTO case_categories (case_id, category)
SELECT '03000000-0000-7000-8000-' || {pad12}, (ARRAY_CATEGORIES) FROM ({seq}) AS s;

-- What hangs off real cases, so that joins cost what they would: from referral on (states 2 to 11), the
-- employer and a supervising organisation as parties; an identity and the
-- lodging event for every case; a remedy for cases from remedy_proposed to
-- remedy_verified (states 5 to 8).
INSERT INTO case_parties (case_id, organisation_id, party_role, added_at)
SELECT '03000000-0000-7000-8000-' || {pad12}, '02000000-0000-7000-8000-' || {employer}, 'employer', {created}
FROM ({seq}) AS s WHERE n % 14 BETWEEN 2 AND 11;

INSERT INTO case_parties (case_id, organisation_id, party_role, added_at)
SELECT '03000000-0000-7000-8000-' || {pad12}, '04000000-0000-7000-8000-' || {supervisor}, 'supervisor', {created}
FROM ({seq}) AS s WHERE n % 14 BETWEEN 2 AND 11;

INSERT INTO case_identities (case_id, full_name, email, phone, updated_at)
SELECT '03000000-0000-7000-8000-' || {pad12}, 'Bench Worker ' || n, 'worker' || n || '@example.org', '+81 90 0000 0000', {created}
FROM ({seq}) AS s;

INSERT INTO case_events (id, case_id, occurred_at, actor_user_id, actor_role, kind, action, from_state, to_state, reason, details, visibility)
SELECT '05000000-0000-7000-8000-' || {pad12}, '03000000-0000-7000-8000-' || {pad12}, {created}, NULL, 'worker', 'lodged', NULL, NULL, 'submitted', NULL, '{}', 'parties'
FROM ({seq}) AS s;

INSERT INTO remedies (id, case_id, remedy_type, description, responsible_organisation_id, amount, currency, due_date, status,
    proposed_by_user_id, proposed_at, agreed_at, delivered_at, delivery_note, verified_at)
SELECT '06000000-0000-7000-8000-' || {pad12}, '03000000-0000-7000-8000-' || {pad12}, 'financial_compensation', 'Unpaid wages',
    '02000000-0000-7000-8000-' || {employer}, '150000', 'JPY', NULL,
    CASE n % 14 WHEN 5 THEN 'proposed' WHEN 6 THEN 'agreed' WHEN 7 THEN 'delivered' ELSE 'verified' END,
    NULL, {created}, NULL, NULL, NULL, NULL
FROM ({seq}) AS s WHERE n % 14 BETWEEN 5 AND 8;
