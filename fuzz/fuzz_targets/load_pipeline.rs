//! Feeds arbitrary bytes, as given and sealed, to the deployment file's loader: it must return a
//! pipeline or an error, never panic; whatever loads must save and load back to the same
//! document, and score a row without panicking.
#![no_main]

use autoencoder::{Float, Pipeline};
use autoencoder_fuzz::as_given_and_sealed;
use libfuzzer_sys::fuzz_target;
use ndarray::Array2;

fn check<F: Float>(json: &str) {
    let Ok(pipeline) = Pipeline::<F>::from_json_str(json) else {
        return;
    };
    let saved = pipeline.to_json_string();
    let again = Pipeline::<F>::from_json_str(&saved).expect("a saved pipeline loads");
    assert_eq!(again.to_json_string(), saved);
    let row = Array2::<F>::zeros((1, pipeline.n_inputs()));
    let _ = pipeline.scores(&row);
    let _ = pipeline.reconstruct(&row);
}

fuzz_target!(|data: &[u8]| {
    for bytes in as_given_and_sealed(data) {
        if let Ok(json) = std::str::from_utf8(&bytes) {
            check::<f64>(json);
            check::<f32>(json);
        }
    }
});
