//! Optimisers: SGD with momentum (`sgd.rs`) and Adam (`adam.rs`), each as settings, a state
//! and a step ([`UpdateRule`]); L-BFGS's memory (`lbfgs.rs`, its iteration is
//! `train/full_batch.rs`); the state a checkpoint stores ([`LevelOptimizer`]).

use ndarray::{CowArray, Dimension};

mod adam;
pub(crate) mod lbfgs;
mod sgd;

pub use adam::{Adam, AdamState};
pub use sgd::{MomentumState, SgdMomentum};

use lbfgs::LbfgsState;

use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::{BlockShape, Gradients, LayerSlicesMut, ParamSlices};
use crate::train::config::{Optimizer, ValidTrainConfig};

/// An optimiser in three parts: its settings (the implementing type, made from the config for
/// each epoch by the trainer, which sets the learning rate), its state for one parameter block,
/// and the step that updates a block from its gradients with that state. The trainer is
/// generic over it; adding an optimiser means implementing it, a variant of [`Optimizer`] for
/// the config to name it (and `trainer::settings` to read it), and one of [`LevelOptimizer`]
/// for checkpoints to store its state.
pub(crate) trait UpdateRule<F: Float>: Sized + Sync {
    /// What the rule carries from one step to the next for one parameter block.
    type State: Into<LevelOptimizer<F>> + Send;

    /// A fresh state for a block of `shape`, or [`Error::AllocationFailed`].
    fn new_state(shape: BlockShape) -> Result<Self::State>;

    /// This rule's state in a stored one, or `None` when another optimiser made it.
    fn stored_state(stored: LevelOptimizer<F>) -> Option<Self::State>;

    /// One update of a block's parameters from its gradients (shapes checked by the caller).
    fn step(
        &self,
        params: LayerSlicesMut<'_, F>,
        grads: ParamSlices<'_, F>,
        state: &mut Self::State,
    );

    /// The SGD settings and velocities, when the rule is SGD: the online fast path fuses its
    /// step with the gradient.
    fn as_sgd<'a>(
        &'a self,
        _states: &'a mut [Self::State],
    ) -> Option<(&'a SgdMomentum<F>, &'a mut [MomentumState<F>])> {
        None
    }
}

/// The optimiser state of one parameter block as a checkpoint stores it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) enum LevelOptimizer<F> {
    Sgd(MomentumState<F>),
    Adam(AdamState<F>),
    Lbfgs(LbfgsState<F>),
}

impl<F: Float> LevelOptimizer<F> {
    /// Whether this state belongs to `optimizer`.
    pub(crate) fn is_for(&self, optimizer: Optimizer) -> bool {
        matches!(
            (self, optimizer),
            (Self::Sgd(_), Optimizer::Sgd)
                | (Self::Adam(_), Optimizer::Adam { .. })
                | (Self::Lbfgs(_), Optimizer::Lbfgs { .. })
        )
    }

    /// A fresh state of `config`'s optimiser for a block of `shape`.
    pub(crate) fn new(config: &ValidTrainConfig, shape: BlockShape) -> Result<Self> {
        Ok(match config.optimizer() {
            Optimizer::Sgd => SgdMomentum::<F>::new_state(shape)?.into(),
            Optimizer::Adam { .. } => Adam::<F>::new_state(shape)?.into(),
            // Pairs are stored as they are made; the buffers are allocated by the iteration.
            Optimizer::Lbfgs { .. } => Self::Lbfgs(LbfgsState::new()),
        })
    }
}

impl<F> From<MomentumState<F>> for LevelOptimizer<F> {
    fn from(state: MomentumState<F>) -> Self {
        Self::Sgd(state)
    }
}

impl<F> From<AdamState<F>> for LevelOptimizer<F> {
    fn from(state: AdamState<F>) -> Self {
        Self::Adam(state)
    }
}

/// Checks the shapes of a step's parameters and gradients against the state's `W` shape
/// `(n_hidden, n_inputs)`, then runs `step` on the gradients as row-major slices (copied into
/// standard layout if they are in another one; the crate's own never are).
pub(super) fn checked_step<F: Float>(
    params: (&mut [F], &mut [F], &mut [F]),
    grads: &Gradients<F>,
    (h, d): (usize, usize),
    step: impl FnOnce((&mut [F], &mut [F], &mut [F]), ParamSlices<'_, F>),
) -> Result<()> {
    let mismatch = |array, expected: &[usize], found: &[usize]| {
        (expected != found).then(|| Error::StepShapeMismatch {
            array,
            expected: expected.to_vec(),
            found: found.to_vec(),
        })
    };
    let checks = [
        mismatch("gradient W", &[h, d], grads.w.shape()),
        mismatch("gradient b1", &[h], grads.b1.shape()),
        mismatch("gradient b2", &[d], grads.b2.shape()),
        // The state exists, so `h · d` does not overflow.
        mismatch("parameter W", &[h * d], &[params.0.len()]),
        mismatch("parameter b1", &[h], &[params.1.len()]),
        mismatch("parameter b2", &[d], &[params.2.len()]),
    ];
    if let Some(error) = checks.into_iter().flatten().next() {
        return Err(error);
    }
    let (gw, gb1, gb2) = (
        grads.w.as_standard_layout(),
        grads.b1.as_standard_layout(),
        grads.b2.as_standard_layout(),
    );
    step(
        params,
        (contiguous(&gw), contiguous(&gb1), contiguous(&gb2)),
    );
    Ok(())
}

fn contiguous<'a, F, D: Dimension>(a: &'a CowArray<'_, F, D>) -> &'a [F] {
    // `as_standard_layout` gives contiguous arrays.
    a.as_slice().expect("standard layout is contiguous")
}
