//! The tied-weight autoencoder: parameters, constructors, inference and training entry points.
//!
//! The file is long for the public API it documents (a third of it is docs and examples).

use std::fmt;
use std::marker::PhantomData;

use ndarray::{
    Array, Array1, Array2, ArrayBase, ArrayView1, ArrayView2, Axis, Data, Dimension, Ix1, Ix2,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::activation::{Activation, Sigmoid};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::{
    BlockShape, Gradients, Layer, ParamSlices, element_count, try_filled, try_with_capacity,
};
use crate::layer;
use crate::loss::Loss;
use crate::online;
use crate::pca::Pca;
use crate::plan;
use crate::train::config::{TrainConfig, ValidTrainConfig};
use crate::train::observer::{FitReport, Observer};
use crate::train::optimizer::UpdateRule;
use crate::train::state::TrainState;
use crate::train::trainer::{self, Trainable};
use crate::workspace::Workspace;
use crate::{decoder, encoder, inference, kernels, validate};

/// A tied-weight autoencoder with one hidden layer.
///
/// ```text
/// Y = f(X Wᵀ + b1)     encoder, W: [n_hidden, n_inputs], b1: [n_hidden]
/// Z = g(Y W  + b2)     decoder, the same W transposed,   b2: [n_inputs]
/// ```
/// `X` holds one sample per row. `A` is the encoder's activation `f`, `O` the decoder's `g`
/// (the same as `A` unless given); both are chosen at compile time.
///
/// # Examples
/// ```
/// use autoencoder::{TrainConfig, VanillaAutoencoder};
/// use ndarray::Array2;
///
/// # fn main() -> Result<(), autoencoder::Error> {
/// let x = Array2::from_shape_fn((60, 9), |(i, j)| ((i % 3) * (j % 4)) as f64 / 6.0);
/// let mut model = VanillaAutoencoder::<f64>::new(9, 5, 42)?;
/// let before = model.reconstruction_errors(&x)?.mean().unwrap();
/// model.fit(&x, &TrainConfig::new().epochs(30))?;
/// let after = model.reconstruction_errors(&x)?.mean().unwrap();
/// assert!(after < before);
/// assert_eq!(model.encode(&x)?.dim(), (60, 5));
/// # Ok(())
/// # }
/// ```
pub struct VanillaAutoencoder<F, A = Sigmoid, O = A> {
    w: Array2<F>,
    b1: Array1<F>,
    b2: Array1<F>,
    activations: PhantomData<fn() -> (A, O)>,
}

impl<F: Float, A, O> Clone for VanillaAutoencoder<F, A, O> {
    fn clone(&self) -> Self {
        Self {
            w: self.w.clone(),
            b1: self.b1.clone(),
            b2: self.b2.clone(),
            activations: PhantomData,
        }
    }
}

/// Sizes and activations only: a model's weights are too many to print (read them with
/// [`w`](VanillaAutoencoder::w), [`b1`](VanillaAutoencoder::b1), [`b2`](VanillaAutoencoder::b2)).
///
/// ```
/// use autoencoder::VanillaAutoencoder;
/// let model = VanillaAutoencoder::<f64>::new(9, 5, 0)?;
/// assert_eq!(
///     format!("{model:?}"),
///     r#"VanillaAutoencoder { n_inputs: 9, n_hidden: 5, activation: "sigmoid", output_activation: "sigmoid", .. }"#
/// );
/// # Ok::<(), autoencoder::Error>(())
/// ```
impl<F: Float, A: Activation, O: Activation> fmt::Debug for VanillaAutoencoder<F, A, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VanillaAutoencoder")
            .field("n_inputs", &self.n_inputs())
            .field("n_hidden", &self.n_hidden())
            .field("activation", &A::NAME)
            .field("output_activation", &O::NAME)
            .finish_non_exhaustive()
    }
}

impl<F: Float, A, O> PartialEq for VanillaAutoencoder<F, A, O> {
    fn eq(&self, other: &Self) -> bool {
        self.w == other.w && self.b1 == other.b1 && self.b2 == other.b2
    }
}

