//! Principal component analysis: the linear baseline an autoencoder has to beat, computed with
//! faer's symmetric eigendecomposition of the covariance matrix.

use ndarray::{Array1, Array2, ArrayBase, ArrayView1, ArrayView2, Axis, Data, Ix2};

use crate::error::{Error, Result};
use crate::float::Float;
use crate::validate;

/// PCA with `n_components` components: `transform` projects centred rows onto the top principal
/// axes, `inverse_transform` maps codes back.
///
/// ```text
/// codes = (X − mean) Uₖ          X̂ = codes Uₖᵀ + mean
/// ```
/// `Uₖ` holds the eigenvectors of the population covariance `(X − mean)ᵀ(X − mean) / n` with the
/// `k` largest eigenvalues. The mean squared reconstruction error over the training rows and
/// columns is the sum of the other eigenvalues divided by the number of columns: no linear code
/// of size `k` does better, which makes PCA the baseline for an autoencoder.
///
/// # Examples
/// ```
/// use autoencoder::Pca;
/// use ndarray::Array2;
///
/// // Rows on a line in 3-d: one component reconstructs them exactly.
/// let x = Array2::from_shape_fn((20, 3), |(i, j)| i as f64 * [1.0, -2.0, 0.5][j] + 1.0);
/// let pca = Pca::fit(&x, 1)?;
/// assert!(pca.training_error() < 1e-20);
/// let codes = pca.transform(&x)?;
/// let back = pca.inverse_transform(&codes)?;
/// assert!((back - &x).iter().all(|d| d.abs() < 1e-9));
/// # Ok::<(), autoencoder::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Pca<F> {
    mean: Array1<F>,
    /// `[n_inputs, n_components]`, columns by decreasing variance.
    components: Array2<F>,
    /// Every eigenvalue of the covariance, decreasing.
    variances: Vec<f64>,
}

