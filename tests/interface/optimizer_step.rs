//! The public optimiser steps check every shape against the state (a typed error, nothing
//! changed) and read gradients in any memory order.

use autoencoder::{
    Adam, AdamState, Error, Gradients, Loss, MomentumState, SgdMomentum, VanillaAutoencoder,
};
use ndarray::{Array1, Array2, ShapeBuilder, s};

const SGD: SgdMomentum<f64> = SgdMomentum {
    learning_rate: 0.1,
    momentum: 0.9,
    nesterov: true,
    weight_decay: 0.01,
};

const ADAM: Adam<f64> = Adam {
    learning_rate: 0.01,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: 1e-8,
    weight_decay: 0.01,
};

/// `(W, b1, b2)`.
type Parts = (Array2<f64>, Array1<f64>, Array1<f64>);

/// A mismatched case: gradients, which parameter to cut short (1 to 3, 0 for none), the array
/// named in the error, and the shapes it reports.
type Case<'a> = (
    &'a Gradients<f64>,
    usize,
    &'static str,
    Vec<usize>,
    Vec<usize>,
);

/// Parameters and gradients of a 5-input, 3-hidden model.
fn setup() -> (Parts, Gradients<f64>) {
    let x = Array2::from_shape_fn((7, 5), |(i, j)| ((i * 3 + j) % 4) as f64 / 3.0);
    let model = VanillaAutoencoder::<f64>::new(5, 3, 2).unwrap();
    let (_, grads) = model.loss_and_gradient(&x, Loss::Mse).unwrap();
    (model.into_parts(), grads)
}

fn bits(a: impl IntoIterator<Item = f64>) -> Vec<u64> {
    a.into_iter().map(f64::to_bits).collect()
}

/// Both optimisers' parameters after two steps with `grads` (standard parameters and state).
fn two_steps(grads: &Gradients<f64>) -> (Vec<u64>, Vec<u64>) {
    let ((w0, b10, b20), _) = setup();
    let mut sgd_state = MomentumState::new(5, 3).unwrap();
    let mut adam_state = AdamState::new(5, 3).unwrap();
    let (mut w, mut b1, mut b2) = (w0.clone(), b10.clone(), b20.clone());
    let (mut aw, mut ab1, mut ab2) = (w0, b10, b20);
    for _ in 0..2 {
        let params = (
            w.as_slice_mut().unwrap(),
            b1.as_slice_mut().unwrap(),
            b2.as_slice_mut().unwrap(),
        );
        SGD.step(params, grads, &mut sgd_state).unwrap();
        let params = (
            aw.as_slice_mut().unwrap(),
            ab1.as_slice_mut().unwrap(),
            ab2.as_slice_mut().unwrap(),
        );
        ADAM.step(params, grads, &mut adam_state).unwrap();
    }
    let all = |w: &Array2<f64>, b1: &Array1<f64>, b2: &Array1<f64>| {
        bits(w.iter().chain(b1).chain(b2).copied())
    };
    (all(&w, &b1, &b2), all(&aw, &ab1, &ab2))
}

#[test]
fn fortran_order_and_strided_gradients_give_the_standard_result() {
    let (_, grads) = setup();
    let expected = two_steps(&grads);

    let mut fortran = Array2::zeros((3, 5).f());
    fortran.assign(&grads.w);
    assert!(!fortran.is_standard_layout());
    let fortran = Gradients {
        w: fortran,
        ..grads.clone()
    };
    assert_eq!(two_steps(&fortran), expected);

    // Every other column of a wider array, and biases read backwards from reversed copies.
    let mut wide = Array2::zeros((3, 10));
    wide.slice_mut(s![.., ..;2]).assign(&grads.w);
    let mut strided_w = wide.slice_move(s![.., ..;2]);
    assert!(strided_w.as_slice_memory_order_mut().is_none());
    let reversed = |b: &Array1<f64>| {
        let mut r: Array1<f64> = b.iter().rev().copied().collect();
        r.invert_axis(ndarray::Axis(0));
        r
    };
    let strided = Gradients {
        w: strided_w,
        b1: reversed(&grads.b1),
        b2: reversed(&grads.b2),
    };
    assert_eq!(strided.b1, grads.b1);
    assert_eq!(two_steps(&strided), expected);
}

