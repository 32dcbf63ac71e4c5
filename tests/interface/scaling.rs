//! The column scalers: ranges, moments, exact constant columns, round trips and typed errors.

use approx::assert_abs_diff_eq;
use autoencoder::{Error, MinMaxScaler, StandardScaler};
use ndarray::{Array2, Axis, array};
use proptest::prelude::*;

/// Round trips in f64 of values of magnitude up to 1e6: a few ulps of the largest value.
const ROUND_TRIP_F64: f64 = 1e-9;
/// Round trips in f32 of values of magnitude up to 1e3.
const ROUND_TRIP_F32: f32 = 1e-3;
/// Means and variances of standardised columns.
const MOMENT_TOLERANCE: f64 = 1e-10;

/// Three columns on very different scales, plus a constant one.
/// Asserts equal shapes and every pair of entries within `epsilon`.
fn assert_close<F: Into<f64> + Copy>(a: &Array2<F>, b: &Array2<F>, epsilon: F) {
    assert_eq!(a.dim(), b.dim());
    for (&x, &y) in a.iter().zip(b) {
        assert!((x.into() - y.into()).abs() <= epsilon.into());
    }
}

fn sample() -> Array2<f64> {
    Array2::from_shape_fn((50, 4), |(i, j)| {
        let t = i as f64;
        match j {
            0 => (t * 0.37).sin(),
            1 => 1000.0 + 250.0 * (t * 0.11).cos(),
            2 => -0.001 * t * t,
            _ => 42.5,
        }
    })
}

#[test]
fn min_max_maps_the_fitted_data_into_the_unit_interval() {
    let x = sample();
    let (scaler, y) = MinMaxScaler::fit_transform(&x).unwrap();
    assert!(y.iter().all(|&v| (0.0..=1.0).contains(&v)));
    for column in y.axis_iter(Axis(1)).take(3) {
        assert_abs_diff_eq!(column.fold(f64::INFINITY, |a, &b| a.min(b)), 0.0);
        assert_abs_diff_eq!(column.fold(f64::NEG_INFINITY, |a, &b| a.max(b)), 1.0);
    }
    // The constant column maps to 0 and back to its value exactly.
    assert!(y.column(3).iter().all(|&v| v == 0.0));
    let back = scaler.inverse_transform(&y).unwrap();
    assert!(back.column(3).iter().all(|&v| v == 42.5));
    assert_close(&back, &x, ROUND_TRIP_F64);
}

#[test]
fn standard_gives_zero_mean_and_unit_variance() {
    let x = sample();
    let (scaler, y) = StandardScaler::fit_transform(&x).unwrap();
    let n = x.nrows() as f64;
    for column in y.axis_iter(Axis(1)).take(3) {
        let mean = column.sum() / n;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        assert_abs_diff_eq!(mean, 0.0, epsilon = MOMENT_TOLERANCE);
        assert_abs_diff_eq!(var, 1.0, epsilon = MOMENT_TOLERANCE);
    }
    assert_abs_diff_eq!(scaler.std()[3], 1.0);
    assert!(y.column(3).iter().all(|&v| v == 0.0));
    let back = scaler.inverse_transform(&y).unwrap();
    assert!(back.column(3).iter().all(|&v| v == 42.5));
    assert_close(&back, &x, ROUND_TRIP_F64);
}

#[test]
fn f32_round_trips() {
    let x = sample().mapv(|v| v as f32);
    let minmax = MinMaxScaler::fit(&x).unwrap();
    let y = minmax.transform(&x).unwrap();
    assert!(y.iter().all(|&v| (0.0..=1.0).contains(&v)));
    assert_close(&minmax.inverse_transform(&y).unwrap(), &x, ROUND_TRIP_F32);
    let standard = StandardScaler::fit(&x).unwrap();
    let z = standard.transform(&x).unwrap();
    assert_close(&standard.inverse_transform(&z).unwrap(), &x, ROUND_TRIP_F32);
}

#[test]
fn views_work_like_owned_arrays() {
    let x = sample();
    let view = x.slice(ndarray::s![..10, ..]);
    let scaler = MinMaxScaler::fit(&view).unwrap();
    assert_eq!(
        scaler.transform(&view).unwrap(),
        scaler.transform(&view.to_owned()).unwrap()
    );
}

