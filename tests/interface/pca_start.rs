//! Models started at PCA's solution: with identity activations they reconstruct exactly as PCA
//! does, and the gradient there vanishes (PCA is the linear model's optimum), so this also
//! checks the gradient against an independent oracle (faer's eigendecomposition).

use autoencoder::datasets::breast_cancer_wisconsin;
use autoencoder::{Identity, Loss, Pca, UntiedAutoencoder, VanillaAutoencoder};

/// Relative bound for two routes to one number in f64 (eigenvalues left out against the rows'
/// errors after encoding and decoding): a few hundred roundings of values of order 1.
const SAME: f64 = 1e-10;

#[test]
fn identity_models_from_pca_reconstruct_as_pca() {
    let x = breast_cancer_wisconsin().features;
    for k in [2, 3, 5] {
        let pca = Pca::fit(&x, k).unwrap();
        let expected = pca.training_error();
        let tied = VanillaAutoencoder::<f64, Identity>::from_pca(&pca).unwrap();
        let untied = UntiedAutoencoder::<f64, Identity>::from_pca(&pca).unwrap();
        for (name, error) in [
            (
                "tied",
                tied.reconstruction_errors(&x).unwrap().mean().unwrap(),
            ),
            (
                "untied",
                untied.reconstruction_errors(&x).unwrap().mean().unwrap(),
            ),
        ] {
            println!("k = {k} {name}: {error:.6e} vs PCA {expected:.6e}");
            assert!(
                (error - expected).abs() <= SAME * expected,
                "k = {k} {name}"
            );
        }
    }
}

#[test]
fn the_gradient_vanishes_at_pcas_solution() {
    let x = breast_cancer_wisconsin().features;
    let pca = Pca::fit(&x, 3).unwrap();
    let tied = VanillaAutoencoder::<f64, Identity>::from_pca(&pca).unwrap();
    let (_, grads) = tied.loss_and_gradient(&x, Loss::Mse).unwrap();
    let tied_worst = grads.w.iter().chain(&grads.b1).chain(&grads.b2);
    let tied_worst = tied_worst.fold(0.0_f64, |m, g| m.max(g.abs()));
    let untied = UntiedAutoencoder::<f64, Identity>::from_pca(&pca).unwrap();
    let (_, layer, decoder) = untied.loss_and_gradient(&x, Loss::Mse).unwrap();
    let untied_worst = layer
        .w
        .iter()
        .chain(&layer.b1)
        .chain(&layer.b2)
        .chain(&decoder.w);
    let untied_worst = untied_worst.fold(0.0_f64, |m, g| m.max(g.abs()));
    // Away from the optimum the same gradients are of order 0.1 (a random start below).
    let start = VanillaAutoencoder::<f64, Identity>::new(9, 3, 0).unwrap();
    let (_, far) = start.loss_and_gradient(&x, Loss::Mse).unwrap();
    let far = far.w.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
    println!(
        "largest gradient: tied {tied_worst:.1e}, untied {untied_worst:.1e}, random start {far:.1e}"
    );
    assert!(far > 1e-3);
    assert!(tied_worst < 1e-12 && untied_worst < 1e-12);
}
