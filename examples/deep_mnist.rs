//! A stacked tied autoencoder against PCA on held-out MNIST digits.
//!
//! 4,000 of the 5,000 images in `data/mnist_5k.csv.gz` train (rows shuffled by ChaCha8 seeded
//! 0), the other 1,000 test. On the test images the example compares, at the same code size:
//! (a) PCA, from the top eigenvectors of the training covariance by block power iteration;
//! (b) a single tied layer; (c) the stack trained end to end from random weights; (d) the stack
//! pretrained level by level, then fine-tuned. All autoencoders are denoising (25 % of the
//! inputs masked each epoch), trained with Adam on binary cross-entropy. It prints the table
//! and draws originals, PCA and stack reconstructions in `target/pictures/deep_mnist.png`.
//!
//! ```sh
//! cargo run --release --example deep_mnist
//! ```

// Shared by several examples, each of which uses part of it.
#[allow(dead_code)]
#[path = "common/draw.rs"]
mod draw;

use std::fs::File;
use std::path::PathBuf;
use std::time::Instant;

use autoencoder::{
    CsvOptions, Loss, Noise, Optimizer, StackedAutoencoder, TrainConfig, VanillaAutoencoder,
};
use clap::Parser;
use flate2::read::GzDecoder;
use ndarray::{Array2, Axis, s};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Stacked autoencoder versus PCA on MNIST.
#[derive(Parser, Debug)]
struct Args {
    /// Layer sizes of the stack, inputs first and code last.
    #[arg(long, value_delimiter = ',', default_value = "784,256,64,16")]
    layers: Vec<usize>,
    /// Epochs of pretraining for each level.
    #[arg(long, default_value_t = 20)]
    pretrain_epochs: usize,
    /// Epochs of end-to-end training (also of the single layer).
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 0.003)]
    learning_rate: f64,
    /// Rows per batch.
    #[arg(long, default_value_t = 64)]
    batch_size: usize,
    /// Fraction of inputs masked (denoising); 0 turns it off.
    #[arg(long, default_value_t = 0.25)]
    masking: f64,
    /// Where to draw the picture.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/target/pictures/deep_mnist.png"))]
    out: PathBuf,
}

/// Mean over images of the summed squared error over the 784 pixels.
fn squared_error_per_image(reconstruction: &Array2<f32>, x: &Array2<f32>) -> f64 {
    f64::from((reconstruction - x).mapv(|d| d * d).sum()) / x.nrows() as f64
}