impl<F: Float, A: Activation, O: Activation> VanillaAutoencoder<F, A, O> {
    /// A model with `n_inputs` inputs and `n_hidden` hidden units, initialised from `seed`.
    ///
    /// `W ~ U(−a, a)` with `a = sqrt(6 / (n_inputs + n_hidden))`, biases zero. The uniform draws
    /// come from ChaCha8 seeded with `seed`, each as the top 53 bits of one 64-bit output, so a
    /// seed gives the same weights on every platform, in `f32` and `f64` alike (rounded).
    ///
    /// # Errors
    /// [`Error::ZeroInputs`] or [`Error::ZeroHiddenUnits`]; [`Error::AllocationFailed`] when
    /// the `n_hidden · n_inputs` weights overflow `usize` or cannot be allocated.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::VanillaAutoencoder;
    /// let model = VanillaAutoencoder::<f64>::new(9, 5, 42)?;
    /// assert_eq!(model.w().dim(), (5, 9));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn new(n_inputs: usize, n_hidden: usize, seed: u64) -> Result<Self> {
        if n_inputs == 0 {
            return Err(Error::ZeroInputs);
        }
        if n_hidden == 0 {
            return Err(Error::ZeroHiddenUnits);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (w, b1, b2) = initial_parts(n_inputs, n_hidden, &mut rng)?;
        Ok(Self {
            w,
            b1,
            b2,
            activations: PhantomData,
        })
    }

