//! Element-wise kernels that vectorise: a polynomial `exp` accurate to about one ulp, the sigmoid
//! built on it, and the MSE output delta of a sigmoid output.
//!
//! libm's `exp` is a scalar call, so loops over it cannot use SIMD. These versions are branch-free
//! (range reduction by a rounding constant, a Taylor polynomial on `|r| ≤ ln 2 / 2`, the power of
//! two built from the exponent bits), so LLVM vectorises the loops that call them. They differ
//! from libm by an ulp or two, far below the fixtures' tolerance of `1e-9`.
//!
//! The crate's functions are generic over [`Float`]; the kernels are written for `f32` and
//! `f64` and reached through the sealed trait's methods (`Float::sigmoid_kernel`,
//! `Float::tanh_kernel`), which compile to a direct call. They loop over plain slices: LLVM
//! vectorises such a loop across consecutive elements at any vector width, whereas a loop over
//! fixed blocks of 8 was vectorised across the blocks with AVX-512, by gathers and scatters.
//!
//! # Instruction sets
//!
//! The kernels, and the crate's own loops that run through [`vectorized`] and [`with_fma`], are
//! compiled three times: for AVX-512 (x86-64-v4: Intel since Skylake-SP, AMD since Zen 4) and
//! for x86-64-v3 (AVX2 and FMA), each used when the CPU has it, and portably (SSE2 on x86-64).
//! The AVX-512 build gives the same bits as the x86-64-v3 one: each element goes through the
//! same operations, and sums keep their order. The online path ([`with_fma_256`]) stops at
//! x86-64-v3. Setting the environment variable `AUTOENCODER_SIMD=portable` makes every run-time
//! choice here take the portable path whatever the CPU, so that tests can check that path on
//! any machine. The variable is read once, at the first dispatch; other values are ignored.
//! (faer's matrix products choose their own kernels, which this does not change.)
//!
//! The file is long because every kernel exists for `f32` and `f64`, and its tests (a third of
//! it) check each against the generic formulas on every instruction-set path.

use std::sync::OnceLock;

use crate::activation::{Activation, Sigmoid, logistic};
use crate::float::Float;
use crate::loss::mse_element;

const LOG2_E: f64 = std::f64::consts::LOG2_E;
/// `ln 2` split so that `n · LN2_HI` is exact for `|n| < 2^20`.
const LN2_HI: f64 = 0.693_147_180_369_123_8;
const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
/// `1.5 · 2^52`: adding and subtracting it rounds to an integer; the integer sits in the low bits.
const ROUND_F64: f64 = 6_755_399_441_055_744.0;

/// `e^x` for `f64`, branch-free; arguments are clamped to `[-708, 709]`. `FMA`: fused
/// multiply-adds in the polynomial (only where the CPU has them: see [`with_fma`]).
#[inline(always)]
pub(crate) fn exp_f64<const FMA: bool>(x: f64) -> f64 {
    let x = x.clamp(-708.0, 709.0);
    let t = x * LOG2_E + ROUND_F64;
    let n = t - ROUND_F64;
    let r = (x - n * LN2_HI) - n * LN2_LO;
    // Taylor series to r^12 / 12!: truncation below 2e-16 relative for |r| <= 0.347.
    let mut p = 1.0 / 479_001_600.0;
    for c in [
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = madd::<_, FMA>(p, r, c);
    }
    // The low bits of `t` hold n; n + 1023 shifted into the exponent field is 2^n.
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    p * scale
}

const LN2_HI_F32: f32 = 0.693_359_4;
const LN2_LO_F32: f32 = -2.121_944_4e-4;
const ROUND_F32: f32 = 12_582_912.0;

/// `e^x` for `f32`, branch-free; arguments are clamped to `[-87, 88]`.
#[inline(always)]
pub(crate) fn exp_f32<const FMA: bool>(x: f32) -> f32 {
    let x = x.clamp(-87.0, 88.0);
    let t = x * std::f32::consts::LOG2_E + ROUND_F32;
    let n = t - ROUND_F32;
    let r = (x - n * LN2_HI_F32) - n * LN2_LO_F32;
    let mut p = 1.0 / 40_320.0;
    for c in [
        1.0 / 5040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        p = madd::<_, FMA>(p, r, c);
    }
    let scale = f32::from_bits(t.to_bits().wrapping_add(127) << 23);
    p * scale
}

