//! One-row inference gives the batch methods' rows, to rounding (the batch sums through matrix
//! products, in another order), and the same bits whatever the sample's memory order: for
//! narrow and wide layers (whole groups of eight values and tails), f32 and f64, several
//! activations, and inputs as rows of views, strided columns and reversed arrays.

use autoencoder::{
    Activation, Error, Float, Identity, Sigmoid, StackedAutoencoder, Tanh, VanillaAutoencoder,
};
use ndarray::{Array1, Array2, ArrayView1, Axis, ShapeBuilder};

fn data<F: Float>(rows: usize, cols: usize) -> Array2<F> {
    Array2::from_shape_fn((rows, cols), |(i, j)| {
        F::cast(((i * 7 + j * 3) % 11) as f64 / 10.0)
    })
}

fn same_bits<F: Float>(a: ArrayView1<'_, F>, b: ArrayView1<'_, F>, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (j, (x, y)) in a.iter().zip(b).enumerate() {
        // Bit-for-bit: the same operations in the same order.
        assert!(
            x.as_f64().to_bits() == y.as_f64().to_bits(),
            "{what}: element {j}: {x} vs {y}"
        );
    }
}

/// Equal to rounding: sums of at most 64 products of values below 1 in magnitude, in two
/// orders, differ by a few units of the last place; 64 ε of `F`, relative to `1 + |y|`, bounds
/// that with room, and is far below any real error (a wrong weight or a skipped term moves
/// values by 1e-3 or more here).
fn close<F: Float>(a: ArrayView1<'_, F>, b: ArrayView1<'_, F>, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let tolerance = 64.0 * F::epsilon().as_f64();
    for (j, (x, y)) in a.iter().zip(b).enumerate() {
        let (x, y) = (x.as_f64(), y.as_f64());
        assert!(
            (x - y).abs() <= tolerance * (1.0 + y.abs()),
            "{what}: element {j}: {x} vs {y}"
        );
    }
}

fn close_2d<F: Float>(a: &Array2<F>, b: &Array2<F>, what: &str) {
    assert_eq!(a.dim(), b.dim(), "{what}: shapes");
    for (ra, rb) in a.rows().into_iter().zip(b.rows()) {
        close(ra, rb, what);
    }
}

/// The same samples in other memory orders: Fortran order (strided rows) and reversed rows.
fn layouts<F: Float>(x: &Array2<F>) -> [Array2<F>; 2] {
    let mut fortran = Array2::zeros(x.raw_dim().f());
    fortran.assign(x);
    let mut reversed = x.slice(ndarray::s![.., ..;-1]).to_owned();
    reversed.invert_axis(Axis(1));
    assert_eq!(&reversed, x);
    [fortran, reversed]
}

fn check_vanilla<F: Float, A: Activation, O: Activation>(n_inputs: usize, n_hidden: usize) {
    let label = format!("{n_inputs}-{n_hidden} {} {}", A::NAME, O::NAME);
    let model = VanillaAutoencoder::<F, A, O>::new(n_inputs, n_hidden, 3).unwrap();
    let x = data::<F>(21, n_inputs);
    let codes = model.encode(&x).unwrap();
    let decoded = model.decode(&codes).unwrap();
    let z = model.reconstruct(&x).unwrap();
    let errors = model.reconstruction_errors(&x).unwrap();
    for other in layouts(&x) {
        close_2d(&model.encode(&other).unwrap(), &codes, &label);
        close(
            model.reconstruction_errors(&other).unwrap().view(),
            errors.view(),
            &label,
        );
    }
    let [fortran, reversed] = layouts(&x);
    for i in 0..x.nrows() {
        let what = format!("{label}, row {i}");
        let code = model.encode_row(&x.row(i)).unwrap();
        let back = model.reconstruct_row(&x.row(i)).unwrap();
        let error = model.reconstruction_error_row(&x.row(i)).unwrap();
        close(code.view(), codes.row(i), &what);
        close(back.view(), z.row(i), &what);
        close(
            ArrayView1::from(&[error]),
            errors.slice(ndarray::s![i..=i]),
            &what,
        );
        for row in [fortran.row(i), reversed.row(i)] {
            same_bits(model.encode_row(&row).unwrap().view(), code.view(), &what);
            same_bits(
                model.reconstruct_row(&row).unwrap().view(),
                back.view(),
                &what,
            );
            let e = model.reconstruction_error_row(&row).unwrap();
            same_bits(ArrayView1::from(&[e]), ArrayView1::from(&[error]), &what);
        }
        let owned: Array1<F> = x.row(i).to_owned();
        same_bits(model.encode_row(&owned).unwrap().view(), code.view(), &what);
        close(
            model.decode_row(&codes.row(i)).unwrap().view(),
            decoded.row(i),
            &what,
        );
    }
}

