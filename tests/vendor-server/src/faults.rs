//! The fault plan: which share of rows misbehave, and how.
//!
//! A plan gives each fault a rate in per mille of rows. Which rows get it is
//! decided by the row's key alone ([`FaultPlan::fault_for`]), so a run against
//! the same data meets the same faults on every machine, and a client's retry
//! of a request meets the same fault again (the "once" faults count attempts).

use crate::keys::{HashWord, hash_word};

/// Rates of each fault, in per mille (0..=1000) of rows.
///
/// The ranges are laid end to end in field order (`slow` first) over
/// 0..1000; rates summing past 1000 crowd out the later faults.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultPlan {
    /// Answer after `slow_ms`.
    pub slow: u16,
    /// Answer after `hang_ms`, longer than any client waits.
    pub timeout: u16,
    /// 429 with `Retry-After` on the first attempt, then a normal answer.
    pub rate_limited_once: u16,
    /// 500 on the first attempt, then a normal answer.
    pub server_error_once: u16,
    /// 500 on every attempt.
    pub server_error_always: u16,
    /// 200 with a truncated JSON body.
    pub malformed: u16,
    /// The row answers a label outside the label set (or "n/a" for a number).
    pub bad_label: u16,
}

/// What a row (or a request, by its first row) suffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    None,
    Slow,
    Timeout,
    RateLimitedOnce,
    ServerErrorOnce,
    ServerErrorAlways,
    Malformed,
    BadLabel,
}

/// The names `parse` accepts, in the order of the ranges.
const FAULT_NAMES: [&str; 7] = [
    "slow",
    "timeout",
    "rate_limited_once",
    "server_error_once",
    "server_error_always",
    "malformed",
    "bad_label",
];

impl FaultPlan {
    /// The fault of `key`: `u64(sha256(key)[0..8]) % 1000` falls in one of the
    /// cumulative ranges (slow first, in field order), or beyond them: `None`.
    pub fn fault_for(&self, key: &str) -> Fault {
        let point = hash_word(key, HashWord::Fault) % 1000;
        let mut range_end = 0u64;
        for (rate, fault) in self.rates() {
            range_end += u64::from(rate);
            if point < range_end {
                return fault;
            }
        }
        Fault::None
    }

    /// Parses `slow=50,timeout=10,rate_limited_once=100,...` (the CLI's
    /// `--faults`). Names not given are 0; the empty string is no faults.
    pub fn parse(text: &str) -> Result<FaultPlan, String> {
        let mut plan = FaultPlan::default();
        let mut seen: Vec<&str> = Vec::new();
        for item in text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let Some((name, number)) = item.split_once('=') else {
                return Err(format!(
                    "fault \"{item}\" has no rate: write name=per_mille, e.g. slow=50"
                ));
            };
            let (name, number) = (name.trim(), number.trim());
            if seen.contains(&name) {
                return Err(format!("fault \"{name}\" is given twice"));
            }
            let Some(slot) = plan.rate_mut(name) else {
                return Err(format!(
                    "unknown fault \"{name}\" (known: {})",
                    FAULT_NAMES.join(", ")
                ));
            };
            *slot = match number.parse::<u16>() {
                Ok(rate) if rate <= 1000 => rate,
                _ => {
                    return Err(format!(
                        "fault \"{name}\": \"{number}\" is not a rate in per mille (0..=1000)"
                    ));
                }
            };
            seen.push(name);
        }
        let total: u32 = plan.rates().iter().map(|(rate, _)| u32::from(*rate)).sum();
        if total > 1000 {
            return Err(format!(
                "the fault rates add up to {total} per mille; at most 1000 rows in 1000 can fail"
            ));
        }
        Ok(plan)
    }

    /// Each rate with its fault, in range order.
    fn rates(&self) -> [(u16, Fault); 7] {
        [
            (self.slow, Fault::Slow),
            (self.timeout, Fault::Timeout),
            (self.rate_limited_once, Fault::RateLimitedOnce),
            (self.server_error_once, Fault::ServerErrorOnce),
            (self.server_error_always, Fault::ServerErrorAlways),
            (self.malformed, Fault::Malformed),
            (self.bad_label, Fault::BadLabel),
        ]
    }

    fn rate_mut(&mut self, name: &str) -> Option<&mut u16> {
        match name {
            "slow" => Some(&mut self.slow),
            "timeout" => Some(&mut self.timeout),
            "rate_limited_once" => Some(&mut self.rate_limited_once),
            "server_error_once" => Some(&mut self.server_error_once),
            "server_error_always" => Some(&mut self.server_error_always),
            "malformed" => Some(&mut self.malformed),
            "bad_label" => Some(&mut self.bad_label),
            _ => None,
        }
    }
}
