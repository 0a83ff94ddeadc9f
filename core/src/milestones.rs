//! Goals and milestones: where the progress bar is heading and which steps of the
//! timeline a count has reached.
//!
//! A petition lists its goal steps (e.g. 10,000, 25,000, 50,000, 100,000). The
//! goal is the first step above the count, so it rises on its own when one is
//! reached. Past the last step the goal keeps rising in multiples of the last
//! step, so a petition that outgrows its plan still shows somewhere to go.

/// The goal for `count` signatures, given the petition's ascending `steps`.
///
/// Reaching a step exactly moves the goal on: a petition on 10,000 of 10,000
/// shows the next step, not a full bar with nowhere to go.
pub fn goal_for(count: u64, steps: &[u64]) -> u64 {
    if let Some(&step) = steps.iter().find(|&&step| step > count) {
        return step;
    }
    match steps.last() {
        Some(&last) if last > 0 => (count / last + 1) * last,
        // A petition with no steps gets round numbers: the next power of ten.
        // (Compared before multiplying: `checked_mul` brought a 128-bit
        // multiplication into the widget.)
        _ => std::iter::successors(Some(10u64), |&n| (n <= u64::MAX / 10).then(|| n * 10))
            .find(|&n| n > count)
            .unwrap_or(u64::MAX),
    }
}

/// `n` in decimal digits: what `n.to_string()` writes, without reaching
/// `core::fmt`, whose machinery the widget otherwise carries for this alone.
pub fn decimal(mut n: u64) -> String {
    let mut out = String::new();
    loop {
        out.insert(0, char::from(b'0' + (n % 10) as u8));
        n /= 10;
        if n == 0 {
            return out;
        }
    }
}

/// A count as the widget and the server's pages write it, thousands
/// separated by commas: `12345` as `12,345`.
pub fn grouped(n: u64) -> String {
    let digits = decimal(n);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// The milestones among `milestones` that `count` signatures reach, as the
/// counts crossed when the count moves from `before` to `after`.
pub fn crossed(before: u64, after: u64, milestones: &[u64]) -> impl Iterator<Item = u64> + '_ {
    milestones.iter().copied().filter(move |&m| m > before && m <= after)
}

/// The first milestone above `count`, if one is ahead.
pub fn next_above(count: u64, milestones: &[crate::Milestone]) -> Option<u64> {
    milestones.iter().map(|m| m.count).find(|&m| m > count)
}

/// How full the bar is, in thousandths (0..=1000) of the way to `goal`.
///
/// Exact for every goal below 18 quadrillion (a count under its goal times a
/// thousand fits a `u64`); above, in floating point, within a thousandth and
/// never full before the goal. Not in `u128`: its division was a kilobyte of
/// the widget (0.7 KB gzipped).
pub fn progress_permille(count: u64, goal: u64) -> u32 {
    if count >= goal {
        return 1000; // a goal of 0 too
    }
    match count.checked_mul(1000) {
        Some(thousands) => (thousands / goal) as u32,
        None => ((count as f64 * 1000.0 / goal as f64) as u32).min(999),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEPS: [u64; 4] = [10_000, 25_000, 50_000, 100_000];

    #[test]
    fn the_first_goal_stands_until_it_is_reached() {
        assert_eq!(goal_for(0, &STEPS), 10_000);
        assert_eq!(goal_for(9_999, &STEPS), 10_000);
    }

    #[test]
    fn reaching_a_goal_raises_it_to_the_next_step() {
        assert_eq!(goal_for(10_000, &STEPS), 25_000);
        assert_eq!(goal_for(70_000, &STEPS), 100_000);
    }

    #[test]
    fn past_the_last_step_the_goal_rises_in_multiples_of_it() {
        assert_eq!(goal_for(100_000, &STEPS), 200_000);
        assert_eq!(goal_for(250_001, &STEPS), 300_000);
    }

    #[test]
    fn a_petition_without_steps_heads_for_the_next_power_of_ten() {
        assert_eq!(goal_for(0, &[]), 10);
        assert_eq!(goal_for(10, &[]), 100);
        assert_eq!(goal_for(4_321, &[]), 10_000);
        assert_eq!(goal_for(10u64.pow(19) - 1, &[]), 10u64.pow(19), "the largest power of ten a u64 holds");
        assert_eq!(goal_for(10u64.pow(19), &[]), u64::MAX);
        assert_eq!(goal_for(u64::MAX, &[]), u64::MAX);
    }

    #[test]
    fn the_next_milestone_is_the_first_above_the_count() {
        let milestones: Vec<crate::Milestone> =
            [10, 25, 50].map(|count| crate::Milestone { count, reached_at: None }).into();
        assert_eq!(next_above(0, &milestones), Some(10));
        assert_eq!(next_above(10, &milestones), Some(25), "one reached is behind");
        assert_eq!(next_above(49, &milestones), Some(50));
        assert_eq!(next_above(50, &milestones), None);
        assert_eq!(next_above(0, &[]), None);
    }

    #[test]
    fn counts_are_grouped_in_thousands() {
        for (n, words) in [(0, "0"), (999, "999"), (1_000, "1,000"), (70_512, "70,512"), (1_234_567, "1,234,567")] {
            assert_eq!(grouped(n), words);
        }
    }

    #[test]
    fn decimal_writes_what_to_string_writes() {
        for n in (0..=1_000).chain([9_999, 10_000, 70_512, u64::from(u32::MAX), u64::MAX - 1, u64::MAX]) {
            assert_eq!(decimal(n), n.to_string());
        }
        assert_eq!(grouped(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn crossing_counts_only_the_milestones_passed() {
        let milestones = [10, 25, 50, 100];
        assert_eq!(crossed(9, 10, &milestones).collect::<Vec<_>>(), vec![10]);
        assert_eq!(crossed(10, 11, &milestones).count(), 0);
        assert_eq!(crossed(0, 60, &milestones).collect::<Vec<_>>(), vec![10, 25, 50]);
    }

    #[test]
    fn progress_is_clamped_to_a_full_bar() {
        assert_eq!(progress_permille(0, 10_000), 0);
        assert_eq!(progress_permille(2_500, 10_000), 250);
        assert_eq!(progress_permille(12_000, 10_000), 1000);
        assert_eq!(progress_permille(5, 0), 1000);
        assert_eq!(progress_permille(u64::MAX, u64::MAX), 1000);
    }

    #[test]
    fn progress_is_exact_for_any_count_a_browser_can_hold() {
        // 2^53 - 1, the largest count JSON brings a browser exactly.
        let max = 9_007_199_254_740_991;
        for (count, goal) in [(7, 9), (1, 3), (999, 1000), (max - 1, max), (1, max), (max / 3, max), (max / 1000, max)] {
            assert_eq!(progress_permille(count, goal), (count as u128 * 1000 / goal as u128) as u32, "{count} of {goal}");
        }
    }

    #[test]
    fn progress_beyond_any_real_goal_is_within_a_thousandth_and_full_only_at_the_goal() {
        for (count, goal) in [(u64::MAX / 2, u64::MAX), (u64::MAX - 1, u64::MAX), (u64::MAX / 7, u64::MAX / 3), (1, u64::MAX)] {
            let exact = (count as u128 * 1000 / goal as u128) as u32;
            assert!(progress_permille(count, goal).abs_diff(exact) <= 1, "{count} of {goal}");
            assert!(progress_permille(count, goal) < 1000, "{count} of {goal}");
        }
    }
}
