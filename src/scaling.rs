//! Column scalers: fit on training data, then `transform` any data of the same width and
//! `inverse_transform` back to the original units.
//!
//! [`MinMaxScaler`] maps each column to `[0, 1]`, the range of a sigmoid output and of binary
//! cross-entropy targets; [`StandardScaler`] gives each column zero mean and unit variance.
//! Both compute in `f64` whatever the data's float type, and both keep constant columns exact:
//! such a column maps to 0 and inverts back to its value.
//!
//! The file is long for the public API it documents (half of it is docs and examples).

use ndarray::{Array1, Array2, ArrayBase, ArrayView1, Axis, Data, Ix2};

use crate::error::{Error, Result};
use crate::float::Float;
use crate::validate;

/// Scales each column linearly to `[0, 1]`: `(x − min) / (max − min)`, with the minimum and
/// maximum of the data it was fitted on.
///
/// A constant column (`max == min`) maps to 0, and 0 maps back to its value exactly. Data outside
/// the fitted range maps outside `[0, 1]`: the scaler does not clip.
///
/// # Formula
/// ```text
/// transform          y = (x − min) / (max − min)     (0 when max = min)
/// inverse_transform  x = min + y · (max − min)       (min when max = min)
/// ```
///
/// # Examples
/// ```
/// use autoencoder::MinMaxScaler;
/// use ndarray::array;
///
/// let x = array![[1.0, 5.0, 7.0], [3.0, 5.0, 8.0], [2.0, 5.0, 9.0]];
/// let scaler = MinMaxScaler::fit(&x)?;
/// let y = scaler.transform(&x)?;
/// assert_eq!(y, array![[0.0, 0.0, 0.0], [1.0, 0.0, 0.5], [0.5, 0.0, 1.0]]);
/// assert_eq!(scaler.inverse_transform(&y)?, x);
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MinMaxScaler<F> {
    min: Array1<F>,
    max: Array1<F>,
}

impl<F: Float> MinMaxScaler<F> {
    /// Fits the scaler to the minimum and maximum of each column of `x`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] when `x` has no rows; [`Error::NonFiniteInput`] when it holds a NaN
    /// or an infinity.
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::MinMaxScaler::fit(&ndarray::array![[1.0f32, -2.0], [3.0, 2.0]])?;
    /// assert_eq!(scaler.data_min().to_vec(), [1.0, -2.0]);
    /// assert_eq!(scaler.data_max().to_vec(), [3.0, 2.0]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn fit<S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>) -> Result<Self> {
        check_fit_data(x)?;
        let min = x.fold_axis(Axis(0), F::infinity(), |&m, &v| m.min(v));
        let max = x.fold_axis(Axis(0), F::neg_infinity(), |&m, &v| m.max(v));
        Ok(Self { min, max })
    }

    /// Fits the scaler to `x` and returns it with `x` transformed.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    ///
    /// # Examples
    /// ```
    /// let (scaler, y) = autoencoder::MinMaxScaler::fit_transform(&ndarray::array![[2.0], [4.0]])?;
    /// assert_eq!(y, ndarray::array![[0.0], [1.0]]);
    /// assert_eq!(scaler.n_features(), 1);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn fit_transform<S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>) -> Result<(Self, Array2<F>)> {
        let scaler = Self::fit(x)?;
        let y = scaler.transform(x)?;
        Ok((scaler, y))
    }

    /// Scales `x` column by column: the fitted data lands in `[0, 1]`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `x` has another column count than the fitted data;
    /// [`Error::NonFiniteInput`] for a NaN or an infinity; [`Error::ScalingOverflow`] when a value
    /// far outside the fitted range scales to an infinity.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::MinMaxScaler;
    /// use ndarray::array;
    ///
    /// let scaler = MinMaxScaler::fit(&array![[0.0, 10.0], [4.0, 20.0]])?;
    /// assert_eq!(scaler.transform(&array![[1.0, 15.0], [8.0, 0.0]])?, array![[0.25, 0.5], [2.0, -1.0]]);
    /// assert!(scaler.transform(&array![[1.0]]).is_err());
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn transform<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        map_checked(x, self.n_features(), |v, c| {
            let (lo, hi) = (self.min[c].as_f64(), self.max[c].as_f64());
            if hi <= lo {
                return 0.0;
            }
            let range = hi - lo;
            if range.is_finite() {
                let y = (v - lo) / range;
                if y.is_finite() {
                    return y;
                }
            }
            // Halved, so that neither difference can overflow.
            (v / 2.0 - lo / 2.0) / (hi / 2.0 - lo / 2.0)
        })
    }

    /// Maps scaled data back to the original units: the inverse of
    /// [`transform`](Self::transform), up to rounding.
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::MinMaxScaler;
    /// use ndarray::array;
    ///
    /// let scaler = MinMaxScaler::fit(&array![[0.0, 10.0], [4.0, 20.0]])?;
    /// assert_eq!(scaler.inverse_transform(&array![[0.25, 0.5]])?, array![[1.0, 15.0]]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn inverse_transform<S: Data<Elem = F>>(&self, y: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        map_checked(y, self.n_features(), |v, c| {
            let (lo, hi) = (self.min[c].as_f64(), self.max[c].as_f64());
            if hi <= lo {
                return lo;
            }
            let range = hi - lo;
            let x = lo + v * range;
            if x.is_finite() {
                return x;
            }
            // The range itself overflowed: add half of it twice.
            let half = v * (hi / 2.0 - lo / 2.0);
            (lo + half) + half
        })
    }

    /// A scaler from a fitted minimum and maximum of each column (a saved scaler's parts).
    ///
    /// # Errors
    /// [`Error::InvalidScaler`] unless both have the same non-zero length, every value is finite
    /// and `min <= max` in every column.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::MinMaxScaler;
    /// use ndarray::array;
    ///
    /// let scaler = MinMaxScaler::from_parts(array![0.0, 1.0], array![2.0, 1.0])?;
    /// assert_eq!(scaler.transform(&array![[1.0, 1.0]])?, array![[0.5, 0.0]]);
    /// assert!(MinMaxScaler::from_parts(array![1.0], array![0.0]).is_err());
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn from_parts(min: Array1<F>, max: Array1<F>) -> Result<Self> {
        check_parts(&min, &max, "min <= max", |lo, hi| lo <= hi)?;
        Ok(Self { min, max })
    }

    /// The number of columns the scaler was fitted on.
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::MinMaxScaler::fit(&ndarray::Array2::<f64>::ones((3, 4)))?;
    /// assert_eq!(scaler.n_features(), 4);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.min.len()
    }

    /// The minimum of each column of the fitted data.
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::MinMaxScaler::fit(&ndarray::array![[1.0], [-1.0]])?;
    /// assert_eq!(scaler.data_min().to_vec(), [-1.0]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn data_min(&self) -> ArrayView1<'_, F> {
        self.min.view()
    }

    /// The maximum of each column of the fitted data.
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::MinMaxScaler::fit(&ndarray::array![[1.0], [-1.0]])?;
    /// assert_eq!(scaler.data_max().to_vec(), [1.0]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn data_max(&self) -> ArrayView1<'_, F> {
        self.max.view()
    }
}

