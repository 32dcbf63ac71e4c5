//! Feeds arbitrary bytes to the JSON loader: it must return a model or an error, never panic.
#![no_main]

use autoencoder::{Identity, Tanh, VanillaAutoencoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Both float types and two activation pairs: each takes its own checks.
    if let Ok(model) = VanillaAutoencoder::<f64>::from_json_slice(data) {
        // Whatever loads must save and load back to the same model.
        let again = VanillaAutoencoder::<f64>::from_json_str(&model.to_json_string());
        assert_eq!(again.as_ref(), Ok(&model));
    }
    let _ = VanillaAutoencoder::<f32, Tanh, Identity>::from_json_slice(data);
});
