//! The automatic model choice: a few candidate models trained by full-batch L-BFGS on a seeded
//! split of the data, the one with the lowest validation loss kept. PCA's solution (a linear
//! model) is a candidate too, so the choice is never worse than PCA on the validation rows.
//!
//! The file is long for its settings and constants, each documented with the measurement that
//! chose its default (QUALITY.md), and the choice's rules with their tests.

use std::time::{Duration, Instant};

use ndarray::{Array2, ArrayBase, Axis, Data, Ix2};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::activation::{Identity, Tanh};
use crate::any_model::Autoencoder;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::model::VanillaAutoencoder;
use crate::pca::Pca;
use crate::stacked::StackedAutoencoder;
use crate::train::config::{Optimizer, TrainConfig};
use crate::train::observer::{Control, EpochStats, Observer, StopReason};
use crate::train::regularize::Noise;
use crate::untied::UntiedAutoencoder;
use crate::validate;

/// Generator stream of the validation split (the training streams are 0–2).
const SPLIT_STREAM: u64 = 7;
/// The widest hidden layer of the deep candidate.
const MAX_DEEP_WIDTH: usize = 128;
/// Above this many training values (rows × columns), candidates train by Adam on mini-batches
/// of [`LARGE_BATCH`] rows: full-batch iterations would be too slow to run hundreds of.
const FULL_BATCH_LIMIT: usize = 1 << 20;
const LARGE_BATCH: usize = 32;
/// The fraction of inputs masked (set to zero) in each Adam batch on large data: denoising as
/// a regulariser: without it the deep candidate over-fits 4,000 MNIST rows (784 columns), and
/// with it its test error in the same time was 5 % (k = 16) and 0.6 % (k = 30) lower in f64
/// (QUALITY.md). Full-batch L-BFGS takes no noise.
const LARGE_MASKING: f64 = 0.1;
/// The weight decay `λ` of the L-BFGS training (`λ/2 Σ w²` added to the mean loss over every
/// weight, `W` and `V`). Chosen on the development splits (QUALITY.md), from 3e-7 to 1e-4:
/// 1e-6 was the only value that lowered the mean test error on all five sets (more helped the
/// digits further and hurt the small sets).
const SMALL_DATA_WEIGHT_DECAY: f64 = 1e-6;
/// A candidate replaces the best so far only with a validation loss this much lower
/// (relative), and lower by more than [`SIGNIFICANCE`] standard errors of the row-by-row
/// differences: smaller differences are mostly the split's noise, and the earlier candidates
/// are the simpler models (PCA's first).
const MARGIN: f64 = 0.02;
/// The standard errors a candidate's mean gain over the best so far must exceed: 1.645, a
/// one-sided paired test at the 5 % level. On 336 development cases (QUALITY.md) it left 2
/// test errors above PCA's where one standard error had left 14 (the worst 1.15x PCA's); the
/// small sets' mean test errors rose by up to 0.013 of PCA's (0.021 on 6 wine cases), the
/// digits' did not move.
const SIGNIFICANCE: f64 = 1.645;

/// A candidate of [`fit_auto`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Candidate {
    /// PCA's solution as an untied identity model (no training).
    Linear,
    /// One tied layer, tanh code, identity output.
    Tied,
    /// One untied layer, tanh code, identity output.
    Untied,
    /// Two untied levels `n_inputs → h → k` (and back), tanh hidden layers, identity output.
    Deep,
}

impl Candidate {
    /// Every candidate, in the order they are trained (the deep model, usually the best
    /// where any beats PCA, before the single layers, so that a short budget goes to it).
    /// Once the deep model leads, the single layers are skipped: in the 67 choices recorded
    /// in QUALITY.md (development and comparison splits) a single layer never replaced it,
    /// and on its digits splits they took 7–19 % of the time.
    pub const ALL: [Candidate; 4] = [
        Candidate::Linear,
        Candidate::Deep,
        Candidate::Untied,
        Candidate::Tied,
    ];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Candidate::Linear => "linear",
            Candidate::Tied => "tied",
            Candidate::Untied => "untied",
            Candidate::Deep => "deep",
        }
    }
}

