//! Latency percentiles, as load-testing tools report them.

use serde::{Deserialize, Serialize};

/// Milliseconds per call.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LatencySummary {
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub mean: f64,
    pub calls: u64,
}

/// Percentiles by the nearest-rank method; none without latencies.
pub fn latency_summary(latencies: &[f64]) -> Option<LatencySummary> {
    let mut sorted: Vec<f64> = latencies
        .iter()
        .copied()
        .filter(|x| x.is_finite())
        .collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let rank = |p: f64| {
        let index = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
        sorted[index.clamp(1, sorted.len()) - 1]
    };
    Some(LatencySummary {
        p50: rank(50.0),
        p95: rank(95.0),
        p99: rank(99.0),
        mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
        calls: sorted.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let latencies: Vec<f64> = (1..=100).map(f64::from).collect();
        let summary = latency_summary(&latencies);
        assert_eq!(
            summary.map(|s| (s.p50, s.p95, s.p99)),
            Some((50.0, 95.0, 99.0))
        );
        assert_eq!(latency_summary(&[]), None);
        assert_eq!(latency_summary(&[7.0]).map(|s| s.p99), Some(7.0));
    }
}
