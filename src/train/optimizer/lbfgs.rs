//! L-BFGS's memory: the last curvature pairs `s = x₊ − x`, `y = ∇f(x₊) − ∇f(x)` and the
//! two-loop recursion that turns a gradient into a quasi-Newton direction. The parameters of
//! all blocks form one vector; every vector here is a list of blocks shaped like them.
//! The iteration itself (line search, convergence) is in `train/full_batch.rs`.

use crate::error::Result;
use crate::float::Float;
use crate::gradient::{BlockShape, Gradients};
use crate::{kernels, linalg};

/// The curvature pairs of one parameter block, oldest first, as a checkpoint stores them.
/// Every block holds the same number of pairs; `ρ = 1 / (sᵀy)` is recomputed from them.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub(crate) struct LbfgsState<F> {
    pub(crate) steps: Vec<Gradients<F>>,
    pub(crate) gradient_changes: Vec<Gradients<F>>,
}

impl<F: Float> LbfgsState<F> {
    pub(crate) fn new() -> Self {
        Self {
            steps: Vec::new(),
            gradient_changes: Vec::new(),
        }
    }

    /// Whether every stored pair has the block's shape and finite values.
    pub(crate) fn fits(&self, shape: BlockShape) -> bool {
        self.steps.len() == self.gradient_changes.len()
            && self
                .steps
                .iter()
                .chain(&self.gradient_changes)
                .all(|g| g.fits(shape))
    }
}

/// A vector of the parameter space: one `(W, b1, b2)`-shaped array set per block.
///
/// The operations on them below run in the widest vectors the CPU has: element by element, or
/// summed in `linalg::dot`'s fixed partial sums, they give the same bits at any width.
pub(crate) type Blocks<F> = [Gradients<F>];

/// `Σ aᵢ bᵢ` over every block, in a fixed order.
pub(crate) fn dot<F: Float>(a: &Blocks<F>, b: &Blocks<F>) -> F {
    kernels::vectorized(
        #[inline(always)]
        move || {
            let mut total = F::zero();
            for (a, b) in a.iter().zip(b) {
                let ((aw, ab1, ab2), (bw, bb1, bb2)) = (a.slices(), b.slices());
                total += linalg::dot(aw, bw) + linalg::dot(ab1, bb1) + linalg::dot(ab2, bb2);
            }
            total
        },
    )
}

/// The largest `|aᵢ|`.
pub(crate) fn max_abs<F: Float>(a: &Blocks<F>) -> F {
    kernels::vectorized(
        #[inline(always)]
        move || {
            a.iter()
                .flat_map(|block| {
                    let (w, b1, b2) = block.slices();
                    w.iter().chain(b1).chain(b2)
                })
                .fold(F::zero(), |m, &v| m.max(v.abs()))
        },
    )
}

/// `out = a + scale · b`, element by element.
pub(crate) fn combine<F: Float>(out: &mut Blocks<F>, a: &Blocks<F>, scale: F, b: &Blocks<F>) {
    update(out, a, |_, a| a);
    add_scaled(out, scale, b);
}

/// `out = −a`.
pub(crate) fn negate_into<F: Float>(out: &mut Blocks<F>, a: &Blocks<F>) {
    update(out, a, |_, a| -a);
}

/// `out += scale · b`.
fn add_scaled<F: Float>(out: &mut Blocks<F>, scale: F, b: &Blocks<F>) {
    update(out, b, move |o, b| o + scale * b);
}

/// `oᵢ = f(oᵢ, bᵢ)` for every element `oᵢ` of `out` and `bᵢ` of `b`. `f` takes its scalars
/// by value (a `move` closure), so that the loop vectorises.
fn update<F: Float>(out: &mut Blocks<F>, b: &Blocks<F>, f: impl Fn(F, F) -> F + Copy) {
    kernels::vectorized(
        #[inline(always)]
        move || {
            for (out, b) in out.iter_mut().zip(b) {
                let (ow, ob1, ob2) = out.slices_mut();
                let (bw, bb1, bb2) = b.slices();
                for (o, b) in [(ow, bw), (ob1, bb1), (ob2, bb2)] {
                    for (o, &b) in o.iter_mut().zip(b) {
                        *o = f(*o, b);
                    }
                }
            }
        },
    )
}

/// One stored pair, with `ρ = 1 / (sᵀy)`.
struct Pair<F> {
    step: Vec<Gradients<F>>,
    gradient_change: Vec<Gradients<F>>,
    rho: F,
}

