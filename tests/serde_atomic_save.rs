#![cfg(feature = "serde")]
//! Saving is atomic: a process killed (SIGKILL) at any moment of a save leaves a complete model.
//!
//! The test re-runs its own binary as a child that saves in an endless loop (the test
//! `child_save_loop`, which does nothing unless `CHILD_ENV` is set), kills it at random moments,
//! and after each kill loads the file, which must be one of the models the child writes.

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use autoencoder::VanillaAutoencoder;

/// Set in the child's environment to the folder it saves into.
const CHILD_ENV: &str = "AUTOENCODER_SAVE_LOOP_DIR";
/// Printed by the child once it is about to save.
const READY: &str = "SAVE_LOOP_READY";
/// The child cycles through this many distinct models.
const N_MODELS: u64 = 6;
/// Kills to survive.
const KILLS: usize = 200;
/// The longest the parent waits after the child is ready before it kills it.
const MAX_DELAY_MICROS: u64 = 25_000;
/// Every this many kills, the parent first waits `LONG_DELAY` so that even on a slow machine
/// some saves complete and the file changes.
const LONG_EVERY: usize = 10;
const LONG_DELAY: Duration = Duration::from_millis(100);

/// Model `i` of the cycle: large enough (64 x 48, about 70 KB of JSON) that a save takes a while.
fn model(i: u64) -> VanillaAutoencoder<f64> {
    VanillaAutoencoder::new(64, 48, 1000 + i).unwrap()
}

fn json_path(dir: &Path) -> PathBuf {
    dir.join("model.json")
}

#[cfg(feature = "safetensors")]
fn safetensors_path(dir: &Path) -> PathBuf {
    dir.join("model.safetensors")
}

/// Saves model `i` in every format the build has.
fn save(dir: &Path, models: &[VanillaAutoencoder<f64>], i: usize) {
    models[i].save_json(json_path(dir)).unwrap();
    #[cfg(feature = "safetensors")]
    models[i].save_safetensors(safetensors_path(dir)).unwrap();
}

/// The child: saves models in a loop until killed. A no-op in a normal test run.
#[test]
fn child_save_loop() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let models: Vec<_> = (0..N_MODELS).map(model).collect();
    println!("{READY}");
    for i in (0..models.len()).cycle().skip(1) {
        save(&dir, &models, i);
    }
}

/// Index of `found` among `models`, panicking with `context` when it is not one of them.
fn which(
    models: &[VanillaAutoencoder<f64>],
    found: &VanillaAutoencoder<f64>,
    context: &str,
) -> usize {
    models
        .iter()
        .position(|m| m == found)
        .unwrap_or_else(|| panic!("{context}: unknown model"))
}

#[test]
fn killed_saves_leave_a_complete_model() {
    let dir = std::env::temp_dir().join(format!("autoencoder-atomic-save-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let models: Vec<_> = (0..N_MODELS).map(model).collect();
    save(&dir, &models, 0);

    let exe = std::env::current_exe().unwrap();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut seen = BTreeSet::new();
    let mut stray_temporaries = 0;
    let start = Instant::now();
    for kill in 0..KILLS {
        let mut child = Command::new(&exe)
            .args([
                "child_save_loop",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        while !line.contains(READY) {
            line.clear();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "child {kill} ended before saving"
            );
        }
        // xorshift64: a fixed, dependency-free stream of delays.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        if kill % LONG_EVERY == LONG_EVERY - 1 {
            std::thread::sleep(LONG_DELAY);
        }
        std::thread::sleep(Duration::from_micros(state % MAX_DELAY_MICROS));
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success(), "child {kill} ended on its own: {status}");

        let context = format!("after kill {kill}");
        let loaded = VanillaAutoencoder::<f64>::load_json(json_path(&dir))
            .unwrap_or_else(|e| panic!("{context}: {e}"));
        seen.insert(which(&models, &loaded, &context));
        #[cfg(feature = "safetensors")]
        {
            let loaded = VanillaAutoencoder::<f64>::load_safetensors(safetensors_path(&dir))
                .unwrap_or_else(|e| panic!("{context}: {e}"));
            which(&models, &loaded, &context);
        }
        // A kill between creating the temporary file and renaming it leaves the temporary.
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "tmp") {
                stray_temporaries += 1;
                fs::remove_file(path).unwrap();
            }
        }
    }
    let _ = fs::remove_dir_all(&dir);
    println!(
        "survived {KILLS} kills in {:.1} s: {} distinct models found, {stray_temporaries} kills \
         interrupted a save",
        start.elapsed().as_secs_f64(),
        seen.len(),
    );
    // The child did replace the file (not just leave the initial model there), and some kills
    // landed in the middle of a save.
    assert!(seen.len() > 1, "only models {seen:?} were ever found");
    assert!(stray_temporaries > 0, "no kill interrupted a save");
}
