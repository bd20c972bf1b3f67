//! Summaries of samples: nearest-rank percentiles.

use serde_json::{Value, json};

/// The `p`-th percentile (0..=100) by nearest rank; `None` for no samples.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

pub fn median(samples: &[f64]) -> Option<f64> {
    percentile(samples, 50.0)
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// `{n, p50, p90, p99, mean, min, max}`, in the samples' unit, rounded to 3 decimals.
pub fn summary(samples: &[f64]) -> Value {
    if samples.is_empty() {
        return json!({"n": 0});
    }
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    let p = |q| percentile(samples, q).map(round3);
    json!({
        "n": samples.len(),
        "p50": p(50.0),
        "p90": p(90.0),
        "p99": p(99.0),
        "mean": round3(mean),
        "min": p(0.0),
        "max": p(100.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let s: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&s, 50.0), Some(50.0));
        assert_eq!(percentile(&s, 99.0), Some(99.0));
        assert_eq!(percentile(&s, 0.0), Some(1.0));
        assert_eq!(percentile(&s, 100.0), Some(100.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
