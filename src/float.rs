//! The float bound shared by every type: `f32` and `f64`.

use ndarray::NdFloat;
use num_traits::FromPrimitive;

/// A float type the crate computes in: implemented for `f32` and `f64`.
///
/// Sealed: the numerics (tolerances, stable sigmoid and softplus) are written for these two.
pub trait Float: NdFloat + FromPrimitive + Default + sealed::Sealed {
    /// Converts an `f64` to this type (rounding to nearest for `f32`).
    fn cast(x: f64) -> Self;
    /// Widens this value to `f64`.
    fn as_f64(self) -> f64;
}

impl Float for f64 {
    #[inline(always)]
    fn cast(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn as_f64(self) -> f64 {
        self
    }
}

impl Float for f32 {
    #[inline(always)]
    fn cast(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn as_f64(self) -> f64 {
        f64::from(self)
    }
}

mod sealed {
    use faer::{Accum, MatMut, MatRef, Par};

    /// Seals [`Float`](super::Float) and carries what needs the concrete type.
    pub trait Sealed: Sized {
        /// `dst = lhs · rhs`, or `dst += lhs · rhs` when `accumulate`, through faer's GEMM.
        fn matmul(
            dst: MatMut<'_, Self>,
            lhs: MatRef<'_, Self>,
            rhs: MatRef<'_, Self>,
            accumulate: bool,
        );
        /// The sigmoid of every element, by the crate's vectorising kernel (`FMA`: fused
        /// multiply-adds, see `kernels::with_fma`).
        fn sigmoid_kernel<const FMA: bool>(values: &mut [Self]);
        /// `tanh` of every element, likewise.
        fn tanh_kernel<const FMA: bool>(values: &mut [Self]);
    }

    macro_rules! sealed_float {
        ($t:ty, $sigmoid:ident, $tanh:ident) => {
            impl Sealed for $t {
                #[inline]
                fn matmul(
                    dst: MatMut<'_, $t>,
                    lhs: MatRef<'_, $t>,
                    rhs: MatRef<'_, $t>,
                    accumulate: bool,
                ) {
                    let accum = if accumulate {
                        Accum::Add
                    } else {
                        Accum::Replace
                    };
                    faer::linalg::matmul::matmul(dst, accum, lhs, rhs, 1.0, Par::Seq);
                }
                #[inline(always)]
                fn sigmoid_kernel<const FMA: bool>(values: &mut [$t]) {
                    crate::kernels::$sigmoid::<FMA>(values);
                }
                #[inline(always)]
                fn tanh_kernel<const FMA: bool>(values: &mut [$t]) {
                    crate::kernels::$tanh::<FMA>(values);
                }
            }
        };
    }
    sealed_float!(f32, sigmoid_slice_f32, tanh_slice_f32);
    sealed_float!(f64, sigmoid_slice_f64, tanh_slice_f64);
}
