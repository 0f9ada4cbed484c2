//! Secrets: read from where the connector says when it is used, held in a
//! type that never prints them, and scrubbed from every message we keep.

use crate::connector::SecretSource;
use crate::error::VendorError;
use std::fmt;

/// An API key or token. `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    /// Reads the secret now. The error says how to provide it.
    pub fn resolve(source: &SecretSource) -> Result<Secret, VendorError> {
        match source {
            SecretSource::Env { var } => match std::env::var(var) {
                Ok(value) if !value.trim().is_empty() => Ok(Secret(value.trim().to_string())),
                Ok(_) => Err(VendorError::Secret(format!(
                    "the environment variable {var} is empty: set it to the API key before evaluating"
                ))),
                Err(_) => Err(VendorError::Secret(format!(
                    "the environment variable {var} is not set: set it to the API key in the shell that runs Data Lab (the key is read when the connector is used, never stored)"
                ))),
            },
        }
    }

    /// For tests and callers that hold the value already.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        // Very short secrets would scrub ordinary words; they are refused as keys anyway.
        if self.0.len() < 4 {
            return text.to_string();
        }
        text.replace(&self.0, "***")
    }
}

/// Redacts with a secret if there is one.
pub fn redact(secret: Option<&Secret>, text: &str) -> String {
    match secret {
        Some(secret) => secret.redact(text),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_print_and_are_scrubbed() {
        let secret = Secret::new("sk-test-12345");
        assert_eq!(format!("{secret:?}"), "Secret(***)");
        assert_eq!(
            secret.redact("echo: Bearer sk-test-12345!"),
            "echo: Bearer ***!"
        );
    }

    #[test]
    fn a_missing_variable_says_what_to_set() {
        let source = SecretSource::Env {
            var: "DATALAB_TEST_SURELY_UNSET_VARIABLE".into(),
        };
        assert!(Secret::resolve(&source).is_err_and(|e| {
            e.to_string()
                .contains("DATALAB_TEST_SURELY_UNSET_VARIABLE is not set")
        }));
    }
}
