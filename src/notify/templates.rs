//! E-mail notices: two layouts (news for the worker, a summary for everyone
//! else) rendered by minijinja, which escapes every value in the HTML part,
//! and the phrases of each language in `mail/<lang>.toml`, English standing
//! in for any phrase a language lacks.

use std::collections::HashMap;
use std::sync::OnceLock;

use minijinja::{Environment, context};
use serde::Deserialize;

use crate::auth::policy::mail_content;
use crate::domain::account_code::CodePurpose;
use crate::domain::labels;
use crate::domain::lifecycle::CaseRole;
use crate::domain::notification::{AccountMail, AccountParams, Content, Happening, Params};

/// The phrases of one language.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phrases {
    #[serde(default)]
    date_format: Option<String>,
    #[serde(default)]
    phrases: HashMap<String, String>,
    #[serde(default)]
    happening: HashMap<String, String>,
}

const PHRASE_FILES: [(&str, &str); 11] = [
    ("ja", include_str!("mail/ja.toml")),
    ("en", include_str!("mail/en.toml")),
    ("vi", include_str!("mail/vi.toml")),
    ("zh", include_str!("mail/zh.toml")),
    ("id", include_str!("mail/id.toml")),
    ("fil", include_str!("mail/fil.toml")),
    ("ne", include_str!("mail/ne.toml")),
    ("my", include_str!("mail/my.toml")),
    ("km", include_str!("mail/km.toml")),
    ("th", include_str!("mail/th.toml")),
    ("mn", include_str!("mail/mn.toml")),
];

const LAYOUTS: [(&str, &str); 7] = [
    ("account.txt", include_str!("mail/layout/account.txt")),
    ("account.html", include_str!("mail/layout/account.html")),
    ("landing.html", include_str!("mail/layout/landing.html")),
    ("worker_news.txt", include_str!("mail/layout/worker_news.txt")),
    ("worker_news.html", include_str!("mail/layout/worker_news.html")),
    ("staff_notice.txt", include_str!("mail/layout/staff_notice.txt")),
    ("staff_notice.html", include_str!("mail/layout/staff_notice.html")),
];

struct Catalogue {
    phrases: HashMap<&'static str, Phrases>,
    layouts: Environment<'static>,
}

fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        // The files are compiled in and checked by the tests below, so a
        // parse failure here cannot reach production; it would show as English.
        let phrases =
            PHRASE_FILES.iter().map(|(lang, text)| (*lang, toml::from_str(text).unwrap_or_default())).collect();
        let mut layouts = Environment::new();
        for (name, source) in LAYOUTS {
            if let Err(error) = layouts.add_template(name, source) {
                tracing::error!(%error, name, "mail layout does not parse");
            }
        }
        Catalogue { phrases, layouts }
    })
}

/// Where the links in mail lead: URL templates per audience, with
/// `{base_url}`, `{reference}`, `{case_id}` and `{lang}` filled in; the
/// account link has `{page}` and `{code}` instead of the case's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    pub base_url: String,
    pub worker: String,
    pub staff: String,
    pub account: String,
}

impl Links {
    fn fill(&self, template: &str, params: &Params, lang: &str) -> String {
        template
            .replace("{base_url}", self.base_url.trim_end_matches('/'))
            .replace("{reference}", &params.reference)
            .replace("{case_id}", &params.case_id)
            .replace("{lang}", lang)
    }

