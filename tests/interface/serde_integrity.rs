#![cfg(feature = "serde")]
//! A damaged file is an error, never a different model: every saved document carries a
//! checksum of its content.

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{Error, Optimizer, StackedAutoencoder, Tanh, TrainConfig, VanillaAutoencoder};

/// A fixed, dependency-free stream of positions and bytes (xorshift64).
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `bytes` with the byte at `at` replaced by `byte`.
fn with(bytes: &[u8], at: usize, byte: u8) -> Vec<u8> {
    let mut damaged = bytes.to_vec();
    damaged[at] = byte;
    damaged
}

/// Whether damage to a JSON document may leave it loadable: only the final newline may turn
/// into other white space (it is not part of the document).
fn harmless_in_json(bytes: &[u8], at: usize, byte: u8) -> bool {
    at == bytes.len() - 1 && byte.is_ascii_whitespace()
}

/// Loads of `n` seeded damaged copies of `bytes` (a random position, a different byte) each
/// give an error, or `expected` where `harmless` allows it.
fn check_damage<T: PartialEq + std::fmt::Debug>(
    bytes: &[u8],
    (n, seed): (usize, u64),
    expected: &T,
    harmless: impl Fn(&[u8], usize, u8) -> bool,
    load: impl Fn(&[u8]) -> Result<T, Error>,
) {
    let mut stream = Stream(seed);
    let mut mismatches = 0;
    for _ in 0..n {
        let r = stream.next();
        let at = (r % bytes.len() as u64) as usize;
        // A digit becomes another digit (the JSON stays valid, the value changes), any other
        // byte a random different one.
        let byte = if bytes[at].is_ascii_digit() {
            b'0' + (bytes[at] - b'0' + 1 + ((r >> 32) % 9) as u8) % 10
        } else {
            bytes[at] ^ ((r >> 32) as u8).max(1)
        };
        match load(&with(bytes, at, byte)) {
            Ok(loaded) => {
                assert!(harmless(bytes, at, byte), "byte {at} -> {byte:#04x} loaded");
                assert_eq!(&loaded, expected);
            }
            Err(Error::ChecksumMismatch { .. }) => mismatches += 1,
            Err(_) => {}
        }
    }
    // Much of the damage lies in the values, where only the checksum can tell.
    assert!(
        mismatches > n / 4,
        "{mismatches} of {n} caught by the checksum"
    );
}

#[test]
fn every_single_bit_flip_of_a_model_is_an_error() {
    let model = VanillaAutoencoder::<f64, Tanh>::new(3, 2, 5).unwrap();
    let json = model.to_json_string().into_bytes();
    for at in 0..json.len() {
        for bit in 0..8 {
            let byte = json[at] ^ (1 << bit);
            let result = VanillaAutoencoder::<f64, Tanh>::from_json_slice(&with(&json, at, byte));
            assert!(
                result.is_err(),
                "bit {bit} of byte {at} ({:?})",
                json[at] as char
            );
        }
    }
}

#[test]
fn damaged_model_files_fail_to_load() {
    let dir = std::env::temp_dir().join(format!("autoencoder-integrity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("model.json");
    let x = breast_cancer_wisconsin().features.mapv(|v| v as f32);
    let mut model = VanillaAutoencoder::<f32>::new(9, 5, 1).unwrap();
    model.fit(&x, &TrainConfig::new().epochs(2)).unwrap();
    model.save_json(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.last(), Some(&b'\n'));
    let damaged = dir.join("damaged.json");
    check_damage(
        &bytes,
        (500, 0x9e37_79b9_7f4a_7c15),
        &model,
        harmless_in_json,
        |b| {
            std::fs::write(&damaged, b).unwrap();
            VanillaAutoencoder::<f32>::load_json(&damaged)
        },
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_stacks_fail_to_load() {
    let stack = StackedAutoencoder::<f64>::new(&[9, 6, 3], 2).unwrap();
    let json = stack.to_json_string().into_bytes();
    check_damage(
        &json,
        (500, 0x2545_f491_4f6c_dd1d),
        &stack,
        harmless_in_json,
        StackedAutoencoder::<f64>::from_json_slice,
    );
}

#[test]
fn damaged_checkpoints_fail_to_load() {
    let x = breast_cancer_wisconsin().features;
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap();
    let config = TrainConfig::new()
        .epochs(2)
        .batch_size(32)
        .optimizer(Optimizer::adam())
        .early_stopping(3, 0.0);
    let report = model.fit(&x, &config).unwrap();
    let path =
        std::env::temp_dir().join(format!("integrity-checkpoint-{}.json", std::process::id()));
    model.save_checkpoint(&path, report.state()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let expected = (model, report.state().clone());
    check_damage(
        &bytes,
        (500, 0xdead_beef_cafe_f00d),
        &expected,
        harmless_in_json,
        |b| {
            std::fs::write(&path, b).unwrap();
            VanillaAutoencoder::<f64>::load_checkpoint(&path)
        },
    );
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn an_edited_value_is_a_checksum_mismatch() {
    let model = VanillaAutoencoder::<f64>::from_parts(
        ndarray::Array2::from_elem((1, 2), 0.25),
        ndarray::Array1::from_elem(1, 0.5),
        ndarray::Array1::from_elem(2, 0.75),
    )
    .unwrap();
    let json = model.to_json_string();
    // A valid model of the same shape: without the checksum it would load as another model.
    let edited = json.replace("\"b1\":[0.5]", "\"b1\":[0.6]");
    assert_ne!(edited, json);
    assert!(matches!(
        VanillaAutoencoder::<f64>::from_json_str(&edited),
        Err(Error::ChecksumMismatch { expected, found }) if expected != found
    ));
}

/// In a safetensors export the checksum covers the tensors' data; damage to the header is caught
/// by its structure, or leaves the model as it was (padding, the format name in the metadata).
#[cfg(feature = "safetensors")]
#[test]
fn damaged_safetensors_exports_fail_to_load() {
    let model = VanillaAutoencoder::<f32, Tanh>::new(9, 5, 3).unwrap();
    let bytes = model.to_safetensors_bytes();
    check_damage(
        &bytes,
        (500, 0x0123_4567_89ab_cdef),
        &model,
        |_, _, _| true,
        VanillaAutoencoder::<f32, Tanh>::from_safetensors_bytes,
    );
}

/// A malformed checksum in a safetensors export is corrupt; a wrong one is a mismatch.
#[cfg(feature = "safetensors")]
#[test]
fn safetensors_checksums_are_read_strictly() {
    let model = VanillaAutoencoder::<f64>::new(3, 2, 3).unwrap();
    let bytes = model.to_safetensors_bytes();
    let at = bytes
        .windows(6)
        .position(|w| w == b"crc32:")
        .expect("the export carries a checksum")
        + 6;
    let with_digits = |digits: &[u8; 8]| {
        let mut b = bytes.clone();
        b[at..at + 8].copy_from_slice(digits);
        VanillaAutoencoder::<f64>::from_safetensors_bytes(&b)
    };
    assert!(matches!(
        with_digits(b"0000000g"),
        Err(Error::CorruptModel { .. })
    ));
    let recorded =
        u32::from_str_radix(std::str::from_utf8(&bytes[at..at + 8]).unwrap(), 16).unwrap();
    let other = format!("{:08x}", recorded ^ 1);
    assert!(matches!(
        with_digits(other.as_bytes().try_into().unwrap()),
        Err(Error::ChecksumMismatch { expected, found }) if expected == recorded ^ 1 && found == recorded
    ));
}
