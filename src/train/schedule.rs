//! Learning-rate schedules: how the step size changes from epoch to epoch.

use crate::train::patience;

/// How the learning rate changes over epochs. `η` is the configured learning rate and `t` the
/// epoch index, from 0; the rate is fixed within an epoch.
///
/// # Formula
/// ```text
/// Constant                     η_t = η
/// StepDecay { step, gamma }    η_t = η · gamma^⌊t / step⌋
/// Exponential { gamma }        η_t = η · gamma^t
/// InverseScaling { power }     η_t = η / (t + 1)^power
/// ReduceOnPlateau { .. }       η_t = max(η_{t−1} · factor, min_learning_rate) after more than
///                              `patience` epochs in a row whose monitored loss did not beat
///                              the best by more than `min_delta`; else η_{t−1}
/// ```
/// `ReduceOnPlateau` monitors the validation loss when there is validation data, else the
/// training loss (PyTorch's `ReduceLROnPlateau` in `min` mode with an absolute threshold).
///
/// # Examples
/// ```
/// use autoencoder::{LearningRateSchedule, TrainConfig};
/// let config = TrainConfig::new()
///     .learning_rate(0.5)
///     .schedule(LearningRateSchedule::StepDecay { step: 10, gamma: 0.5 });
/// assert!(config.check().is_ok());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[non_exhaustive]
pub enum LearningRateSchedule {
    /// The same rate every epoch.
    #[default]
    Constant,
    /// Multiply by `gamma` every `step` epochs.
    StepDecay {
        /// Epochs between reductions, > 0.
        step: usize,
        /// Factor, in (0, 1].
        gamma: f64,
    },
    /// Multiply by `gamma` every epoch.
    Exponential {
        /// Factor, in (0, 1].
        gamma: f64,
    },
    /// Divide by `(t + 1)^power`.
    InverseScaling {
        /// Exponent, finite and >= 0.
        power: f64,
    },
    /// Multiply by `factor` when the monitored loss stops improving.
    ReduceOnPlateau {
        /// Factor, in (0, 1).
        factor: f64,
        /// Epochs without improvement tolerated before a reduction.
        patience: usize,
        /// Improvement that counts, finite and >= 0.
        min_delta: f64,
        /// Floor of the rate, finite and >= 0.
        min_learning_rate: f64,
    },
}

impl LearningRateSchedule {
    /// Checks the schedule's own parameters.
    pub(crate) fn check(&self) -> crate::error::Result<()> {
        use crate::error::Error::InvalidParameter;
        let in_unit = |name, value: f64, expected| {
            if value > 0.0 && value <= 1.0 {
                Ok(())
            } else {
                Err(InvalidParameter {
                    name,
                    value,
                    expected,
                })
            }
        };
        let non_negative = |name, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok(())
            } else {
                Err(InvalidParameter {
                    name,
                    value,
                    expected: "finite and >= 0",
                })
            }
        };
        match *self {
            Self::Constant => Ok(()),
            Self::StepDecay { step, gamma } => {
                if step == 0 {
                    return Err(InvalidParameter {
                        name: "step",
                        value: 0.0,
                        expected: "> 0",
                    });
                }
                in_unit("gamma", gamma, "in (0, 1]")
            }
            Self::Exponential { gamma } => in_unit("gamma", gamma, "in (0, 1]"),
            Self::InverseScaling { power } => non_negative("power", power),
            Self::ReduceOnPlateau {
                factor,
                min_delta,
                min_learning_rate,
                ..
            } => {
                if !(factor > 0.0 && factor < 1.0) {
                    return Err(InvalidParameter {
                        name: "factor",
                        value: factor,
                        expected: "in (0, 1)",
                    });
                }
                non_negative("min_delta", min_delta)?;
                non_negative("min_learning_rate", min_learning_rate)
            }
        }
    }
}

/// The schedule's running state within one `fit`.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct ScheduleState {
    schedule: LearningRateSchedule,
    base: f64,
    current: f64,
    /// Best monitored loss so far (none before the first epoch).
    best: Option<f64>,
    bad_epochs: usize,
}

impl ScheduleState {
    pub(crate) fn new(schedule: LearningRateSchedule, base: f64) -> Self {
        Self {
            schedule,
            base,
            current: base,
            best: None,
            bad_epochs: 0,
        }
    }

    /// Whether a state from outside (a file) is usable after `epochs_run` epochs: finite,
    /// positive rates, a valid schedule, and a count of bad epochs that the run could have made
    /// (so that counting on cannot overflow).
    pub(crate) fn is_valid(&self, epochs_run: usize) -> bool {
        let patience = match self.schedule {
            LearningRateSchedule::ReduceOnPlateau { patience, .. } => patience,
            _ => 0,
        };
        self.bad_epochs <= patience.min(epochs_run)
            && self.schedule.check().is_ok()
            && self.base.is_finite()
            && self.base > 0.0
            && self.current.is_finite()
            && self.current >= 0.0
            && self.best.is_none_or(|b| !b.is_nan())
    }

