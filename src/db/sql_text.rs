//! Domain types as TEXT columns: the typed ids and the snake_case enums
//! are bound and read directly, so rows and query functions carry
//! `CaseId`, `CaseState`, `RemedyStatus` … and never a bare string.
//!
//! The impls live here, not on the types, so the domain knows nothing of
//! diesel. Enums bind their `&'static str` name; ids bind their hyphenated
//! text. Reading parses, and a value the code never wrote is an error.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{Nullable, Text};
use diesel::sqlite::Sqlite;

use super::connection::MultiBackend;

/// Reading and the shared parts of binding, for a type with `FromStr` and `Display`.
macro_rules! text_column {
    ($($ty:ty),* $(,)?) => {$(
        impl FromSql<Text, MultiBackend> for $ty {
            fn from_sql(bytes: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, MultiBackend>>::from_sql(bytes)?;
                Ok(text.parse::<$ty>()?)
            }
        }

        impl Queryable<Text, MultiBackend> for $ty {
            type Row = Self;
            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $ty {
            type Expression = <String as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                <String as AsExpression<Text>>::as_expression(self.to_string())
            }
        }

        impl AsExpression<Text> for &$ty {
            type Expression = <String as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                <String as AsExpression<Text>>::as_expression(self.to_string())
            }
        }

        // Borrowed fields of `Insertable` structs arrive as `&&T`.
        impl AsExpression<Text> for &&$ty {
            type Expression = <String as AsExpression<Text>>::Expression;
            fn as_expression(self) -> Self::Expression {
                <String as AsExpression<Text>>::as_expression(self.to_string())
            }
        }

        impl AsExpression<Nullable<Text>> for $ty {
            type Expression = <Option<String> as AsExpression<Nullable<Text>>>::Expression;
            fn as_expression(self) -> Self::Expression {
                <Option<String> as AsExpression<Nullable<Text>>>::as_expression(Some(self.to_string()))
            }
        }

        impl AsExpression<Nullable<Text>> for &$ty {
            type Expression = <Option<String> as AsExpression<Nullable<Text>>>::Expression;
            fn as_expression(self) -> Self::Expression {
                <Option<String> as AsExpression<Nullable<Text>>>::as_expression(Some(self.to_string()))
            }
        }

        // `Option<T>` columns bind through diesel's `ToSql<Nullable<Text>>` for
        // `Option<T>`, which needs `T: ToSql<Text>` on each backend.
        impl ToSql<Text, Pg> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                use std::io::Write;
                out.write_all(self.to_string().as_bytes())?;
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, Sqlite> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
                out.set_value(self.to_string());
                Ok(IsNull::No)
            }
        }

        impl ToSql<Text, MultiBackend> for $ty {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
                out.set_value((Text, self));
                Ok(IsNull::No)
            }
        }
    )*};
}

use crate::domain::case::{IntakeChannel, LodgedVia, PartyRole, Priority, ResidenceStatus, Visibility};
use crate::domain::catalogue::Category;
use crate::domain::event::EventKind;
use crate::domain::lifecycle::{Action, CaseRole, CaseState};
use crate::domain::notification::{Channel, Happening, NoticeKind};
use crate::domain::remedy::{RemedyStatus, RemedyType};
use crate::domain::{CaseId, EventId, EvidenceId, LanguageTag, MessageId, OrganisationId, RemedyId, UserId};

text_column!(CaseId, EventId, EvidenceId, MessageId, OrganisationId, RemedyId, UserId);
// Accounts, sessions, webhooks and the outbox (full paths: this block stays clear of the imports above).
text_column!(
    crate::domain::WebhookId,
    crate::domain::OutboxId,
    crate::domain::RefreshTokenId,
    crate::domain::AccountCodeId,
    crate::domain::account_code::CodePurpose,
    crate::domain::SessionFamilyId,
    crate::domain::ConflictId,
    crate::domain::Role,
    crate::domain::OrganisationKind,
    crate::domain::notification::OutboxStatus,
    crate::domain::notification::OutboxTopic,
);
text_column!(CaseState, Action, CaseRole, Priority, ResidenceStatus, Visibility, PartyRole, LodgedVia, IntakeChannel);
text_column!(EventKind, RemedyStatus, RemedyType, Channel, Happening, NoticeKind, Category, LanguageTag);
