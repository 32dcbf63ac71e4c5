//! [`Autoencoder`]: what every model of the crate offers, as one object-safe trait, so that the
//! anomaly detector, the deployment pipeline and the command-line tool handle any model once.

use std::fmt;

use ndarray::{Array1, Array2, ArrayView2};

use crate::activation::{Activation, Identity, Relu, Sigmoid, Tanh};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::model::VanillaAutoencoder;
use crate::stacked::StackedAutoencoder;
use crate::train::config::TrainConfig;
use crate::train::observer::{FitReport, Observer};
use crate::untied::UntiedAutoencoder;

/// The shared interface of the crate's models: inference and training on views, usable as
/// `Box<dyn Autoencoder<F>>` when the model kind is only known at run time (a loaded file).
///
/// The models' own methods of the same names take any ndarray storage (`&x` for an owned
/// array or a view); these take a view (`x.view()`). Both compute the same values.
///
/// # Examples
/// ```
/// use autoencoder::{Autoencoder, StackedAutoencoder, TrainConfig, VanillaAutoencoder};
/// use ndarray::Array2;
///
/// let x = Array2::from_shape_fn((50, 6), |(i, j)| ((i + 2 * j) % 5) as f64 / 4.0);
/// let mut models: Vec<Box<dyn Autoencoder<f64>>> = vec![
///     Box::new(VanillaAutoencoder::<f64>::new(6, 3, 0)?),
///     Box::new(StackedAutoencoder::<f64>::new(&[6, 4, 2], 0)?),
/// ];
/// for model in &mut models {
///     model.fit(x.view(), &TrainConfig::new().epochs(5))?;
///     assert_eq!(model.encode(x.view())?.ncols(), model.n_code());
///     assert_eq!(model.reconstruction_errors(x.view())?.len(), 50);
/// }
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub trait Autoencoder<F: Float>: fmt::Debug + Send + Sync {
    /// The number of input features (columns of the data).
    fn n_inputs(&self) -> usize;

    /// The number of code units (columns of the codes).
    fn n_code(&self) -> usize;

    /// A short name of the model kind, such as `"vanilla"` or `"stacked"`.
    fn kind(&self) -> &'static str;

    /// Names of the encoder's and the decoder output's activations.
    fn activation_names(&self) -> (&'static str, &'static str);

    /// Codes of `x`, `[n_samples, n_code]`.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`](crate::Error::ShapeMismatch) unless `x` has `n_inputs` columns;
    /// [`Error::NonFiniteInput`](crate::Error::NonFiniteInput).
    fn encode(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>>;

    /// Reconstructions from codes, `[n_samples, n_inputs]`.
    ///
    /// # Errors
    /// As [`encode`](Self::encode), for `n_code` columns.
    fn decode(&self, codes: ArrayView2<'_, F>) -> Result<Array2<F>>;

    /// Reconstructions of `x`, `[n_samples, n_inputs]`.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    fn reconstruct(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>>;

    /// Each row's reconstruction error, the mean over `n_inputs` of `(z − x)²`.
    ///
    /// # Errors
    /// As [`encode`](Self::encode).
    fn reconstruction_errors(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>>;

    /// Trains the model in place (see [`VanillaAutoencoder::fit`]).
    ///
    /// # Errors
    /// As [`VanillaAutoencoder::fit`].
    fn fit(&mut self, x: ArrayView2<'_, F>, config: &TrainConfig) -> Result<FitReport<F>>;

    /// Trains the model in place, reporting every epoch to `observer`.
    ///
    /// # Errors
    /// As [`fit`](Self::fit).
    fn fit_with_observer(
        &mut self,
        x: ArrayView2<'_, F>,
        config: &TrainConfig,
        observer: &mut dyn Observer<F>,
    ) -> Result<FitReport<F>>;

    /// Trains the model in place on `x`, monitoring the loss on `validation` (early stopping
    /// watches it when the config asks for early stopping; see
    /// [`VanillaAutoencoder::fit_with_validation`]).
    ///
    /// # Errors
    /// As [`fit`](Self::fit), for both matrices.
    fn fit_with_validation(
        &mut self,
        x: ArrayView2<'_, F>,
        validation: ArrayView2<'_, F>,
        config: &TrainConfig,
        observer: &mut dyn Observer<F>,
    ) -> Result<FitReport<F>>;

    /// A boxed copy of the model.
    fn clone_box(&self) -> Box<dyn Autoencoder<F>>;

    /// The model as the crate's versioned JSON document (the file
    /// [`save_json`](VanillaAutoencoder::save_json) writes).
    #[cfg(feature = "serde")]
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    fn to_json_string(&self) -> String;
}

impl<F: Float> Clone for Box<dyn Autoencoder<F>> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

impl<F: Float, M: Autoencoder<F> + ?Sized> Autoencoder<F> for Box<M> {
    fn n_inputs(&self) -> usize {
        (**self).n_inputs()
    }
    fn n_code(&self) -> usize {
        (**self).n_code()
    }
    fn kind(&self) -> &'static str {
        (**self).kind()
    }
    fn activation_names(&self) -> (&'static str, &'static str) {
        (**self).activation_names()
    }
    fn encode(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        (**self).encode(x)
    }
    fn decode(&self, codes: ArrayView2<'_, F>) -> Result<Array2<F>> {
        (**self).decode(codes)
    }
    fn reconstruct(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        (**self).reconstruct(x)
    }
    fn reconstruction_errors(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        (**self).reconstruction_errors(x)
    }
    fn fit(&mut self, x: ArrayView2<'_, F>, config: &TrainConfig) -> Result<FitReport<F>> {
        (**self).fit(x, config)
    }
    fn fit_with_observer(
        &mut self,
        x: ArrayView2<'_, F>,
        config: &TrainConfig,
        observer: &mut dyn Observer<F>,
    ) -> Result<FitReport<F>> {
        (**self).fit_with_observer(x, config, observer)
    }
    fn fit_with_validation(
        &mut self,
        x: ArrayView2<'_, F>,
        validation: ArrayView2<'_, F>,
        config: &TrainConfig,
        observer: &mut dyn Observer<F>,
    ) -> Result<FitReport<F>> {
        (**self).fit_with_validation(x, validation, config, observer)
    }
    fn clone_box(&self) -> Box<dyn Autoencoder<F>> {
        (**self).clone_box()
    }
    #[cfg(feature = "serde")]
    fn to_json_string(&self) -> String {
        (**self).to_json_string()
    }
}

/// Implements [`Autoencoder`] for a model type by calling its inherent methods of the same names.
macro_rules! impl_autoencoder {
    ($model:ident, $kind:literal, $n_code:ident) => {
        impl<F: Float, A: Activation, O: Activation> Autoencoder<F> for $model<F, A, O> {
            fn n_inputs(&self) -> usize {
                $model::n_inputs(self)
            }
            fn n_code(&self) -> usize {
                $model::$n_code(self)
            }
            fn kind(&self) -> &'static str {
                $kind
            }
            fn activation_names(&self) -> (&'static str, &'static str) {
                (A::NAME, O::NAME)
            }
            fn encode(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
                $model::encode(self, &x)
            }
            fn decode(&self, codes: ArrayView2<'_, F>) -> Result<Array2<F>> {
                $model::decode(self, &codes)
            }
            fn reconstruct(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
                $model::reconstruct(self, &x)
            }
            fn reconstruction_errors(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
                $model::reconstruction_errors(self, &x)
            }
            fn fit(&mut self, x: ArrayView2<'_, F>, config: &TrainConfig) -> Result<FitReport<F>> {
                $model::fit(self, &x, config)
            }
            fn fit_with_observer(
                &mut self,
                x: ArrayView2<'_, F>,
                config: &TrainConfig,
                observer: &mut dyn Observer<F>,
            ) -> Result<FitReport<F>> {
                $model::fit_with_observer(self, &x, config, observer)
            }
            fn fit_with_validation(
                &mut self,
                x: ArrayView2<'_, F>,
                validation: ArrayView2<'_, F>,
                config: &TrainConfig,
                observer: &mut dyn Observer<F>,
            ) -> Result<FitReport<F>> {
                $model::fit_with_validation(self, &x, &validation, config, observer)
            }
            fn clone_box(&self) -> Box<dyn Autoencoder<F>> {
                Box::new(self.clone())
            }
            #[cfg(feature = "serde")]
            fn to_json_string(&self) -> String {
                $model::to_json_string(self)
            }
        }
    };
}

impl_autoencoder!(VanillaAutoencoder, "vanilla", n_hidden);
impl_autoencoder!(StackedAutoencoder, "stacked", n_code);
impl_autoencoder!(UntiedAutoencoder, "untied", n_hidden);

/// Calls the generic function `$f::<F, A, O>$args` for the activation types named `$a` (encoder)
/// and `$o` (decoder output), or returns [`Error::UnknownActivation`].
macro_rules! by_activation_names {
    ($a:expr, $o:expr, $f:ident $args:tt) => {
        by_activation_names!(@encoder $a, $o, $f $args;
            sigmoid Sigmoid, tanh Tanh, identity Identity, relu Relu)
    };
    (@encoder $a:expr, $o:expr, $f:ident $args:tt; $($name:ident $ty:ident),*) => {
        match $a {
            $(stringify!($name) => by_activation_names!(@output $ty, $o, $f $args;
                sigmoid Sigmoid, tanh Tanh, identity Identity, relu Relu),)*
            other => Err(Error::UnknownActivation { name: other.to_owned() }),
        }
    };
    (@output $encoder:ident, $o:expr, $f:ident $args:tt; $($name:ident $ty:ident),*) => {
        match $o {
            $(stringify!($name) => $f::<F, $encoder, $ty> $args,)*
            other => Err(Error::UnknownActivation { name: other.to_owned() }),
        }
    };
}

fn boxed_vanilla<F: Float, A: Activation, O: Activation>(
    n_inputs: usize,
    n_hidden: usize,
    seed: u64,
) -> Result<Box<dyn Autoencoder<F>>> {
    Ok(Box::new(VanillaAutoencoder::<F, A, O>::new(
        n_inputs, n_hidden, seed,
    )?))
}

fn boxed_untied<F: Float, A: Activation, O: Activation>(
    n_inputs: usize,
    n_hidden: usize,
    seed: u64,
) -> Result<Box<dyn Autoencoder<F>>> {
    Ok(Box::new(UntiedAutoencoder::<F, A, O>::new(
        n_inputs, n_hidden, seed,
    )?))
}

fn boxed_stacked<F: Float, A: Activation, O: Activation>(
    layer_sizes: &[usize],
    seed: u64,
) -> Result<Box<dyn Autoencoder<F>>> {
    Ok(Box::new(StackedAutoencoder::<F, A, O>::new(
        layer_sizes,
        seed,
    )?))
}

/// A new [`VanillaAutoencoder`] whose activations are given by name at run time
/// ([`Activation::NAME`]: `"sigmoid"`, `"tanh"`, `"identity"`, `"relu"`).
///
/// The calling crate compiles the training code for every pair of activations (16), since
/// any may be named; where the activations are known when writing the code, the concrete type
/// (`VanillaAutoencoder::<f64, Tanh, Identity>::new`) builds much faster (a test that built
/// three kinds of model by name took about 3 minutes to compile optimised, 22 s by type).
///
/// # Errors
/// [`Error::UnknownActivation`]; as [`VanillaAutoencoder::new`].
///
/// # Examples
/// ```
/// let model = autoencoder::new_vanilla::<f64>("tanh", "identity", 9, 5, 42)?;
/// assert_eq!((model.kind(), model.activation_names()), ("vanilla", ("tanh", "identity")));
/// assert!(autoencoder::new_vanilla::<f64>("softmax", "identity", 9, 5, 42).is_err());
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub fn new_vanilla<F: Float>(
    activation: &str,
    output_activation: &str,
    n_inputs: usize,
    n_hidden: usize,
    seed: u64,
) -> Result<Box<dyn Autoencoder<F>>> {
    by_activation_names!(
        activation,
        output_activation,
        boxed_vanilla(n_inputs, n_hidden, seed)
    )
}

/// A new [`UntiedAutoencoder`] whose activations are given by name at run time (see
/// [`new_vanilla`]).
///
/// # Errors
/// [`Error::UnknownActivation`]; as [`UntiedAutoencoder::new`].
///
/// # Examples
/// ```
/// let model = autoencoder::new_untied::<f64>("relu", "identity", 9, 4, 1)?;
/// assert_eq!((model.kind(), model.n_code()), ("untied", 4));
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub fn new_untied<F: Float>(
    activation: &str,
    output_activation: &str,
    n_inputs: usize,
    n_hidden: usize,
    seed: u64,
) -> Result<Box<dyn Autoencoder<F>>> {
    by_activation_names!(
        activation,
        output_activation,
        boxed_untied(n_inputs, n_hidden, seed)
    )
}

/// A new [`StackedAutoencoder`] whose activations are given by name at run time (see
/// [`new_vanilla`]).
///
/// # Errors
/// [`Error::UnknownActivation`]; as [`StackedAutoencoder::new`].
///
/// # Examples
/// ```
/// let model = autoencoder::new_stacked::<f32>("sigmoid", "identity", &[64, 32, 8], 0)?;
/// assert_eq!((model.n_inputs(), model.n_code()), (64, 8));
/// # Ok::<(), autoencoder::Error>(())
/// ```
pub fn new_stacked<F: Float>(
    activation: &str,
    output_activation: &str,
    layer_sizes: &[usize],
    seed: u64,
) -> Result<Box<dyn Autoencoder<F>>> {
    by_activation_names!(
        activation,
        output_activation,
        boxed_stacked(layer_sizes, seed)
    )
}

/// Loading a model whose kind and activations are known only from its file.
#[cfg(feature = "serde")]
mod load {
    use serde::Deserialize;

    use super::Autoencoder;
    use crate::activation::{Activation, Identity, Relu, Sigmoid, Tanh};
    use crate::error::{Error, Result};
    use crate::float::Float;
    use crate::model::VanillaAutoencoder;
    use crate::stacked::StackedAutoencoder;
    use crate::untied::UntiedAutoencoder;

    /// The header fields that say which type a model document holds.
    #[derive(Deserialize)]
    struct Header {
        format: String,
        activation: String,
        output_activation: String,
    }

    fn vanilla<F: Float, A: Activation, O: Activation>(
        json: &str,
    ) -> Result<Box<dyn Autoencoder<F>>> {
        Ok(Box::new(VanillaAutoencoder::<F, A, O>::from_json_str(
            json,
        )?))
    }

    fn untied<F: Float, A: Activation, O: Activation>(
        json: &str,
    ) -> Result<Box<dyn Autoencoder<F>>> {
        Ok(Box::new(UntiedAutoencoder::<F, A, O>::from_json_str(json)?))
    }

    fn stacked<F: Float, A: Activation, O: Activation>(
        json: &str,
    ) -> Result<Box<dyn Autoencoder<F>>> {
        Ok(Box::new(StackedAutoencoder::<F, A, O>::from_json_str(
            json,
        )?))
    }

    /// Reads any of the crate's model documents (vanilla, untied or stacked, any activations) into a
    /// boxed model, with every check of the typed loaders.
    pub(crate) fn model_from_json_str<F: Float>(json: &str) -> Result<Box<dyn Autoencoder<F>>> {
        let header: Header = serde_json::from_str(json).map_err(|e| Error::CorruptModel {
            reason: e.to_string(),
        })?;
        let (a, o) = (
            header.activation.as_str(),
            header.output_activation.as_str(),
        );
        match header.format.as_str() {
            crate::io::MODEL_FORMAT => by_activation_names!(a, o, vanilla(json)),
            crate::io::STACKED_FORMAT => by_activation_names!(a, o, stacked(json)),
            crate::io::UNTIED_FORMAT => by_activation_names!(a, o, untied(json)),
            other => Err(Error::CorruptModel {
                reason: format!("format is {other:?}, expected a model"),
            }),
        }
    }
}

#[cfg(feature = "serde")]
pub(crate) use load::model_from_json_str;