/// Settings of [`fit_auto`]: everything but the code size has a default that needs no tuning.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoConfig {
    code_size: usize,
    time_budget: Duration,
    validation_fraction: f64,
    max_iterations: usize,
    patience: usize,
    seed: u64,
    candidates: Vec<Candidate>,
    refit: bool,
    lbfgs_history: usize,
}

impl AutoConfig {
    /// Defaults for codes of `code_size` units: a time budget of 120 s, a fifth of the rows
    /// for validation, at most 1,000 iterations (or epochs) per candidate, early stopping
    /// after 50 without a better validation loss, seed 0, every candidate, the chosen one
    /// trained further on every row, and L-BFGS keeping 10 curvature pairs.
    pub fn new(code_size: usize) -> Self {
        Self {
            code_size,
            time_budget: Duration::from_secs(120),
            validation_fraction: 0.2,
            max_iterations: 1000,
            patience: 50,
            seed: 0,
            candidates: Candidate::ALL.to_vec(),
            refit: true,
            lbfgs_history: 10,
        }
    }

    /// Whether the chosen model then trains further on every row (the validation rows too),
    /// from where its training on the split left it, for half as many iterations as its best
    /// there, when the remaining budget allows: better models from the same data, at about
    /// half again the chosen candidate's time.
    pub fn refit(mut self, refit: bool) -> Self {
        self.refit = refit;
        self
    }

    /// The wall-clock time all candidates share; a candidate still training when it runs out
    /// stops there (keeping its best iteration), and later ones are skipped.
    pub fn time_budget(mut self, budget: Duration) -> Self {
        self.time_budget = budget;
        self
    }

    /// The fraction of rows held out to compare the candidates, in (0, 1).
    pub fn validation_fraction(mut self, fraction: f64) -> Self {
        self.validation_fraction = fraction;
        self
    }

    /// The most L-BFGS iterations (or Adam epochs, on large data) per candidate, > 0.
    pub fn max_iterations(mut self, iterations: usize) -> Self {
        self.max_iterations = iterations;
        self
    }

    /// Iterations without a better validation loss before a candidate stops, > 0.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }

    /// Curvature pairs the L-BFGS training keeps (small data), in
    /// 1..=[`Optimizer::MAX_LBFGS_HISTORY`]; 10 by default, as [`Optimizer::lbfgs`]. More pairs
    /// give better models where the deep candidate runs to its iteration limit, for more time
    /// per iteration: with 30, QUALITY.md measured test errors 3–7 % lower on the digits
    /// (0.665 / 0.556 / 0.593 / 0.580 of PCA's at k = 2 / 5 / 10 / 16, against 0.695 / 0.598 /
    /// 0.623 / 0.586) in 5–35 % more time; on the development sets, lower means on four of
    /// five (not breast cancer).
    /// Large data (Adam) does not use it.
    pub fn lbfgs_history(mut self, pairs: usize) -> Self {
        self.lbfgs_history = pairs;
        self
    }

    /// Seed of the split and of every candidate's initial weights.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The candidates to try (at least one), in this order; a single layer listed after the
    /// deep model is skipped if the deep model leads by then (see [`Candidate::ALL`]).
    pub fn candidates(mut self, candidates: &[Candidate]) -> Self {
        self.candidates = candidates.to_vec();
        self
    }

    fn check(&self, n_inputs: usize) -> Result<()> {
        let invalid = |name, value: f64, expected| {
            Err(Error::InvalidParameter {
                name,
                value,
                expected,
            })
        };
        if self.code_size == 0 || self.code_size > n_inputs {
            return invalid(
                "code_size",
                self.code_size as f64,
                "between 1 and the number of columns",
            );
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 1.0) {
            return invalid("validation_fraction", self.validation_fraction, "in (0, 1)");
        }
        if self.max_iterations == 0 {
            return invalid("max_iterations", 0.0, "> 0");
        }
        if self.patience == 0 {
            return invalid("patience", 0.0, "> 0");
        }
        if self.candidates.is_empty() {
            return invalid("candidates", 0.0, "at least one");
        }
        if !(1..=Optimizer::MAX_LBFGS_HISTORY).contains(&self.lbfgs_history) {
            return invalid("lbfgs_history", self.lbfgs_history as f64, "in 1..=100");
        }
        Ok(())
    }
}

