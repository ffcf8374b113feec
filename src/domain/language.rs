//! BCP 47 language tags. Workers write in their own language; any well-formed
//! tag is accepted and kept as given (case-normalised).

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LanguageTag(String);

impl LanguageTag {
    pub fn parse(raw: &str) -> Result<Self, InvalidLanguageTag> {
        let tag = language_tags::LanguageTag::parse(raw.trim()).map_err(|_| InvalidLanguageTag)?;
        tag.validate().map_err(|_| InvalidLanguageTag)?;
        Ok(Self(canonical_case(tag.as_str())))
    }

    pub fn english() -> Self {
        Self("en".to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag, for example `vi` for `vi-VN`.
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

/// BCP 47 tags are case-insensitive; store the conventional case
/// (`zh-Hant-TW`) so equal tags compare equal.
fn canonical_case(tag: &str) -> String {
    tag.split('-')
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part.to_ascii_lowercase()
            } else if part.len() == 4 && part.chars().all(|c| c.is_ascii_alphabetic()) {
                let lower = part.to_ascii_lowercase();
                let mut chars = lower.chars();
                chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
            } else if part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()) {
                part.to_ascii_uppercase()
            } else {
                part.to_ascii_lowercase()
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a well-formed BCP 47 language tag")]
pub struct InvalidLanguageTag;

impl TryFrom<String> for LanguageTag {
    type Error = InvalidLanguageTag;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<LanguageTag> for String {
    fn from(tag: LanguageTag) -> Self {
        tag.0
    }
}

impl std::str::FromStr for LanguageTag {
    type Err = InvalidLanguageTag;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

impl fmt::Display for LanguageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_languages_workers_use() {
        for tag in ["ja", "en", "vi", "zh", "id", "fil", "ne", "my", "km", "th", "mn", "pt-BR"] {
            assert!(LanguageTag::parse(tag).is_ok(), "{tag}");
        }
    }

    #[test]
    fn normalises_case() {
        assert_eq!(LanguageTag::parse("ZH-hant-tw").unwrap().as_str(), "zh-Hant-TW");
        assert_eq!(LanguageTag::parse("vi-vn").unwrap().primary(), "vi");
    }

    #[test]
    fn rejects_garbage() {
        for tag in ["", "english language", "12", "x", "en--US"] {
            assert!(LanguageTag::parse(tag).is_err(), "{tag}");
        }
    }
}