fn check_stacked<F: Float, A: Activation, O: Activation>(sizes: &[usize]) {
    let label = format!("{sizes:?} {} {}", A::NAME, O::NAME);
    let stack = StackedAutoencoder::<F, A, O>::new(sizes, 5).unwrap();
    let x = data::<F>(13, sizes[0]);
    let codes = stack.encode(&x).unwrap();
    let decoded = stack.decode(&codes).unwrap();
    let z = stack.reconstruct(&x).unwrap();
    let errors = stack.reconstruction_errors(&x).unwrap();
    let [fortran, reversed] = layouts(&x);
    close_2d(&stack.reconstruct(&fortran).unwrap(), &z, &label);
    for i in 0..x.nrows() {
        let what = format!("{label}, row {i}");
        let code = stack.encode_row(&x.row(i)).unwrap();
        let back = stack.reconstruct_row(&x.row(i)).unwrap();
        let error = stack.reconstruction_error_row(&x.row(i)).unwrap();
        close(code.view(), codes.row(i), &what);
        close(back.view(), z.row(i), &what);
        close(
            ArrayView1::from(&[error]),
            errors.slice(ndarray::s![i..=i]),
            &what,
        );
        for row in [fortran.row(i), reversed.row(i)] {
            same_bits(stack.encode_row(&row).unwrap().view(), code.view(), &what);
            same_bits(
                stack.reconstruct_row(&row).unwrap().view(),
                back.view(),
                &what,
            );
            let e = stack.reconstruction_error_row(&row).unwrap();
            same_bits(ArrayView1::from(&[e]), ArrayView1::from(&[error]), &what);
        }
        close(
            stack.decode_row(&codes.row(i)).unwrap().view(),
            decoded.row(i),
            &what,
        );
    }
}

#[test]
fn vanilla_rows_agree_with_batch_rows() {
    // Tails only (3), one group and a tail (9), and wide layers (>= 16 each way).
    for (d, h) in [(3, 2), (9, 5), (20, 16), (64, 33)] {
        check_vanilla::<f64, Sigmoid, Sigmoid>(d, h);
        check_vanilla::<f32, Sigmoid, Sigmoid>(d, h);
    }
    check_vanilla::<f64, Tanh, Identity>(9, 5);
    check_vanilla::<f32, Tanh, Tanh>(40, 24);
}

#[test]
fn stacked_rows_agree_with_batch_rows() {
    for sizes in [&[9, 5, 3][..], &[40, 24, 16], &[6, 20, 4, 2]] {
        check_stacked::<f64, Sigmoid, Sigmoid>(sizes);
        check_stacked::<f32, Sigmoid, Sigmoid>(sizes);
    }
    check_stacked::<f64, Tanh, Identity>(&[9, 5, 3]);
    check_stacked::<f32, Tanh, Sigmoid>(&[17, 16]);
}

#[test]
fn row_methods_check_their_input() {
    let model = VanillaAutoencoder::<f64>::new(4, 2, 0).unwrap();
    let stack = StackedAutoencoder::<f64>::new(&[4, 3, 2], 0).unwrap();
    let short = Array1::<f64>::zeros(3);
    let mismatch = |e| {
        matches!(
            e,
            Error::ShapeMismatch {
                expected: 4,
                found: 3
            }
        )
    };
    assert!(mismatch(model.encode_row(&short).unwrap_err()));
    assert!(mismatch(model.reconstruct_row(&short).unwrap_err()));
    assert!(mismatch(
        model.reconstruction_error_row(&short).unwrap_err()
    ));
    assert!(mismatch(stack.encode_row(&short).unwrap_err()));
    assert!(mismatch(stack.reconstruct_row(&short).unwrap_err()));
    assert!(mismatch(
        stack.reconstruction_error_row(&short).unwrap_err()
    ));
    assert!(matches!(
        model.decode_row(&short).unwrap_err(),
        Error::ShapeMismatch {
            expected: 2,
            found: 3
        }
    ));
    assert!(matches!(
        stack.decode_row(&short).unwrap_err(),
        Error::ShapeMismatch {
            expected: 2,
            found: 3
        }
    ));
    let nan = ndarray::array![0.0, 1.0, f64::NAN, 0.5];
    let non_finite = |e| {
        matches!(
            e,
            Error::NonFiniteInput {
                row: 0,
                column: 2,
                ..
            }
        )
    };
    assert!(non_finite(model.encode_row(&nan).unwrap_err()));
    assert!(non_finite(
        stack.reconstruction_error_row(&nan).unwrap_err()
    ));
    let infinite = ndarray::array![0.0, f64::INFINITY];
    assert!(matches!(
        model.decode_row(&infinite).unwrap_err(),
        Error::NonFiniteInput {
            row: 0,
            column: 1,
            ..
        }
    ));
}