#[test]
fn empty_input_is_rejected_by_fit_but_not_by_transform() {
    let empty = Array2::<f64>::zeros((0, 3));
    assert!(matches!(MinMaxScaler::fit(&empty), Err(Error::EmptyInput)));
    assert!(matches!(
        StandardScaler::fit(&empty),
        Err(Error::EmptyInput)
    ));
    let scaler = MinMaxScaler::fit(&Array2::<f64>::zeros((2, 3))).unwrap();
    assert_eq!(scaler.transform(&empty).unwrap().dim(), (0, 3));
}

#[test]
fn non_finite_input_is_rejected_with_its_position() {
    let bad = array![[1.0, 2.0], [3.0, f64::NAN]];
    assert!(matches!(
        MinMaxScaler::fit(&bad),
        Err(Error::NonFiniteInput {
            row: 1,
            column: 1,
            ..
        })
    ));
    assert!(matches!(
        StandardScaler::fit(&bad),
        Err(Error::NonFiniteInput {
            row: 1,
            column: 1,
            ..
        })
    ));
    let good = array![[1.0, 2.0], [3.0, 4.0]];
    let scaler = StandardScaler::fit(&good).unwrap();
    let inf = array![[f64::INFINITY, 0.0]];
    assert!(matches!(
        scaler.transform(&inf),
        Err(Error::NonFiniteInput {
            row: 0,
            column: 0,
            ..
        })
    ));
    assert!(matches!(
        scaler.inverse_transform(&inf),
        Err(Error::NonFiniteInput {
            row: 0,
            column: 0,
            ..
        })
    ));
}

#[test]
fn a_wrong_column_count_is_a_shape_mismatch() {
    let scaler = MinMaxScaler::fit(&sample()).unwrap();
    let narrow = Array2::<f64>::zeros((2, 3));
    assert!(matches!(
        scaler.transform(&narrow),
        Err(Error::ShapeMismatch {
            expected: 4,
            found: 3
        })
    ));
    assert!(matches!(
        scaler.inverse_transform(&narrow),
        Err(Error::ShapeMismatch {
            expected: 4,
            found: 3
        })
    ));
    let scaler = StandardScaler::fit(&sample()).unwrap();
    assert!(matches!(
        scaler.transform(&narrow),
        Err(Error::ShapeMismatch {
            expected: 4,
            found: 3
        })
    ));
}

/// Matrices of 1 to 20 rows and 1 to 5 columns, values in ±1e6, some columns constant.
fn matrices() -> impl Strategy<Value = Array2<f64>> {
    (1usize..20, 1usize..5).prop_flat_map(|(rows, cols)| {
        (
            prop::collection::vec(-1e6..1e6f64, rows * cols),
            prop::collection::vec(any::<bool>(), cols),
        )
            .prop_map(move |(values, constant)| {
                let mut x = Array2::from_shape_vec((rows, cols), values).unwrap();
                for (j, _) in constant.iter().enumerate().filter(|(_, c)| **c) {
                    let first = x[[0, j]];
                    x.column_mut(j).fill(first);
                }
                x
            })
    })
}

proptest! {
    #[test]
    fn min_max_round_trips(x in matrices()) {
        let (scaler, y) = MinMaxScaler::fit_transform(&x).unwrap();
        prop_assert!(y.iter().all(|&v| (0.0..=1.0).contains(&v)));
        let back = scaler.inverse_transform(&y).unwrap();
        for (a, b) in back.iter().zip(&x) {
            prop_assert!((a - b).abs() <= ROUND_TRIP_F64, "{} vs {}", a, b);
        }
    }

    #[test]
    fn standard_round_trips(x in matrices()) {
        let (scaler, y) = StandardScaler::fit_transform(&x).unwrap();
        prop_assert!(y.iter().all(|v| v.is_finite()));
        let back = scaler.inverse_transform(&y).unwrap();
        for (a, b) in back.iter().zip(&x) {
            prop_assert!((a - b).abs() <= ROUND_TRIP_F64, "{} vs {}", a, b);
        }
    }

    #[test]
    fn f32_min_max_stays_in_the_unit_interval(x in matrices()) {
        let x = x.mapv(|v| (v / 1e3) as f32);
        let (scaler, y) = MinMaxScaler::fit_transform(&x).unwrap();
        prop_assert!(y.iter().all(|&v| (0.0..=1.0).contains(&v)));
        let back = scaler.inverse_transform(&y).unwrap();
        for (a, b) in back.iter().zip(&x) {
            prop_assert!((a - b).abs() <= ROUND_TRIP_F32, "{} vs {}", a, b);
        }
    }
}