/// The top `k` principal directions (orthonormal columns) of the rows of `x`: block power
/// iteration on the covariance, re-orthonormalised by Gram–Schmidt after each product.
fn principal_directions(x: &Array2<f64>, k: usize, iterations: usize) -> Array2<f64> {
    let centred = x - &x.mean_axis(Axis(0)).expect("x has rows");
    let covariance = centred.t().dot(&centred) / x.nrows() as f64;
    let mut basis = Array2::from_shape_fn((x.ncols(), k), |(i, j)| {
        ((i * 7 + j * 13) % 17) as f64 - 8.0
    });
    for _ in 0..iterations {
        basis = covariance.dot(&basis);
        for j in 0..k {
            for p in 0..j {
                let projection = basis.column(j).dot(&basis.column(p));
                let previous = basis.column(p).to_owned();
                basis.column_mut(j).scaled_add(-projection, &previous);
            }
            let norm = basis.column(j).dot(&basis.column(j)).sqrt();
            basis.column_mut(j).mapv_inplace(|v| v / norm);
        }
    }
    basis
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let start = Instant::now();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/mnist_5k.csv.gz");
    let table = CsvOptions::new().read::<f32, _>(GzDecoder::new(File::open(path)?))?;
    let pixels = table.data.slice(s![.., ..784]).mapv(|v| v / 255.0);
    let mut order: Vec<usize> = (0..pixels.nrows()).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(0));
    let train = pixels.select(Axis(0), &order[..4000]);
    let test = pixels.select(Axis(0), &order[4000..]);
    let code = *args.layers.last().ok_or("no layer sizes")?;
    println!(
        "MNIST: {} training, {} test images; code size {code}",
        train.nrows(),
        test.nrows()
    );

    // (a) PCA with `code` components.
    let timer = Instant::now();
    let train64 = train.mapv(f64::from);
    let mean = train64.mean_axis(Axis(0)).ok_or("no rows")?;
    let basis = principal_directions(&train64, code, 60);
    let centred = test.mapv(f64::from) - &mean;
    let pca = (centred.dot(&basis).dot(&basis.t()) + &mean).mapv(|v| v as f32);
    let pca_error = squared_error_per_image(&pca, &test);
    println!(
        "  PCA                       {:>5.1} s",
        timer.elapsed().as_secs_f64()
    );

    let mut config = TrainConfig::new()
        .optimizer(Optimizer::adam())
        .learning_rate(args.learning_rate)
        .batch_size(args.batch_size)
        .loss(Loss::BinaryCrossEntropy)
        .seed(1);
    if args.masking > 0.0 {
        config = config.noise(Noise::Masking {
            fraction: args.masking,
        });
    }
    let training = config.clone().epochs(args.epochs);

    // (b) One tied layer with the same code size.
    let timer = Instant::now();
    let mut single = VanillaAutoencoder::<f32>::new(784, code, 7)?;
    single.fit(&train, &training)?;
    let single_error = squared_error_per_image(&single.reconstruct(&test)?, &test);
    println!(
        "  single layer              {:>5.1} s",
        timer.elapsed().as_secs_f64()
    );

    // (c) The stack from random weights, (d) pretrained level by level, then fine-tuned.
    let timer = Instant::now();
    let mut scratch = StackedAutoencoder::<f32>::new(&args.layers, 7)?;
    scratch.fit(&train, &training)?;
    let scratch_error = squared_error_per_image(&scratch.reconstruct(&test)?, &test);
    println!(
        "  stack, no pretraining     {:>5.1} s",
        timer.elapsed().as_secs_f64()
    );

    let timer = Instant::now();
    let mut stack = StackedAutoencoder::<f32>::new(&args.layers, 7)?;
    stack.pretrain(&train, &config.clone().epochs(args.pretrain_epochs))?;
    let pretrained_error = squared_error_per_image(&stack.reconstruct(&test)?, &test);
    stack.fit(&train, &training)?;
    let reconstructed = stack.reconstruct(&test)?;
    let stack_error = squared_error_per_image(&reconstructed, &test);
    println!(
        "  stack, pretrained         {:>5.1} s",
        timer.elapsed().as_secs_f64()
    );

    let layers = format!("{:?}", args.layers);
    println!(
        "\nsquared error per test image (sum over 784 pixels in [0, 1], mean of 1,000 images)"
    );
    println!("  (a) PCA, {code} components{:>30.2}", pca_error);
    println!("  (b) single tied layer 784-{code}{:>24.2}", single_error);
    println!("  (c) stack {layers}, no pretraining{:>9.2}", scratch_error);
    println!(
        "  (d) stack, after pretraining only{:>20.2}",
        pretrained_error
    );
    println!(
        "  (d) stack, pretrained and fine-tuned{:>17.2}",
        stack_error
    );
    println!(
        "stack / PCA = {:.3}; total {:.0} s",
        stack_error / pca_error,
        start.elapsed().as_secs_f64()
    );

    let shown: Vec<usize> = (0..12).collect();
    let rows = |a: &Array2<f32>| a.select(Axis(0), &shown).mapv(f64::from);
    if let Some(dir) = args.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    draw::labelled_rows(
        &args.out,
        &format!("held-out digits; PCA and stacked autoencoder at code size {code}"),
        &[
            ("original", &rows(&test)),
            ("PCA", &rows(&pca)),
            ("stack", &rows(&reconstructed)),
        ],
        28,
        3,
    )?;
    println!("picture: {}", args.out.display());
    Ok(())
}