    /// A model from explicit parameters `W: [n_hidden, n_inputs]`, `b1: [n_hidden]`,
    /// `b2: [n_inputs]`.
    ///
    /// # Errors
    /// [`Error::InconsistentParts`] when the shapes do not fit together (or a dimension is zero),
    /// [`Error::NonFiniteParameter`] when a value is NaN or infinite, [`Error::AllocationFailed`]
    /// when an array not in standard layout cannot be copied into one.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Tanh, VanillaAutoencoder};
    /// use ndarray::{Array1, Array2};
    /// let model = VanillaAutoencoder::<f64, Tanh>::from_parts(
    ///     Array2::zeros((2, 3)), Array1::zeros(2), Array1::zeros(3))?;
    /// assert_eq!((model.n_inputs(), model.n_hidden()), (3, 2));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn from_parts(w: Array2<F>, b1: Array1<F>, b2: Array1<F>) -> Result<Self> {
        let (w_rows, w_cols) = w.dim();
        if w_rows == 0 || w_cols == 0 || b1.len() != w_rows || b2.len() != w_cols {
            return Err(Error::InconsistentParts {
                w_rows,
                w_cols,
                b1_len: b1.len(),
                b2_len: b2.len(),
            });
        }
        for (name, finite) in [
            ("W", w.iter().all(|v| v.is_finite())),
            ("b1", b1.iter().all(|v| v.is_finite())),
            ("b2", b2.iter().all(|v| v.is_finite())),
        ] {
            if !finite {
                return Err(Error::NonFiniteParameter { name });
            }
        }
        // The trainer works on contiguous row-major slices.
        Ok(Self {
            w: standard_layout(w, "W")?,
            b1: standard_layout(b1, "b1")?,
            b2: standard_layout(b2, "b2")?,
            activations: PhantomData,
        })
    }

    /// A model that starts at PCA's solution: `W = Uₖᵀ`, `b1 = −W mean`, `b2 = mean`, so that
    /// `Z = (X − mean) Uₖ Uₖᵀ + mean` with identity activations: exactly PCA's reconstruction
    /// (its best linear one), and a start close to it for nearly linear activations.
    ///
    /// # Errors
    /// As [`from_parts`](Self::from_parts).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Identity, Pca, VanillaAutoencoder};
    /// use ndarray::Array2;
    ///
    /// let x = Array2::from_shape_fn((40, 5), |(i, j)| ((i * (j + 1)) % 7) as f64 / 6.0);
    /// let pca = Pca::fit(&x, 2)?;
    /// let model = VanillaAutoencoder::<f64, Identity>::from_pca(&pca)?;
    /// let gap = model.reconstruction_errors(&x)?.mean().unwrap() - pca.training_error();
    /// assert!(gap.abs() < 1e-12);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn from_pca(pca: &Pca<F>) -> Result<Self> {
        let (w, b1, b2) = pca.linear_layer();
        Self::from_parts(w, b1, b2)
    }

    /// The parameters `(W, b1, b2)`, consuming the model.
    pub fn into_parts(self) -> (Array2<F>, Array1<F>, Array1<F>) {
        (self.w, self.b1, self.b2)
    }

    /// Number of inputs (and outputs).
    pub fn n_inputs(&self) -> usize {
        self.w.ncols()
    }

    /// Number of hidden units.
    pub fn n_hidden(&self) -> usize {
        self.w.nrows()
    }

    /// The tied weights `W`, `[n_hidden, n_inputs]`.
    pub fn w(&self) -> ArrayView2<'_, F> {
        self.w.view()
    }

    /// The encoder bias `b1`, `[n_hidden]`.
    pub fn b1(&self) -> ArrayView1<'_, F> {
        self.b1.view()
    }

    /// The decoder bias `b2`, `[n_inputs]`.
    pub fn b2(&self) -> ArrayView1<'_, F> {
        self.b2.view()
    }

    /// Codes `Y = f(X Wᵀ + b1)`, `[n_samples, n_hidden]`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `x` has `n_inputs` columns; [`Error::NonFiniteInput`].
    pub fn encode<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        self.check_data(x, self.n_inputs())?;
        Ok(encoder::encode::<F, A, S>(&self.w, &self.b1, x))
    }

    /// Reconstructions `Z = g(Y W + b2)` from codes `Y: [n_samples, n_hidden]`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `y` has `n_hidden` columns; [`Error::NonFiniteInput`].
    pub fn decode<S: Data<Elem = F>>(&self, y: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        self.check_data(y, self.n_hidden())?;
        Ok(decoder::decode::<F, O, S>(self.w.view(), &self.b2, y))
    }

    /// Reconstructions of `x`, `[n_samples, n_inputs]`: `decode(encode(x))`.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn reconstruct<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        let y = self.encode(x)?;
        Ok(decoder::decode::<F, O, _>(self.w.view(), &self.b2, &y))
    }

    /// Each row's reconstruction error: the mean over `n_inputs` of `(z − x)²`, `[n_samples]`.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn reconstruction_errors<S: Data<Elem = F>>(
        &self,
        x: &ArrayBase<S, Ix2>,
    ) -> Result<Array1<F>> {
        Ok(row_mean_squared_errors(self.reconstruct(x)?, x))
    }

    /// The code `y = f(W x + b1)` of one sample `x: [n_inputs]` (an owned array or a view, in
    /// any memory order), `[n_hidden]`: the values of the sample's row of
    /// [`encode`](Self::encode). Allocates the result only.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `x` has `n_inputs` values; [`Error::NonFiniteInput`]
    /// (with row 0).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::VanillaAutoencoder;
    /// use ndarray::array;
    ///
    /// let model = VanillaAutoencoder::<f64>::new(3, 2, 7)?;
    /// let x = array![[0.1, 0.5, 0.9], [1.0, 0.0, 0.5]];
    /// let code = model.encode_row(&x.row(1))?;
    /// assert!((&code - &model.encode(&x)?.row(1)).iter().all(|d| d.abs() < 1e-12)); // to rounding
    /// assert_eq!(model.decode_row(&code)?, model.reconstruct_row(&x.row(1))?);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn encode_row<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix1>) -> Result<Array1<F>> {
        inference::check_row(x, self.n_inputs())?;
        let mut out = vec![F::zero(); self.n_hidden()];
        kernels::vectorized(
            #[inline(always)]
            || inference::encode_into::<F, A>(self.encoder(), x.view(), &mut out),
        );
        Ok(Array1::from_vec(out))
    }

    /// The reconstruction `z = g(Wᵀ y + b2)` of one code `y: [n_hidden]`, `[n_inputs]`: the
    /// same values as the code's row of [`decode`](Self::decode). Allocates the result only.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `y` has `n_hidden` values; [`Error::NonFiniteInput`].
    ///
    /// # Examples
    /// ```
    /// use autoencoder::VanillaAutoencoder;
    /// use ndarray::array;
    ///
    /// let model = VanillaAutoencoder::<f32>::new(3, 2, 7)?;
    /// let z = model.decode_row(&array![0.25, 0.75])?;
    /// assert!((&z - &model.decode(&array![[0.25, 0.75]])?.row(0)).iter().all(|d| d.abs() < 1e-6)); // to rounding
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn decode_row<S: Data<Elem = F>>(&self, y: &ArrayBase<S, Ix1>) -> Result<Array1<F>> {
        inference::check_row(y, self.n_hidden())?;
        let mut out = vec![F::zero(); self.n_inputs()];
        kernels::vectorized(
            #[inline(always)]
            || inference::decode_into::<F, O>(self.decoder(), y.view(), &mut out),
        );
        Ok(Array1::from_vec(out))
    }

    /// The reconstruction of one sample `x: [n_inputs]`, `[n_inputs]`: the values of the
    /// sample's row of [`reconstruct`](Self::reconstruct). One allocation, of
    /// `n_inputs + n_hidden` values: the result and, past its end, the code on the way.
    ///
    /// # Errors
    /// As [`encode_row`](Self::encode_row).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::VanillaAutoencoder;
    /// use ndarray::array;
    ///
    /// let model = VanillaAutoencoder::<f64>::new(3, 2, 7)?;
    /// let x = array![0.1, 0.5, 0.9];
    /// assert_eq!(model.reconstruct_row(&x)?.len(), 3);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn reconstruct_row<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix1>) -> Result<Array1<F>> {
        inference::check_row(x, self.n_inputs())?;
        let mut buffer = vec![F::zero(); self.n_inputs() + self.n_hidden()];
        let (out, hidden) = buffer.split_at_mut(self.n_inputs());
        kernels::vectorized(
            #[inline(always)]
            || self.reconstruct_into(x.view(), hidden, out),
        );
        buffer.truncate(self.n_inputs());
        Ok(Array1::from_vec(buffer))
    }

    /// The reconstruction error of one sample `x: [n_inputs]`: the mean over `n_inputs` of
    /// `(z − x)²`, the value of the sample's entry of
    /// [`reconstruction_errors`](Self::reconstruction_errors). One allocation (of
    /// `n_inputs + n_hidden` values, freed before it returns).
    ///
    /// # Errors
    /// As [`encode_row`](Self::encode_row).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::VanillaAutoencoder;
    /// use ndarray::array;
    ///
    /// let model = VanillaAutoencoder::<f64>::new(3, 2, 7)?;
    /// let x = array![[0.1, 0.5, 0.9]];
    /// let error = model.reconstruction_error_row(&x.row(0))?;
    /// assert!((error - model.reconstruction_errors(&x)?[0]).abs() < 1e-12); // to rounding
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn reconstruction_error_row<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix1>) -> Result<F> {
        inference::check_row(x, self.n_inputs())?;
        let mut buffer = vec![F::zero(); self.n_inputs() + self.n_hidden()];
        Ok(kernels::vectorized(
            #[inline(always)]
            || self.reconstruction_error_in(x.view(), &mut buffer),
        ))
    }

    /// `W` and `b1` as row-major slices.
    fn encoder(&self) -> (&[F], &[F]) {
        (self.slice_w(), self.slice_b1())
    }

    /// `W` and `b2` as row-major slices.
    fn decoder(&self) -> (&[F], &[F]) {
        (self.slice_w(), self.slice_b2())
    }

    /// The reconstruction of `x` in `out` (`[n_inputs]`), through `hidden` (`[n_hidden]`).
    #[inline(always)]
    fn reconstruct_into(&self, x: ArrayView1<'_, F>, hidden: &mut [F], out: &mut [F]) {
        inference::encode_into::<F, A>(self.encoder(), x, hidden);
        inference::decode_into::<F, O>(self.decoder(), ArrayView1::from(&*hidden), out);
    }

    /// The reconstruction error of `x`, through `buffer` (`[n_inputs + n_hidden]`).
    #[inline(always)]
    fn reconstruction_error_in(&self, x: ArrayView1<'_, F>, buffer: &mut [F]) -> F {
        let (out, hidden) = buffer.split_at_mut(self.n_inputs());
        self.reconstruct_into(x, hidden, out);
        inference::mean_squared_error(out, x)
    }

    /// The mean loss over all elements of `x` (the quantity `fit` minimises for one batch).
    ///
    /// # Errors
    /// As [`encode`](Self::encode), plus [`Error::EmptyInput`] for no rows, and for binary
    /// cross-entropy [`Error::BceNeedsSigmoid`] and [`Error::TargetOutOfRange`].
    pub fn loss<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>, loss: Loss) -> Result<F> {
        Ok(self.loss_and_gradient(x, loss)?.0)
    }

    /// The mean loss over all elements of `x` and its gradient with respect to `W`, `b1`, `b2`,
    /// with all of `x` as one batch.
    ///
    /// # Errors
    /// As [`loss`](Self::loss).
    pub fn loss_and_gradient<S: Data<Elem = F>>(
        &self,
        x: &ArrayBase<S, Ix2>,
        loss: Loss,
    ) -> Result<(F, Gradients<F>)> {
        validate::training_data::<F, O, S>(x, self.n_inputs(), loss)?;
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let data = x.as_standard_layout();
        let data = data.as_slice().expect("standard layout is contiguous");
        let mut workspace =
            Workspace::try_new(self.n_inputs(), self.n_hidden(), rows.len(), false)?;
        let mut grads = [Gradients::try_zeros(
            self.n_inputs(),
            self.n_hidden(),
            "gradients",
        )?];
        workspace.load_rows(data, &rows);
        let layer = Layer::tied((self.slice_w(), self.slice_b1(), self.slice_b2()));
        let value = workspace.loss_and_gradient::<A, O>(layer, rows.len(), loss, &mut grads);
        let [grads] = grads;
        Ok((value, grads))
    }

    /// Trains the model in place on `x` (one sample per row). Calling it again continues from
    /// the current parameters, with a fresh optimiser state.
    ///
    /// # Errors
    /// Invalid hyperparameters (see [`TrainConfig::check`]); [`Error::ShapeMismatch`],
    /// [`Error::EmptyInput`], [`Error::NonFiniteInput`]; for binary cross-entropy
    /// [`Error::BceNeedsSigmoid`] and [`Error::TargetOutOfRange`]. All of these are checked
    /// before the model is touched. [`Error::Diverged`] when a batch loss or, at the end of an
    /// epoch, a parameter is not finite; the parameters are then those at the end of the last
    /// completed epoch.
    pub fn fit<S: Data<Elem = F>>(
        &mut self,
        x: &ArrayBase<S, Ix2>,
        config: &TrainConfig,
    ) -> Result<FitReport<F>> {
        self.fit_with_observer(x, config, &mut ())
    }

    /// As [`fit`](Self::fit), reporting every epoch to `observer`, which may stop training.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    pub fn fit_with_observer<S, Ob>(
        &mut self,
        x: &ArrayBase<S, Ix2>,
        config: &TrainConfig,
        observer: &mut Ob,
    ) -> Result<FitReport<F>>
    where
        S: Data<Elem = F>,
        Ob: Observer<F> + ?Sized,
    {
        trainer::fit(self, x, None, config, None, observer)
    }

    /// Continues training from `state` (from [`FitReport::state`]) up to `config.epochs()`
    /// epochs in all. With the same data and config, a run split into several `fit` +
    /// `fit_resume` calls gives bit-identical parameters and losses to one uninterrupted run.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), and [`Error::IncompatibleTrainState`] when the state belongs to
    /// another model shape or optimiser, or has already run `config.epochs()` epochs.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{TrainConfig, VanillaAutoencoder};
    /// use ndarray::Array2;
    ///
    /// let x = Array2::from_shape_fn((50, 4), |(i, j)| ((i + j) % 3) as f64 / 2.0);
    /// let config = TrainConfig::new().epochs(6).seed(1);
    /// let mut whole = VanillaAutoencoder::<f64>::new(4, 2, 0)?;
    /// whole.fit(&x, &config)?;
    ///
    /// let mut split = VanillaAutoencoder::<f64>::new(4, 2, 0)?;
    /// let first = split.fit(&x, &config.clone().epochs(2))?;
    /// split.fit_resume(&x, &config, first.into_state(), &mut ())?;
    /// assert_eq!(split, whole);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn fit_resume<S, Ob>(
        &mut self,
        x: &ArrayBase<S, Ix2>,
        config: &TrainConfig,
        state: TrainState<F>,
        observer: &mut Ob,
    ) -> Result<FitReport<F>>
    where
        S: Data<Elem = F>,
        Ob: Observer<F> + ?Sized,
    {
        trainer::fit(self, x, None, config, Some(state), observer)
    }

    /// As [`fit_with_observer`](Self::fit_with_observer), with an explicit validation matrix:
    /// the report and the observer get the validation loss of every epoch, and early stopping
    /// and [`LearningRateSchedule::ReduceOnPlateau`](crate::LearningRateSchedule::ReduceOnPlateau)
    /// monitor it. The config's `validation_fraction` is ignored.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), for both matrices (the validation matrix may not be empty either).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{TrainConfig, VanillaAutoencoder};
    /// use ndarray::{Array2, s};
    ///
    /// let x = Array2::from_shape_fn((100, 6), |(i, j)| ((i * j) % 5) as f64 / 4.0);
    /// let (train, held_out) = (x.slice(s![..80, ..]), x.slice(s![80.., ..]));
    /// let mut model = VanillaAutoencoder::<f64>::new(6, 3, 0)?;
    /// let config = TrainConfig::new().epochs(50).early_stopping(5, 1e-5);
    /// let report = model.fit_with_validation(&train, &held_out, &config, &mut ())?;
    /// assert_eq!(report.validation_losses().unwrap().len(), report.epochs_run());
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn fit_with_validation<S, T, Ob>(
        &mut self,
        x: &ArrayBase<S, Ix2>,
        validation: &ArrayBase<T, Ix2>,
        config: &TrainConfig,
        observer: &mut Ob,
    ) -> Result<FitReport<F>>
    where
        S: Data<Elem = F>,
        T: Data<Elem = F>,
        Ob: Observer<F> + ?Sized,
    {
        trainer::fit(self, x, Some(validation.view()), config, None, observer)
    }

    fn check_data<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>, columns: usize) -> Result<()> {
        validate::columns(x, columns)?;
        validate::finite(x)
    }

    #[inline]
    fn slice_w(&self) -> &[F] {
        self.w.as_slice().expect("model arrays are contiguous")
    }

    #[inline]
    fn slice_b1(&self) -> &[F] {
        self.b1.as_slice().expect("model arrays are contiguous")
    }

    #[inline]
    fn slice_b2(&self) -> &[F] {
        self.b2.as_slice().expect("model arrays are contiguous")
    }
}