impl<F: Float> Pca<F> {
    /// Fits `n_components` principal axes to the rows of `x`.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] for no rows, [`Error::NonFiniteInput`], [`Error::InvalidParameter`]
    /// unless `1 <= n_components <= n_columns`, [`Error::Linalg`] if the eigendecomposition
    /// fails to converge.
    pub fn fit<S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>, n_components: usize) -> Result<Self> {
        if x.nrows() == 0 {
            return Err(Error::EmptyInput);
        }
        validate::finite(x)?;
        let (n, d) = x.dim();
        if n_components == 0 || n_components > d {
            return Err(Error::InvalidParameter {
                name: "n_components",
                value: n_components as f64,
                expected: "between 1 and the number of columns",
            });
        }
        let mean: Array1<f64> = x.map(|v| v.as_f64()).mean_axis(Axis(0)).unwrap_or_default();
        let centred = faer::Mat::<f64>::from_fn(n, d, |i, j| x[[i, j]].as_f64() - mean[j]);
        let covariance = (centred.transpose() * &centred) / faer::Scale(n as f64);
        let eigen = covariance
            .self_adjoint_eigen(faer::Side::Lower)
            .map_err(|e| Error::Linalg(format!("{e:?}")))?;
        // faer sorts eigenvalues in increasing order; PCA wants the largest first.
        let variances: Vec<f64> = (0..d).rev().map(|i| eigen.S()[i].max(0.0)).collect();
        let vectors = eigen.U();
        let components =
            Array2::from_shape_fn((d, n_components), |(i, c)| F::cast(vectors[(i, d - 1 - c)]));
        Ok(Self {
            mean: mean.mapv(F::cast),
            components,
            variances,
        })
    }

    /// The number of components.
    pub fn n_components(&self) -> usize {
        self.components.ncols()
    }

    /// The number of input columns.
    pub fn n_inputs(&self) -> usize {
        self.mean.len()
    }

    /// The mean of the training rows, `[n_inputs]`.
    pub fn mean(&self) -> ArrayView1<'_, F> {
        self.mean.view()
    }

    /// The principal axes `Uₖ` as columns, `[n_inputs, n_components]`, by decreasing variance.
    pub fn components(&self) -> ArrayView2<'_, F> {
        self.components.view()
    }

    /// PCA as an encoder `codes = Uₖᵀ x − Uₖᵀ mean` and a decoder `x̂ = Uₖ codes + mean`:
    /// `(W, b1, b2)` with `W = Uₖᵀ`, `b1 = −W mean`, `b2 = mean` (the decoder's weights are `Wᵀ`).
    pub(crate) fn linear_layer(&self) -> (Array2<F>, Array1<F>, Array1<F>) {
        let w = self.components.t().to_owned();
        let b1 = -w.dot(&self.mean);
        (w, b1, self.mean.clone())
    }

    /// The variance along each principal axis (the covariance's eigenvalues, all of them,
    /// decreasing).
    pub fn variances(&self) -> &[f64] {
        &self.variances
    }

    /// The mean squared reconstruction error over the training data: the variance left out,
    /// divided by the number of columns.
    pub fn training_error(&self) -> f64 {
        self.training_error_with(self.n_components())
    }

    /// The mean squared reconstruction error over the training data that the first
    /// `n_components` principal axes would leave (any count; all of them leave none), without
    /// fitting again.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::Pca;
    /// let x = ndarray::array![[0.0, 0.0], [2.0, 1.0], [4.0, 2.5]];
    /// let full = Pca::fit(&x, 2)?;
    /// let one = Pca::fit(&x, 1)?.training_error();
    /// assert!((full.training_error_with(1) - one).abs() < 1e-12);
    /// assert_eq!(full.training_error_with(2), 0.0);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn training_error_with(&self, n_components: usize) -> f64 {
        let left_out: f64 = self.variances.iter().skip(n_components).sum();
        left_out / self.n_inputs() as f64
    }

    /// Codes `(X − mean) Uₖ`, `[n_samples, n_components]`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`], [`Error::NonFiniteInput`].
    pub fn transform<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        validate::columns(x, self.n_inputs())?;
        validate::finite(x)?;
        Ok((x - &self.mean).dot(&self.components))
    }

    /// Rows back from codes: `codes Uₖᵀ + mean`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `codes` has `n_components` columns;
    /// [`Error::NonFiniteInput`].
    pub fn inverse_transform<S: Data<Elem = F>>(
        &self,
        codes: &ArrayBase<S, Ix2>,
    ) -> Result<Array2<F>> {
        validate::columns(codes, self.n_components())?;
        validate::finite(codes)?;
        Ok(codes.dot(&self.components.t()) + &self.mean)
    }

    /// Each row's mean squared reconstruction error.
    ///
    /// # Errors
    /// As [`transform`](Self::transform).
    pub fn reconstruction_errors<S: Data<Elem = F>>(
        &self,
        x: &ArrayBase<S, Ix2>,
    ) -> Result<Array1<F>> {
        let back = self.inverse_transform(&self.transform(x)?)?;
        Ok(crate::model::row_mean_squared_errors(back, x))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_error_is_the_mean_reconstruction_error() {
        let x = Array2::from_shape_fn((50, 4), |(i, j)| {
            let t = i as f64 / 7.0;
            [t.sin(), t.cos(), (2.0 * t).sin(), t * 0.1][j] + 0.01 * ((i * j) % 3) as f64
        });
        for k in 1..=4 {
            let pca = Pca::fit(&x, k).unwrap();
            let errors = pca.reconstruction_errors(&x).unwrap();
            let mean = errors.mean().unwrap();
            // Two routes to the same number: eigenvalues left out, and the rows' errors.
            assert!(
                (mean - pca.training_error()).abs() <= 1e-12 * (1.0 + mean),
                "k = {k}: {mean} vs {}",
                pca.training_error()
            );
        }
        assert!(Pca::fit(&x, 4).unwrap().training_error() < 1e-25);
        assert!(Pca::fit(&x, 0).is_err() && Pca::fit(&x, 5).is_err());
    }
}
