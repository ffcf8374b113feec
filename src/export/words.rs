//! The words of a file in its reader's language, from `domain::labels`
//! (`report`, `report_about` and the catalogue groups).

use crate::domain::labels;

/// Labels in one language.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    pub language: &'static str,
}

impl Words {
    pub fn new(language: &'static str) -> Self {
        Self { language }
    }

    /// A report term or header (`report.<key>`).
    pub fn term(self, key: &'static str) -> &'static str {
        labels::label("report", key, self.language)
    }

    /// A term with `{}` filled in (a number or a header).
    pub fn term_with(self, key: &'static str, fill: &str) -> String {
        self.term(key).replacen("{}", fill, 1)
    }

    /// A sentence of the "About this file" sheet, with `{}` filled in.
    pub fn about(self, key: &'static str, fill: &str) -> String {
        labels::label("report_about", key, self.language).replacen("{}", fill, 1)
    }

    /// The header of the column holding the codes behind a labelled column.
    pub fn code_header(self, key: &'static str) -> String {
        self.term_with("code_suffix", self.term(key))
    }

    /// The label of a code in a catalogue group (`state`, `category`, …); the code itself when there is none.
    pub fn value<'a>(self, group: &str, code: &'a str) -> &'a str {
        labels::label(group, code, self.language)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every header, sheet name and term exists in every language a worker or NGO may read.
    #[test]
    fn every_report_term_exists_in_every_required_language() {
        let table: toml::Table = toml::from_str(include_str!("../domain/labels.toml")).unwrap();
        let terms = table["report"].as_table().unwrap();
        assert!(terms.len() > 50);
        for (key, entry) in terms {
            for language in labels::REQUIRED_LANGUAGES {
                let text = entry.get(language).and_then(|t| t.as_str());
                assert!(text.is_some_and(|t| !t.trim().is_empty()), "report.{key} lacks {language}");
            }
        }
        for group in ["priority", "lodged_via", "channel"] {
            for (key, entry) in table[group].as_table().unwrap() {
                for language in labels::REQUIRED_LANGUAGES {
                    assert!(entry.get(language).is_some(), "{group}.{key} lacks {language}");
                }
            }
        }
        assert_eq!(table["prefecture"].as_table().unwrap().len(), 47);
    }

    #[test]
    fn code_headers_follow_the_language() {
        assert_eq!(Words::new("en").code_header("state"), "State (code)");
        assert_eq!(Words::new("ja").code_header("state"), "状態（コード）");
        assert_eq!(Words::new("en").value("prefecture", "JP-23"), "Aichi");
        assert_eq!(Words::new("vi").value("prefecture", "JP-23"), "Aichi", "falls back to English");
    }
}