/// Up to `capacity` curvature pairs, with every buffer allocated up front.
pub(crate) struct Memory<F> {
    /// The pairs in use, oldest first, then the spare buffers.
    pairs: Vec<Pair<F>>,
    len: usize,
    /// The two-loop recursion's `αᵢ`.
    alphas: Vec<F>,
}

impl<F: Float> Memory<F> {
    /// Room for `capacity` pairs of blocks of `shapes`, filled with the stored pairs of
    /// `stored` (one state per block, the same number of pairs in each, at most `capacity`).
    pub(crate) fn new(
        capacity: usize,
        shapes: &[BlockShape],
        stored: Vec<LbfgsState<F>>,
    ) -> Result<Self> {
        let zeros = || -> Result<Vec<Gradients<F>>> {
            shapes
                .iter()
                .map(|&shape| Gradients::try_shaped(shape, "L-BFGS history"))
                .collect()
        };
        let n_stored = stored.first().map_or(0, |s| s.steps.len());
        let mut pairs = Vec::with_capacity(capacity);
        // Stored pairs move in block by block; the rest are fresh buffers.
        let mut stored: Vec<_> = stored
            .into_iter()
            .map(|s| (s.steps.into_iter(), s.gradient_changes.into_iter()))
            .collect();
        for _ in 0..n_stored.min(capacity) {
            let (step, gradient_change) = stored
                .iter_mut()
                .map(|(s, y)| (s.next().expect("checked"), y.next().expect("checked")))
                .unzip();
            pairs.push(Pair {
                step,
                gradient_change,
                rho: F::zero(),
            });
        }
        for pair in &mut pairs {
            pair.rho = F::one() / dot(&pair.step, &pair.gradient_change);
        }
        let len = pairs.len();
        while pairs.len() < capacity {
            pairs.push(Pair {
                step: zeros()?,
                gradient_change: zeros()?,
                rho: F::zero(),
            });
        }
        Ok(Self {
            pairs,
            len,
            alphas: vec![F::zero(); capacity],
        })
    }

    /// Whether no pair is stored (the first iteration, or after a reset).
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets every pair.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// Stores the pair `s = new − old` (parameters), `y = new_grad − old_grad` if its
    /// curvature `sᵀy` is positive (else the pair would break the positive-definite model),
    /// dropping the oldest pair when full.
    pub(crate) fn push(
        &mut self,
        (old, new): (&Blocks<F>, &Blocks<F>),
        (old_grad, new_grad): (&Blocks<F>, &Blocks<F>),
    ) {
        if self.len == self.pairs.len() {
            self.pairs[..].rotate_left(1);
            self.len -= 1;
        }
        let pair = &mut self.pairs[self.len];
        combine(&mut pair.step, new, -F::one(), old);
        combine(&mut pair.gradient_change, new_grad, -F::one(), old_grad);
        let curvature = dot(&pair.step, &pair.gradient_change);
        let scale = dot(&pair.gradient_change, &pair.gradient_change);
        if curvature > F::epsilon() * scale && curvature.is_finite() {
            pair.rho = F::one() / curvature;
            self.len += 1;
        }
    }

    /// The quasi-Newton direction `−H ∇f` into `direction`, with `H₀ = (sᵀy / yᵀy) I` from
    /// the newest pair (the two-loop recursion).
    pub(crate) fn direction(&mut self, gradient: &Blocks<F>, direction: &mut Blocks<F>) {
        update(direction, gradient, |_, g| g);
        let pairs = &self.pairs[..self.len];
        for (pair, alpha) in pairs.iter().zip(&mut self.alphas).rev() {
            *alpha = pair.rho * dot(&pair.step, direction);
            add_scaled(direction, -*alpha, &pair.gradient_change);
        }
        if let Some(newest) = pairs.last() {
            let gamma =
                F::one() / (newest.rho * dot(&newest.gradient_change, &newest.gradient_change));
            scale(direction, gamma);
        }
        for (pair, &alpha) in pairs.iter().zip(&self.alphas) {
            let beta = pair.rho * dot(&pair.gradient_change, direction);
            add_scaled(direction, alpha - beta, &pair.step);
        }
        scale(direction, -F::one());
    }

