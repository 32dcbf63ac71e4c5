//! Stacked autoencoders: several levels (tied, or untied with decoders of their own), trained
//! greedily level by level and then fine-tuned end to end.
//!
//! The file is long for the public API it documents (a third of it is docs and examples); the
//! training of a stack lives in `train.rs`.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;

use ndarray::{Array, Array1, Array2, ArrayBase, ArrayView1, ArrayView2, Data, Ix1, Ix2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

mod train;

use crate::activation::{Activation, Sigmoid};
use crate::decoder::DecoderWeights;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::{Gradients, try_with_capacity};
use crate::loss::Loss;
use crate::model::VanillaAutoencoder;
use crate::model::{glorot_uniform, initial_parts, row_mean_squared_errors};
use crate::train::config::TrainConfig;
use crate::train::observer::{FitReport, Observer};
use crate::train::state::TrainState;
use crate::train::trainer::{self, Trainable};
use crate::untied::UntiedAutoencoder;
use crate::{decoder, encoder, inference, kernels, validate};

/// Which way a level maps a sample.
#[derive(Debug, Clone, Copy)]
enum Pass {
    /// `h_k = f(W_k h_{k−1} + b1_k)`.
    Encode,
    /// `g_{k−1} = f(W_kᵀ g_k + b2_k)` (the output activation for the bottom level).
    Decode,
}

/// One level: `W: [n_hidden, n_inputs]`, `b1: [n_hidden]`, `b2: [n_inputs]` and, untied, the
/// decoder's `V: [n_inputs, n_hidden]`.
#[derive(Debug, Clone, PartialEq)]
struct Level<F> {
    w: Array2<F>,
    b1: Array1<F>,
    b2: Array1<F>,
    v: Option<Array2<F>>,
}

impl<F: Float> Level<F> {
    /// A copy, or [`Error::AllocationFailed`] (a level may take most of the memory there is).
    fn try_clone(&self) -> Result<Self> {
        fn copy<F: Float, D: ndarray::Dimension>(a: &Array<F, D>) -> Result<Array<F, D>> {
            let mut values = try_with_capacity(a.len(), "a level's parameters")?;
            values.extend_from_slice(slice(a));
            // As many values as the shape has, in its (standard) order.
            Ok(Array::from_shape_vec(a.raw_dim(), values).expect("length matches the shape"))
        }
        Ok(Self {
            w: copy(&self.w)?,
            b1: copy(&self.b1)?,
            b2: copy(&self.b2)?,
            v: self.v.as_ref().map(copy).transpose()?,
        })
    }

    /// The decoder's weights as the lane-major kernels read them.
    fn decoder_weights(&self) -> DecoderWeights<'_, F> {
        match &self.v {
            None => DecoderWeights::Tied(slice(&self.w)),
            Some(v) => DecoderWeights::Untied(slice(v)),
        }
    }

    /// The decoder's map as `[n_hidden, n_inputs]` (`W`, or `Vᵀ` as a view) for batch decoding.
    fn decoder_map(&self) -> ArrayView2<'_, F> {
        match &self.v {
            None => self.w.view(),
            Some(v) => v.t(),
        }
    }
}

