//! Field-level validation errors shared by the domain and the API boundary.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON path of the offending field, for example `email` or `items[2].amount`.
    pub field: String,
    /// Stable machine-readable reason, for example `length` or `invalid_language_tag`.
    pub code: String,
    /// Human-readable explanation in English.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.into(), message: message.into() }
    }
}

/// A non-empty list of field errors, returned when input does not pass validation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was collected, so checks can end with `errors.into_result()?`.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }

    pub fn single(field: &str, code: &str, message: &str) -> Self {
        Self(vec![FieldError::new(field, code, message)])
    }
}
