//! Feeds arbitrary bytes, as given and sealed, to the untied and stacked models' JSON loaders:
//! each must return a model or an error, never panic; whatever loads must save and load back to
//! the same model, and reconstruct a row without panicking.
#![no_main]

use autoencoder::{Identity, Sigmoid, StackedAutoencoder, Tanh, UntiedAutoencoder};
use autoencoder_fuzz::as_given_and_sealed;
use libfuzzer_sys::fuzz_target;
use ndarray::Array2;

fuzz_target!(|data: &[u8]| {
    for bytes in as_given_and_sealed(data) {
        if let Ok(model) = UntiedAutoencoder::<f64, Tanh, Identity>::from_json_slice(&bytes) {
            let again = UntiedAutoencoder::from_json_str(&model.to_json_string());
            assert_eq!(again.as_ref(), Ok(&model));
            let _ = model.reconstruct(&Array2::<f64>::zeros((1, model.n_inputs())));
        }
        if let Ok(model) = StackedAutoencoder::<f64, Tanh, Identity>::from_json_slice(&bytes) {
            let again = StackedAutoencoder::from_json_str(&model.to_json_string());
            assert_eq!(again.as_ref(), Ok(&model));
            let _ = model.reconstruct(&Array2::<f64>::zeros((1, model.n_inputs())));
        }
        let _ = UntiedAutoencoder::<f32, Sigmoid, Sigmoid>::from_json_slice(&bytes);
        let _ = StackedAutoencoder::<f32, Sigmoid, Sigmoid>::from_json_slice(&bytes);
    }
});