/// A stack of levels: layer sizes `[n_0, n_1, …, n_L]` give `L` levels, level `k` mapping
/// `n_{k−1}` features to `n_k`. Decoding mirrors encoding, with the same weights (tied levels,
/// [`new`](Self::new), [`from_levels`](Self::from_levels)):
///
/// ```text
/// h_0 = x        h_k = f(W_k h_{k−1} + b1_k)              k = 1 … L    (h_L is the code)
/// g_L = h_L      g_{k−1} = f(W_kᵀ g_k + b2_k)             k = L … 2
///                z = g(W_1ᵀ g_1 + b2_1)                   (the output activation O)
/// ```
/// or with decoder weights of their own, `V_k: [n_{k−1}, n_k]` in place of `W_kᵀ` (untied
/// levels, as [`UntiedAutoencoder`](crate::UntiedAutoencoder)'s:
/// [`new_untied`](Self::new_untied), [`from_untied_levels`](Self::from_untied_levels)).
///
/// Train it greedily with [`pretrain`](Self::pretrain) (each level as a
/// [`VanillaAutoencoder`] on the codes of the level below), then end to end with
/// [`fit`](Self::fit), which backpropagates through the whole stack; every tied `W_k` gets the
/// sum of its encoder and decoder gradients. All optimisers, schedules, validation and early
/// stopping of [`TrainConfig`] apply to both.
///
/// # Examples
/// ```
/// use autoencoder::{StackedAutoencoder, TrainConfig};
/// use ndarray::Array2;
///
/// let x = Array2::from_shape_fn((64, 16), |(i, j)| ((i * j) % 7) as f64 / 6.0);
/// let mut stack = StackedAutoencoder::<f64>::new(&[16, 8, 4], 0)?;
/// let config = TrainConfig::new().epochs(20).batch_size(8).learning_rate(0.5);
/// stack.pretrain(&x, &config)?;
/// let before = stack.reconstruction_errors(&x)?.mean().unwrap();
/// stack.fit(&x, &config)?;
/// assert!(stack.reconstruction_errors(&x)?.mean().unwrap() < before);
/// assert_eq!(stack.encode(&x)?.dim(), (64, 4));
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub struct StackedAutoencoder<F, A = Sigmoid, O = A> {
    levels: Vec<Level<F>>,
    activations: PhantomData<fn() -> (A, O)>,
}

impl<F: Float, A, O> Clone for StackedAutoencoder<F, A, O> {
    fn clone(&self) -> Self {
        Self {
            levels: self.levels.clone(),
            activations: PhantomData,
        }
    }
}

impl<F: Float, A, O> PartialEq for StackedAutoencoder<F, A, O> {
    fn eq(&self, other: &Self) -> bool {
        self.levels == other.levels
    }
}

/// Layer sizes and activations only, no weights.
///
/// ```
/// use autoencoder::{StackedAutoencoder, Tanh};
/// let stack = StackedAutoencoder::<f32, Tanh>::new(&[8, 4, 2], 0)?;
/// assert_eq!(
///     format!("{stack:?}"),
///     r#"StackedAutoencoder { layer_sizes: [8, 4, 2], activation: "tanh", output_activation: "tanh", .. }"#
/// );
/// # Ok::<(), autoencoder::Error>(())
/// ```
impl<F: Float, A: Activation, O: Activation> fmt::Debug for StackedAutoencoder<F, A, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StackedAutoencoder")
            .field("layer_sizes", &self.layer_sizes())
            .field("activation", &A::NAME)
            .field("output_activation", &O::NAME)
            .finish_non_exhaustive()
    }
}

impl<F: Float, A: Activation, O: Activation> StackedAutoencoder<F, A, O> {
    /// A stack with the given layer sizes (inputs first, code last), initialised from `seed`:
    /// level `k`'s `W ~ U(−a, a)` with `a = sqrt(6 / (n_{k−1} + n_k))` from ChaCha8 stream `k`,
    /// biases zero.
    ///
    /// # Errors
    /// [`Error::InvalidLayerSizes`] for fewer than two sizes or a zero size;
    /// [`Error::AllocationFailed`] when a level's weights overflow `usize` or cannot be
    /// allocated.
    pub fn new(layer_sizes: &[usize], seed: u64) -> Result<Self> {
        Self::initialised(layer_sizes, seed, false)
    }