/// How one candidate did.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateResult {
    /// Which candidate.
    pub candidate: Candidate,
    /// Its layer sizes, encoder side (`[n_inputs, …, code_size]`).
    pub layer_sizes: Vec<usize>,
    /// Mean squared error on the validation rows, after training (`None`: skipped, because
    /// the time budget had run out or, for a single layer, the deep candidate led already).
    pub validation_loss: Option<f64>,
    /// L-BFGS iterations run.
    pub iterations: usize,
    /// Why its training stopped (`None` for the linear candidate and skipped ones).
    pub stop_reason: Option<StopReason>,
    /// Seconds spent on it.
    pub seconds: f64,
}

/// What [`fit_auto`] tried and chose.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoReport {
    /// Every candidate, in the order tried.
    pub candidates: Vec<CandidateResult>,
    /// The one returned.
    pub chosen: Candidate,
    /// Rows used to train and to compare.
    pub n_train: usize,
    /// Rows held out for the comparison.
    pub n_validation: usize,
    /// Whether the returned model was trained further (the linear one: fitted again) on every
    /// row.
    pub refitted: bool,
}

/// Trains the candidates of `config` on a seeded split of `x` (the single layers only while
/// the deep model does not lead) and returns the one with the lowest validation loss (mean
/// squared error; a later candidate must be lower than an earlier one by 2 % and by more than
/// 1.645 standard errors of the row-by-row differences to replace it), trained further on every
/// row (see [`AutoConfig::refit`]), with a report of all of them.
///
/// Every candidate has an identity output, so the data need not lie in [0, 1]; scale each
/// column first (standardise or min-max), as for any model. Training is full-batch L-BFGS
/// ([`Optimizer::lbfgs`]) with a weight decay of 1e-6 and early stopping on the validation
/// rows: no learning rate, batch size or epoch count to tune. Above about a million training
/// values (rows × columns) it is Adam instead (learning rate 1e-3, batches of 32 rows, a tenth
/// of the inputs masked in each batch as a regulariser), still with early stopping.
///
/// # Errors
/// [`Error::EmptyInput`] for no rows; [`Error::NonFiniteInput`]; [`Error::InvalidParameter`]
/// for a single row or a setting out of range (a code size above the number of columns among
/// them); [`Error::AllocationFailed`] when a candidate does not fit in memory.
///
/// # Examples
/// ```
/// use autoencoder::{AutoConfig, fit_auto};
/// use ndarray::Array2;
///
/// // Rows on a curve in 6 dimensions: one code unit describes them, not one principal axis.
/// let x = Array2::from_shape_fn((300, 6), |(i, j)| {
///     let t = i as f64 / 150.0 - 1.0;
///     (t * (j + 1) as f64).sin()
/// });
/// let (model, report) = fit_auto(&x, &AutoConfig::new(1))?;
/// assert_eq!(model.n_code(), 1);
/// let linear = report.candidates[0].validation_loss.unwrap();
/// let chosen = report.candidates.iter().find(|c| c.candidate == report.chosen).unwrap();
/// assert!(chosen.validation_loss.unwrap() <= linear);
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub fn fit_auto<F: Float, S: Data<Elem = F>>(
    x: &ArrayBase<S, Ix2>,
    config: &AutoConfig,
) -> Result<(Box<dyn Autoencoder<F>>, AutoReport)> {
    let (n, d) = x.dim();
    match n {
        0 => return Err(Error::EmptyInput),
        1 => {
            return Err(Error::InvalidParameter {
                name: "rows",
                value: 1.0,
                expected: "at least 2 (rows to train on and rows to compare the models on)",
            });
        }
        _ => {}
    }
    validate::finite(x)?;
    config.check(d)?;
    let start = Instant::now();
    // A budget past the end of time is none.
    let deadline = start.checked_add(config.time_budget);
    let (train, validation) = split(x, config.validation_fraction, config.seed);
    let k = config.code_size;
    let training = training_config(train.len(), config.seed, config.lbfgs_history);
    let selection = training
        .clone()
        .epochs(config.max_iterations)
        .early_stopping(config.patience, 0.0);
    let out_of_time = || deadline.is_some_and(|end| Instant::now() >= end);

    let mut results: Vec<CandidateResult> = Vec::with_capacity(config.candidates.len());
    let mut best: Option<Best<F>> = None;
    for &candidate in &config.candidates {
        let began = Instant::now();
        let layer_sizes = match candidate {
            Candidate::Deep => vec![d, deep_width(d, k), k],
            _ => vec![d, k],
        };
        let mut result = CandidateResult {
            candidate,
            layer_sizes,
            validation_loss: None,
            iterations: 0,
            stop_reason: None,
            seconds: 0.0,
        };
        let deep_leads = best
            .as_ref()
            .is_some_and(|b| results[b.index].candidate == Candidate::Deep);
        let single = matches!(candidate, Candidate::Tied | Candidate::Untied);
        if (candidate != Candidate::Linear && out_of_time()) || (single && deep_leads) {
            results.push(result);
            continue;
        }
        let mut model = build(candidate, &result.layer_sizes, config.seed, &train)?;
        let mut best_iteration = 0;
        if candidate != Candidate::Linear {
            let mut until = Deadline(deadline);
            let report = model.fit_with_validation(
                train.view(),
                validation.view(),
                &selection,
                &mut until,
            )?;
            result.iterations = report.epoch_losses().len();
            result.stop_reason = Some(report.stop_reason());
            best_iteration = report.best_epoch().unwrap_or(result.iterations - 1);
        }
        let errors: Vec<f64> = model
            .reconstruction_errors(validation.view())?
            .iter()
            .map(|e| e.as_f64())
            .collect();
        let loss = errors.iter().sum::<f64>() / errors.len() as f64;
        result.validation_loss = Some(loss);
        result.seconds = began.elapsed().as_secs_f64();
        if best
            .as_ref()
            .is_none_or(|b| clearly_better(&errors, &b.errors))
        {
            best = Some(Best {
                errors,
                model,
                index: results.len(),
                best_iteration,
            });
        }
        results.push(result);
    }
    let Best {
        mut model,
        index,
        best_iteration,
        ..
    } = best.expect("the first candidate always runs");
    let chosen = results[index].candidate;
    let refitted = config.refit
        && refit(
            &mut model,
            &results[index],
            best_iteration,
            x,
            train.nrows(),
            &training,
            deadline,
        )?;
    let report = AutoReport {
        candidates: results,
        chosen,
        n_train: train.nrows(),
        n_validation: validation.nrows(),
        refitted,
    };
    Ok((model, report))
}