/// Every mismatched array is reported, by name, and neither the parameters nor the state move.
#[test]
fn mismatched_shapes_are_errors_and_change_nothing() {
    let ((mut w, mut b1, mut b2), grads) = setup();
    let mut sgd_state = MomentumState::new(5, 3).unwrap();
    let mut adam_state = AdamState::new(5, 3).unwrap();
    // One SGD step and one Adam step so that the states are not zero.
    let params = (
        w.as_slice_mut().unwrap(),
        b1.as_slice_mut().unwrap(),
        b2.as_slice_mut().unwrap(),
    );
    SGD.step(params, &grads, &mut sgd_state).unwrap();
    let params = (
        w.as_slice_mut().unwrap(),
        b1.as_slice_mut().unwrap(),
        b2.as_slice_mut().unwrap(),
    );
    ADAM.step(params, &grads, &mut adam_state).unwrap();

    let transposed = Gradients {
        w: grads.w.t().to_owned(),
        ..grads.clone()
    };
    let short_b1 = Gradients {
        b1: Array1::zeros(2),
        ..grads.clone()
    };
    let long_b2 = Gradients {
        b2: Array1::zeros(6),
        ..grads.clone()
    };
    let cases: [Case<'_>; 6] = [
        (&transposed, 0, "gradient W", vec![3, 5], vec![5, 3]),
        (&short_b1, 0, "gradient b1", vec![3], vec![2]),
        (&long_b2, 0, "gradient b2", vec![5], vec![6]),
        (&grads, 1, "parameter W", vec![15], vec![14]),
        (&grads, 2, "parameter b1", vec![3], vec![2]),
        (&grads, 3, "parameter b2", vec![5], vec![4]),
    ];
    let expect = |result: Result<(), Error>, array: &str, e: &[usize], f: &[usize]| match result {
        Err(Error::StepShapeMismatch {
            array: a,
            expected,
            found,
        }) => {
            assert_eq!((a, &expected[..], &found[..]), (array, e, f));
        }
        other => panic!("{array}: expected StepShapeMismatch, got {other:?}"),
    };
    for (g, short, array, expected, found) in cases {
        // The parameter named by `short` loses its last element.
        let cut =
            |a: &Array1<f64>, which| a.to_vec()[..a.len() - usize::from(short == which)].to_vec();
        let flat_w = Array1::from_iter(w.iter().copied());
        let (mut pw, mut pb1, mut pb2) = (cut(&flat_w, 1), cut(&b1, 2), cut(&b2, 3));
        let before = (pw.clone(), pb1.clone(), pb2.clone());
        let (sgd0, adam0) = (sgd_state.clone(), adam_state.clone());
        let result = SGD.step((&mut pw, &mut pb1, &mut pb2), g, &mut sgd_state);
        expect(result, array, &expected, &found);
        let result = ADAM.step((&mut pw, &mut pb1, &mut pb2), g, &mut adam_state);
        expect(result, array, &expected, &found);
        assert_eq!((pw, pb1, pb2), before, "{array}: parameters changed");
        assert_eq!(sgd_state, sgd0, "{array}: SGD state changed");
        assert_eq!(adam_state, adam0, "{array}: Adam state changed");
        assert_eq!(adam_state.steps(), 1);
    }
}

#[test]
fn a_state_of_another_model_is_rejected() {
    let ((mut w, mut b1, mut b2), grads) = setup();
    let params = (
        w.as_slice_mut().unwrap(),
        b1.as_slice_mut().unwrap(),
        b2.as_slice_mut().unwrap(),
    );
    let mut other = MomentumState::new(3, 5).unwrap();
    assert!(matches!(
        SGD.step(params, &grads, &mut other),
        Err(Error::StepShapeMismatch {
            array: "gradient W",
            ..
        })
    ));
}