    /// A stack of untied levels with the given layer sizes, initialised from `seed`: level
    /// `k`'s `W` as [`new`](Self::new) draws it, then `V_k` from the same stream (as
    /// [`UntiedAutoencoder::new`](crate::UntiedAutoencoder::new) draws its `V`).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::StackedAutoencoder;
    /// let stack = StackedAutoencoder::<f64>::new_untied(&[9, 6, 3], 0)?;
    /// assert!(stack.is_untied());
    /// assert_eq!(stack.level_v(1).unwrap().dim(), (6, 3));
    /// assert_eq!(stack.level(1).0, StackedAutoencoder::<f64>::new(&[9, 6, 3], 0)?.level(1).0);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn new_untied(layer_sizes: &[usize], seed: u64) -> Result<Self> {
        Self::initialised(layer_sizes, seed, true)
    }

    fn initialised(layer_sizes: &[usize], seed: u64, untied: bool) -> Result<Self> {
        if layer_sizes.len() < 2 || layer_sizes.contains(&0) {
            return Err(Error::InvalidLayerSizes(layer_sizes.to_vec()));
        }
        let levels = layer_sizes
            .windows(2)
            .enumerate()
            .map(|(k, pair)| {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(k as u64);
                let (w, b1, b2) = initial_parts(pair[0], pair[1], &mut rng)?;
                let v = untied
                    .then(|| glorot_uniform(pair[0], pair[1], &mut rng, "V"))
                    .transpose()?;
                Ok(Level { w, b1, b2, v })
            })
            .collect::<Result<_>>()?;
        Ok(Self {
            levels,
            activations: PhantomData,
        })
    }

    /// A stack from explicit parameters `(W_k, b1_k, b2_k)`, bottom level first.
    ///
    /// # Errors
    /// [`Error::InvalidLayerSizes`] for no levels or levels that do not chain
    /// (`W_{k+1}` must have as many columns as `W_k` has rows); as
    /// [`VanillaAutoencoder::from_parts`] for each level.
    pub fn from_levels(levels: Vec<(Array2<F>, Array1<F>, Array1<F>)>) -> Result<Self> {
        let mut checked = Vec::with_capacity(levels.len());
        let mut sizes = Vec::with_capacity(levels.len() + 1);
        for (w, b1, b2) in levels {
            chain(&mut sizes, &w)?;
            let (w, b1, b2) = VanillaAutoencoder::<F, A, A>::from_parts(w, b1, b2)?.into_parts();
            checked.push(Level { w, b1, b2, v: None });
        }
        Self::chained(checked, sizes)
    }

    /// A stack of untied levels from explicit parameters `(W_k, V_k, b1_k, b2_k)`, bottom level
    /// first, in the order of [`UntiedAutoencoder::from_parts`](crate::UntiedAutoencoder::from_parts).
    ///
    /// # Errors
    /// [`Error::InvalidLayerSizes`] for no levels or levels that do not chain; as
    /// [`UntiedAutoencoder::from_parts`](crate::UntiedAutoencoder::from_parts) for each level.
    pub fn from_untied_levels(levels: Vec<UntiedLevelParts<F>>) -> Result<Self> {
        let mut checked = Vec::with_capacity(levels.len());
        let mut sizes = Vec::with_capacity(levels.len() + 1);
        for (w, v, b1, b2) in levels {
            chain(&mut sizes, &w)?;
            let (w, v, b1, b2) =
                UntiedAutoencoder::<F, A, A>::from_parts(w, v, b1, b2)?.into_parts();
            checked.push(Level {
                w,
                b1,
                b2,
                v: Some(v),
            });
        }
        Self::chained(checked, sizes)
    }

    fn chained(levels: Vec<Level<F>>, sizes: Vec<usize>) -> Result<Self> {
        if levels.is_empty() {
            return Err(Error::InvalidLayerSizes(sizes));
        }
        Ok(Self {
            levels,
            activations: PhantomData,
        })
    }

    /// The parameters `(W_k, b1_k, b2_k)` of every level, bottom first, consuming the stack
    /// (an untied stack's `V_k` are dropped: read them with [`level_v`](Self::level_v) first).
    pub fn into_levels(self) -> Vec<(Array2<F>, Array1<F>, Array1<F>)> {
        self.levels.into_iter().map(|l| (l.w, l.b1, l.b2)).collect()
    }

    /// Whether the levels are untied (decoders with weights `V_k` of their own).
    pub fn is_untied(&self) -> bool {
        self.levels[0].v.is_some()
    }

    /// Level `k`'s decoder weights `V_k: [n_{k−1}, n_k]` for an untied stack, `None` for a
    /// tied one.
    ///
    /// # Panics
    /// When `k >= n_levels()`.
    pub fn level_v(&self, k: usize) -> Option<ArrayView2<'_, F>> {
        self.levels[k].v.as_ref().map(|v| v.view())
    }

    /// Layer sizes `[n_inputs, n_1, …, n_code]`.
    pub fn layer_sizes(&self) -> Vec<usize> {
        std::iter::once(self.n_inputs())
            .chain(self.levels.iter().map(|l| l.w.nrows()))
            .collect()
    }

    /// Number of tied levels.
    pub fn n_levels(&self) -> usize {
        self.levels.len()
    }

    /// Width of the input (and output).
    pub fn n_inputs(&self) -> usize {
        self.levels[0].w.ncols()
    }

    /// Width of the code (the top level's hidden units).
    pub fn n_code(&self) -> usize {
        self.levels[self.levels.len() - 1].w.nrows()
    }

    /// Level `k`'s `(W, b1, b2)` as views, bottom level 0.
    ///
    /// # Panics
    /// When `k >= n_levels()`.
    pub fn level(&self, k: usize) -> (ArrayView2<'_, F>, ArrayView1<'_, F>, ArrayView1<'_, F>) {
        let l = &self.levels[k];
        (l.w.view(), l.b1.view(), l.b2.view())
    }

    /// Codes of the top level, `[n_samples, n_code]`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `x` has `n_inputs` columns; [`Error::NonFiniteInput`].
    pub fn encode<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        validate::columns(x, self.n_inputs())?;
        validate::finite(x)?;
        let mut h = encoder::encode::<F, A, S>(&self.levels[0].w, &self.levels[0].b1, x);
        for level in &self.levels[1..] {
            h = encoder::encode::<F, A, _>(&level.w, &level.b1, &h);
        }
        Ok(h)
    }

    /// Reconstructions from top-level codes `[n_samples, n_code]`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `codes` has `n_code` columns; [`Error::NonFiniteInput`].
    pub fn decode<S: Data<Elem = F>>(&self, codes: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        validate::columns(codes, self.n_code())?;
        validate::finite(codes)?;
        let mut g = codes.to_owned();
        for level in self.levels[1..].iter().rev() {
            g = decoder::decode::<F, A, _>(level.decoder_map(), &level.b2, &g);
        }
        let bottom = &self.levels[0];
        Ok(decoder::decode::<F, O, _>(
            bottom.decoder_map(),
            &bottom.b2,
            &g,
        ))
    }

    /// Reconstructions of `x`: `decode(encode(x))`.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn reconstruct<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>) -> Result<Array2<F>> {
        self.decode(&self.encode(x)?)
    }

    /// Each row's reconstruction error: the mean over `n_inputs` of `(z − x)²`.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    pub fn reconstruction_errors<S: Data<Elem = F>>(
        &self,
        x: &ArrayBase<S, Ix2>,
    ) -> Result<Array1<F>> {
        Ok(row_mean_squared_errors(self.reconstruct(x)?, x))
    }

    /// The code of one sample `x: [n_inputs]` (an owned array or a view, in any memory
    /// order), `[n_code]`: the values of the sample's row of [`encode`](Self::encode).
    ///
    /// One allocation: the result, with room for twice the widest layer, in whose two halves
    /// the levels' outputs take turns (the result keeps that capacity).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `x` has `n_inputs` values; [`Error::NonFiniteInput`]
    /// (with row 0).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::StackedAutoencoder;
    /// use ndarray::Array2;
    ///
    /// let stack = StackedAutoencoder::<f64>::new(&[6, 4, 2], 0)?;
    /// let x = Array2::from_shape_fn((3, 6), |(i, j)| ((i + j) % 3) as f64 / 2.0);
    /// let code = stack.encode_row(&x.row(2))?;
    /// assert!((&code - &stack.encode(&x)?.row(2)).iter().all(|d| d.abs() < 1e-12)); // to rounding
    /// assert_eq!(stack.decode_row(&code)?, stack.reconstruct_row(&x.row(2))?);
    /// let error = stack.reconstruction_error_row(&x.row(2))?;
    /// assert!((error - stack.reconstruction_errors(&x)?[2]).abs() < 1e-12); // to rounding
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn encode_row<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix1>) -> Result<Array1<F>> {
        inference::check_row(x, self.n_inputs())?;
        Ok(self.row_result(x.view(), Self::encoding(self.n_levels())))
    }

    /// The reconstruction of one top-level code `y: [n_code]`, `[n_inputs]`: the same values
    /// as the code's row of [`decode`](Self::decode). One allocation, as
    /// [`encode_row`](Self::encode_row) makes.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] unless `y` has `n_code` values; [`Error::NonFiniteInput`].
    ///
    /// # Examples
    /// ```
    /// use autoencoder::StackedAutoencoder;
    /// use ndarray::array;
    ///
    /// let stack = StackedAutoencoder::<f32>::new(&[6, 4, 2], 0)?;
    /// let z = stack.decode_row(&array![0.5, 0.25])?;
    /// assert!((&z - &stack.decode(&array![[0.5, 0.25]])?.row(0)).iter().all(|d| d.abs() < 1e-6)); // to rounding
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn decode_row<S: Data<Elem = F>>(&self, y: &ArrayBase<S, Ix1>) -> Result<Array1<F>> {
        inference::check_row(y, self.n_code())?;
        Ok(self.row_result(y.view(), Self::decoding(self.n_levels())))
    }

    /// The reconstruction of one sample `x: [n_inputs]`, `[n_inputs]`: the values of the
    /// sample's row of [`reconstruct`](Self::reconstruct). One allocation, as
    /// [`encode_row`](Self::encode_row) makes.
    ///
    /// # Errors
    /// As [`encode_row`](Self::encode_row).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::StackedAutoencoder;
    /// use ndarray::array;
    ///
    /// let stack = StackedAutoencoder::<f64>::new(&[3, 2, 1], 0)?;
    /// assert_eq!(stack.reconstruct_row(&array![0.1, 0.5, 0.9])?.len(), 3);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn reconstruct_row<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix1>) -> Result<Array1<F>> {
        inference::check_row(x, self.n_inputs())?;
        Ok(self.row_result(x.view(), Self::round_trip(self.n_levels())))
    }

    /// The reconstruction error of one sample `x: [n_inputs]`: the mean over `n_inputs` of
    /// `(z − x)²`, the value of the sample's entry of
    /// [`reconstruction_errors`](Self::reconstruction_errors). One allocation (twice the
    /// widest layer, freed before it returns).
    ///
    /// # Errors
    /// As [`encode_row`](Self::encode_row).
    ///
    /// # Examples
    /// ```
    /// use autoencoder::StackedAutoencoder;
    /// use ndarray::array;
    ///
    /// let stack = StackedAutoencoder::<f64>::new(&[3, 2, 1], 0)?;
    /// assert!(stack.reconstruction_error_row(&array![0.1, 0.5, 0.9])? > 0.0);
    /// # Ok::<(), autoencoder::Error>(())
    /// ```
    pub fn reconstruction_error_row<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix1>) -> Result<F> {
        inference::check_row(x, self.n_inputs())?;
        let mut buffer = self.row_buffer();
        Ok(kernels::vectorized(
            #[inline(always)]
            || {
                let z = self.run_row(x.view(), Self::round_trip(self.n_levels()), &mut buffer);
                inference::mean_squared_error(&buffer[z], x.view())
            },
        ))
    }

    /// Encoding steps: every level, bottom first.
    fn encoding(n_levels: usize) -> impl Iterator<Item = (usize, Pass)> {
        (0..n_levels).map(|k| (k, Pass::Encode))
    }

    /// Decoding steps: every level, top first.
    fn decoding(n_levels: usize) -> impl Iterator<Item = (usize, Pass)> {
        (0..n_levels).rev().map(|k| (k, Pass::Decode))
    }

    /// Encoding, then decoding.
    fn round_trip(n_levels: usize) -> impl Iterator<Item = (usize, Pass)> {
        Self::encoding(n_levels).chain(Self::decoding(n_levels))
    }

    /// Room for [`run_row`](Self::run_row): two halves as wide as the widest layer.
    fn row_buffer(&self) -> Vec<F> {
        let hidden = self.levels.iter().map(|l| l.w.nrows());
        let widest = hidden.fold(self.n_inputs(), usize::max);
        vec![F::zero(); 2 * widest]
    }

    /// One sample through `steps`, as the result in a buffer from
    /// [`row_buffer`](Self::row_buffer), cut to the result's length.
    fn row_result<I>(&self, x: ArrayView1<'_, F>, steps: I) -> Array1<F>
    where
        I: Iterator<Item = (usize, Pass)>,
    {
        let mut buffer = self.row_buffer();
        let result = kernels::vectorized(
            #[inline(always)]
            || self.run_row(x, steps, &mut buffer),
        );
        let len = result.len();
        buffer.copy_within(result, 0);
        buffer.truncate(len);
        Array1::from_vec(buffer)
    }

    /// Runs one sample through `steps` (level, pass), the levels' outputs taking turns in the
    /// two halves of `buffer` (from [`row_buffer`](Self::row_buffer)); returns where in
    /// `buffer` the last output lies.
    #[inline(always)]
    fn run_row(
        &self,
        x: ArrayView1<'_, F>,
        steps: impl Iterator<Item = (usize, Pass)>,
        buffer: &mut [F],
    ) -> Range<usize> {
        let half = buffer.len() / 2;
        let (first, second) = buffer.split_at_mut(half);
        let (mut out, mut spare) = (first, second);
        let (mut out_at, mut spare_at) = (0, half);
        // Length of the last output, in `spare`; none yet: the input is `x`.
        let mut last: Option<usize> = None;
        for (k, pass) in steps {
            let level = &self.levels[k];
            let input = match last {
                None => x.view(),
                Some(n) => ArrayView1::from(&spare[..n]),
            };
            let n_out = match pass {
                Pass::Encode => level.w.nrows(),
                Pass::Decode => level.w.ncols(),
            };
            let target = &mut out[..n_out];
            let (w, b1, b2) = (slice(&level.w), slice(&level.b1), slice(&level.b2));
            // An untied decoder's rows are those of `V`: the encoder's kernel computes it.
            match (pass, &level.v, k == 0) {
                (Pass::Encode, _, _) => inference::encode_into::<F, A>((w, b1), input, target),
                (Pass::Decode, None, true) => {
                    inference::decode_into::<F, O>((w, b2), input, target);
                }
                (Pass::Decode, None, false) => {
                    inference::decode_into::<F, A>((w, b2), input, target);
                }
                (Pass::Decode, Some(v), true) => {
                    inference::encode_into::<F, O>((slice(v), b2), input, target);
                }
                (Pass::Decode, Some(v), false) => {
                    inference::encode_into::<F, A>((slice(v), b2), input, target);
                }
            }
            std::mem::swap(&mut out, &mut spare);
            std::mem::swap(&mut out_at, &mut spare_at);
            last = Some(n_out);
        }
        // A stack has at least one level, so there was at least one step.
        let n = last.expect("at least one step");
        spare_at..spare_at + n
    }

    /// The mean loss over all elements of `x`.
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::loss`].
    pub fn loss<S: Data<Elem = F>>(&self, x: &ArrayBase<S, Ix2>, loss: Loss) -> Result<F> {
        Ok(self.loss_and_gradient(x, loss)?.0)
    }

    /// The mean loss over all elements of `x` and its gradient with respect to every level's
    /// `W`, `b1`, `b2` (bottom first), then, for an untied stack, every level's `V` (as the
    /// `w` of a [`Gradients`] without biases), with all of `x` as one batch.
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::loss`].
    pub fn loss_and_gradient<S: Data<Elem = F>>(
        &self,
        x: &ArrayBase<S, Ix2>,
        loss: Loss,
    ) -> Result<(F, Vec<Gradients<F>>)> {
        validate::training_data::<F, O, S>(x, self.n_inputs(), loss)?;
        let data = x.as_standard_layout();
        let data = data.as_slice().expect("standard layout is contiguous");
        let rows: Vec<usize> = (0..x.nrows()).collect();
        let mut workspace = self.workspace(rows.len())?;
        let mut grads = self.zero_gradients()?;
        workspace.load_rows(data, &rows);
        let value = workspace.loss_and_gradient::<A, O>(&self.levels, rows.len(), loss, &mut grads);
        Ok((value, grads))
    }

    /// Greedy layer-wise pretraining: level 1 is trained as a [`VanillaAutoencoder`] (an
    /// [`UntiedAutoencoder`](crate::UntiedAutoencoder) in an untied stack) on `x`, level 2 on
    /// level 1's codes of `x`, and so on, each with `config`. Returns one report per level.
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::fit`] for each level; the levels trained before a failure
    /// keep their new parameters.
    pub fn pretrain<S: Data<Elem = F>>(
        &mut self,
        x: &ArrayBase<S, Ix2>,
        config: &TrainConfig,
    ) -> Result<Vec<FitReport<F>>> {
        config.check_ref()?;
        validate::columns(x, self.n_inputs())?;
        validate::finite(x)?;
        let mut reports = Vec::with_capacity(self.levels.len());
        let mut codes: Option<Array2<F>> = None;
        for k in 0..self.levels.len() {
            let level = self.levels[k].try_clone()?;
            let below = codes.take();
            let input = match &below {
                None => x.view(),
                Some(below) => below.view(),
            };
            // The bottom level reconstructs the data (the output activation), the others the
            // codes below them (the hidden activation).
            let (report, level, codes_k) = if k == 0 {
                pretrain_level::<F, A, O>(level, input, config)?
            } else {
                pretrain_level::<F, A, A>(level, input, config)?
            };
            self.levels[k] = level;
            codes = Some(codes_k);
            reports.push(report);
        }
        Ok(reports)
    }

    /// End-to-end fine-tuning by backpropagation through the whole stack, weights still tied.
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::fit`]; [`Error::InvalidParameter`] when the config asks for the
    /// sparsity or contractive penalty, which apply to single levels (use them in
    /// [`pretrain`](Self::pretrain)).
    pub fn fit<S: Data<Elem = F>>(
        &mut self,
        x: &ArrayBase<S, Ix2>,
        config: &TrainConfig,
    ) -> Result<FitReport<F>> {
        self.fit_with_observer(x, config, &mut ())
    }

    /// As [`fit`](Self::fit), reporting every epoch to `observer`.
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

    /// As [`fit_with_observer`](Self::fit_with_observer), with an explicit validation matrix.
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

    /// Continues fine-tuning from `state` (see [`VanillaAutoencoder::fit_resume`]).
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

    fn zero_gradients(&self) -> Result<Vec<Gradients<F>>> {
        self.block_shapes()
            .into_iter()
            .map(|shape| Gradients::try_shaped(shape, "gradients"))
            .collect()
    }
}