/// Standardises each column: `(x − mean) / std`, with the mean and the population standard
/// deviation (divided by `n`, as scikit-learn's `StandardScaler`) of the data it was fitted on.
///
/// A constant column gets standard deviation 1 (and its value as mean), so it maps to 0 and back
/// to its value exactly.
///
/// # Formula
/// ```text
/// transform          y = (x − mean) / std
/// inverse_transform  x = y · std + mean
/// std = sqrt(Σ (x − mean)² / n), or 1 for a constant column
/// ```
///
/// # Examples
/// ```
/// use autoencoder::StandardScaler;
/// use ndarray::array;
///
/// let x = array![[1.0, 7.0], [3.0, 7.0]];
/// let scaler = StandardScaler::fit(&x)?;
/// assert_eq!(scaler.mean().to_vec(), [2.0, 7.0]);
/// assert_eq!(scaler.std().to_vec(), [1.0, 1.0]);
/// assert_eq!(scaler.transform(&x)?, array![[-1.0, 0.0], [1.0, 0.0]]);
/// assert_eq!(scaler.inverse_transform(&array![[-1.0, 0.0]])?, array![[1.0, 7.0]]);
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StandardScaler<F> {
    mean: Array1<F>,
    std: Array1<F>,
}

impl<F: Float> StandardScaler<F> {
    /// A scaler from a fitted mean and standard deviation of each column (a saved scaler's
    /// parts).
    ///
    /// # Errors
    /// [`Error::InvalidScaler`] unless both have the same non-zero length, every value is finite
    /// and every standard deviation is > 0.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::StandardScaler;
    /// use ndarray::array;
    ///
    /// let scaler = StandardScaler::from_parts(array![1.0], array![2.0])?;
    /// assert_eq!(scaler.transform(&array![[5.0]])?, array![[2.0]]);
    /// assert!(StandardScaler::from_parts(array![1.0], array![0.0]).is_err());
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn from_parts(mean: Array1<F>, std: Array1<F>) -> Result<Self> {
        check_parts(&mean, &std, "std > 0", |_, sd| sd > 0.0)?;
        Ok(Self { mean, std })
    }