/// How every candidate trains on `values` training values (rows × columns): full-batch L-BFGS
/// with a small weight decay, or on large data Adam on mini-batches with masking noise.
fn training_config(values: usize, seed: u64, lbfgs_history: usize) -> TrainConfig {
    match values > FULL_BATCH_LIMIT {
        false => TrainConfig::new()
            .optimizer(Optimizer::lbfgs_keeping(lbfgs_history))
            .weight_decay(SMALL_DATA_WEIGHT_DECAY),
        true => TrainConfig::new()
            .optimizer(Optimizer::adam())
            .learning_rate(1e-3)
            .batch_size(LARGE_BATCH)
            .noise(Noise::Masking {
                fraction: LARGE_MASKING,
            }),
    }
    .seed(seed)
}

/// Trains the chosen model further on every row (the validation rows too), from where its
/// training on the split left it, for half as many iterations as its best on the split (the
/// linear candidate: PCA fitted again on every row). Skipped, returning `false`, when the
/// estimated time does not fit in the budget; cut short by the budget, the model keeps what it
/// reached.
///
/// Continuing rather than starting again: on development splits the quality comparison does
/// not use (the Wisconsin data and digits on other seeds, scikit-learn's wine, breast-cancer
/// and diabetes sets; QUALITY.md), it gave lower test errors than training a fresh model on
/// every row for the full count, with the whole `fit_auto` in about three quarters of the
/// time on digits: the full count is often the iteration limit, not a converged fit.
fn refit<F: Float, S: Data<Elem = F>>(
    model: &mut Box<dyn Autoencoder<F>>,
    chosen: &CandidateResult,
    best_iteration: usize,
    x: &ArrayBase<S, Ix2>,
    n_train: usize,
    training: &TrainConfig,
    deadline: Option<Instant>,
) -> Result<bool> {
    let iterations = (best_iteration + 1).div_ceil(2);
    // The rows scale the time the candidate took on the split (the linear one: PCA's fit);
    // the iterations scale it per iteration.
    let rows = x.nrows() as f64 / n_train as f64;
    let seconds = match chosen.candidate {
        Candidate::Linear => chosen.seconds * rows,
        _ => chosen.seconds / chosen.iterations.max(1) as f64 * iterations as f64 * rows,
    };
    if deadline.is_some_and(|end| Instant::now() + Duration::from_secs_f64(seconds) >= end) {
        return Ok(false);
    }
    if chosen.candidate == Candidate::Linear {
        *model = build(Candidate::Linear, &chosen.layer_sizes, 0, x)?;
        return Ok(true);
    }
    let config = training.clone().epochs(iterations);
    model.fit_with_observer(x.view(), &config, &mut Deadline(deadline))?;
    Ok(true)
}

