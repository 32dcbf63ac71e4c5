//! Checks on user data, run before any model state is touched.

use ndarray::{ArrayBase, Data, Ix2};

use crate::activation::Activation;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::loss::Loss;

/// The data must have `expected` columns.
pub(crate) fn columns<F, S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>, expected: usize) -> Result<()> {
    let found = x.ncols();
    if found == expected {
        Ok(())
    } else {
        Err(Error::ShapeMismatch { expected, found })
    }
}

/// Whether `keep` holds for every value, scanning contiguous data in vectorisable blocks (the
/// common case); the position of a failure is searched for only when there is one.
fn all_values<F: Float, S: Data<Elem = F>>(
    x: &ArrayBase<S, Ix2>,
    keep: impl Fn(F) -> bool,
) -> bool {
    match x.as_slice_memory_order() {
        Some(values) => values
            .chunks(64)
            .all(|block| block.iter().fold(true, |ok, &v| ok & keep(v))),
        None => x.iter().all(|&v| keep(v)),
    }
}

/// Every value must be finite.
pub(crate) fn finite<F: Float, S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>) -> Result<()> {
    if all_values(x, |v| v.is_finite()) {
        return Ok(());
    }
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some(((row, column), v)) => Err(Error::NonFiniteInput {
            row,
            column,
            value: v.as_f64(),
        }),
    }
}

/// Every value must lie in `[0, 1]` (binary cross-entropy targets).
pub(crate) fn unit_interval<F: Float, S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>) -> Result<()> {
    if all_values(x, |v| v >= F::zero() && v <= F::one()) {
        return Ok(());
    }
    let outside = |v: &F| *v < F::zero() || *v > F::one();
    match x.indexed_iter().find(|(_, v)| outside(v)) {
        None => Ok(()),
        Some(((row, column), v)) => Err(Error::TargetOutOfRange {
            row,
            column,
            value: v.as_f64(),
        }),
    }
}

/// Training data for a model with `n_inputs` inputs and output activation `O`: the columns,
/// finite values, at least one row and, for binary cross-entropy, a sigmoid output and targets
/// in `[0, 1]`.
pub(crate) fn training_data<F, O, S>(
    x: &ArrayBase<S, Ix2>,
    n_inputs: usize,
    loss: Loss,
) -> Result<()>
where
    F: Float,
    O: Activation,
    S: Data<Elem = F>,
{
    columns(x, n_inputs)?;
    finite(x)?;
    if x.nrows() == 0 {
        return Err(Error::EmptyInput);
    }
    if loss == Loss::BinaryCrossEntropy {
        if !O::LOGISTIC {
            return Err(Error::BceNeedsSigmoid {
                activation: O::NAME,
            });
        }
        unit_interval(x)?;
    }
    Ok(())
}