impl<F: Float, A: Activation, O: Activation> Trainable<F> for VanillaAutoencoder<F, A, O> {
    type Workspace = Workspace<F>;
    type Output = O;

    fn check_config(&self, config: &ValidTrainConfig) -> Result<()> {
        layer::check_config::<A>(config)
    }

    fn n_inputs(&self) -> usize {
        VanillaAutoencoder::n_inputs(self)
    }

    fn block_shapes(&self) -> Vec<BlockShape> {
        vec![BlockShape::layer(self.n_inputs(), self.n_hidden())]
    }

    #[inline(always)]
    fn block_params(&self, _block: usize) -> ParamSlices<'_, F> {
        (self.slice_w(), self.slice_b1(), self.slice_b2())
    }

    #[inline(always)]
    fn block_params_mut(&mut self, _block: usize) -> (&mut [F], &mut [F], &mut [F]) {
        let contiguous = "model arrays are contiguous";
        (
            self.w.as_slice_mut().expect(contiguous),
            self.b1.as_slice_mut().expect(contiguous),
            self.b2.as_slice_mut().expect(contiguous),
        )
    }

    fn workspace(&self, capacity: usize) -> Result<Workspace<F>> {
        Workspace::try_new(self.n_inputs(), self.n_hidden(), capacity, false)
    }

    // Inlined into the loop: online training calls it once per sample.
    #[inline(always)]
    fn batch_gradient(
        &self,
        workspace: &mut Workspace<F>,
        data: &[F],
        rows: &[usize],
        config: &ValidTrainConfig,
        noise_rng: &mut rand_chacha::ChaCha8Rng,
        grads: &mut [Gradients<F>],
    ) -> F {
        let layer = Layer::tied(self.block_params(0));
        layer::batch_gradient::<F, A, O>(workspace, layer, data, rows, config, noise_rng, grads)
    }

    fn online_epoch<R: UpdateRule<F>>(
        &mut self,
        data: &[F],
        order: &[usize],
        config: &ValidTrainConfig,
        rule: &R,
        states: &mut [R::State],
    ) -> Option<std::result::Result<F, usize>> {
        let (sgd, [state]) = rule.as_sgd(states)? else {
            return None;
        };
        if !plan::online_padded(self.n_inputs(), self.n_hidden(), config) {
            return None;
        }
        Some(online::sgd_epoch::<F, A, O>(
            self.block_params_mut(0),
            &mut state.velocity,
            sgd,
            config.loss(),
            data,
            order,
        ))
    }

    fn batch_loss(
        &self,
        workspace: &mut Workspace<F>,
        data: &[F],
        rows: &[usize],
        loss: Loss,
    ) -> F {
        let layer = Layer::tied(self.block_params(0));
        layer::batch_loss::<F, A, O>(workspace, layer, data, rows, loss)
    }
}

