//! Training checkpoints: a saved model and the state to resume training from, in one sealed file.

use std::borrow::Cow;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::format::{CHECKPOINT_FORMAT, MODEL_FORMAT_VERSION, UNSEALED_VERSION, corrupt};
use super::fs::{read_limited, write_json_file};
use super::seal::{open_sealed, to_sealed_json};
use crate::error::Result;
use crate::float::Float;
use crate::train::state::TrainState;
use crate::train::trainer::Trainable;

/// A checkpoint (versions 1 and 2, the seal aside); the model is kept as raw JSON and read by
/// its own loader.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckpointV1<M, S> {
    format: String,
    version: u64,
    model: M,
    state: S,
}

/// Writes `model_json` and `state` as a checkpoint to `path`, atomically.
pub(super) fn save_checkpoint<F: Float + Serialize>(
    path: &Path,
    model_json: String,
    state: &TrainState<F>,
) -> Result<()> {
    let model: Box<serde_json::value::RawValue> =
        serde_json::value::RawValue::from_string(model_json).map_err(corrupt)?;
    let file = CheckpointV1 {
        format: CHECKPOINT_FORMAT.to_owned(),
        version: MODEL_FORMAT_VERSION,
        model,
        state,
    };
    write_json_file(path, to_sealed_json(&file)?)
}

/// Reads a checkpoint: the model through `load_model`, then the state, checked against the
/// model's level shapes.
pub(super) fn load_checkpoint<F, M>(
    path: &Path,
    load_model: impl FnOnce(&[u8]) -> Result<M>,
) -> Result<(M, TrainState<F>)>
where
    F: Float + DeserializeOwned,
    M: Trainable<F>,
{
    let body = open_sealed(
        Cow::Owned(read_limited(path)?),
        CHECKPOINT_FORMAT,
        MODEL_FORMAT_VERSION,
        Some(UNSEALED_VERSION),
    )?;
    // Both parts stay text until their own parsers read them: no intermediate tree of values.
    let file: CheckpointV1<&serde_json::value::RawValue, &serde_json::value::RawValue> =
        serde_json::from_slice(&body).map_err(corrupt)?;
    let model = load_model(file.model.get().as_bytes())?;
    let state: TrainState<F> = serde_json::from_str(file.state.get()).map_err(corrupt)?;
    state.check(&model.block_shapes()).map_err(corrupt)?;
    Ok((model, state))
}
