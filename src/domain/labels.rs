//! User-facing labels for catalogue entries, in the languages workers use.
//! The wording lives in `labels.toml`; English is the fallback.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The languages every label and notification must exist in (domain.md section 6).
pub const REQUIRED_LANGUAGES: [&str; 11] = ["ja", "en", "vi", "zh", "id", "fil", "ne", "my", "km", "th", "mn"];

type Table = HashMap<String, HashMap<String, HashMap<String, String>>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| toml::from_str(include_str!("labels.toml")).unwrap_or_default())
}

/// The label of `key` in `group` (for example `category`, `unpaid_wages`) for
/// `language`: the exact tag, then its primary language, then English, then the key itself.
pub fn label<'a>(group: &str, key: &'a str, language: &str) -> &'a str
where
    'static: 'a,
{
    let Some(entry) = table().get(group).and_then(|g| g.get(key)) else {
        return key;
    };
    let primary = language.split('-').next().unwrap_or(language);
    [language, primary, "en"].iter().find_map(|lang| entry.get(*lang)).map(String::as_str).unwrap_or(key)
}

/// The language labels are served in for a requested tag: its primary
/// language when labels exist in it (`zh-Hant` is served as `zh`), or English.
pub fn served_language(tag: &super::LanguageTag) -> &'static str {
    served_language_of(tag.primary())
}

/// `served_language` for a stored tag's text (an outbox row's language):
/// its primary subtag decides.
pub fn served_language_of(tag: &str) -> &'static str {
    let primary = tag.split('-').next().unwrap_or(tag);
    REQUIRED_LANGUAGES.iter().copied().find(|language| *language == primary).unwrap_or("en")
}

/// The placeholders in a text (`{reference}`, `{{ name }}`), sorted, for the
/// tests that hold every translation to the English one's.
#[cfg(test)]
pub(crate) fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open..];
        let Some(close) = after.find('}') else {
            found.push(after);
            break;
        };
        let end = after[close..].find(|c| c != '}').map_or(after.len(), |n| close + n);
        found.push(&after[..end]);
        rest = &after[end..];
    }
    found.sort_unstable();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::case::{ExternalBody, IntakeChannel, ResidenceStatus};
    use crate::domain::catalogue::Category;
    use crate::domain::lifecycle::{Action, CaseState};
    use crate::domain::remedy::RemedyType;

    #[test]
    fn a_tag_is_served_in_its_primary_language_or_english() {
        let served = |raw: &str| served_language(&crate::domain::LanguageTag::parse(raw).unwrap());
        assert_eq!(served("vi"), "vi");
        assert_eq!(served("zh-Hant-TW"), "zh");
        assert_eq!(served("fil-PH"), "fil");
        assert_eq!(served("de"), "en");
    }

    #[test]
    fn every_catalogue_entry_has_a_label_in_every_required_language() {
        let groups: [(&str, Vec<&str>); 7] = [
            ("channel", IntakeChannel::ALL.iter().map(|c| c.as_str()).collect()),
            ("external_body", ExternalBody::ALL.iter().map(|b| b.as_str()).collect()),
            ("action", Action::ALL.iter().map(|a| a.as_str()).collect()),
            ("category", Category::ALL.iter().map(|c| c.as_str()).collect()),
            ("state", CaseState::ALL.iter().map(|s| s.as_str()).collect()),
            ("remedy_type", RemedyType::ALL.iter().map(|r| r.as_str()).collect()),
            ("residence_status", ResidenceStatus::ALL.iter().map(|r| r.as_str()).collect()),
        ];
        for (group, keys) in groups {
            let entries = table().get(group).unwrap_or_else(|| panic!("group {group} missing"));
            assert_eq!(entries.len(), keys.len(), "{group} has extra or missing entries");
            for key in keys {
                let entry = entries.get(key).unwrap_or_else(|| panic!("{group}.{key} missing"));
                for language in REQUIRED_LANGUAGES {
                    let text = entry.get(language).unwrap_or_else(|| panic!("{group}.{key} lacks {language}"));
                    assert!(!text.trim().is_empty(), "{group}.{key}.{language} empty");
                }
            }
        }
    }

    #[test]
    fn every_category_hint_is_in_every_language_with_the_english_placeholders() {
        let hints = table().get("category_hint").expect("category_hint group missing");
        assert_eq!(hints.len(), Category::ALL.len(), "category_hint has extra or missing entries");
        for category in Category::ALL {
            let key = category.as_str();
            let entry = hints.get(key).unwrap_or_else(|| panic!("category_hint.{key} missing"));
            assert_eq!(entry.len(), REQUIRED_LANGUAGES.len(), "category_hint.{key} has an unknown language");
            let english = placeholders(&entry["en"]);
            for language in REQUIRED_LANGUAGES {
                let text = entry.get(language).unwrap_or_else(|| panic!("category_hint.{key} lacks {language}"));
                assert!(!text.trim().is_empty(), "category_hint.{key}.{language} empty");
                assert_eq!(placeholders(text), english, "category_hint.{key}.{language} placeholders");
            }
        }
    }

    #[test]
    fn placeholders_are_found_in_either_syntax() {
        assert_eq!(placeholders("Case {reference}, {{ name }} and {a}"), ["{a}", "{reference}", "{{ name }}"]);
        assert!(placeholders("no braces").is_empty());
        assert_eq!(placeholders("broken {x"), ["{x"]);
    }

    #[test]
    fn falls_back_to_the_primary_language_then_english() {
        assert_eq!(label("state", "closed", "en"), "Closed");
        assert_eq!(label("state", "closed", "vi-VN"), label("state", "closed", "vi"));
        assert_eq!(label("state", "closed", "pt-BR"), "Closed");
        assert_eq!(label("state", "no_such_state", "en"), "no_such_state");
    }
}