    /// Fits the scaler to the mean and standard deviation of each column of `x`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] when `x` has no rows; [`Error::NonFiniteInput`] when it holds a NaN
    /// or an infinity.
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::StandardScaler::fit(&ndarray::array![[0.0f32], [2.0], [4.0]])?;
    /// assert_eq!(scaler.mean().to_vec(), [2.0]);
    /// assert!((scaler.std()[0] - (8.0f32 / 3.0).sqrt()).abs() < 1e-6);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn fit<S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>) -> Result<Self> {
        check_fit_data(x)?;
        let n = x.nrows() as f64;
        let mut mean = Array1::zeros(x.ncols());
        let mut std = Array1::ones(x.ncols());
        for (c, column) in x.axis_iter(Axis(1)).enumerate() {
            let values = column.iter().map(|v| v.as_f64());
            let lo = values.clone().fold(f64::INFINITY, f64::min);
            let hi = values.clone().fold(f64::NEG_INFINITY, f64::max);
            if hi <= lo {
                mean[c] = column[0];
                continue;
            }
            // Work in units of a power of two near the largest magnitude, so that neither the
            // sums nor the squares can overflow or underflow; scaling by 2^k is exact.
            let unit = power_of_two_near(lo.abs().max(hi.abs()));
            let m = values.clone().map(|v| v / unit).sum::<f64>() / n;
            let var = values.map(|v| (v / unit - m).powi(2)).sum::<f64>() / n;
            mean[c] = F::cast((m * unit).clamp(lo, hi));
            let s = F::cast(var.sqrt() * unit);
            // A spread too small for `F` (f32 subnormals) counts as constant.
            std[c] = if s > F::zero() && s.is_finite() {
                s
            } else {
                F::one()
            };
        }
        Ok(Self { mean, std })
    }

    /// Fits the scaler to `x` and returns it with `x` transformed.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    ///
    /// # Examples
    /// ```
    /// let (_, y) = autoencoder::StandardScaler::fit_transform(&ndarray::array![[1.0], [3.0]])?;
    /// assert_eq!(y, ndarray::array![[-1.0], [1.0]]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn fit_transform<S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>) -> Result<(Self, Array2<F>)> {
        let scaler = Self::fit(x)?;
        let y = scaler.transform(x)?;
        Ok((scaler, y))
    }

    /// Standardises `x` column by column.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when `x` has another column count than the fitted data;
    /// [`Error::NonFiniteInput`] for a NaN or an infinity; [`Error::ScalingOverflow`] when a value
    /// far from the fitted data scales to an infinity.
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::StandardScaler::fit(&ndarray::array![[1.0], [3.0]])?;
    /// assert_eq!(scaler.transform(&ndarray::array![[5.0]])?, ndarray::array![[3.0]]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn transform<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        map_checked(x, self.n_features(), |v, c| {
            let (mean, std) = (self.mean[c].as_f64(), self.std[c].as_f64());
            let y = (v - mean) / std;
            if y.is_finite() {
                y
            } else {
                v / std - mean / std
            }
        })
    }

    /// Maps standardised data back to the original units: the inverse of
    /// [`transform`](Self::transform), up to rounding.
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::StandardScaler::fit(&ndarray::array![[1.0], [3.0]])?;
    /// assert_eq!(scaler.inverse_transform(&ndarray::array![[3.0]])?, ndarray::array![[5.0]]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn inverse_transform<S: Data<Elem = F>>(&self, y: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        map_checked(y, self.n_features(), |v, c| {
            let (mean, std) = (self.mean[c].as_f64(), self.std[c].as_f64());
            let x = v * std + mean;
            if x.is_finite() {
                x
            } else {
                (v * (std / 2.0) + mean / 2.0) * 2.0
            }
        })
    }

    /// The number of columns the scaler was fitted on.
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::StandardScaler::fit(&ndarray::Array2::<f32>::zeros((2, 3)))?;
    /// assert_eq!(scaler.n_features(), 3);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// The mean of each column of the fitted data.
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::StandardScaler::fit(&ndarray::array![[1.0], [2.0]])?;
    /// assert_eq!(scaler.mean().to_vec(), [1.5]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn mean(&self) -> ArrayView1<'_, F> {
        self.mean.view()
    }

    /// The population standard deviation of each column of the fitted data, 1 for a constant
    /// column.
    ///
    /// # Examples
    /// ```
    /// let scaler = autoencoder::StandardScaler::fit(&ndarray::array![[1.0, 4.0], [2.0, 4.0]])?;
    /// assert_eq!(scaler.std().to_vec(), [0.5, 1.0]);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn std(&self) -> ArrayView1<'_, F> {
        self.std.view()
    }
}

