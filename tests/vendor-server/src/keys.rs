//! Keys and the answers derived from them.
//!
//! Every answer the vendor gives is a pure function of a row's *key*, a string
//! a client can compute too: tests check a prediction against
//! [`label_for`]/[`value_for`] without a copy of the server's state. The key's
//! SHA-256 feeds two independent choices: bytes 0..8 pick the fault
//! ([`crate::FaultPlan::fault_for`]), bytes 8..16 pick the answer, so which
//! rows fail says nothing about what they would have answered.

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Which 8 bytes of the key's SHA-256 a choice reads.
#[derive(Clone, Copy, Debug)]
pub(crate) enum HashWord {
    /// Bytes 0..8: the fault.
    Fault,
    /// Bytes 8..16: the answer.
    Answer,
}

/// The big-endian u64 at `word` of sha256(key).
pub(crate) fn hash_word(key: &str, word: HashWord) -> u64 {
    let digest = Sha256::digest(key.as_bytes());
    let start = match word {
        HashWord::Fault => 0,
        HashWord::Answer => 8,
    };
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[start..start + 8]);
    u64::from_be_bytes(bytes)
}

/// Deterministic classification answer: `labels[u64(sha256(key)[8..16]) % labels.len()]`.
///
/// An empty label list has no answer: it returns the empty string (the
/// server never asks, it answers numbers then).
pub fn label_for(key: &str, labels: &[String]) -> String {
    let Ok(count) = u64::try_from(labels.len()) else {
        return String::new();
    };
    if count == 0 {
        return String::new();
    }
    let index = hash_word(key, HashWord::Answer) % count;
    usize::try_from(index)
        .ok()
        .and_then(|index| labels.get(index))
        .cloned()
        .unwrap_or_default()
}

/// Deterministic regression answer: `(u64(sha256(key)[8..16]) % 10_000) / 100`,
/// a number in 0.00..=99.99 with two decimals.
pub fn value_for(key: &str) -> f64 {
    // Below 10_000, so the conversion to f64 is exact.
    let hundredths = hash_word(key, HashWord::Answer) % 10_000;
    hundredths as f64 / 100.0
}

/// The key of a tensor-protocol row (OIP v2, MLflow): the compact JSON of the
/// array of the row's values in column order, e.g. `[5.1,"Adelie",null]`.
pub fn row_key(values: &[Value]) -> String {
    // Serialising a slice of `Value`s cannot fail (no maps with non-string keys).
    serde_json::to_string(values).unwrap_or_default()
}
