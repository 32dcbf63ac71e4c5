//! Feeds arbitrary bytes to the safetensors importer: it must return a model or an error, never
//! panic.
#![no_main]

use autoencoder::{Identity, Tanh, VanillaAutoencoder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = VanillaAutoencoder::<f64>::from_safetensors_bytes(data) {
        // Whatever loads must export and import back to the same model.
        let again =
            VanillaAutoencoder::<f64>::from_safetensors_bytes(&model.to_safetensors_bytes());
        assert_eq!(again.as_ref(), Ok(&model));
    }
    let _ = VanillaAutoencoder::<f32, Tanh, Identity>::from_safetensors_bytes(data);
});