/// Whether the environment asks for the portable path (see the module docs), read once.
fn portable_only() -> bool {
    static PORTABLE: OnceLock<bool> = OnceLock::new();
    *PORTABLE.get_or_init(|| asks_for_portable(std::env::var_os(SIMD_VARIABLE).as_deref()))
}

/// The environment variable that can force the portable path.
const SIMD_VARIABLE: &str = "AUTOENCODER_SIMD";

fn asks_for_portable(value: Option<&std::ffi::OsStr>) -> bool {
    value.is_some_and(|v| v == "portable")
}

/// The instruction set to run on: the best the CPU offers, or the portable one if asked for.
#[inline(always)]
fn arch() -> pulp::Arch {
    if portable_only() {
        pulp::Arch::Scalar
    } else {
        pulp::Arch::new()
    }
}

/// Runs `f` compiled for the best instruction set the CPU offers (AVX-512 or AVX2 and FMA on
/// most x86-64 CPUs), chosen at run time by `pulp`; the portable build targets SSE2 only (and
/// is used whatever the CPU with `AUTOENCODER_SIMD=portable`). Functions that `f` calls
/// vectorise with the wider instructions only where they are inlined into it, hence the
/// `#[inline(always)]` on the hot paths. Rounding does not change: without explicit `mul_add`
/// LLVM does not fuse multiplications and additions.
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    arch().dispatch(f)
}

/// Like [`vectorized`], and tells `f` whether fused multiply-adds are available (AVX2 + FMA,
/// x86-64-v3, or AVX-512), so that kernels use `mul_add` only where it is one instruction
/// rather than a library call. Fusing changes the last bit of some sums; on a given CPU the
/// result is fixed.
#[inline(always)]
pub(crate) fn with_fma<R>(f: impl FnOnce(bool) -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    match arch() {
        pulp::Arch::V4(simd) => {
            return pulp::Simd::vectorize(
                simd,
                #[inline(always)]
                || f(true),
            );
        }
        pulp::Arch::V3(simd) => {
            return pulp::Simd::vectorize(
                simd,
                #[inline(always)]
                || f(true),
            );
        }
        _ => {}
    }
    vectorized(
        #[inline(always)]
        || f(false),
    )
}

/// Like [`with_fma`], on AVX-512 CPUs too with AVX2 and FMA at most (x86-64-v3): for code
/// over blocks of 8 elements (the online path), which 512-bit vectors do not speed up and
/// which LLVM, given AVX-512, vectorises across blocks by gathers and scatters instead.
#[inline(always)]
pub(crate) fn with_fma_256<R>(f: impl FnOnce(bool) -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if let pulp::Arch::V4(_) | pulp::Arch::V3(_) = arch()
        && let Some(simd) = pulp::x86::V3::try_new()
    {
        return pulp::Simd::vectorize(
            simd,
            #[inline(always)]
            || f(true),
        );
    }
    vectorized(
        #[inline(always)]
        || f(false),
    )
}