    fn fill_account(&self, purpose: CodePurpose, code: &str, lang: &str) -> String {
        self.account
            .replace("{base_url}", self.base_url.trim_end_matches('/'))
            .replace("{page}", purpose.page())
            .replace("{code}", code)
            .replace("{lang}", lang)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub language: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A phrase in `language`, or in English.
fn phrase(language: &str, key: &str) -> String {
    let phrases = &catalogue().phrases;
    [language, "en"]
        .iter()
        .find_map(|lang| phrases.get(lang).and_then(|p| p.phrases.get(key)))
        .cloned()
        .unwrap_or_else(|| key.to_owned())
}

/// What a happening is called in `language`, or in English.
pub fn what(happening: Happening, language: &str) -> String {
    let phrases = &catalogue().phrases;
    [labels::served_language_of(language), "en"]
        .iter()
        .find_map(|lang| phrases.get(lang).and_then(|p| p.happening.get(happening.as_str())))
        .cloned()
        .unwrap_or_else(|| happening.as_str().to_owned())
}

fn date(language: &str, iso: &str) -> String {
    let format = catalogue().phrases.get(language).and_then(|p| p.date_format.clone());
    match (chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d"), format) {
        (Ok(day), Some(format)) => day.format(&format).to_string(),
        _ => iso.to_owned(),
    }
}

/// Renders the notice of `happening` for one reader. Who the reader is
/// (`params.role`) decides what it may say; a row queued before roles were
/// recorded is treated as the worker's, the most discreet.
pub fn render(
    happening: Happening,
    language: &str,
    params: &Params,
    links: &Links,
    worker_details: bool,
) -> Result<Rendered, minijinja::Error> {
    let lang = labels::served_language_of(language);
    let role = params.role.unwrap_or(CaseRole::Worker);
    let catalogue = catalogue();
    let phrases: HashMap<String, String> =
        ["news_how", "news_open", "stage", "due", "priority", "staff_open", "footer"]
            .into_iter()
            .map(|key| (key.to_owned(), phrase(lang, key)))
            .collect();
    let with_reference = |key: &str| phrase(lang, key).replace("{reference}", &params.reference);
    let (layout, subject, ctx) = match mail_content(role, worker_details) {
        Content::NewsOnly => {
            let body = match happening {
                Happening::ReprisalCheckIn => with_reference("check_in_body"),
                _ => with_reference("news_body"),
            };
            let subject = phrase(lang, "news_subject");
            let link = links.fill(&links.worker, params, lang);
            let ctx = context! { lang, subject => &subject, body, link, t => &phrases };
            ("worker_news", subject, ctx)
        }
        Content::Summary => {
            let what = what(happening, lang);
            let subject =
                phrase(lang, "staff_subject").replace("{reference}", &params.reference).replace("{what}", &what);
            let state = params.state.as_deref().map(|s| labels::label("state", s, lang)).unwrap_or_default();
            let priority = params.priority.as_deref().map(|p| phrase(lang, p)).unwrap_or_default();
            let due = params.due.as_deref().map(|d| date(lang, d));
            let link = match role {
                CaseRole::Worker => links.fill(&links.worker, params, lang),
                _ => links.fill(&links.staff, params, lang),
            };
            let intro = with_reference("staff_intro");
            let ctx = context! { lang, subject => &subject, intro, what, state, due, priority, link, t => &phrases };
            ("staff_notice", subject, ctx)
        }
    };
    let text = catalogue.layouts.get_template(&format!("{layout}.txt"))?.render(&ctx)?;
    let html = catalogue.layouts.get_template(&format!("{layout}.html"))?.render(&ctx)?;
    Ok(Rendered { language: lang.to_owned(), subject, text, html })
}

/// Renders an account mail: a code to confirm an address or reset a
/// password, or word that an address was given again. It names no case.
pub fn render_account(
    mail: AccountMail,
    language: &str,
    params: &AccountParams,
    links: &Links,
) -> Result<Rendered, minijinja::Error> {
    let lang = labels::served_language_of(language);
    let (subject, body, purpose) = match mail {
        AccountMail::ConfirmEmail => {
            ("account_confirm_subject", "account_confirm_body", Some(CodePurpose::ConfirmEmail))
        }
        AccountMail::ResetPassword => ("account_reset_subject", "account_reset_body", Some(CodePurpose::ResetPassword)),
        AccountMail::AddressInUse => ("account_in_use_subject", "account_in_use_body", None),
    };
    let code = purpose.and(params.code.as_deref());
    let link = match (purpose, code) {
        (Some(purpose), Some(code)) => links.fill_account(purpose, code, lang),
        _ => String::new(),
    };
    let phrases: HashMap<String, String> = ["account_code_once", "account_ignore", "account_open", "footer"]
        .into_iter()
        .map(|key| (key.to_owned(), phrase(lang, key)))
        .collect();
    let subject = phrase(lang, subject);
    let ctx = context! { lang, subject => &subject, body => phrase(lang, body), code, link, t => &phrases };
    let layouts = &catalogue().layouts;
    let text = layouts.get_template("account.txt")?.render(&ctx)?;
    let html = layouts.get_template("account.html")?.render(&ctx)?;
    Ok(Rendered { language: lang.to_owned(), subject, text, html })
}

/// Who a landing page is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    Worker,
    Staff,
}

/// The page a link in mail lands on, in `language`: what the reader needs to
/// open the case. It names only what the link already carried.
pub fn landing_page(
    landing: Landing,
    language: &str,
    subject: &str,
) -> Result<(&'static str, String), minijinja::Error> {
    let lang = labels::served_language_of(language);
    let key = match landing {
        Landing::Worker => "page_worker",
        Landing::Staff => "page_staff",
    };
    let body = phrase(lang, key).replace("{reference}", subject);
    let html = catalogue().layouts.get_template("landing.html")?.render(context! { lang, title => subject, body })?;
    Ok((lang, html))
}

/// The page a mailed account code's link lands on: where to enter the code.
/// The code itself travels after `#` in the default link, so it never
/// reaches this server or its logs.
pub fn account_page(purpose: CodePurpose, language: &str) -> Result<(&'static str, String), minijinja::Error> {
    let lang = labels::served_language_of(language);
    let title = match purpose {
        CodePurpose::ConfirmEmail => phrase(lang, "account_confirm_subject"),
        CodePurpose::ResetPassword => phrase(lang, "account_reset_subject"),
    };
    let body = phrase(lang, "page_account");
    let html = catalogue().layouts.get_template("landing.html")?.render(context! { lang, title, body })?;
    Ok((lang, html))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::labels::REQUIRED_LANGUAGES;

    fn links() -> Links {
        Links {
            base_url: "https://madoguchi.example/".into(),
            worker: "{base_url}/case/{reference}?lang={lang}".into(),
            staff: "{base_url}/staff/cases/{case_id}".into(),
            account: "{base_url}/account/{page}?lang={lang}#code={code}".into(),
        }
    }

    fn params(role: CaseRole) -> Params {
        Params {
            reference: "MG-2026-000042".into(),
            case_id: "0193-case".into(),
            state: Some("referred".into()),
            due: Some("2026-12-24".into()),
            priority: Some("urgent".into()),
            role: Some(role),
        }
    }

    #[test]
    fn every_phrase_file_parses_and_has_every_phrase_and_happening() {
        let english: Phrases = toml::from_str(PHRASE_FILES[1].1).unwrap();
        for (lang, text) in PHRASE_FILES {
            let phrases: Phrases = toml::from_str(text).unwrap_or_else(|e| panic!("{lang}: {e}"));
            for key in english.phrases.keys() {
                assert!(phrases.phrases.contains_key(key), "{lang} lacks phrase {key}");
            }
            for happening in Happening::ALL {
                assert!(phrases.happening.contains_key(happening.as_str()), "{lang} lacks {happening}");
            }
            assert!(phrases.date_format.is_some(), "{lang}");
        }
        assert_eq!(REQUIRED_LANGUAGES.len(), PHRASE_FILES.len());
    }

    #[test]
    fn every_happening_renders_for_every_reader_in_every_language() {
        for &happening in Happening::ALL {
            for language in REQUIRED_LANGUAGES {
                for role in [CaseRole::Worker, CaseRole::Handler, CaseRole::Employer] {
                    let rendered = render(happening, language, &params(role), &links(), false)
                        .unwrap_or_else(|e| panic!("{happening}/{language}: {e:#}"));
                    assert_eq!(rendered.language, language);
                    for part in [&rendered.subject, &rendered.text, &rendered.html] {
                        assert!(!part.contains('{') && !part.contains('}'), "{happening}/{language}: {part}");
                    }
                    assert!(rendered.html.contains(&format!("<html lang=\"{language}\">")));
                    let link = match role {
                        CaseRole::Worker => &format!("https://madoguchi.example/case/MG-2026-000042?lang={language}"),
                        _ => "https://madoguchi.example/staff/cases/0193-case",
                    };
                    // minijinja writes `/` as `&#x2f;` in HTML, which browsers read back as `/`.
                    let html = rendered.html.replace("&#x2f;", "/");
                    assert!(rendered.text.contains(link) && html.contains(link), "{happening}/{role}");
                }
            }
        }
    }

    #[test]
    fn mail_to_the_worker_says_only_that_there_is_news() {
        let rendered = render(Happening::RemedyProposed, "vi", &params(CaseRole::Worker), &links(), false).unwrap();
        assert!(!rendered.subject.contains("MG-2026"), "the subject names nothing");
        assert!(rendered.text.contains("MG-2026-000042"));
        let said = what(Happening::RemedyProposed, "vi");
        assert!(!rendered.text.contains(&said) && !rendered.html.contains(&said));
        assert!(!rendered.text.contains(labels::label("state", "referred", "vi")));
        // The operator may choose to say more.
        let detailed = render(Happening::RemedyProposed, "vi", &params(CaseRole::Worker), &links(), true).unwrap();
        assert!(detailed.text.contains(&said));
    }

    #[test]
    fn values_are_localised_and_escaped() {
        let rendered = render(Happening::StageReminder, "ja-JP", &params(CaseRole::Employer), &links(), false).unwrap();
        assert_eq!(rendered.language, "ja");
        assert!(rendered.text.contains("2026年12月24日"), "{}", rendered.text);
        assert!(rendered.text.contains("緊急") && !rendered.text.contains("urgent"));
        assert!(rendered.text.contains(labels::label("state", "referred", "ja")));
        let mut hostile = params(CaseRole::Handler);
        hostile.reference = "<script>".into();
        let rendered = render(Happening::Lodged, "en", &hostile, &links(), false).unwrap();
        assert!(rendered.html.contains("&lt;script&gt;") && !rendered.html.contains("<script>"));
        let fallback = render(Happening::Lodged, "pt-BR", &params(CaseRole::Handler), &links(), false).unwrap();
        assert_eq!(fallback.language, "en");
    }

    #[test]
    fn account_mail_carries_its_code_and_link_in_every_language_and_nothing_else() {
        let code = AccountParams { code: Some("ABCD-EFGH-JKMN-PQRS".into()) };
        for lang in REQUIRED_LANGUAGES {
            for &mail in AccountMail::ALL {
                let rendered = render_account(mail, lang, &code, &links()).unwrap();
                assert_eq!(rendered.language, lang);
                assert!(!rendered.subject.is_empty());
                assert_eq!(rendered.text.contains("ABCD-EFGH-JKMN-PQRS"), mail.carries_code(), "{lang} {mail}");
                assert_eq!(rendered.html.contains("ABCD-EFGH-JKMN-PQRS"), mail.carries_code(), "{lang} {mail}");
                assert_eq!(rendered.text.contains("#code=ABCD-EFGH-JKMN-PQRS"), mail.carries_code(), "{lang} {mail}");
            }
            let (served, page) = account_page(CodePurpose::ResetPassword, lang).unwrap();
            assert_eq!(served, lang);
            assert!(page.contains(&format!("lang=\"{lang}\"")));
        }
        let reset = render_account(AccountMail::ResetPassword, "en", &code, &links()).unwrap();
        assert!(
            reset.text.contains("https://madoguchi.example/account/reset-password?lang=en#code="),
            "{}",
            reset.text
        );
    }
}