/// Checks a scaler's two parameter vectors: equal non-zero lengths, finite values, and `valid`
/// for each column's pair (described by `rule`).
fn check_parts<F: Float>(
    a: &Array1<F>,
    b: &Array1<F>,
    rule: &'static str,
    valid: impl Fn(f64, f64) -> bool,
) -> Result<()> {
    if a.is_empty() || a.len() != b.len() {
        return Err(Error::InvalidScaler {
            column: None,
            reason: "the two parameter vectors must have the same non-zero length",
        });
    }
    for (column, (x, y)) in a.iter().zip(b).enumerate() {
        let (x, y) = (x.as_f64(), y.as_f64());
        if !(x.is_finite() && y.is_finite()) {
            return Err(Error::InvalidScaler {
                column: Some(column),
                reason: "parameters must be finite",
            });
        }
        if !valid(x, y) {
            return Err(Error::InvalidScaler {
                column: Some(column),
                reason: rule,
            });
        }
    }
    Ok(())
}

/// Training data for a scaler: at least one row, every value finite.
fn check_fit_data<F: Float, S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>) -> Result<()> {
    if x.nrows() == 0 {
        return Err(Error::EmptyInput);
    }
    validate::finite(x)
}

/// Checks `x` (width, finite values), then maps each value `v` of column `c` to `f(v, c)`,
/// computed in `f64`; an output that is not finite in `F` is an overflow.
fn map_checked<F, S>(
    x: &ArrayBase<S, Ix2>,
    n_features: usize,
    f: impl Fn(f64, usize) -> f64,
) -> Result<Array2<F>>
where
    F: Float,
    S: Data<Elem = F>,
{
    validate::columns(x, n_features)?;
    validate::finite(x)?;
    let mut out = Array2::zeros(x.raw_dim());
    for (((row, column), &v), o) in x.indexed_iter().zip(out.iter_mut()) {
        let y = F::cast(f(v.as_f64(), column));
        if !y.is_finite() {
            return Err(Error::ScalingOverflow {
                row,
                column,
                value: v.as_f64(),
            });
        }
        *o = y;
    }
    Ok(out)
}

/// A power of two within a factor of two of `magnitude` (> 0), kept in the normal range; 1 for
/// magnitudes that need no rescaling.
fn power_of_two_near(magnitude: f64) -> f64 {
    const SAFE: f64 = 1e100;
    if (1.0 / SAFE..=SAFE).contains(&magnitude) {
        return 1.0;
    }
    // The biased exponent of a finite f64, clamped to the normal range 1..=2046.
    let biased = ((magnitude.to_bits() >> 52) & 0x7ff).clamp(1, 2046);
    f64::from_bits(biased << 52)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn power_of_two_near_keeps_the_magnitude() {
        assert!((power_of_two_near(1.0) - 1.0).abs() < f64::EPSILON);
        for m in [1e300, f64::MAX, 1e-300, 5e-324] {
            let p = power_of_two_near(m);
            assert!(p.is_normal(), "{m}");
            assert!(m / p < 2.0, "{m}");
        }
    }

    #[test]
    fn extreme_f64_columns_stay_finite() {
        let x = array![[-f64::MAX], [f64::MAX], [0.0]];
        let (minmax, y) = MinMaxScaler::fit_transform(&x).unwrap();
        assert!((y[[0, 0]]).abs() < 1e-12 && (y[[1, 0]] - 1.0).abs() < 1e-12);
        assert!((y[[2, 0]] - 0.5).abs() < 1e-12);
        let back = minmax.inverse_transform(&y).unwrap();
        assert!(back.iter().all(|v| v.is_finite()));
        assert!((back[[1, 0]] / f64::MAX - 1.0).abs() < 1e-12);

        // Exactly ±MAX may round past MAX on the way back; a little less does not.
        let x: Array2<f64> = array![[-1e308], [1e308], [0.0]];
        let (standard, z) = StandardScaler::fit_transform(&x).unwrap();
        assert!(z.iter().all(|v| v.is_finite()));
        let back = standard.inverse_transform(&z).unwrap();
        assert!((back[[0, 0]] / 1e308 + 1.0).abs() < 1e-12);

        let tiny: Array2<f64> = array![[0.0], [5e-324], [1e-323]];
        let (standard, z) = StandardScaler::fit_transform(&tiny).unwrap();
        assert!(standard.std()[0] > 0.0);
        assert!(z.iter().all(|v| v.is_finite() && v.abs() < 2.0));
    }

    #[test]
    fn far_outside_the_range_is_an_overflow_not_an_infinity() {
        let scaler = MinMaxScaler::fit(&array![[0.0f32], [1e-30]]).unwrap();
        let err = scaler.transform(&array![[1e30f32]]).unwrap_err();
        assert!(matches!(
            err,
            Error::ScalingOverflow {
                row: 0,
                column: 0,
                ..
            }
        ));
    }
}
