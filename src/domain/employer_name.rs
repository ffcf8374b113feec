//! Employer names as workers type them, reduced to one key per employer, so
//! that `株式会社みどり農園（Nông trại Midori）` and `みどり農園` count as one
//! employer in statistics. Used only where no organisation is linked; a
//! linked organisation is its own identity.

/// Company-form words in Latin script, dropped as whole words.
const LATIN_FORMS: [&str; 9] = ["co", "ltd", "inc", "kk", "llc", "corp", "corporation", "company", "limited"];

/// Company-form markers in Japanese, dropped wherever they stand.
const JAPANESE_FORMS: [&str; 9] =
    ["株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "(株)", "(有)", "(同)", "(合)"];

/// The key under which free-text employer names are counted together: the
/// name with full-width letters and brackets made ordinary, lower case,
/// company forms and a bracketed translation removed, and spaces and
/// punctuation ignored. An empty result falls back to the trimmed name.
pub fn key(name: &str) -> String {
    let folded: String = name.chars().flat_map(fold_width).collect::<String>().to_lowercase();
    let mut bare = folded;
    for form in JAPANESE_FORMS {
        bare = bare.replace(form, " ");
    }
    let outside = without_brackets(&bare);
    // A name that is all brackets keeps what they hold.
    let text = if outside.chars().any(char::is_alphanumeric) { outside } else { bare };
    let key: String = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty() && !LATIN_FORMS.contains(word))
        .collect();
    if key.is_empty() { name.trim().to_lowercase() } else { key }
}

/// Full-width ASCII (`Ａ`, `（`) to ASCII, the ideographic space to a space,
/// and the enclosed company signs (`㈱`) to their bracketed form.
fn fold_width(c: char) -> Vec<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).into_iter().collect(),
        '\u{3000}' => vec![' '],
        '㈱' => "(株)".chars().collect(),
        '㈲' => "(有)".chars().collect(),
        '【' | '「' | '『' => vec!['('],
        '】' | '」' | '』' => vec![')'],
        _ => vec![c],
    }
}

/// The text outside round brackets (a translation or an aside).
fn without_brackets(text: &str) -> String {
    let mut depth = 0usize;
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                out.push(' ');
            }
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_employer_share_a_key() {
        let spellings = [
            "株式会社みどり農園（Nông trại Midori）",
            "みどり農園",
            "(株)みどり農園",
            "㈱ みどり農園",
            "みどり農園株式会社",
            "みどり 農園 (Midori Farm)",
        ];
        for spelling in spellings {
            assert_eq!(key(spelling), "みどり農園", "{spelling}");
        }
        assert_eq!(key("Sakura Foods Co., Ltd."), key("SAKURA FOODS"));
        assert_eq!(key("ＳＡＫＵＲＡ　ＦＯＯＤＳ"), "sakurafoods");
        assert_eq!(key("Công ty Nông trại Midori"), "côngtynôngtrạimidori", "letters with diacritics stay");
    }

    #[test]
    fn different_employers_keep_different_keys() {
        assert_ne!(key("みどり農園"), key("みどり食品"));
        assert_ne!(key("Princess Foods"), key("Pr Foods"), "company forms go only as whole words");
        assert_eq!(key("(Nông trại Midori)"), "nôngtrạimidori", "a name that is all brackets keeps them");
        assert_eq!(key("株式会社"), "株式会社", "nothing left falls back to the name");
    }
}
