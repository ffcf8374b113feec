//! What several resources share: field validators, the user and
//! organisation bodies, and the one shape of a keyset page.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;
use validator::ValidationError;

use crate::domain::organisation::Organisation;
use crate::domain::user::{self as user_rules, User};
use crate::domain::{FieldError, FieldErrors, LanguageTag, OrganisationKind, Role};
use crate::service::Page;

/// `paged!(CasePage, CaseSummaryDto)` declares `CasePage`, a `PageDto` of
/// `CaseSummaryDto` bodies, under that name in the OpenAPI document.
macro_rules! paged {
    ($page:ident, $item:ty) => {
        impl $crate::routes::common::PageItem for $item {
            const PAGE_SCHEMA: &'static str = stringify!($page);
        }

        pub type $page = $crate::routes::common::PageDto<$item>;
    };
}
pub(crate) use paged;

pub fn valid_username(value: &str) -> Result<(), ValidationError> {
    user_rules::normalise_username(value)
        .map(drop)
        .map_err(|message| ValidationError::new("invalid_username").with_message(message.into()))
}

pub fn valid_password(value: &str) -> Result<(), ValidationError> {
    user_rules::check_password(value)
        .map_err(|message| ValidationError::new("weak_password").with_message(message.into()))
}

pub fn valid_language(value: &str) -> Result<(), ValidationError> {
    LanguageTag::parse(value).map(drop).map_err(|_| {
        ValidationError::new("invalid_language_tag")
            .with_message("is not a BCP 47 language tag (for example `vi`, `ne`, `pt-BR`)".into())
    })
}

/// Parses an optional BCP 47 tag, defaulting to English.
pub fn language_or_default(raw: Option<&str>, errors: &mut FieldErrors) -> LanguageTag {
    match raw.map(LanguageTag::parse) {
        None => LanguageTag::english(),
        Some(Ok(tag)) => tag,
        Some(Err(_)) => {
            errors.push(FieldError::new(
                "preferred_language",
                "invalid_language_tag",
                "is not a BCP 47 language tag (for example `vi`, `ne`, `pt-BR`)",
            ));
            LanguageTag::english()
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    pub id: uuid::Uuid,
    pub email: Option<String>,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: Option<String>,
    pub role: Role,
    pub organisation_id: Option<uuid::Uuid>,
    pub preferred_language: String,
    pub created_at: DateTime<Utc>,
    /// `false` once an admin has deactivated the account.
    pub active: bool,
}

paged!(UserPage, UserResponse);

impl From<User> for UserResponse {
    fn from(user: User) -> Self {
        Self {
            id: user.id.as_uuid(),
            email: user.email,
            username: user.username,
            phone: user.phone,
            display_name: user.display_name,
            role: user.role,
            organisation_id: user.organisation_id.map(|o| o.as_uuid()),
            preferred_language: user.preferred_language.to_string(),
            created_at: user.created_at,
            active: user.active,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationResponse {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    pub contact_email: Option<String>,
    pub supervising_organisation_id: Option<Uuid>,
    pub preferred_language: String,
    pub created_at: DateTime<Utc>,
    /// `false` once an admin has deactivated the organisation.
    pub active: bool,
}

paged!(OrganisationPage, OrganisationResponse);

impl From<Organisation> for OrganisationResponse {
    fn from(organisation: Organisation) -> Self {
        Self {
            id: organisation.id.as_uuid(),
            name: organisation.name,
            kind: organisation.kind,
            contact_email: organisation.contact_email,
            supervising_organisation_id: organisation.supervising_organisation_id.map(|o| o.as_uuid()),
            preferred_language: organisation.preferred_language.to_string(),
            created_at: organisation.created_at,
            active: organisation.active,
        }
    }
}

/// For merge-patch bodies: a field that is present, whether `null` or a
/// value, is `Some(None)` or `Some(Some(value))` (a missing field stays
/// `None` through `#[serde(default)]`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// A keyset page as clients see it: `{items, next_cursor}`.
#[derive(Debug, Serialize)]
pub struct PageDto<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl<T> PageDto<T> {
    /// The page's items, each turned into its body by `item`.
    pub fn from_page<S>(page: Page<S>, item: impl FnMut(S) -> T) -> Self {
        Self { items: page.items.into_iter().map(item).collect(), next_cursor: page.next_cursor }
    }
}

impl<S, T: From<S>> From<Page<S>> for PageDto<T> {
    fn from(page: Page<S>) -> Self {
        Self::from_page(page, T::from)
    }
}

/// A body that clients receive in pages, and the name its page has in the
/// OpenAPI document (`CasePage`, `UserPage`, …). Utoipa would name a generic
/// `PageDto_CaseSummaryDto`; this keeps the names clients already know.
pub trait PageItem: ToSchema {
    const PAGE_SCHEMA: &'static str;
}

impl<T: PageItem> ToSchema for PageDto<T> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed(T::PAGE_SCHEMA)
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((T::name().into_owned(), T::schema()));
        T::schemas(schemas);
    }
}

impl<T: PageItem> PartialSchema for PageDto<T> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property("items", ArrayBuilder::new().items(Ref::from_schema_name(T::name())))
            .required("items")
            .property(
                "next_cursor",
                ObjectBuilder::new()
                    .schema_type(
                        [Type::String, Type::Null].into_iter().collect::<utoipa::openapi::schema::SchemaType>(),
                    )
                    .description(Some("Pass as `cursor` to get the next page; absent on the last page.")),
            )
            .into()
    }
}

/// A file's raw bytes in a request or response body: `{type: string,
/// format: binary}`, which client generators turn into a file or blob
/// (an array of integers would be turned into a list of numbers).
pub struct FileBytes;

impl PartialSchema for FileBytes {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for FileBytes {}
