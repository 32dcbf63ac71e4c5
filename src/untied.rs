//! The untied autoencoder: a decoder with weights of its own.

use std::fmt;
use std::marker::PhantomData;

use ndarray::{Array1, Array2, ArrayBase, ArrayView1, ArrayView2, Data, Ix2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::activation::{Activation, Sigmoid};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::{BlockShape, Gradients, Layer, ParamSlices};
use crate::layer;
use crate::loss::Loss;
use crate::model::{glorot_uniform, initial_parts, row_mean_squared_errors, standard_layout};
use crate::pca::Pca;
use crate::train::config::TrainConfig;
use crate::train::config::ValidTrainConfig;
use crate::train::observer::{FitReport, Observer};
use crate::train::state::TrainState;
use crate::train::trainer::{self, Trainable};
use crate::workspace::Workspace;
use crate::{decoder, encoder};
use crate::{gradient, validate};

/// An autoencoder with one hidden layer whose decoder has weights of its own.
///
/// ```text
/// Y = f(X Wᵀ + b1)     encoder, W: [n_hidden, n_inputs], b1: [n_hidden]
/// Z = g(Y Vᵀ + b2)     decoder, V: [n_inputs, n_hidden], b2: [n_inputs]
/// ```
/// The layout of `W` and `V` is PyTorch's `Linear` (`[out_features, in_features]`). Training
/// takes the same [`TrainConfig`] as [`VanillaAutoencoder`](crate::VanillaAutoencoder): every
/// optimiser, schedule, noise and penalty (the contractive penalty acts on the encoder's `W`;
/// weight decay on `W` and `V`, never on the biases).
///
/// # Examples
/// ```
/// use autoencoder::{TrainConfig, UntiedAutoencoder};
/// use ndarray::Array2;
///
/// let x = Array2::from_shape_fn((60, 9), |(i, j)| ((i % 3) * (j % 4)) as f64 / 6.0);
/// let mut model = UntiedAutoencoder::<f64>::new(9, 5, 42)?;
/// let before = model.reconstruction_errors(&x)?.mean().unwrap();
/// model.fit(&x, &TrainConfig::new().epochs(30))?;
/// assert!(model.reconstruction_errors(&x)?.mean().unwrap() < before);
/// assert_eq!((model.w().dim(), model.v().dim()), ((5, 9), (9, 5)));
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub struct UntiedAutoencoder<F, A = Sigmoid, O = A> {
    w: Array2<F>,
    v: Array2<F>,
    b1: Array1<F>,
    b2: Array1<F>,
    activations: PhantomData<fn() -> (A, O)>,
}

impl<F: Float, A, O> Clone for UntiedAutoencoder<F, A, O> {
    fn clone(&self) -> Self {
        Self {
            w: self.w.clone(),
            v: self.v.clone(),
            b1: self.b1.clone(),
            b2: self.b2.clone(),
            activations: PhantomData,
        }
    }
}

/// Sizes and activations only, as for [`VanillaAutoencoder`](crate::VanillaAutoencoder).
impl<F: Float, A: Activation, O: Activation> fmt::Debug for UntiedAutoencoder<F, A, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UntiedAutoencoder")
            .field("n_inputs", &self.n_inputs())
            .field("n_hidden", &self.n_hidden())
            .field("activation", &A::NAME)
            .field("output_activation", &O::NAME)
            .finish_non_exhaustive()
    }
}

impl<F: Float, A, O> PartialEq for UntiedAutoencoder<F, A, O> {
    fn eq(&self, other: &Self) -> bool {
        self.w == other.w && self.v == other.v && self.b1 == other.b1 && self.b2 == other.b2
    }
}

