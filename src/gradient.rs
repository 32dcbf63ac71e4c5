//! Parameter blocks and their gradients (`Gradients`, `BlockShape`), a layer's parameters as
//! slices (`Layer`), and fallible allocation of the buffers that hold them.

use ndarray::{Array1, Array2};

use crate::decoder::DecoderWeights;
use crate::error::{Error, Result};
use crate::float::Float;

/// Gradients of a batch's mean loss with respect to the parameters.
///
/// Because `W` is used twice (tied weights), `w` is the sum of the encoder's part `∂L/∂A1ᵀ X`
/// and the decoder's part `Yᵀ ∂L/∂A2`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Gradients<F> {
    /// `∂L/∂W`, `[n_hidden, n_inputs]`.
    pub w: Array2<F>,
    /// `∂L/∂b1`, `[n_hidden]`.
    pub b1: Array1<F>,
    /// `∂L/∂b2`, `[n_inputs]`.
    pub b2: Array1<F>,
}

/// The shape of one block of parameters that the trainer updates as a unit: a weight matrix
/// `w: [rows, cols]` and up to two bias vectors (empty where the block has none).
///
/// A tied layer is one block `(W, b1, b2)`; an untied layer is the tied-shaped block
/// `(W, b1, b2)` plus a block holding its decoder weights `V` alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockShape {
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) b1: usize,
    pub(crate) b2: usize,
}

impl BlockShape {
    /// `(W: [n_hidden, n_inputs], b1: [n_hidden], b2: [n_inputs])`.
    pub(crate) fn layer(n_inputs: usize, n_hidden: usize) -> Self {
        Self {
            rows: n_hidden,
            cols: n_inputs,
            b1: n_hidden,
            b2: n_inputs,
        }
    }

    /// A weight matrix `[rows, cols]` without biases.
    pub(crate) fn weights(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            b1: 0,
            b2: 0,
        }
    }
}

impl<F: Float> Gradients<F> {
    #[cfg(test)]
    pub(crate) fn zeros(n_inputs: usize, n_hidden: usize) -> Self {
        Self::try_zeros(n_inputs, n_hidden, "gradients").expect("small test sizes")
    }

    /// Zeros shaped like the parameters of a layer, or [`Error::AllocationFailed`] naming `what`.
    pub(crate) fn try_zeros(n_inputs: usize, n_hidden: usize, what: &'static str) -> Result<Self> {
        Self::try_shaped(BlockShape::layer(n_inputs, n_hidden), what)
    }

    /// Zeros of the given block shape, or [`Error::AllocationFailed`] naming `what`.
    pub(crate) fn try_shaped(shape: BlockShape, what: &'static str) -> Result<Self> {
        Ok(Self {
            w: try_zeros_2d(shape.rows, shape.cols, what)?,
            b1: Array1::from_vec(try_filled(shape.b1, F::zero(), what)?),
            b2: Array1::from_vec(try_filled(shape.b2, F::zero(), what)?),
        })
    }

    /// Whether the arrays have `shape` and hold finite values.
    pub(crate) fn fits(&self, shape: BlockShape) -> bool {
        self.w.dim() == (shape.rows, shape.cols)
            && self.b1.len() == shape.b1
            && self.b2.len() == shape.b2
            && self
                .w
                .iter()
                .chain(&self.b1)
                .chain(&self.b2)
                .all(|v| v.is_finite())
    }

    #[inline]
    pub(crate) fn slices(&self) -> ParamSlices<'_, F> {
        let contiguous = "crate-owned arrays are contiguous";
        (
            self.w.as_slice().expect(contiguous),
            self.b1.as_slice().expect(contiguous),
            self.b2.as_slice().expect(contiguous),
        )
    }

    #[inline]
    pub(crate) fn slices_mut(&mut self) -> (&mut [F], &mut [F], &mut [F]) {
        (
            slice_mut(self.w.as_slice_mut()),
            slice_mut(self.b1.as_slice_mut()),
            slice_mut(self.b2.as_slice_mut()),
        )
    }
}

/// `rows · cols`, or [`Error::AllocationFailed`] naming `what` when it overflows `usize`.
pub(crate) fn element_count(rows: usize, cols: usize, what: &'static str) -> Result<usize> {
    rows.checked_mul(cols).ok_or(Error::AllocationFailed {
        what,
        elements: rows as u128 * cols as u128,
    })
}

/// Room for exactly `len` elements, or [`Error::AllocationFailed`] naming `what` when the
/// allocator refuses (or the size in bytes overflows `isize`) instead of aborting.
pub(crate) fn try_with_capacity<F>(len: usize, what: &'static str) -> Result<Vec<F>> {
    let mut v = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| Error::AllocationFailed {
            what,
            elements: len as u128,
        })?;
    Ok(v)
}

/// `len` copies of `value`, allocated as [`try_with_capacity`] does.
pub(crate) fn try_filled<F: Clone>(len: usize, value: F, what: &'static str) -> Result<Vec<F>> {
    let mut v = try_with_capacity(len, what)?;
    v.resize(len, value);
    Ok(v)
}

/// A `[rows, cols]` matrix of zeros, allocated as [`try_with_capacity`] does.
pub(crate) fn try_zeros_2d<F: Float>(
    rows: usize,
    cols: usize,
    what: &'static str,
) -> Result<Array2<F>> {
    let values = try_filled(element_count(rows, cols, what)?, F::zero(), what)?;
    // The vector holds exactly `rows · cols` elements, whose size in bytes fits `isize`.
    Ok(Array2::from_shape_vec((rows, cols), values).expect("length matches the shape"))
}

/// The parameters `(W, b1, b2)` as row-major slices.
pub(crate) type ParamSlices<'a, F> = (&'a [F], &'a [F], &'a [F]);

/// [`ParamSlices`], mutable.
pub(crate) type LayerSlicesMut<'a, F> = (&'a mut [F], &'a mut [F], &'a mut [F]);

/// The parameters of one layer: `W: [n_hidden, n_inputs]`, `b1`, `b2` and, untied, the
/// decoder's own `V: [n_inputs, n_hidden]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layer<'a, F> {
    pub(crate) w: &'a [F],
    pub(crate) b1: &'a [F],
    pub(crate) b2: &'a [F],
    pub(crate) v: Option<&'a [F]>,
}

impl<'a, F> Layer<'a, F> {
    /// A tied layer `(W, b1, b2)`.
    #[inline(always)]
    pub(crate) fn tied((w, b1, b2): ParamSlices<'a, F>) -> Self {
        Self { w, b1, b2, v: None }
    }

    #[inline(always)]
    pub(crate) fn decoder(&self) -> DecoderWeights<'a, F> {
        match self.v {
            None => DecoderWeights::Tied(self.w),
            Some(v) => DecoderWeights::Untied(v),
        }
    }
}

pub(crate) fn slice_mut<F>(s: Option<&mut [F]>) -> &mut [F] {
    // Every array the crate allocates itself is in standard (row-major, contiguous) layout.
    s.expect("crate-owned arrays are contiguous")
}
