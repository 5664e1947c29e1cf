//! Recurrence: is a series of occurrences evenly spaced ("every 2m0s")?
//!
//! Incidents announce themselves by rhythm: a kubelet retrying every two minutes, a new goroutine
//! piling onto a lock at the same pace. We call a series periodic when the typical gap between
//! consecutive occurrences is stable: at least [`MIN_OCCURRENCES`] occurrences, and 80% of the
//! gaps within 20% of the median gap.

use crate::time::Micros;

/// Fewer occurrences than this are never called periodic.
pub const MIN_OCCURRENCES: usize = 4;

/// The period of sorted occurrence times, if they recur evenly. Bursts (several occurrences at
/// the same instant) count once.
pub fn detect(sorted: &[Micros]) -> Option<Micros> {
    let mut gaps: Vec<Micros> = sorted
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|&g| g > 0)
        .collect();
    if gaps.len() + 1 < MIN_OCCURRENCES {
        return None;
    }
    gaps.sort_unstable();
    let median = gaps[gaps.len() / 2];
    if median <= 0 {
        return None;
    }
    let close = gaps
        .iter()
        .filter(|&&g| (g - median).abs() * 5 <= median)
        .count();
    (close * 5 >= gaps.len() * 4).then_some(median)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000_000;

    #[test]
    fn steady_retries_are_periodic() {
        let times: Vec<i64> = (0..10).map(|i| i * 2 * MIN + (i % 3) * 1_000_000).collect();
        let p = detect(&times).unwrap();
        assert!((p - 2 * MIN).abs() < 2_000_000, "{p}");
    }

    #[test]
    fn random_spacing_is_not() {
        let times = [0, MIN, 7 * MIN, 8 * MIN, 20 * MIN, 21 * MIN, 40 * MIN];
        assert_eq!(detect(&times), None);
    }

    #[test]
    fn too_few_is_not() {
        assert_eq!(detect(&[0, MIN, 2 * MIN]), None);
    }
}
