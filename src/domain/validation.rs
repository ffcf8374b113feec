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

/// Control characters have no place in text people write: NUL cannot even
/// be stored by PostgreSQL, and the others corrupt exports and logs. Tab,
/// line feed and carriage return are ordinary text.
pub fn is_forbidden_character(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

pub fn has_forbidden_character(text: &str) -> bool {
    text.chars().any(is_forbidden_character)
}

/// The field error for text that carries a control character.
pub fn forbidden_character_error(field: impl Into<String>) -> FieldError {
    FieldError::new(
        field,
        "control_character",
        "must not contain control characters (such as NUL); tab and line breaks are allowed",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_forbidden_except_tab_and_line_breaks() {
        for c in ['\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{1f}', '\u{7f}', '\u{80}', '\u{9f}'] {
            assert!(is_forbidden_character(c), "{:?}", c);
        }
        for c in ['\t', '\n', '\r', ' ', 'a', 'ữ', '窓', '\u{a0}', '\u{200b}'] {
            assert!(!is_forbidden_character(c), "{:?}", c);
        }
        assert!(has_forbidden_character("a\u{0}@x.org"));
        assert!(!has_forbidden_character("Line one\r\nLine two\tend"));
    }
}
