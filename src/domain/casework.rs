//! Case work: which mediators suit a case (language first, then workload),
//! which declared conflicts of interest bar a mediator from a case, and how
//! a directory's name search is read.

use std::cmp::Reverse;

use super::{CaseId, LanguageTag, OrganisationId, UserId};

/// What a mediator declared a conflict of interest with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictSubject {
    /// Every case this organisation stands on (as employer, supervising
    /// organisation, advocate or party).
    Organisation(OrganisationId),
    /// One case.
    Case(CaseId),
}

/// The organisations a case touches and its id: what a conflict is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTouches {
    pub case_id: CaseId,
    pub organisations: Vec<OrganisationId>,
}

impl ConflictSubject {
    /// Whether a conflict on this subject bars its mediator from the case.
    pub fn touches(self, case: &CaseTouches) -> bool {
        match self {
            Self::Organisation(org) => case.organisations.contains(&org),
            Self::Case(id) => id == case.case_id,
        }
    }
}

/// Whether someone who speaks `languages` can talk with a worker writing in
/// `wanted`: the same primary language (`vi-VN` speaks with `vi`).
pub fn speaks(languages: &[LanguageTag], wanted: &LanguageTag) -> bool {
    languages.iter().any(|spoken| spoken.primary().eq_ignore_ascii_case(wanted.primary()))
}

/// A mediator as the suggestion ranks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub user_id: UserId,
    pub languages: Vec<LanguageTag>,
    /// Cases assigned to them that are not finished.
    pub open_cases: i64,
    /// A declared conflict of interest touches the case.
    pub conflicted: bool,
}

/// A suggested mediator, best first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub user_id: UserId,
    pub speaks_workers_language: bool,
    pub open_cases: i64,
}

/// Mediators for a case, best first: those who speak the worker's language
/// before those who do not, then the least loaded, then the longest
/// registered (ids are UUIDv7), so that the order is stable. A mediator
/// with a conflict touching the case is not suggested at all: assigning
/// them would be refused.
pub fn suggest(candidates: Vec<Candidate>, workers_language: &LanguageTag) -> Vec<Suggestion> {
    let mut suggestions: Vec<Suggestion> = candidates
        .into_iter()
        .filter(|c| !c.conflicted)
        .map(|c| Suggestion {
            user_id: c.user_id,
            speaks_workers_language: speaks(&c.languages, workers_language),
            open_cases: c.open_cases,
        })
        .collect();
    suggestions.sort_by_key(|s| (Reverse(s.speaks_workers_language), s.open_cases, s.user_id.to_string()));
    suggestions
}

/// A name search as typed: trimmed, at most 100 characters, `None` when empty.
pub fn search_text(raw: Option<&str>) -> Option<String> {
    let text: String = raw?.trim().chars().take(100).collect();
    (!text.is_empty()).then_some(text)
}

/// The half-open range `[from, to)` of keys that start with `prefix` in
/// byte order: an index range scan on both databases. `None` for an empty prefix.
pub fn prefix_range(prefix: &str) -> Option<(String, String)> {
    let mut chars: Vec<char> = prefix.chars().collect();
    // The upper bound is the prefix with its last character raised by one;
    // a character with no successor is dropped and the one before raised.
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(u32::from(last) + 1).or_else(|| char::from_u32(0xE000))
            && next > last
        {
            let mut to: String = chars.iter().collect();
            to.push(next);
            return Some((prefix.to_owned(), to));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(t: &str) -> LanguageTag {
        LanguageTag::parse(t).unwrap()
    }

    #[test]
    fn language_first_then_workload_and_never_a_conflicted_mediator() {
        let ids: Vec<UserId> = (0..4).map(|_| UserId::new()).collect();
        let candidate = |i: usize, languages: &[&str], open_cases, conflicted| Candidate {
            user_id: ids[i],
            languages: languages.iter().map(|l| tag(l)).collect(),
            open_cases,
            conflicted,
        };
        let ranked = suggest(
            vec![
                candidate(0, &["ja", "en"], 0, false),
                candidate(1, &["vi-VN"], 5, false),
                candidate(2, &["ja", "vi"], 2, false),
                candidate(3, &["vi"], 0, true),
            ],
            &tag("vi"),
        );
        let order: Vec<(UserId, bool, i64)> =
            ranked.iter().map(|s| (s.user_id, s.speaks_workers_language, s.open_cases)).collect();
        assert_eq!(order, vec![(ids[2], true, 2), (ids[1], true, 5), (ids[0], false, 0)]);
    }

    #[test]
    fn a_conflict_touches_the_case_or_an_organisation_standing_on_it() {
        let (employer, ngo, elsewhere) = (OrganisationId::new(), OrganisationId::new(), OrganisationId::new());
        let case = CaseTouches { case_id: CaseId::new(), organisations: vec![employer, ngo] };
        assert!(ConflictSubject::Organisation(employer).touches(&case));
        assert!(ConflictSubject::Organisation(ngo).touches(&case));
        assert!(!ConflictSubject::Organisation(elsewhere).touches(&case));
        assert!(ConflictSubject::Case(case.case_id).touches(&case));
        assert!(!ConflictSubject::Case(CaseId::new()).touches(&case));
    }

    #[test]
    fn prefixes_are_byte_ranges() {
        assert_eq!(prefix_range("sakura"), Some(("sakura".into(), "sakurb".into())));
        assert_eq!(prefix_range("みどり"), Some(("みどり".into(), "みどる".into())));
        assert_eq!(prefix_range(""), None);
        let (from, to) = prefix_range("ab").unwrap();
        for inside in ["ab", "abc", "ab\u{10FFFF}", "abz"] {
            assert!(from.as_str() <= inside && inside < to.as_str(), "{inside}");
        }
        for outside in ["aa", "ac", "b", "a"] {
            assert!(!(from.as_str() <= outside && outside < to.as_str()), "{outside}");
        }
        assert_eq!(search_text(Some("  Sakura  ")), Some("Sakura".into()));
        assert_eq!(search_text(Some("   ")), None);
        assert_eq!(search_text(None), None);
    }

    #[test]
    fn speaking_a_language_is_sharing_its_primary_subtag() {
        assert!(speaks(&[tag("vi-VN")], &tag("vi")));
        assert!(speaks(&[tag("ja"), tag("ne")], &tag("ne-NP")));
        assert!(!speaks(&[tag("ja")], &tag("vi")));
        assert!(!speaks(&[], &tag("vi")));
    }
}
