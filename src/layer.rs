//! One layer's batch in training: the order of the stages (forward, loss, backward) and where
//! noise and penalties act between them. Tied and untied layers share it; the stages themselves
//! live in the workspace (`gradient.rs`), the formulas in `encoder`, `decoder` and `loss`.

use rand_chacha::ChaCha8Rng;

use crate::activation::Activation;
use crate::activation::OutputRange;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::gradient::{Gradients, Layer};
use crate::loss::Loss;
use crate::train::config::{GradientOptions, ValidTrainConfig};
use crate::train::regularize;
use crate::workspace::Workspace;

/// Mean loss of the given rows of row-major `data` and the layer's gradients (overwritten:
/// the block `(W, b1, b2)`, then `V`'s for an untied layer), with the config's noise and
/// penalties applied.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn batch_gradient<F: Float, A: Activation, O: Activation>(
    workspace: &mut Workspace<F>,
    layer: Layer<'_, F>,
    data: &[F],
    rows: &[usize],
    config: &ValidTrainConfig,
    noise_rng: &mut ChaCha8Rng,
    grads: &mut [Gradients<F>],
) -> F {
    let lanes = rows.len();
    if config.is_plain() {
        return workspace.rows_loss_and_gradient_of::<A, O>(
            layer,
            (data, rows),
            config.loss(),
            grads,
        );
    }
    let GradientOptions {
        noise,
        sparsity,
        contractive,
    } = config.gradient_options();
    workspace.load_rows(data, rows);
    if noise.is_active() {
        noise.corrupt(workspace.corruptible_inputs(lanes), noise_rng);
    }
    workspace.forward::<A>(layer, lanes);
    let loss = workspace.output_delta::<O>(config.loss(), lanes);
    workspace.backward_decoder(layer, lanes, grads);
    if let Some(sparsity) = sparsity {
        regularize::add_sparsity_gradient(&sparsity, workspace, lanes);
    }
    workspace.hidden_preactivation_delta::<A>(lanes);
    if let Some(contractive) = contractive {
        regularize::add_contractive_gradient::<F, A>(
            &contractive,
            layer.w,
            workspace,
            lanes,
            &mut grads[0],
        );
    }
    workspace.backward_encoder(lanes, &mut grads[0]);
    loss
}

/// Rejects the options a single layer with encoder activation `A` cannot train with: the
/// sparsity penalty needs mean activations in (0, 1) ([`OutputRange::Unit`]). Noise and the contractive
/// penalty apply to every layer ([`batch_gradient`]).
pub(crate) fn check_config<A: Activation>(config: &ValidTrainConfig) -> Result<()> {
    let GradientOptions {
        noise: _,
        sparsity,
        contractive: _,
    } = config.gradient_options();
    if sparsity.is_some() && A::RANGE != OutputRange::Unit {
        return Err(Error::SparsityNeedsSigmoid {
            activation: A::NAME,
        });
    }
    Ok(())
}

/// Mean reconstruction loss of the given rows, forward only.
pub(crate) fn batch_loss<F: Float, A: Activation, O: Activation>(
    workspace: &mut Workspace<F>,
    layer: Layer<'_, F>,
    data: &[F],
    rows: &[usize],
    loss: Loss,
) -> F {
    workspace.load_rows(data, rows);
    workspace.forward::<A>(layer, rows.len());
    workspace.output_delta::<O>(loss, rows.len())
}
