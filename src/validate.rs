//! Checks on user data, run before any model state is touched.

use ndarray::{ArrayBase, Data, Ix2};

use crate::{Error, Float, Result};

/// The data must have `expected` columns.
pub(crate) fn columns<F, S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>, expected: usize) -> Result<()> {
    let found = x.ncols();
    if found == expected {
        Ok(())
    } else {
        Err(Error::ShapeMismatch { expected, found })
    }
}

/// Every value must be finite.
pub(crate) fn finite<F: Float, S: Data<Elem = F>>(x: &ArrayBase<S, Ix2>) -> Result<()> {
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