/// Each row's mean over its columns of `(z − x)²`, finite whenever that mean fits `F`.
pub(crate) fn row_mean_squared_errors<F: Float, S: Data<Elem = F>>(
    mut z: Array2<F>,
    x: &ArrayBase<S, Ix2>,
) -> Array1<F> {
    z -= x;
    let squares = z.mapv(|d| d * d);
    let n_columns = F::cast(z.ncols() as f64);
    let mut errors = squares.sum_axis(Axis(1)).mapv(|s| s / n_columns);
    for (error, row) in errors.iter_mut().zip(z.rows()) {
        if !error.is_finite() {
            // Squares of huge differences overflow where their mean need not: scale by the
            // largest difference. Infinite only if the mean itself is.
            let top = row.fold(F::zero(), |m, &d| m.max(d.abs()));
            *error = if top.is_finite() {
                let mean = row.fold(F::zero(), |sum, &d| sum + (d / top) * (d / top)) / n_columns;
                let root = top * mean.sqrt();
                root * root
            } else {
                F::infinity()
            };
        }
    }
    errors
}

/// Glorot-uniform weights `W: [n_hidden, n_inputs]` drawn from `rng` (row by row, each value
/// from the top 53 bits of one 64-bit output) and zero biases, or [`Error::AllocationFailed`].
pub(crate) fn initial_parts<F: Float>(
    n_inputs: usize,
    n_hidden: usize,
    rng: &mut ChaCha8Rng,
) -> Result<(Array2<F>, Array1<F>, Array1<F>)> {
    let w = glorot_uniform(n_hidden, n_inputs, rng, "W")?;
    let b1 = Array1::from_vec(try_filled(n_hidden, F::zero(), "b1")?);
    let b2 = Array1::from_vec(try_filled(n_inputs, F::zero(), "b2")?);
    Ok((w, b1, b2))
}