/// The best candidate so far: its validation errors, the model, its index among the results,
/// and its best iteration.
struct Best<F> {
    /// Each validation row's error.
    errors: Vec<f64>,
    model: Box<dyn Autoencoder<F>>,
    index: usize,
    best_iteration: usize,
}

/// A fresh candidate model (`data` fits PCA for the linear one).
fn build<F: Float, S: Data<Elem = F>>(
    candidate: Candidate,
    layer_sizes: &[usize],
    seed: u64,
    data: &ArrayBase<S, Ix2>,
) -> Result<Box<dyn Autoencoder<F>>> {
    let (d, k) = (layer_sizes[0], layer_sizes[layer_sizes.len() - 1]);
    Ok(match candidate {
        Candidate::Linear => Box::new(UntiedAutoencoder::<F, Identity, Identity>::from_pca(
            &Pca::fit(data, k)?,
        )?),
        Candidate::Tied => Box::new(VanillaAutoencoder::<F, Tanh, Identity>::new(d, k, seed)?),
        Candidate::Untied => Box::new(UntiedAutoencoder::<F, Tanh, Identity>::new(d, k, seed)?),
        Candidate::Deep => Box::new(StackedAutoencoder::<F, Tanh, Identity>::new_untied(
            layer_sizes,
            seed,
        )?),
    })
}

/// The deep candidate's hidden width: four code units' worth, or half the inputs when that is
/// more, at most [`MAX_DEEP_WIDTH`].
fn deep_width(n_inputs: usize, code_size: usize) -> usize {
    (4 * code_size)
        .max(n_inputs.div_ceil(2))
        .min(MAX_DEEP_WIDTH)
}

/// The rows of `x` shuffled by the seeded generator, the first `⌈n · fraction⌉` (at least one,
/// at most `n − 1`) for validation, each part in the original order.
fn split<F: Float, S: Data<Elem = F>>(
    x: &ArrayBase<S, Ix2>,
    fraction: f64,
    seed: u64,
) -> (Array2<F>, Array2<F>) {
    let n = x.nrows();
    let n_validation = ((n as f64 * fraction).ceil() as usize).clamp(1, n - 1);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(SPLIT_STREAM);
    let mut rows: Vec<usize> = (0..n).collect();
    rows.shuffle(&mut rng);
    let (validation, train) = rows.split_at_mut(n_validation);
    validation.sort_unstable();
    train.sort_unstable();
    (x.select(Axis(0), train), x.select(Axis(0), validation))
}

