//! The window's pages, rendered by minijinja (the engine of the mail
//! templates, which escapes every value in HTML), with the window's phrases
//! in `phrases.toml` and the catalogue's labels in `domain/labels.toml`.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use minijinja::Environment;
use minijinja::value::Serde;
use serde::Serialize;

use crate::domain::labels;

/// The languages workers choose from, each named in its own script.
pub const LANGUAGES: [(&str, &str); 11] = [
    ("vi", "Tiếng Việt"),
    ("zh", "中文"),
    ("id", "Bahasa Indonesia"),
    ("fil", "Filipino"),
    ("ne", "नेपाली"),
    ("my", "မြန်မာဘာသာ"),
    ("km", "ភាសាខ្មែរ"),
    ("th", "ภาษาไทย"),
    ("mn", "Монгол"),
    ("ja", "日本語"),
    ("en", "English"),
];

const TEMPLATES: [(&str, &str); 7] = [
    ("layout.html", include_str!("pages/layout.html")),
    ("home.html", include_str!("pages/home.html")),
    ("lodge.html", include_str!("pages/lodge.html")),
    ("receipt.html", include_str!("pages/receipt.html")),
    ("login.html", include_str!("pages/login.html")),
    ("case.html", include_str!("pages/case.html")),
    ("error.html", include_str!("pages/error.html")),
];

pub const STYLESHEET: &str = include_str!("pages/window.css");
pub const ICON: &str = include_str!("pages/icon.svg");

type Phrases = HashMap<String, HashMap<String, String>>;

struct Catalogue {
    phrases: Phrases,
    templates: Environment<'static>,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        // Compiled in and checked by the tests below, so a parse failure
        // cannot reach production unnoticed.
        let phrases = toml::from_str(include_str!("phrases.toml")).unwrap_or_default();
        let mut templates = Environment::new();
        for (name, source) in TEMPLATES {
            if let Err(error) = templates.add_template(name, source) {
                tracing::error!(%error, name, "window template does not parse");
            }
        }
        Catalogue { phrases, templates }
    })
}

/// The language a page is served in for a requested tag: one of the 11, or English.
pub fn served_language(requested: Option<&str>) -> &'static str {
    requested.map_or("en", labels::served_language_of)
}

/// Every phrase in `language`, English standing in for a missing one.
fn phrases(language: &str) -> BTreeMap<&'static str, &'static str> {
    catalogue()
        .phrases
        .iter()
        .map(|(key, by_language)| {
            let text = [language, "en"].iter().find_map(|lang| by_language.get(*lang)).map_or("", String::as_str);
            (key.as_str(), text)
        })
        .collect()
}

/// One phrase in `language`, or in English, or its key.
pub fn phrase(language: &str, key: &str) -> String {
    let by_language = catalogue().phrases.get(key);
    [language, "en"]
        .iter()
        .find_map(|lang| by_language.and_then(|p| p.get(*lang)))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// What every page needs: its language, the window's address and the form token.
#[derive(Debug, Clone, Serialize)]
pub struct Frame<'a> {
    pub lang: &'a str,
    pub base: &'a str,
    pub csrf: &'a str,
}

/// Renders `template` with the frame, the phrases and the page's own values.
pub fn page(template: &str, frame: &Frame<'_>, values: impl Serialize) -> Result<String, minijinja::Error> {
    let template = catalogue().templates.get_template(template)?;
    template.render(minijinja::context! {
        lang => frame.lang,
        base => frame.base,
        csrf => frame.csrf,
        t => Serde(phrases(frame.lang)),
        languages => Serde(LANGUAGES),
        page => Serde(values),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_parse_and_each_has_english() {
        let parsed: Phrases = toml::from_str(include_str!("phrases.toml")).unwrap();
        assert!(parsed.len() > 50);
        for (key, by_language) in &parsed {
            assert!(by_language.contains_key("en"), "{key} has no English");
            for language in by_language.keys() {
                assert!(labels::REQUIRED_LANGUAGES.contains(&language.as_str()), "{key}: unknown {language}");
            }
        }
    }

    #[test]
    fn every_phrase_is_in_every_language_with_the_english_placeholders() {
        let parsed: Phrases = toml::from_str(include_str!("phrases.toml")).unwrap();
        for (key, by_language) in &parsed {
            let english = labels::placeholders(&by_language["en"]);
            for language in labels::REQUIRED_LANGUAGES {
                let text = by_language.get(language).unwrap_or_else(|| panic!("{key} lacks {language}"));
                assert!(!text.trim().is_empty(), "{key}.{language} empty");
                assert_eq!(labels::placeholders(text), english, "{key}.{language} placeholders");
            }
        }
    }

    #[test]
    fn templates_parse() {
        for (name, source) in TEMPLATES {
            Environment::new().template_from_str(source).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn every_language_is_offered_once() {
        let mut offered: Vec<&str> = LANGUAGES.iter().map(|(tag, _)| *tag).collect();
        offered.sort_unstable();
        let mut required = labels::REQUIRED_LANGUAGES.to_vec();
        required.sort_unstable();
        assert_eq!(offered, required);
    }
}
