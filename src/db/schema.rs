// Written by hand (not by `diesel print-schema`): one schema serves both
// backends, so only portable SQL types appear here. The integration tests run
// against both databases and keep it honest.

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        contact_email -> Nullable<Text>,
        supervising_organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        preferred_language -> Text,
        active -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Nullable<Text>,
        username -> Nullable<Text>,
        phone -> Nullable<Text>,
        display_name -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        organisation_id -> Nullable<Text>,
        preferred_language -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        active -> Bool,
    }
}

diesel::table! {
    account_codes (id) {
        id -> Text,
        user_id -> Text,
        purpose -> Text,
        email -> Text,
        code_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        family_id -> Text,
        user_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    cases (id) {
        id -> Text,
        reference -> Text,
        state -> Text,
        version -> Integer,
        priority -> Text,
        narrative -> Text,
        narrative_language -> Text,
        incident_from -> Nullable<Date>,
        incident_to -> Nullable<Date>,
        prefecture -> Nullable<Text>,
        industry -> Nullable<Text>,
        employer_organisation_id -> Nullable<Text>,
        employer_name -> Nullable<Text>,
        nationality -> Nullable<Text>,
        residence_status -> Nullable<Text>,
        lodged_via -> Text,
        lodged_by_user_id -> Nullable<Text>,
        worker_user_id -> Nullable<Text>,
        advocate_organisation_id -> Nullable<Text>,
        mediator_user_id -> Nullable<Text>,
        receipt_code_hash -> Text,
        identity_disclosure_consent -> Bool,
        satisfaction_rating -> Nullable<Integer>,
        satisfaction_comment -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        stage_entered_at -> Timestamp,
        stage_due_at -> Nullable<Timestamp>,
        acknowledged_at -> Nullable<Timestamp>,
        referred_at -> Nullable<Timestamp>,
        first_response_at -> Nullable<Timestamp>,
        remedy_verified_at -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
        reprisal_watch_until -> Nullable<Timestamp>,
        outer_bound_passed_at -> Nullable<Timestamp>,
        channel -> Text,
        assigned_handler_user_id -> Nullable<Text>,
        supervising_organisation_id -> Nullable<Text>,
        employer_key -> Nullable<Text>,
    }
}

diesel::table! {
    case_categories (case_id, category) {
        case_id -> Text,
        category -> Text,
    }
}

diesel::table! {
    case_indicators (case_id, code) {
        case_id -> Text,
        code -> Text,
    }
}

diesel::table! {
    case_parties (case_id, organisation_id) {
        case_id -> Text,
        organisation_id -> Text,
        party_role -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    case_identities (case_id) {
        case_id -> Text,
        full_name -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        address -> Nullable<Text>,
        residence_card_number -> Nullable<Text>,
        passport_number -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    case_privacy (case_id) {
        case_id -> Text,
        legal_hold_reason -> Nullable<Text>,
        legal_hold_set_at -> Nullable<Timestamp>,
        erasure_requested_at -> Nullable<Timestamp>,
        erased_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    case_events (id) {
        id -> Text,
        case_id -> Text,
        occurred_at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_role -> Text,
        kind -> Text,
        action -> Nullable<Text>,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        reason -> Nullable<Text>,
        details -> Text,
        visibility -> Text,
    }
}

diesel::table! {
    case_messages (id) {
        id -> Text,
        case_id -> Text,
        author_user_id -> Nullable<Text>,
        author_role -> Text,
        visibility -> Text,
        body -> Text,
        language -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    remedies (id) {
        id -> Text,
        case_id -> Text,
        remedy_type -> Text,
        description -> Text,
        responsible_organisation_id -> Text,
        amount -> Nullable<Text>,
        currency -> Nullable<Text>,
        due_date -> Nullable<Date>,
        status -> Text,
        proposed_by_user_id -> Nullable<Text>,
        proposed_at -> Timestamp,
        agreed_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        delivery_note -> Nullable<Text>,
        verified_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    evidence (id) {
        id -> Text,
        case_id -> Text,
        message_id -> Nullable<Text>,
        remedy_id -> Nullable<Text>,
        uploaded_by_user_id -> Nullable<Text>,
        uploader_role -> Text,
        visibility -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    dispatches (id) {
        id -> BigInt,
        case_id -> Text,
        payload -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        case_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        channel -> Text,
        notification -> Text,
        case_id -> Nullable<Text>,
        recipient -> Text,
        language -> Text,
        params -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        locked_by -> Nullable<Text>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    deadline_notices (subject_id, kind, stage_key) {
        subject_id -> Text,
        kind -> Text,
        stage_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    readiness_probe (id) {
        id -> Integer,
        checked_at -> Timestamp,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        organisation_id -> Text,
        url -> Text,
        secret -> Text,
        active -> Bool,
        created_at -> Timestamp,
        role -> Text,
    }
}

diesel::table! {
    user_languages (user_id, language) {
        user_id -> Text,
        language -> Text,
    }
}

diesel::table! {
    conflict_declarations (id) {
        id -> Text,
        mediator_user_id -> Text,
        organisation_id -> Nullable<Text>,
        case_id -> Nullable<Text>,
        reason -> Text,
        declared_at -> Timestamp,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(user_languages -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(account_codes -> users (user_id));
diesel::joinable!(case_categories -> cases (case_id));
diesel::joinable!(case_indicators -> cases (case_id));
diesel::joinable!(case_parties -> cases (case_id));
diesel::joinable!(case_identities -> cases (case_id));
diesel::joinable!(case_events -> cases (case_id));
diesel::joinable!(case_privacy -> cases (case_id));
diesel::joinable!(case_messages -> cases (case_id));
diesel::joinable!(remedies -> cases (case_id));
diesel::joinable!(evidence -> cases (case_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    users,
    account_codes,
    refresh_tokens,
    cases,
    case_categories,
    case_indicators,
    case_parties,
    case_identities,
    case_privacy,
    case_events,
    case_messages,
    remedies,
    evidence,
    dispatches,
    idempotency_keys,
    outbox,
    deadline_notices,
    webhooks,
    user_languages,
    conflict_declarations,
);
