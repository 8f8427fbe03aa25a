//! The statistics on cases with known answers; against Evidently itself in tests/oracle.

use super::*;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn chi_square_p_value_follows_the_closed_forms() {
    // With two degrees of freedom the survival function is exp(−x/2); with four,
    // exp(−x/2)·(1 + x/2).
    for (counts, reference_len, current_len) in [
        (vec![(50, 40), (50, 60)], 100, 100),
        (vec![(10, 25), (30, 20), (60, 55)], 100, 100),
        (
            vec![(10, 8), (20, 28), (30, 25), (25, 30), (15, 9)],
            100,
            100,
        ),
    ] {
        let statistic: f64 = counts
            .iter()
            .map(|&(r, c)| {
                let e = r as f64 * current_len as f64 / reference_len as f64;
                (c as f64 - e).powi(2) / e
            })
            .sum();
        let expected = match counts.len() - 1 {
            1 => libm::erfc((statistic / 2.0).sqrt()),
            2 => (-statistic / 2.0).exp(),
            4 => (-statistic / 2.0).exp() * (1.0 + statistic / 2.0),
            _ => unreachable!(),
        };
        let got = chi_square_p_value(&counts, reference_len, current_len);
        assert!(close(got, expected), "{got} vs {expected} for {counts:?}");
    }
}

#[test]
fn a_category_the_reference_lacks_makes_the_p_value_zero() {
    assert_eq!(chi_square_p_value(&[(10, 5), (0, 5)], 10, 10), 0.0);
}

#[test]
fn wasserstein_of_shifted_samples_is_the_shift() {
    let reference: Vec<f64> = (0..100).map(f64::from).collect();
    let current: Vec<f64> = reference.iter().map(|v| v + 2.5).collect();
    assert!(close(wasserstein(&reference, &current), 2.5));
    assert_eq!(wasserstein(&reference, &reference), 0.0);
}

#[test]
fn sturges_bins_cover_both_samples_and_count_every_value() {
    let samples = Samples::numerical(
        (0..500).map(|i| f64::from(i) * 0.37).collect(),
        (0..300).map(|i| f64::from(i) * 0.61 + 3.0).collect(),
    );
    let Samples::Numerical { reference, current } = &samples else {
        unreachable!()
    };
    let edges = sturges_edges(reference, current);
    // ⌈log2(800) + 1⌉ = 11 bins.
    assert_eq!(edges.len(), 12);
    assert_eq!(histogram(reference, &edges).iter().sum::<u64>(), 500);
    assert_eq!(histogram(current, &edges).iter().sum::<u64>(), 300);
}

#[test]
fn identical_samples_do_not_drift_under_any_test() {
    let values: Vec<f64> = (0..2000).map(|i| f64::from(i % 97) * 0.5).collect();
    let samples = Samples::numerical(values.clone(), values);
    for test in [
        StatTest::Wasserstein,
        StatTest::Psi,
        StatTest::JensenShannon,
        StatTest::Ks,
    ] {
        let result = drift_test(&samples, test, None).unwrap();
        assert!(!result.drifted, "{test:?}: {result:?}");
    }
}

#[test]
fn empty_samples_and_wrong_types_are_explained() {
    let samples = Samples::numerical(vec![1.0, 2.0], vec![]);
    assert_eq!(
        drift_test(&samples, StatTest::Psi, None),
        Err(DriftError::Empty { which: "current" })
    );
    let categories = Samples::categorical(vec![(1, 0)], vec![(2, 0)]);
    assert!(matches!(
        drift_test(&categories, StatTest::Wasserstein, None),
        Err(DriftError::WrongType { .. })
    ));
}

#[test]
fn the_default_test_follows_evidentlys_choice() {
    let many = |n: usize| (0..n).map(|i| (i % 7) as f64 + 0.5).collect::<Vec<_>>();
    assert_eq!(
        default_stat_test(&Samples::numerical(many(2000), many(10))),
        StatTest::Wasserstein
    );
    assert_eq!(
        default_stat_test(&Samples::numerical(many(1000), many(10))),
        StatTest::Ks
    );
    let few = |n: usize| (0..n).map(|i| (i % 2) as f64).collect::<Vec<_>>();
    assert_eq!(
        default_stat_test(&Samples::numerical(few(2000), few(10))),
        StatTest::JensenShannon
    );
    assert_eq!(
        default_stat_test(&Samples::numerical(few(100), few(10))),
        StatTest::Z
    );
    let zones = |n: usize| (0..n).map(|i| ((i % 5) as i64, 0)).collect::<Vec<_>>();
    assert_eq!(
        default_stat_test(&Samples::categorical(zones(100), zones(10))),
        StatTest::ChiSquare
    );
    assert_eq!(
        default_stat_test(&Samples::categorical(zones(1001), zones(10))),
        StatTest::JensenShannon
    );
}
