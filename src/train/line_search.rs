//! A line search for the strong Wolfe conditions (Nocedal and Wright, *Numerical Optimization*,
//! 2nd ed., algorithms 3.5 and 3.6): bracketing by doubling the step, then zooming in with
//! safeguarded cubic interpolation.

use crate::float::Float;

/// Sufficient decrease: `φ(α) ≤ φ(0) + C1 α φ'(0)`.
const C1: f64 = 1e-4;
/// Curvature: `|φ'(α)| ≤ C2 |φ'(0)|` (the usual value for quasi-Newton directions).
const C2: f64 = 0.9;
/// Largest growth of the step while bracketing.
const GROWTH: f64 = 4.0;

/// The value and slope of `φ(α) = f(x + α p)` at one step `α`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Probe<F> {
    pub(crate) step: F,
    pub(crate) value: F,
    pub(crate) slope: F,
}

/// How a search ended.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Outcome<F> {
    /// `probe` meets both Wolfe conditions, or at least sufficient decrease when the
    /// evaluations ran out; `last` tells whether it was the last point evaluated.
    Accepted { probe: Probe<F>, last: bool },
    /// No step with a sufficient decrease was found within the evaluations allowed.
    Failed,
}

/// Searches along a descent direction from `start` (`start.step` is 0 and `start.slope` < 0),
/// trying `initial_step` first. `evaluate(α)` returns `(φ(α), φ'(α))`; a non-finite value
/// counts as a step too long. At most `max_evaluations` calls of `evaluate`.
pub(crate) fn strong_wolfe<F: Float>(
    start: Probe<F>,
    initial_step: F,
    max_evaluations: usize,
    mut evaluate: impl FnMut(F) -> (F, F),
) -> Outcome<F> {
    let (c1, c2) = (F::cast(C1), F::cast(C2));
    let decreases = |p: &Probe<F>| p.value <= start.value + c1 * p.step * start.slope;
    let flat = |p: &Probe<F>| p.slope.abs() <= -c2 * start.slope;
    let mut probe_at = |step: F| {
        let (value, slope) = evaluate(step);
        Probe { step, value, slope }
    };

    let mut previous = start;
    let mut step = initial_step;
    let mut evaluations = 0;
    // Bracketing: grow the step until it is too long or the slope turns.
    let (mut low, mut high, mut last_is_low) = loop {
        if evaluations == max_evaluations {
            return best_so_far(previous, start);
        }
        let probe = probe_at(step);
        evaluations += 1;
        if !(probe.value.is_finite() && probe.slope.is_finite() && decreases(&probe))
            || (evaluations > 1 && probe.value >= previous.value)
        {
            break (previous, probe, false);
        }
        if flat(&probe) {
            return Outcome::Accepted { probe, last: true };
        }
        if probe.slope >= F::zero() {
            break (probe, previous, true);
        }
        previous = probe;
        step *= F::cast(GROWTH);
    };
    // Zoom: `low` has the lowest sufficient-decrease value so far, and the interval between
    // `low` and `high` holds steps that meet both conditions.
    while evaluations < max_evaluations {
        let step = interpolate(low, high);
        if step == low.step || step == high.step {
            break;
        }
        let probe = probe_at(step);
        evaluations += 1;
        if !(probe.value.is_finite() && probe.slope.is_finite() && decreases(&probe))
            || probe.value >= low.value
        {
            high = probe;
            last_is_low = false;
        } else {
            if flat(&probe) {
                return Outcome::Accepted { probe, last: true };
            }
            if probe.slope * (high.step - low.step) >= F::zero() {
                high = low;
            }
            low = probe;
            last_is_low = true;
        }
    }
    match low.step > F::zero() {
        true => Outcome::Accepted {
            probe: low,
            last: last_is_low,
        },
        false => Outcome::Failed,
    }
}

/// The point to fall back on when the evaluations run out while bracketing.
fn best_so_far<F: Float>(previous: Probe<F>, start: Probe<F>) -> Outcome<F> {
    match previous.step > start.step {
        // `previous` met sufficient decrease; it was the last evaluated.
        true => Outcome::Accepted {
            probe: previous,
            last: true,
        },
        false => Outcome::Failed,
    }
}