/// `a · b + c`, fused when `FMA`.
#[inline(always)]
pub(crate) fn madd<F: num_traits::Float, const FMA: bool>(a: F, b: F, c: F) -> F {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// Samples per block: the kernels below work on fixed-size blocks, which LLVM keeps in registers.
pub(crate) const BLOCK: usize = 8;

macro_rules! float_kernels {
    ($t:ty, $exp:ident, $sigmoid:ident, $sigmoid_slice:ident, $tanh_slice:ident) => {
        /// The stable two-branch sigmoid with the branch-free exponential.
        #[inline(always)]
        fn $sigmoid<const FMA: bool>(a: $t) -> $t {
            logistic(a, $exp::<FMA>(-a.abs()))
        }

        /// The sigmoid of every element. A plain loop over the slice: LLVM vectorises it
        /// across consecutive elements at any vector width (a loop over fixed blocks was
        /// vectorised across blocks with AVX-512, by gathers and scatters, several times slower).
        #[inline(always)]
        pub(crate) fn $sigmoid_slice<const FMA: bool>(values: &mut [$t]) {
            for v in values {
                *v = $sigmoid::<FMA>(*v);
            }
        }

        /// `tanh a = sign(a) (1 − e) / (1 + e)` with `e = exp(−2|a|)`, which never overflows;
        /// within a few units of the last place absolutely (relatively, near 0 the
        /// difference `1 − e` loses digits, where the standard library's `tanh` does not).
        #[inline(always)]
        pub(crate) fn $tanh_slice<const FMA: bool>(values: &mut [$t]) {
            for v in values {
                let e = $exp::<FMA>(-2.0 * v.abs());
                *v = ((1.0 - e) / (1.0 + e)).copysign(*v);
            }
        }
    };
}

float_kernels!(f64, exp_f64, sigmoid_f64, sigmoid_slice_f64, tanh_slice_f64);
float_kernels!(f32, exp_f32, sigmoid_f32, sigmoid_slice_f32, tanh_slice_f32);

/// Applies the sigmoid to every element of `values`.
#[inline(always)]
pub(crate) fn sigmoid_in_place<F: Float>(values: &mut [F]) {
    with_fma(
        #[inline(always)]
        |fma| {
            if fma {
                F::sigmoid_kernel::<true>(values)
            } else {
                F::sigmoid_kernel::<false>(values)
            }
        },
    )
}

/// Applies `tanh` to every element of `values`.
#[inline(always)]
pub(crate) fn tanh_in_place<F: Float>(values: &mut [F]) {
    with_fma(
        #[inline(always)]
        |fma| match fma {
            true => F::tanh_kernel::<true>(values),
            false => F::tanh_kernel::<false>(values),
        },
    )
}

/// MSE output delta of a sigmoid output (see [`crate::Loss`]): replaces `logits` by `∂L/∂a2`
/// and returns the mean loss over all elements.
#[inline(always)]
pub(crate) fn mse_sigmoid_delta<F: Float>(logits: &mut [F], targets: &[F], scale: F) -> F {
    with_fma(
        #[inline(always)]
        |fma| {
            if fma {
                mse_sigmoid_blocks::<F, true>(logits, targets, scale)
            } else {
                mse_sigmoid_blocks::<F, false>(logits, targets, scale)
            }
        },
    )
}

/// [`mse_sigmoid_delta`] inside a dispatched context that already knows `FMA`: the sigmoid
/// of every logit, then block by block the deltas `2 (z − x) z (1 − z) · scale`, the squared
/// errors added lane by lane across blocks, then as a tree.
#[inline(always)]
pub(crate) fn mse_sigmoid_blocks<F: Float, const FMA: bool>(
    logits: &mut [F],
    targets: &[F],
    scale: F,
) -> F {
    debug_assert_eq!(logits.len(), targets.len());
    F::sigmoid_kernel::<FMA>(logits);
    let mut acc = [F::zero(); BLOCK];
    let mut blocks = logits.chunks_exact_mut(BLOCK);
    let mut target_blocks = targets.chunks_exact(BLOCK);
    for (z, x) in (&mut blocks).zip(&mut target_blocks) {
        let z = z.try_into().expect("chunks_exact gives whole blocks");
        let x = x.try_into().expect("chunks_exact gives whole blocks");
        mse_block(z, x, scale, &mut acc);
    }
    let tail = blocks.into_remainder();
    let mut tail_sum = F::zero();
    if !tail.is_empty() {
        let (mut z, mut x) = ([F::zero(); BLOCK], [F::zero(); BLOCK]);
        let mut squares = [F::zero(); BLOCK];
        z[..tail.len()].copy_from_slice(tail);
        x[..tail.len()].copy_from_slice(target_blocks.remainder());
        mse_block(&mut z, &x, scale, &mut squares);
        tail.copy_from_slice(&z[..tail.len()]);
        tail_sum = squares[..tail.len()].iter().fold(F::zero(), |s, &v| s + v);
    }
    (sum_tree(&acc) + tail_sum) * scale
}

/// One block of sigmoid outputs `z` becomes the MSE deltas `2 (z − x) z (1 − z) · scale`;
/// the squared errors are added to `squares`.
#[inline(always)]
fn mse_block<F: Float>(z: &mut [F; BLOCK], x: &[F; BLOCK], scale: F, squares: &mut [F; BLOCK]) {
    for k in 0..BLOCK {
        let (square, delta) = mse_element(x[k], z[k], Sigmoid::derivative(z[k]));
        squares[k] += square;
        z[k] = delta * scale;
    }
}

/// [`mse_sigmoid_blocks`] over whole blocks of a padded row: only the elements where `mask` is
/// 1 count (the row's length is a run-time value, `N` a multiple of [`BLOCK`]); elsewhere the
/// error, and so the square and the delta, are zero.
#[inline(always)]
pub(crate) fn masked_mse_sigmoid<F: Float, const FMA: bool, const N: usize>(
    logits: &mut [F; N],
    targets: &[F; N],
    mask: &[F; N],
    scale: F,
) -> F {
    F::sigmoid_kernel::<FMA>(logits);
    let mut squares = [F::zero(); BLOCK];
    let (z_blocks, _) = logits.as_chunks_mut::<BLOCK>();
    let (target_blocks, _) = targets.as_chunks::<BLOCK>();
    let (mask_blocks, _) = mask.as_chunks::<BLOCK>();
    for ((z, x), m) in z_blocks.iter_mut().zip(target_blocks).zip(mask_blocks) {
        for k in 0..BLOCK {
            let (square, delta) = mse_element(x[k], z[k], Sigmoid::derivative(z[k]));
            // The mask is 0 or 1: products with it are exact.
            squares[k] += square * m[k];
            z[k] = (delta * m[k]) * scale;
        }
    }
    sum_tree(&squares) * scale
}

/// The sum of a block, as a fixed tree (pairs of lanes four apart first).
#[inline(always)]
pub(crate) fn sum_tree<F: Float>(v: &[F; BLOCK]) -> F {
    ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ulps_f64(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn exp_is_within_two_ulps_of_libm() {
        for i in -70_000..=70_000 {
            let x = f64::from(i) * 0.01;
            for got in [exp_f64::<false>(x), exp_f64::<true>(x)] {
                assert!(ulps_f64(got, x.exp()) <= 2, "f64 exp({x})");
            }
            let x = x as f32 * 0.12;
            for got in [exp_f32::<false>(x), exp_f32::<true>(x)] {
                let want = x.exp();
                assert!(
                    (got.to_bits() as i64 - want.to_bits() as i64).abs() <= 2,
                    "f32 exp({x})"
                );
            }
        }
        assert_eq!(exp_f64::<false>(0.0).to_bits(), 1.0_f64.to_bits());
        assert!(exp_f64::<true>(-1e6) >= 0.0 && exp_f64::<true>(-1e6) < 1e-300);
    }

    #[test]
    fn kernels_match_the_generic_formulas() {
        use crate::activation::{Activation, Sigmoid};
        let logits: Vec<f64> = (0..21).map(|i| f64::from(i) * 0.9 - 9.0).collect();
        let targets: Vec<f64> = (0..21).map(|i| f64::from(i) / 21.0).collect();
        let mut y = logits.clone();
        sigmoid_in_place(&mut y);
        for (&a, &y) in logits.iter().zip(&y) {
            assert!((y - Sigmoid::apply(a)).abs() < 1e-16);
        }
        let mut delta = logits.clone();
        let loss = mse_sigmoid_delta(&mut delta, &targets, 1.0 / 21.0);
        let mut expected = logits.clone();
        let want = crate::loss::output_delta::<f64, Sigmoid>(
            crate::loss::Loss::Mse,
            &mut expected,
            &targets,
        );
        assert!((loss - want).abs() < 1e-16);
        for (a, b) in delta.iter().zip(&expected) {
            assert!((a - b).abs() < 1e-17);
        }
    }

    /// The vectorised tanh against the standard library's, on every path this CPU can take
    /// (portable with and without fused multiply-adds, x86-64-v3 and AVX-512): `exp` within 2 ulps
    /// (`exp_is_within_two_ulps_of_libm`) and the three roundings of `(1 − e) / (1 + e)` give
    /// at most 6ε of 1 absolutely, allowed as 8ε; odd exactly (a sign copy); ±1 beyond the
    /// clamps; NaN stays NaN.
    #[test]
    fn tanh_matches_the_standard_library_on_every_path() {
        fn check<F: Float>(eps: f64) {
            let mut inputs: Vec<f64> = (0..401).map(|i| (f64::from(i) - 200.0) * 0.061).collect();
            inputs.extend([0.0, -0.0, 1e-12, -1e-300, 30.0, -30.0, 400.0, -400.0, 1e308]);
            let a: Vec<F> = inputs.iter().map(|&x| F::cast(x)).collect();
            let mut runs = Vec::new();
            for fma in [false, true] {
                let mut y = a.clone();
                match fma {
                    true => F::tanh_kernel::<true>(&mut y),
                    false => F::tanh_kernel::<false>(&mut y),
                }
                runs.push(y);
            }
            #[cfg(target_arch = "x86_64")]
            if let Some(v3) = on_v3(|| {
                let mut y = a.clone();
                tanh_in_place(&mut y);
                y
            }) {
                runs.push(v3);
            }
            #[cfg(target_arch = "x86_64")]
            if let Some(v4) = on_v4(|| {
                let mut y = a.clone();
                tanh_in_place(&mut y);
                y
            }) {
                runs.push(v4);
            }
            for y in &runs {
                for (&x, &y) in a.iter().zip(y) {
                    let want = x.tanh();
                    let (got, want) = (y.as_f64(), want.as_f64());
                    assert!(
                        (got - want).abs() <= 8.0 * eps,
                        "tanh({x:?}): {got} vs {want}"
                    );
                    assert_eq!(
                        got.is_sign_negative(),
                        x.is_sign_negative(),
                        "sign at {x:?}"
                    );
                }
            }
            let mut nan = vec![F::nan(); 3];
            tanh_in_place(&mut nan);
            assert!(nan.iter().all(|v| v.is_nan()));
        }
        check::<f64>(f64::EPSILON);
        check::<f32>(f64::from(f32::EPSILON));
    }

    #[test]
    fn only_the_value_portable_forces_the_portable_path() {
        use std::ffi::OsStr;
        assert!(asks_for_portable(Some(OsStr::new("portable"))));
        for other in [None, Some(OsStr::new("")), Some(OsStr::new("native"))] {
            assert!(!asks_for_portable(other));
        }
    }

    /// Logits over both branches of the sigmoid, its saturation and the clamps of `exp`; 203
    /// values, so that the kernels also take their partial last block.
    fn logits() -> Vec<f64> {
        let mut v: Vec<f64> = (0..195).map(|i| (f64::from(i) - 97.0) * 0.173).collect();
        v.extend([0.0, -0.0, 40.0, -40.0, 95.0, -95.0, 800.0, -800.0]);
        v
    }

    fn targets(n: usize) -> Vec<f64> {
        (0..n).map(|i| ((i * 7) % 11) as f64 / 10.0).collect()
    }

    /// Runs `f` in the x86-64-v3 context the crate dispatches to, or returns `None` on a CPU
    /// without it (the portable path is then the only one, and every test here runs it).
    #[cfg(target_arch = "x86_64")]
    fn on_v3<R>(f: impl FnOnce() -> R) -> Option<R> {
        let simd = pulp::x86::V3::try_new()?;
        Some(pulp::Simd::vectorize(simd, f))
    }

    /// Checks the kernels of one type on the three ways the crate can run them: portably
    /// without fused multiply-adds, compiled for x86-64-v3 without them (must give the same
    /// bits: vectorising does not change how each operation rounds) and for x86-64-v3 with them
    /// (the crate's choice on such CPUs).
    ///
    /// Tolerances, in units of the type's epsilon `ε`: each `exp` is within 2 ulps of libm
    /// either way (`exp_is_within_two_ulps_of_libm`), so the two are within 4 ulps; the
    /// sigmoid's `1 / (1 + e)` and `e · r` add two roundings of their own, hence a relative
    /// difference of at most 10ε, allowed as 16ε. The MSE delta `2 (z − x) z (1 − z) · s`
    /// changes by at most 2.5 · s per unit of `z` (targets in [0, 1]), hence 40ε · s for a
    /// z within 16ε, plus its own roundings: 64ε · s. The loss is the sum of 203 squares, each
    /// within 2 · 16ε of its other value, added in the same order (a rounding of each of the
    /// 33 additions per lane can move by an ulp of a partial sum): 64ε of the sum.
    #[cfg(target_arch = "x86_64")]
    fn v3_and_portable_agree<F: Float>(eps: f64) {
        let to_f = |v: &[f64]| v.iter().map(|&x| F::cast(x)).collect::<Vec<F>>();
        let (a, x) = (to_f(&logits()), to_f(&targets(logits().len())));
        let scale = F::cast(1.0 / a.len() as f64);
        let bits = |v: &[F]| v.iter().map(|x| x.as_f64().to_bits()).collect::<Vec<_>>();

        let mut portable = a.clone();
        F::sigmoid_kernel::<false>(&mut portable);
        let Some((v3_plain, v3_fused)) = on_v3(|| {
            let (mut plain, mut fused) = (a.clone(), a.clone());
            F::sigmoid_kernel::<false>(&mut plain);
            F::sigmoid_kernel::<true>(&mut fused);
            (plain, fused)
        }) else {
            eprintln!("no x86-64-v3 on this CPU: only the portable path exists");
            return;
        };
        assert_eq!(bits(&v3_plain), bits(&portable));
        for (i, (f, p)) in v3_fused.iter().zip(&portable).enumerate() {
            let (f, p) = (f.as_f64(), p.as_f64());
            assert!(
                (f - p).abs() <= 16.0 * eps * p.abs(),
                "sigmoid({}): {f} vs {p}",
                a[i]
            );
        }

        // Deltas and loss of the three ways: the first two bit for bit, the fused within the
        // tolerances above.
        let s = scale.as_f64();
        let agree = |what: &str, portable: (&[F], F), plain: (&[F], F), fused: (&[F], F)| {
            assert_eq!(bits(plain.0), bits(portable.0), "{what}");
            assert_eq!(plain.1.as_f64().to_bits(), portable.1.as_f64().to_bits());
            for (k, (f, p)) in fused.0.iter().zip(portable.0).enumerate() {
                let (f, p) = (f.as_f64(), p.as_f64());
                assert!((f - p).abs() <= 64.0 * eps * s, "{what} {k}: {f} vs {p}");
            }
            let (f, p) = (fused.1.as_f64(), portable.1.as_f64());
            assert!(
                p > 0.0 && (f - p).abs() <= 64.0 * eps * p,
                "{what}: {f} vs {p}"
            );
        };

        let mut portable = a.clone();
        let portable_loss = mse_sigmoid_blocks::<F, false>(&mut portable, &x, scale);
        let (plain, fused) = on_v3(|| {
            let (mut plain, mut fused) = (a.clone(), a.clone());
            let plain_loss = mse_sigmoid_blocks::<F, false>(&mut plain, &x, scale);
            let fused_loss = mse_sigmoid_blocks::<F, true>(&mut fused, &x, scale);
            ((plain, plain_loss), (fused, fused_loss))
        })
        .expect("x86-64-v3 was found above");
        agree(
            "MSE delta",
            (&portable, portable_loss),
            (&plain.0, plain.1),
            (&fused.0, fused.1),
        );

        // The masked form on one padded row of 208 = 26 blocks, the last 5 elements masked out.
        const N: usize = 208;
        let row =
            |v: &[F]| -> [F; N] { std::array::from_fn(|k| v.get(k).copied().unwrap_or(F::zero())) };
        let (a, x) = (row(&a), row(&x));
        let mask: [F; N] = std::array::from_fn(|k| if k < 203 { F::one() } else { F::zero() });
        let mut portable = a;
        let portable_loss = masked_mse_sigmoid::<F, false, N>(&mut portable, &x, &mask, scale);
        let (plain, fused) = on_v3(|| {
            let (mut plain, mut fused) = (a, a);
            let plain_loss = masked_mse_sigmoid::<F, false, N>(&mut plain, &x, &mask, scale);
            let fused_loss = masked_mse_sigmoid::<F, true, N>(&mut fused, &x, &mask, scale);
            ((plain, plain_loss), (fused, fused_loss))
        })
        .expect("x86-64-v3 was found above");
        agree(
            "masked MSE delta",
            (&portable, portable_loss),
            (&plain.0, plain.1),
            (&fused.0, fused.1),
        );
        assert!(portable[203..].iter().all(|d| d.as_f64() == 0.0));
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn v3_and_portable_kernels_agree_f64() {
        v3_and_portable_agree::<f64>(f64::EPSILON);
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn v3_and_portable_kernels_agree_f32() {
        v3_and_portable_agree::<f32>(f64::from(f32::EPSILON));
    }

    /// Runs `f` in the AVX-512 (x86-64-v4) context the crate dispatches to, or returns
    /// `None` on a CPU without it.
    #[cfg(target_arch = "x86_64")]
    fn on_v4<R>(f: impl FnOnce() -> R) -> Option<R> {
        let simd = pulp::x86::V4::try_new()?;
        Some(pulp::Simd::vectorize(simd, f))
    }

    /// The kernels compiled for AVX-512 give the same bits as for x86-64-v3, with and without
    /// fused multiply-adds: each element goes through the same operations, and the squared
    /// errors are added in the same lane order, whatever the vector width. A CPU without
    /// AVX-512 has nothing to compare.
    #[cfg(target_arch = "x86_64")]
    fn v4_and_v3_agree<F: Float>() {
        const N: usize = 208;
        let to_f = |v: &[f64]| v.iter().map(|&x| F::cast(x)).collect::<Vec<F>>();
        let (a, x) = (to_f(&logits()), to_f(&targets(logits().len())));
        let scale = F::cast(1.0 / a.len() as f64);
        let row =
            |v: &[F]| -> [F; N] { std::array::from_fn(|k| v.get(k).copied().unwrap_or(F::zero())) };
        let mask: [F; N] = std::array::from_fn(|k| if k < 203 { F::one() } else { F::zero() });
        let bits = |v: &[F]| v.iter().map(|x| x.as_f64().to_bits()).collect::<Vec<_>>();
        // Every kernel's outputs and losses as bits, without and with fused multiply-adds.
        let run = || {
            let mut out = Vec::new();
            for fma in [false, true] {
                let (mut sigmoid, mut tanh, mut delta, mut masked) =
                    (a.clone(), a.clone(), a.clone(), row(&a));
                let losses = if fma {
                    F::sigmoid_kernel::<true>(&mut sigmoid);
                    F::tanh_kernel::<true>(&mut tanh);
                    [
                        mse_sigmoid_blocks::<F, true>(&mut delta, &x, scale),
                        masked_mse_sigmoid::<F, true, N>(&mut masked, &row(&x), &mask, scale),
                    ]
                } else {
                    F::sigmoid_kernel::<false>(&mut sigmoid);
                    F::tanh_kernel::<false>(&mut tanh);
                    [
                        mse_sigmoid_blocks::<F, false>(&mut delta, &x, scale),
                        masked_mse_sigmoid::<F, false, N>(&mut masked, &row(&x), &mask, scale),
                    ]
                };
                for v in [&sigmoid[..], &tanh, &delta, &masked, &losses] {
                    out.push(bits(v));
                }
            }
            out
        };
        let (Some(v4), Some(v3)) = (on_v4(run), on_v3(run)) else {
            eprintln!("no AVX-512 on this CPU: x86-64-v3 is the widest path");
            return;
        };
        assert_eq!(v4.len(), 10);
        for (k, (v4, v3)) in v4.iter().zip(&v3).enumerate() {
            assert_eq!(
                v4, v3,
                "output {k}: sigmoid, tanh, delta, masked delta, losses; twice"
            );
        }
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn v4_and_v3_kernels_agree_bit_for_bit() {
        v4_and_v3_agree::<f64>();
        v4_and_v3_agree::<f32>();
    }
}