impl<F: Float, A: Activation, O: Activation> UntiedAutoencoder<F, A, O> {
    /// A model with `n_inputs` inputs and `n_hidden` hidden units, initialised from `seed`:
    /// Glorot-uniform `W`, then `V` from the same generator (drawn as
    /// [`VanillaAutoencoder::new`](crate::VanillaAutoencoder::new) draws `W`), biases zero.
    ///
    /// # Errors
    /// [`Error::ZeroInputs`] or [`Error::ZeroHiddenUnits`]; [`Error::AllocationFailed`] when
    /// the weights overflow `usize` or cannot be allocated.
    pub fn new(n_inputs: usize, n_hidden: usize, seed: u64) -> Result<Self> {
        if n_inputs == 0 {
            return Err(Error::ZeroInputs);
        }
        if n_hidden == 0 {
            return Err(Error::ZeroHiddenUnits);
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (w, b1, b2) = initial_parts(n_inputs, n_hidden, &mut rng)?;
        let v = glorot_uniform(n_inputs, n_hidden, &mut rng, "V")?;
        Ok(Self {
            w,
            v,
            b1,
            b2,
            activations: PhantomData,
        })
    }

    /// A model from explicit parameters `W: [n_hidden, n_inputs]`, `V: [n_inputs, n_hidden]`,
    /// `b1: [n_hidden]`, `b2: [n_inputs]`.
    ///
    /// # Errors
    /// [`Error::InconsistentParts`] when `W`, `b1` and `b2` do not fit together (or a
    /// dimension is zero), [`Error::DecoderShapeMismatch`] when `V` is not `W`'s shape
    /// transposed, [`Error::NonFiniteParameter`] when a value is NaN or infinite,
    /// [`Error::AllocationFailed`] when an array not in standard layout cannot be copied.
    ///
    /// # Examples
    /// ```
    /// use autoencoder::{Error, UntiedAutoencoder};
    /// use ndarray::{Array1, Array2};
    ///
    /// let model = UntiedAutoencoder::<f64>::from_parts(
    ///     Array2::zeros((2, 3)), Array2::zeros((3, 2)), Array1::zeros(2), Array1::zeros(3))?;
    /// assert_eq!((model.n_inputs(), model.n_hidden()), (3, 2));
    /// let wrong_v = UntiedAutoencoder::<f64>::from_parts(
    ///     Array2::zeros((2, 3)), Array2::zeros((2, 3)), Array1::zeros(2), Array1::zeros(3));
    /// assert!(matches!(wrong_v, Err(Error::DecoderShapeMismatch { expected: [3, 2], .. })));
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn from_parts(w: Array2<F>, v: Array2<F>, b1: Array1<F>, b2: Array1<F>) -> Result<Self> {
        let (w_rows, w_cols) = w.dim();
        if w_rows == 0 || w_cols == 0 || b1.len() != w_rows || b2.len() != w_cols {
            return Err(Error::InconsistentParts {
                w_rows,
                w_cols,
                b1_len: b1.len(),
                b2_len: b2.len(),
            });
        }
        if v.dim() != (w_cols, w_rows) {
            return Err(Error::DecoderShapeMismatch {
                expected: [w_cols, w_rows],
                found: [v.nrows(), v.ncols()],
            });
        }
        for (name, finite) in [
            ("W", w.iter().all(|x| x.is_finite())),
            ("V", v.iter().all(|x| x.is_finite())),
            ("b1", b1.iter().all(|x| x.is_finite())),
            ("b2", b2.iter().all(|x| x.is_finite())),
        ] {
            if !finite {
                return Err(Error::NonFiniteParameter { name });
            }
        }
        Ok(Self {
            w: standard_layout(w, "W")?,
            v: standard_layout(v, "V")?,
            b1: standard_layout(b1, "b1")?,
            b2: standard_layout(b2, "b2")?,
            activations: PhantomData,
        })
    }

    /// A model that starts at PCA's solution: `W = Uₖᵀ`, `b1 = −W mean`, `V = Uₖ`,
    /// `b2 = mean` (see [`VanillaAutoencoder::from_pca`](crate::VanillaAutoencoder::from_pca)).
    ///
    /// # Errors
    /// As [`from_parts`](Self::from_parts).
    pub fn from_pca(pca: &Pca<F>) -> Result<Self> {
        let (w, b1, b2) = pca.linear_layer();
        let v = w.t().to_owned();
        Self::from_parts(w, v, b1, b2)
    }

    /// The parameters `(W, V, b1, b2)`, consuming the model.
    pub fn into_parts(self) -> (Array2<F>, Array2<F>, Array1<F>, Array1<F>) {
        (self.w, self.v, self.b1, self.b2)
    }

    /// Number of inputs (and outputs).
    pub fn n_inputs(&self) -> usize {
        self.w.ncols()
    }

    /// Number of hidden units.
    pub fn n_hidden(&self) -> usize {
        self.w.nrows()
    }

    /// The encoder's weights `W`, `[n_hidden, n_inputs]`.
    pub fn w(&self) -> ArrayView2<'_, F> {
        self.w.view()
    }

