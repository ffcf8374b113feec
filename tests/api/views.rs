//! Typed views of the responses tests read most, deserialised with serde.
//!
//! A view names only what tests look at; unknown fields are ignored. Where a
//! test must prove that something is ABSENT from what a caller sees, it reads
//! the raw document kept beside the view (`raw`), never a defaulted field.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// A response body as a typed view; views that keep the raw document say so.
pub trait View: DeserializeOwned {
    fn keep_raw(&mut self, _raw: Value) {}
}

impl View for Value {}

impl<T: DeserializeOwned> View for Vec<T> {}

/// Reads a JSON document as `T`, failing with the document itself.
pub fn view<T: View>(raw: Value) -> T {
    let mut view: T = serde_json::from_value(raw.clone())
        .unwrap_or_else(|e| panic!("not a {}: {e}: {raw}", std::any::type_name::<T>()));
    view.keep_raw(raw);
    view
}

/// Reads a response body as `T`, whatever its status.
pub async fn body<T: View>(response: reqwest::Response) -> T {
    let text = response.text().await.expect("response body");
    let raw: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON: {e}: {text}"));
    view(raw)
}

/// Where a case stands, as the API spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Submitted,
    Acknowledged,
    Referred,
    Responded,
    InMediation,
    RemedyProposed,
    RemedyAgreed,
    RemedyDelivered,
    RemedyVerified,
    Escalated,
    ReferredExternal,
    Closed,
    NotAdmissible,
    Withdrawn,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Acknowledged => "acknowledged",
            Self::Referred => "referred",
            Self::Responded => "responded",
            Self::InMediation => "in_mediation",
            Self::RemedyProposed => "remedy_proposed",
            Self::RemedyAgreed => "remedy_agreed",
            Self::RemedyDelivered => "remedy_delivered",
            Self::RemedyVerified => "remedy_verified",
            Self::Escalated => "escalated",
            Self::ReferredExternal => "referred_external",
            Self::Closed => "closed",
            Self::NotAdmissible => "not_admissible",
            Self::Withdrawn => "withdrawn",
        }
    }
}

/// A case as one caller sees it (`GET /cases/{id}`, and the answer to an action).
#[derive(Debug, Deserialize)]
pub struct CaseSeen {
    pub id: String,
    pub reference: String,
    pub state: State,
    pub version: i64,
    pub priority: String,
    pub categories: Vec<String>,
    pub narrative_language: String,
    pub your_role: String,
    pub allowed_actions: Vec<String>,
    pub identity_hidden: bool,
    pub advocate_organisation_id: Option<String>,
    pub satisfaction_rating: Option<i64>,
    pub created_at: String,
    pub stage_due_at: Option<String>,
    pub finished_at: Option<String>,
    pub parties: Vec<Party>,
    pub remedies: Vec<RemedySeen>,
    pub timeline: Vec<Event>,
    /// The whole document, for checks of what is absent (identity, indicators, …).
    #[serde(skip)]
    pub raw: Value,
}

impl View for CaseSeen {
    fn keep_raw(&mut self, raw: Value) {
        self.raw = raw;
    }
}

impl CaseSeen {
    /// The states the case went through, from its timeline's transitions.
    pub fn states(&self) -> Vec<State> {
        self.timeline.iter().filter(|e| e.kind == "transition").filter_map(|e| e.to_state).collect()
    }

    /// How many events of a kind the caller sees.
    pub fn events(&self, kind: &str) -> usize {
        self.timeline.iter().filter(|e| e.kind == kind).count()
    }

    pub fn remedy_ids(&self) -> Vec<String> {
        self.remedies.iter().map(|r| r.id.clone()).collect()
    }
}

#[derive(Debug, Deserialize)]
pub struct Party {
    pub organisation_id: String,
    pub party_role: String,
}

#[derive(Debug, Deserialize)]
pub struct RemedySeen {
    pub id: String,
    pub status: String,
}

#[derive(Debug, Deserialize)]
pub struct Event {
    pub kind: String,
    pub actor_role: String,
    pub to_state: Option<State>,
    pub reason: Option<String>,
}

/// One row of a case list.
#[derive(Debug, Deserialize)]
pub struct CaseListed {
    pub id: String,
    pub reference: String,
    pub state: State,
    pub employer_organisation_id: Option<String>,
}

impl View for CaseListed {}

/// A keyset page of items.
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "T: DeserializeOwned"))]
pub struct Page<T = Value> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T: DeserializeOwned> View for Page<T> {}

impl Page<CaseListed> {
    pub fn ids(&self) -> Vec<String> {
        self.items.iter().map(|c| c.id.clone()).collect()
    }
}

/// Anything with an id (organisations, users, messages, …).
#[derive(Debug, Deserialize)]
pub struct Created {
    pub id: String,
}

impl View for Created {}

/// The answer to lodging a grievance.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Lodged {
    #[serde(rename = "case_id")]
    pub id: String,
    pub reference: String,
    pub receipt_code: String,
}

impl View for Lodged {}

/// The answer to a login or a refresh.
#[derive(Debug, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub refresh_token: String,
}

impl View for Tokens {}

/// The answer to opening a session with a reference and receipt code.
#[derive(Debug, Deserialize)]
pub struct ReceiptSession {
    pub access_token: String,
}

impl View for ReceiptSession {}

/// `GET /me`.
#[derive(Debug, Deserialize)]
pub struct Me {
    pub id: String,
    pub role: String,
    pub email: Option<String>,
    pub organisation_id: Option<String>,
    pub organisation_kind: Option<String>,
    pub email_pending: Option<String>,
}

impl View for Me {}

/// An RFC 9457 problem document. Two problems are equal when their whole
/// documents are.
#[derive(Debug, Deserialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    /// Sent only when there are field errors.
    #[serde(default)]
    pub errors: Vec<FieldError>,
    pub allowed_actions: Option<Vec<String>>,
    #[serde(skip)]
    pub raw: Value,
}

impl View for Problem {
    fn keep_raw(&mut self, raw: Value) {
        self.raw = raw;
    }
}

impl PartialEq for Problem {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

impl Problem {
    /// The offending fields, in the order given.
    pub fn fields(&self) -> Vec<&str> {
        self.errors.iter().map(|e| e.field.as_str()).collect()
    }

    /// The first field error; fails when there is none.
    pub fn error(&self) -> &FieldError {
        self.errors.first().unwrap_or_else(|| panic!("no field errors in {}", self.raw))
    }
}

#[derive(Debug, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
}
