#![cfg(feature = "serde")]
//! Saves to the longest valid file names (255 bytes) succeed and leave no temporary file.

use std::path::{Path, PathBuf};

use autoencoder::{StackedAutoencoder, TrainConfig, VanillaAutoencoder};

/// A fresh, empty folder for one test, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("autoencoder-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    /// The names of the files in the folder.
    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 255-byte names: plain ASCII, and two-byte characters whose cut for the temporary name falls
/// inside a character.
fn long_names() -> [String; 2] {
    let ascii = format!("{}.json", "m".repeat(250));
    let accented = format!("x{}", "é".repeat(127));
    [ascii, accented]
}

/// Saves with `save` to each long name in a fresh folder; the folder then holds that file only,
/// and `load` reads back what was saved.
fn check<T: PartialEq + std::fmt::Debug>(
    what: &str,
    value: &T,
    save: impl Fn(&Path) -> autoencoder::Result<()>,
    load: impl Fn(&Path) -> autoencoder::Result<T>,
) {
    for name in long_names() {
        assert_eq!(name.len(), 255);
        let dir = TempDir::new(what);
        let path = dir.0.join(&name);
        save(&path).unwrap_or_else(|e| panic!("{what}: {e}"));
        // Saving again replaces the file through a new temporary one.
        save(&path).unwrap();
        assert_eq!(dir.names(), [name]);
        assert_eq!(&load(&path).unwrap(), value);
    }
}

#[test]
fn models_save_to_the_longest_names() {
    let model = VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap();
    check(
        "long-model",
        &model,
        |p| model.save_json(p),
        |p| VanillaAutoencoder::load_json(p),
    );
    #[cfg(feature = "safetensors")]
    check(
        "long-safetensors",
        &model,
        |p| model.save_safetensors(p),
        |p| VanillaAutoencoder::load_safetensors(p),
    );
}

#[test]
fn stacks_save_to_the_longest_names() {
    let stack = StackedAutoencoder::<f32>::new(&[9, 6, 3], 1).unwrap();
    check(
        "long-stack",
        &stack,
        |p| stack.save_json(p),
        |p| StackedAutoencoder::load_json(p),
    );
}

#[test]
fn checkpoints_save_to_the_longest_names() {
    let x = autoencoder::datasets::breast_cancer_wisconsin().features;
    let mut model = VanillaAutoencoder::<f64>::new(9, 5, 1).unwrap();
    let report = model.fit(&x, &TrainConfig::new().epochs(1)).unwrap();
    let expected = (model.clone(), report.state().clone());
    check(
        "long-checkpoint",
        &expected,
        |p| model.save_checkpoint(p, report.state()),
        |p| VanillaAutoencoder::load_checkpoint(p),
    );
}