    /// The decoder's weights `V`, `[n_inputs, n_hidden]`.
    pub fn v(&self) -> ArrayView2<'_, F> {
        self.v.view()
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
        validate::columns(x, self.n_inputs())?;
        validate::finite(x)?;
        Ok(encoder::encode::<F, A, S>(&self.w, &self.b1, x))
    }

    /// Reconstructions `Z = g(Y Vᵀ + b2)` from codes `Y: [n_samples, n_hidden]`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `y` has `n_hidden` columns; [`Error::NonFiniteInput`].
    pub fn decode<S: Data<Elem = F>>(&self, y: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        validate::columns(y, self.n_hidden())?;
        validate::finite(y)?;
        Ok(decoder::decode::<F, O, S>(self.v.t(), &self.b2, y))
    }

    /// Reconstructions of `x`, `[n_samples, n_inputs]`: `decode(encode(x))`.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn reconstruct<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        let y = self.encode(x)?;
        Ok(decoder::decode::<F, O, _>(self.v.t(), &self.b2, &y))
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

    /// The mean loss over all elements of `x` and its gradients with respect to `(W, b1, b2)`
    /// and to `V` (the second [`Gradients`], whose `w` is `∂L/∂V` and whose biases are empty),
    /// with all of `x` as one batch.
    ///
    /// # Errors
    /// As [`encode`](Self::encode), plus [`Error::EmptyInput`] for no rows, and for binary
    /// cross-entropy [`Error::BceNeedsSigmoid`] and [`Error::TargetOutOfRange`].
    pub fn loss_and_gradient<S: Data<Elem = F>>(
        &self,
        x: &ArrayBase<S, Ix2>,
        loss: Loss,
    ) -> Result<(F, Gradients<F>, Gradients<F>)> {
        validate::training_data::<F, O, S>(x, self.n_inputs(), loss)?;
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let data = x.as_standard_layout();
        let data = data.as_slice().expect("standard layout is contiguous");
        let mut workspace = self.workspace(rows.len())?;
        let [layer_shape, v_shape] = [0, 1].map(|block| self.block_shapes()[block]);
        let mut grads = [
            Gradients::try_shaped(layer_shape, "gradients")?,
            Gradients::try_shaped(v_shape, "gradients")?,
        ];
        workspace.load_rows(data, &rows);
        let value = workspace.loss_and_gradient::<A, O>(self.layer(), rows.len(), loss, &mut grads);
        let [layer_grads, v_grads] = grads;
        Ok((value, layer_grads, v_grads))
    }

    /// The mean loss over all elements of `x`.
    ///
    /// # Errors
    /// As [`loss_and_gradient`](Self::loss_and_gradient).
    pub fn loss<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>, loss: Loss) -> Result<F> {
        Ok(self.loss_and_gradient(x, loss)?.0)
    }

    /// Trains the model in place on `x` (one sample per row), as
    /// [`VanillaAutoencoder::fit`](crate::VanillaAutoencoder::fit) does.
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::fit`](crate::VanillaAutoencoder::fit).
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

    /// Continues training from `state`, as
    /// [`VanillaAutoencoder::fit_resume`](crate::VanillaAutoencoder::fit_resume) does.
    ///
    /// # Errors
    /// As [`fit`](Self::fit), and [`Error::IncompatibleTrainState`].
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

    /// As [`fit_with_observer`](Self::fit_with_observer), with an explicit validation matrix
    /// (see [`VanillaAutoencoder::fit_with_validation`](crate::VanillaAutoencoder::fit_with_validation)).
    ///
    /// # Errors
    /// As [`fit`](Self::fit), for both matrices.
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

    #[inline(always)]
    fn layer(&self) -> Layer<'_, F> {
        let (w, b1, b2) = self.block_params(0);
        Layer {
            w,
            b1,
            b2,
            v: Some(contiguous(&self.v)),
        }
    }
}

fn contiguous<F, D: ndarray::Dimension>(a: &ndarray::Array<F, D>) -> &[F] {
    a.as_slice().expect("model arrays are contiguous")
}

impl<F: Float, A: Activation, O: Activation> Trainable<F> for UntiedAutoencoder<F, A, O> {
    type Workspace = Workspace<F>;
    type Output = O;

    fn check_config(&self, config: &ValidTrainConfig) -> Result<()> {
        layer::check_config::<A>(config)
    }

    fn n_inputs(&self) -> usize {
        UntiedAutoencoder::n_inputs(self)
    }

    /// The layer's `(W, b1, b2)`, then `V`.
    fn block_shapes(&self) -> Vec<BlockShape> {
        let (d, h) = (self.n_inputs(), self.n_hidden());
        vec![BlockShape::layer(d, h), BlockShape::weights(d, h)]
    }

    #[inline(always)]
    fn block_params(&self, block: usize) -> ParamSlices<'_, F> {
        match block {
            0 => (
                contiguous(&self.w),
                contiguous(&self.b1),
                contiguous(&self.b2),
            ),
            _ => (contiguous(&self.v), &[], &[]),
        }
    }

    #[inline(always)]
    fn block_params_mut(&mut self, block: usize) -> (&mut [F], &mut [F], &mut [F]) {
        use gradient::slice_mut as slice;
        match block {
            0 => (
                slice(self.w.as_slice_mut()),
                slice(self.b1.as_slice_mut()),
                slice(self.b2.as_slice_mut()),
            ),
            _ => (slice(self.v.as_slice_mut()), &mut [], &mut []),
        }
    }

    fn workspace(&self, capacity: usize) -> Result<Workspace<F>> {
        Workspace::try_new(self.n_inputs(), self.n_hidden(), capacity, true)
    }

    #[inline(always)]
    fn batch_gradient(
        &self,
        workspace: &mut Workspace<F>,
        data: &[F],
        rows: &[usize],
        config: &ValidTrainConfig,
        noise_rng: &mut ChaCha8Rng,
        grads: &mut [Gradients<F>],
    ) -> F {
        let layer = self.layer();
        layer::batch_gradient::<F, A, O>(workspace, layer, data, rows, config, noise_rng, grads)
    }

    fn batch_loss(
        &self,
        workspace: &mut Workspace<F>,
        data: &[F],
        rows: &[usize],
        loss: Loss,
    ) -> F {
        layer::batch_loss::<F, A, O>(workspace, self.layer(), data, rows, loss)
    }
}