/// Whether a candidate with the validation errors `new` (row by row) beats the best so far,
/// with `best`: lower on average by more than [`MARGIN`] of the best's mean and by more than
/// [`SIGNIFICANCE`] standard errors of the mean of the paired differences.
fn clearly_better(new: &[f64], best: &[f64]) -> bool {
    let n = new.len() as f64;
    let differences = || best.iter().zip(new).map(|(b, c)| b - c);
    let gain = differences().sum::<f64>() / n;
    let best_loss = best.iter().sum::<f64>() / n;
    let variance = differences().map(|d| (d - gain).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let standard_error = (variance / n).sqrt();
    gain > MARGIN * best_loss && gain > SIGNIFICANCE * standard_error
}

/// Stops training at a point in time, if any.
struct Deadline(Option<Instant>);

impl<F: Float> Observer<F> for Deadline {
    fn on_epoch_end(&mut self, _stats: &EpochStats<F>) -> Control {
        match self.0.is_some_and(|end| Instant::now() >= end) {
            true => Control::Stop,
            false => Control::Continue,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_candidate_must_be_lower_by_the_margin_and_significantly() {
        let best = [1.0; 8];
        // 10 % lower on every row: no spread, clearly better.
        assert!(clearly_better(&[0.9; 8], &best));
        // 1 % lower on every row: within the margin.
        assert!(!clearly_better(&[0.99; 8], &best));
        // 9.4 % lower on average, all from one row (another a little higher): the standard
        // error of the mean difference, 0.101, is larger than the gain, 0.094.
        let mut noisy = [1.0; 8];
        noisy[0] = 0.2;
        noisy[1] = 1.05;
        assert!(!clearly_better(&noisy, &best));
        // 7.5 % lower on average, mostly from one row: 1.21 standard errors, more than one
        // but short of the one-sided 5 % level.
        let one_row = [0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9];
        assert!(!clearly_better(&one_row, &best));
        // The same gain spread over all rows but one is clearly better.
        let spread = [0.9, 0.9, 0.9, 0.9, 0.9, 0.88, 0.92, 0.9];
        assert!(clearly_better(&spread, &best));
        // Higher is never better.
        assert!(!clearly_better(&[1.1; 8], &best));
    }

    #[test]
    fn large_data_trains_by_adam_with_masking_and_small_data_by_lbfgs_with_decay() {
        let small = training_config(FULL_BATCH_LIMIT, 3, 30).check().unwrap();
        let Optimizer::Lbfgs {
            history,
            gradient_tolerance,
            loss_tolerance,
        } = small.optimizer()
        else {
            panic!("small data trains by L-BFGS");
        };
        assert_eq!(history, 30);
        // The tolerances are those of `Optimizer::lbfgs`.
        assert_eq!((gradient_tolerance, loss_tolerance), (1e-9, 1e-12));
        assert_eq!(small.noise(), Noise::None);
        assert_eq!(
            small.weight_decay().to_bits(),
            SMALL_DATA_WEIGHT_DECAY.to_bits()
        );
        assert_eq!(small.seed(), 3);
        let large = training_config(FULL_BATCH_LIMIT + 1, 3, 30)
            .check()
            .unwrap();
        assert!(matches!(large.optimizer(), Optimizer::Adam { .. }));
        assert_eq!(large.batch_size(), LARGE_BATCH);
        assert_eq!(
            large.noise(),
            Noise::Masking {
                fraction: LARGE_MASKING
            }
        );
        assert_eq!(large.weight_decay().to_bits(), 0.0_f64.to_bits());
        assert_eq!(large.seed(), 3);
    }
}