/// The minimiser of the cubic through both ends' values and slopes (`low` is the end with the
/// lower value), kept a tenth of the interval away from `high` and a thousandth away from
/// `low`: a point next to the worse end would shrink the interval slowly, one next to the
/// better end either improves on it or closes the interval. Bisection where the cubic has no
/// minimiser or `high` is not finite.
fn interpolate<F: Float>(low: Probe<F>, high: Probe<F>) -> F {
    let width = high.step - low.step;
    let bisect = low.step + F::cast(0.5) * width;
    if !(high.value.is_finite() && high.slope.is_finite()) {
        return bisect;
    }
    let d1 =
        low.slope + high.slope - F::cast(3.0) * (low.value - high.value) / (low.step - high.step);
    let discriminant = d1 * d1 - low.slope * high.slope;
    if discriminant < F::zero() || discriminant.is_nan() {
        return bisect;
    }
    let d2 = width.signum() * discriminant.sqrt();
    let step =
        high.step - width * (high.slope + d2 - d1) / (high.slope - low.slope + F::cast(2.0) * d2);
    if !step.is_finite() {
        return bisect;
    }
    // The fraction of the way from `low` to `high`.
    let fraction = ((step - low.step) / width)
        .max(F::cast(1e-3))
        .min(F::cast(0.9));
    low.step + fraction * width
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(f: impl Fn(f64) -> (f64, f64), initial: f64) -> (Probe<f64>, usize) {
        let (value, slope) = f(0.0);
        let mut calls = 0;
        let start = Probe {
            step: 0.0,
            value,
            slope,
        };
        match strong_wolfe(start, initial, 30, |a| {
            calls += 1;
            f(a)
        }) {
            Outcome::Accepted { probe, .. } => (probe, calls),
            Outcome::Failed => panic!("no step found"),
        }
    }

    fn assert_wolfe(f: impl Fn(f64) -> (f64, f64), probe: Probe<f64>) {
        let (v0, s0) = f(0.0);
        assert!(probe.value <= v0 + C1 * probe.step * s0, "{probe:?}");
        assert!(probe.slope.abs() <= -C2 * s0, "{probe:?}");
        assert_eq!(f(probe.step), (probe.value, probe.slope));
    }

    #[test]
    fn a_quadratic_takes_the_unit_step_or_brackets_its_minimum() {
        // φ(α) = (α − 3)², minimum at 3.
        let f = |a: f64| ((a - 3.0) * (a - 3.0), 2.0 * (a - 3.0));
        for initial in [1e-3, 1.0, 2.9, 10.0, 1e6] {
            let (probe, calls) = search(f, initial);
            assert_wolfe(f, probe);
            assert!(calls <= 12, "{initial}: {calls} evaluations");
        }
        // Cubic interpolation is exact on a quadratic once both ends are known.
        let (probe, _) = search(f, 10.0);
        assert!((probe.step - 3.0).abs() < 1e-12, "{probe:?}");
    }

    #[test]
    fn non_finite_values_shorten_the_step() {
        // Finite only below α = 2; minimum at 1.5.
        let f = |a: f64| match a < 2.0 {
            true => ((a - 1.5).powi(2) - 1.0, 2.0 * (a - 1.5)),
            false => (f64::INFINITY, f64::NAN),
        };
        let (probe, _) = search(f, 100.0);
        assert_wolfe(f, probe);
    }

    #[test]
    fn an_ascent_direction_fails_without_a_step() {
        let f = |a: f64| (a, 1.0);
        let start = Probe {
            step: 0.0,
            value: 0.0,
            slope: -1.0, // a wrong slope: every step increases the value
        };
        assert!(matches!(strong_wolfe(start, 1.0, 20, f), Outcome::Failed));
    }

    #[test]
    fn a_quartic_with_a_flat_start_is_handled() {
        // φ(α) = (α − 1)⁴ − 4(α − 1)... descends from 0 towards α = 2.
        let f = |a: f64| {
            let t = a - 1.0;
            (t.powi(4) - 4.0 * t, 4.0 * t.powi(3) - 4.0)
        };
        for initial in [1e-4, 0.5, 1.0, 50.0] {
            let (probe, _) = search(f, initial);
            assert_wolfe(f, probe);
        }
    }
}