    /// The learning rate of epoch `t`.
    pub(crate) fn rate(&mut self, t: usize) -> f64 {
        let t_f = t as f64;
        self.current = match self.schedule {
            LearningRateSchedule::Constant => self.base,
            LearningRateSchedule::StepDecay { step, gamma } => {
                self.base * gamma.powi(i32::try_from(t / step).unwrap_or(i32::MAX))
            }
            LearningRateSchedule::Exponential { gamma } => {
                self.base * gamma.powi(i32::try_from(t).unwrap_or(i32::MAX))
            }
            LearningRateSchedule::InverseScaling { power } => self.base / (t_f + 1.0).powf(power),
            LearningRateSchedule::ReduceOnPlateau { .. } => self.current,
        };
        self.current
    }

    /// Feeds the monitored loss of the epoch that just ended (plateau detection).
    pub(crate) fn observe(&mut self, monitored: f64) {
        if let LearningRateSchedule::ReduceOnPlateau {
            factor,
            patience,
            min_delta,
            min_learning_rate,
        } = self.schedule
        {
            let improved =
                patience::observe(&mut self.best, &mut self.bad_epochs, monitored, min_delta);
            if !improved && self.bad_epochs > patience {
                self.current = (self.current * factor).max(min_learning_rate);
                self.bad_epochs = 0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    fn rates(schedule: LearningRateSchedule, epochs: usize) -> Vec<f64> {
        let mut state = ScheduleState::new(schedule, 0.8);
        (0..epochs).map(|t| state.rate(t)).collect()
    }

    #[test]
    fn closed_form_schedules_follow_their_formulas() {
        let step = rates(
            LearningRateSchedule::StepDecay {
                step: 2,
                gamma: 0.5,
            },
            5,
        );
        for (got, want) in step.iter().zip([0.8, 0.8, 0.4, 0.4, 0.2]) {
            assert_relative_eq!(*got, want, max_relative = 1e-15);
        }
        let exp = rates(LearningRateSchedule::Exponential { gamma: 0.9 }, 4);
        for (got, want) in exp.iter().zip([0.8, 0.72, 0.648, 0.5832]) {
            assert_relative_eq!(*got, want, max_relative = 1e-15);
        }
        let inv = rates(LearningRateSchedule::InverseScaling { power: 0.5 }, 4);
        for (got, want) in inv
            .iter()
            .zip([0.8, 0.8 / 2f64.sqrt(), 0.8 / 3f64.sqrt(), 0.4])
        {
            assert_relative_eq!(*got, want, max_relative = 1e-15);
        }
    }

    #[test]
    fn plateau_reduces_after_patience_and_respects_the_floor() {
        let schedule = LearningRateSchedule::ReduceOnPlateau {
            factor: 0.5,
            patience: 1,
            min_delta: 0.0,
            min_learning_rate: 0.15,
        };
        let mut state = ScheduleState::new(schedule, 0.8);
        let mut seen = Vec::new();
        for (t, loss) in [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95]
            .iter()
            .enumerate()
        {
            seen.push(state.rate(t));
            state.observe(*loss);
        }
        // Bad epochs at t = 2, 3 (reduce after t = 3), 4, 5 (reduce), 6, 7 (floor).
        let want = [0.8, 0.8, 0.8, 0.8, 0.4, 0.4, 0.2, 0.2];
        for (got, want) in seen.iter().zip(want) {
            assert_relative_eq!(*got, want, max_relative = 1e-15);
        }
        assert_relative_eq!(state.rate(8), 0.15, max_relative = 1e-15);
    }

    #[test]
    fn bad_parameters_are_rejected() {
        assert!(
            LearningRateSchedule::StepDecay {
                step: 0,
                gamma: 0.5
            }
            .check()
            .is_err()
        );
        assert!(
            LearningRateSchedule::Exponential { gamma: 1.5 }
                .check()
                .is_err()
        );
        assert!(
            LearningRateSchedule::Exponential { gamma: 0.0 }
                .check()
                .is_err()
        );
        assert!(
            LearningRateSchedule::InverseScaling { power: f64::NAN }
                .check()
                .is_err()
        );
        let plateau = |factor| LearningRateSchedule::ReduceOnPlateau {
            factor,
            patience: 2,
            min_delta: 0.0,
            min_learning_rate: 0.0,
        };
        assert!(plateau(1.0).check().is_err());
        assert!(plateau(0.5).check().is_ok());
    }
}
