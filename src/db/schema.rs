// Written by hand (not by `diesel print-schema`): one schema serves both
// backends, so only portable SQL types appear here. The integration tests run
// against both databases and keep it honest.

diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        contact_email -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
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

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(organisations, users, refresh_tokens);