/// Adds the level of weights `w` to the layer sizes so far, or [`Error::InvalidLayerSizes`]
/// when it does not take the previous level's outputs.
fn chain<F>(sizes: &mut Vec<usize>, w: &Array2<F>) -> Result<()> {
    if sizes.is_empty() {
        sizes.push(w.ncols());
    }
    let chains = sizes.last() == Some(&w.ncols());
    sizes.push(w.nrows());
    if chains {
        Ok(())
    } else {
        Err(Error::InvalidLayerSizes(std::mem::take(sizes)))
    }
}

/// `(W, V, b1, b2)` of an untied level.
pub type UntiedLevelParts<F> = (Array2<F>, Array2<F>, Array1<F>, Array1<F>);

/// Trains one level as a single-layer model on `input`: the report, the trained level and its
/// codes of `input`.
fn pretrain_level<F: Float, A: Activation, O: Activation>(
    level: Level<F>,
    input: ArrayView2<'_, F>,
    config: &TrainConfig,
) -> Result<(FitReport<F>, Level<F>, Array2<F>)> {
    let Level { w, b1, b2, v } = level;
    match v {
        None => {
            let mut model = VanillaAutoencoder::<F, A, O>::from_parts(w, b1, b2)?;
            let report = model.fit(&input, config)?;
            let codes = model.encode(&input)?;
            let (w, b1, b2) = model.into_parts();
            Ok((report, Level { w, b1, b2, v: None }, codes))
        }
        Some(v) => {
            let mut model = UntiedAutoencoder::<F, A, O>::from_parts(w, v, b1, b2)?;
            let report = model.fit(&input, config)?;
            let codes = model.encode(&input)?;
            let (w, v, b1, b2) = model.into_parts();
            let v = Some(v);
            Ok((report, Level { w, b1, b2, v }, codes))
        }
    }
}

fn slice<F, D: ndarray::Dimension>(a: &ndarray::Array<F, D>) -> &[F] {
    // Stack parameters are built in standard layout.
    a.as_slice().expect("stack arrays are contiguous")
}
