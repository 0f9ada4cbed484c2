//! Prometheus metrics of a served model, in the text exposition format:
//! requests and errors by route and status, a latency histogram by route,
//! rows predicted. Written by hand: a few counters do not need a registry.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0,
];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Debug, Default)]
struct State {
    requests: BTreeMap<(&'static str, u16), u64>,
    latency: BTreeMap<&'static str, Histogram>,
    rows: u64,
}

#[derive(Debug, Default)]
pub struct Metrics {
    state: Mutex<State>,
}

impl Metrics {
    /// Counts a request to `route` that answered `status` after `seconds`.
    pub fn observe(&self, route: &'static str, status: u16, seconds: f64, rows: u64) {
        if let Ok(mut state) = self.state.lock() {
            *state.requests.entry((route, status)).or_default() += 1;
            state.rows += rows;
            let histogram = state.latency.entry(route).or_default();
            histogram.count += 1;
            histogram.sum += seconds;
            for (bound, count) in BUCKETS.iter().zip(histogram.counts.iter_mut()) {
                if seconds <= *bound {
                    *count += 1;
                }
            }
        }
    }

    /// The exposition text; `model` labels the info metric.
    pub fn render(&self, model: Option<(&str, u32, &str)>) -> String {
        let mut out = String::new();
        let Ok(state) = self.state.lock() else {
            return out;
        };
        let _ = writeln!(
            out,
            "# HELP datalab_model_info The model served (1 once loaded)."
        );
        let _ = writeln!(out, "# TYPE datalab_model_info gauge");
        if let Some((name, version, algorithm)) = model {
            let _ = writeln!(
                out,
                "datalab_model_info{{name=\"{}\",version=\"{version}\",algorithm=\"{}\"}} 1",
                escape(name),
                escape(algorithm)
            );
        }
        let _ = writeln!(
            out,
            "# HELP datalab_requests_total Requests by route and HTTP status."
        );
        let _ = writeln!(out, "# TYPE datalab_requests_total counter");
        for ((route, status), count) in &state.requests {
            let _ = writeln!(
                out,
                "datalab_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP datalab_request_errors_total Requests answered with a 4xx or 5xx, by route."
        );
        let _ = writeln!(out, "# TYPE datalab_request_errors_total counter");
        let mut errors: BTreeMap<&str, u64> = BTreeMap::new();
        for ((route, status), count) in &state.requests {
            if *status >= 400 {
                *errors.entry(route).or_default() += count;
            }
        }
        for (route, count) in errors {
            let _ = writeln!(
                out,
                "datalab_request_errors_total{{route=\"{route}\"}} {count}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP datalab_request_duration_seconds Time to answer, by route."
        );
        let _ = writeln!(out, "# TYPE datalab_request_duration_seconds histogram");
        for (route, histogram) in &state.latency {
            for (bound, count) in BUCKETS.iter().zip(histogram.counts) {
                let _ = writeln!(
                    out,
                    "datalab_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "datalab_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                histogram.count
            );
            let _ = writeln!(
                out,
                "datalab_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                histogram.sum
            );
            let _ = writeln!(
                out,
                "datalab_request_duration_seconds_count{{route=\"{route}\"}} {}",
                histogram.count
            );
        }
        let _ = writeln!(out, "# HELP datalab_predictions_total Rows predicted.");
        let _ = writeln!(out, "# TYPE datalab_predictions_total counter");
        let _ = writeln!(out, "datalab_predictions_total {}", state.rows);
        out
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_cumulative_and_errors_counted() {
        let metrics = Metrics::default();
        metrics.observe("infer", 200, 0.0003, 10);
        metrics.observe("infer", 400, 0.002, 0);
        let text = metrics.render(Some(("iris", 2, "decision_tree")));
        assert!(text.contains(
            "datalab_model_info{name=\"iris\",version=\"2\",algorithm=\"decision_tree\"} 1"
        ));
        assert!(text.contains("datalab_requests_total{route=\"infer\",status=\"400\"} 1"));
        assert!(text.contains("datalab_request_errors_total{route=\"infer\"} 1"));
        assert!(
            text.contains(
                "datalab_request_duration_seconds_bucket{route=\"infer\",le=\"0.0005\"} 1"
            )
        );
        assert!(
            text.contains(
                "datalab_request_duration_seconds_bucket{route=\"infer\",le=\"0.0025\"} 2"
            )
        );
        assert!(text.contains("datalab_request_duration_seconds_count{route=\"infer\"} 2"));
        assert!(text.contains("datalab_predictions_total 10"));
    }
}