    /// The stored pairs, block by block, for a checkpoint (the buffers move out).
    pub(crate) fn into_states(self, n_blocks: usize) -> Vec<LbfgsState<F>> {
        let mut states: Vec<_> = (0..n_blocks).map(|_| LbfgsState::new()).collect();
        for pair in self.pairs.into_iter().take(self.len) {
            for ((state, s), y) in states.iter_mut().zip(pair.step).zip(pair.gradient_change) {
                state.steps.push(s);
                state.gradient_changes.push(y);
            }
        }
        states
    }
}

fn scale<F: Float>(a: &mut Blocks<F>, factor: F) {
    kernels::vectorized(
        #[inline(always)]
        move || {
            for block in a {
                let (w, b1, b2) = block.slices_mut();
                for v in w.iter_mut().chain(b1.iter_mut()).chain(b2.iter_mut()) {
                    *v *= factor;
                }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array1, Array2};

    fn vector(values: &[f64]) -> Vec<Gradients<f64>> {
        // One block: W [1, 2], b1 [1], b2 [2].
        vec![Gradients {
            w: Array2::from_shape_vec((1, 2), values[..2].to_vec()).unwrap(),
            b1: Array1::from(values[2..3].to_vec()),
            b2: Array1::from(values[3..5].to_vec()),
        }]
    }

    fn values(v: &Blocks<f64>) -> Vec<f64> {
        let (w, b1, b2) = v[0].slices();
        w.iter().chain(b1).chain(b2).copied().collect()
    }

    /// On a quadratic `½ xᵀ A x` with diagonal `A`, pairs along every axis make the direction
    /// exactly Newton's, `−A⁻¹ g`.
    #[test]
    fn pairs_along_every_axis_give_the_newton_direction() {
        let diag = [1.0, 2.0, 4.0, 0.5, 8.0];
        let shape = BlockShape::layer(2, 1);
        let mut memory = Memory::<f64>::new(5, &[shape], vec![LbfgsState::new()]).unwrap();
        let zero = vector(&[0.0; 5]);
        for axis in 0..5 {
            let mut e = [0.0; 5];
            e[axis] = 1.0;
            let mut ae = [0.0; 5];
            ae[axis] = diag[axis];
            memory.push((&zero, &vector(&e)), (&zero, &vector(&ae)));
        }
        let gradient = vector(&[1.0, -1.0, 2.0, 3.0, -4.0]);
        let mut direction = vector(&[0.0; 5]);
        memory.direction(&gradient, &mut direction);
        let expected: Vec<f64> = values(&gradient)
            .iter()
            .zip(diag)
            .map(|(g, a)| -g / a)
            .collect();
        for (d, e) in values(&direction).iter().zip(&expected) {
            assert!((d - e).abs() < 1e-14, "{d} vs {e}");
        }
    }

    #[test]
    fn a_pair_without_positive_curvature_is_skipped_and_the_oldest_is_dropped_when_full() {
        let shape = BlockShape::layer(2, 1);
        let mut memory = Memory::<f64>::new(2, &[shape], vec![LbfgsState::new()]).unwrap();
        let zero = vector(&[0.0; 5]);
        let step = vector(&[1.0, 0.0, 0.0, 0.0, 0.0]);
        memory.push(
            (&zero, &step),
            (&zero, &vector(&[-1.0, 0.0, 0.0, 0.0, 0.0])),
        );
        assert!(memory.is_empty());
        for k in 1..=3 {
            memory.push(
                (&zero, &step),
                (&zero, &vector(&[k as f64, 0.0, 0.0, 0.0, 0.0])),
            );
        }
        let states = memory.into_states(1);
        let kept: Vec<f64> = states[0]
            .gradient_changes
            .iter()
            .map(|y| y.w[[0, 0]])
            .collect();
        assert_eq!(kept, [2.0, 3.0]);
    }

    #[test]
    fn stored_pairs_come_back_as_they_went() {
        let shape = BlockShape::layer(2, 1);
        let mut memory = Memory::<f64>::new(3, &[shape], vec![LbfgsState::new()]).unwrap();
        let zero = vector(&[0.0; 5]);
        memory.push(
            (&zero, &vector(&[1.0, 2.0, 3.0, 4.0, 5.0])),
            (&zero, &vector(&[2.0, 1.0, 1.0, 1.0, 1.0])),
        );
        let states = memory.into_states(1);
        let again = Memory::new(3, &[shape], states.clone()).unwrap();
        assert_eq!(again.len, 1);
        assert_eq!(again.into_states(1), states);
    }
}
