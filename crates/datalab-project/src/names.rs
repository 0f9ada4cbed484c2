//! The names a person gives to the records of a project, checked in one
//! place. Models, aliases, vendors and storage targets share one rule: their
//! names become folder names and parts of URLs and object keys. Datasets keep
//! a looser one (they are named after files), but never control characters,
//! which would reach a terminal as escape sequences.

use crate::error::ProjectError;

/// The longest name of a model, alias, vendor or storage target.
pub const MAX_NAME_LEN: usize = 64;

/// The longest dataset name.
pub const MAX_DATASET_NAME_LEN: usize = 200;

/// Checks the name of a model, alias, vendor or storage target (`kind` says
/// which, for the message): 1 to 64 ASCII letters, digits, `_`, `-` or `.`,
/// not starting with `.`.
pub fn check_name(kind: &'static str, name: &str) -> Result<(), ProjectError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !name.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(ProjectError::InvalidName {
            kind,
            name: name.to_string(),
            rule: "use 1 to 64 letters, digits, '_', '-' or '.' (not starting with '.')",
        })
    }
}

/// `text` as a name [`check_name`] accepts: lower-case letters and digits,
/// every other run of characters one `-`, cut to the longest name; None when
/// nothing is left (a name of punctuation only).
pub fn slug(text: &str) -> Option<String> {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.truncate(MAX_NAME_LEN);
    let slug = slug.trim_end_matches('-').to_string();
    (!slug.is_empty()).then_some(slug)
}

/// Checks a dataset name: 1 to 200 characters, not only spaces, no control
/// characters (newlines, tabs, escapes).
pub fn check_dataset_name(name: &str) -> Result<(), ProjectError> {
    if name.trim().is_empty()
        || name.len() > MAX_DATASET_NAME_LEN
        || name.chars().any(char::is_control)
    {
        return Err(ProjectError::InvalidName {
            kind: "dataset",
            name: name.to_string(),
            rule: "use 1 to 200 visible characters (no newlines, tabs or other control characters)",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_is_a_plain_name() {
        assert_eq!(
            slug("iris: trees vs logistic regression").as_deref(),
            Some("iris-trees-vs-logistic-regression")
        );
        assert_eq!(slug("  Churn (v2) ").as_deref(), Some("churn-v2"));
        assert_eq!(slug("¿?!"), None);
        let long = slug(&"a".repeat(100)).unwrap_or_default();
        assert!(check_name("bundle", &long).is_ok());
        assert_eq!(long.len(), MAX_NAME_LEN);
    }

    #[test]
    fn record_names_are_plain_and_short() {
        for good in ["churn", "churn-v2", "a.b_c", "X9"] {
            assert!(check_name("model", good).is_ok(), "{good}");
        }
        for bad in ["", ".hidden", "a/b", "a b", "é", &"x".repeat(65), "a\nb"] {
            assert!(check_name("model", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn dataset_names_refuse_control_characters_and_say_so_safely() {
        assert!(check_dataset_name("sales 2024 (EU)").is_ok());
        assert!(check_dataset_name("über-daten").is_ok());
        for bad in ["", "   ", "a\nb", "tab\there", "esc\u{1b}[31m"] {
            assert!(check_dataset_name(bad).is_err(), "{bad:?}");
        }
        // The message shows the name escaped, never raw.
        let message = check_dataset_name("esc\u{1b}[31m")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!message.contains('\u{1b}'), "{message:?}");
        assert!(message.contains("\\u{1b}"), "{message:?}");
    }
}