/// Glorot-uniform weights `[rows, cols]`, `U(−a, a)` with `a = sqrt(6 / (rows + cols))`, drawn
/// from `rng` row by row, each value from the top 53 bits of one 64-bit output; or
/// [`Error::AllocationFailed`] naming `what`.
pub(crate) fn glorot_uniform<F: Float>(
    rows: usize,
    cols: usize,
    rng: &mut ChaCha8Rng,
    what: &'static str,
) -> Result<Array2<F>> {
    let n_weights = element_count(rows, cols, what)?;
    let mut w = try_with_capacity(n_weights, what)?;
    let bound = (6.0 / (rows as f64 + cols as f64)).sqrt();
    w.extend((0..n_weights).map(|_| {
        let unit = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        F::cast(bound * (2.0 * unit - 1.0))
    }));
    // `w` holds exactly `rows · cols` values, whose size in bytes fits `isize`.
    Ok(Array2::from_shape_vec((rows, cols), w).expect("length matches the shape"))
}

/// `a` itself when it is in standard layout, else a standard-layout copy allocated fallibly.
pub(crate) fn standard_layout<F: Float, D: Dimension>(
    a: Array<F, D>,
    what: &'static str,
) -> Result<Array<F, D>> {
    if a.is_standard_layout() {
        return Ok(a);
    }
    let mut values = try_with_capacity(a.len(), what)?;
    values.extend(a.iter().copied());
    // `values` holds `a`'s elements in logical order, as many as its shape has.
    Ok(Array::from_shape_vec(a.raw_dim(), values).expect("length matches the shape"))
}
