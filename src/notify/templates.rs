//! E-mail templates per notification kind and language (`templates.toml`),
//! rendered by plain placeholder substitution: no logic in templates.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::domain::labels;
use crate::domain::notification::{NotificationKind, Params};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub subject: String,
    pub text: String,
    pub html: String,
}

type Table = HashMap<String, HashMap<String, Template>>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| toml::from_str(include_str!("templates.toml")).unwrap_or_default())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub language: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The template for `kind` in `language`, falling back to its primary
/// language and then to English.
pub fn template(kind: NotificationKind, language: &str) -> Option<(&'static str, &'static Template)> {
    let by_language = table().get(kind.as_str())?;
    let primary = language.split('-').next().unwrap_or(language);
    [language, primary, "en"]
        .into_iter()
        .find_map(|lang| by_language.get_key_value(lang))
        .map(|(lang, template)| (lang.as_str(), template))
}

pub fn render(kind: NotificationKind, language: &str, params: &Params, base_url: &str) -> Option<Rendered> {
    let (language, template) = template(kind, language)?;
    let link = format!("{}/cases/{}", base_url.trim_end_matches('/'), params.case_id);
    let state = params.state.as_deref().map(|s| labels::label("state", s, language)).unwrap_or_default();
    let values = [
        ("{reference}", params.reference.as_str()),
        ("{link}", link.as_str()),
        ("{state}", state),
        ("{due}", params.due.as_deref().unwrap_or("")),
        ("{priority}", params.priority.as_deref().unwrap_or("")),
    ];
    let fill = |text: &str, escape: bool| {
        values.iter().fold(text.to_owned(), |acc, (key, value)| {
            if escape { acc.replace(key, &escape_html(value)) } else { acc.replace(key, value) }
        })
    };
    Some(Rendered {
        language: language.to_owned(),
        subject: fill(template.subject.trim(), false),
        text: fill(template.text.trim(), false),
        html: fill(template.html.trim(), true),
    })
}

fn escape_html(value: &str) -> String {
    value.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::labels::REQUIRED_LANGUAGES;

    fn params() -> Params {
        Params {
            reference: "MG-2026-000042".into(),
            case_id: "0193-case".into(),
            state: Some("referred".into()),
            due: Some("2026-12-24".into()),
            priority: Some("urgent".into()),
        }
    }

    #[test]
    fn every_kind_exists_in_every_language_and_renders() {
        for &kind in NotificationKind::ALL {
            for language in REQUIRED_LANGUAGES {
                let (found, _) = template(kind, language).unwrap_or_else(|| panic!("{kind} has no template"));
                assert_eq!(found, language, "{kind} falls back for {language}");
                let rendered = render(kind, language, &params(), "https://madoguchi.example").unwrap();
                assert!(rendered.subject.contains("MG-2026-000042"), "{kind}/{language}");
                let link = "https://madoguchi.example/cases/0193-case";
                assert!(rendered.text.contains(link) && rendered.html.contains(link), "{kind}/{language}");
                for text in [&rendered.subject, &rendered.text, &rendered.html] {
                    assert!(!text.contains('{') && !text.contains('}'), "{kind}/{language}: unfilled placeholder");
                }
            }
        }
    }

    #[test]
    fn states_are_shown_in_the_readers_language_and_html_is_escaped() {
        let rendered = render(NotificationKind::CaseStateChanged, "vi-VN", &params(), "https://x.example").unwrap();
        assert_eq!(rendered.language, "vi");
        assert!(rendered.text.contains(labels::label("state", "referred", "vi")));
        let mut hostile = params();
        hostile.reference = "<script>".into();
        let rendered = render(NotificationKind::CaseSubmitted, "en", &hostile, "https://x.example").unwrap();
        assert!(rendered.html.contains("&lt;script&gt;") && !rendered.html.contains("<script>"));
        let fallback = render(NotificationKind::CaseSubmitted, "pt-BR", &params(), "https://x.example").unwrap();
        assert_eq!(fallback.language, "en");
    }
}
