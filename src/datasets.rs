//! Data sets shipped inside the crate, so that examples and tests need no download.

use ndarray::{Array1, Array2};

/// The original Wisconsin Breast Cancer Database, as the UCI file `breast-cancer-wisconsin.data`.
///
/// W. H. Wolberg, University of Wisconsin Hospitals, Madison; UCI Machine Learning Repository,
/// 1992. Cite: O. L. Mangasarian and W. H. Wolberg, "Cancer diagnosis via linear programming",
/// SIAM News 23(5), 1990. See `data/README.md` in the repository for the file's provenance.
const WISCONSIN_CSV: &str = include_str!("../data/breast-cancer-wisconsin.csv");

/// The Wisconsin breast cancer data: 683 complete rows, 9 features scaled to `[0, 1]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Wisconsin {
    /// `[683, 9]`: clump thickness, uniformity of cell size, uniformity of cell shape, marginal
    /// adhesion, single epithelial cell size, bare nuclei, bland chromatin, normal nucleoli and
    /// mitoses, each an integer `v` in 1..=10 mapped to `(v − 1) / 9`.
    pub features: Array2<f64>,
    /// `[683]`: `true` for a malignant sample (class 4), `false` for a benign one (class 2).
    pub malignant: Array1<bool>,
}

/// Loads the Wisconsin breast cancer data shipped with the crate.
///
/// The 16 rows with a missing value (`?`) are dropped, leaving 683 rows in file order
/// (444 benign, 239 malignant).
///
/// # Examples
/// ```
/// let data = autoencoder::datasets::breast_cancer_wisconsin();
/// assert_eq!(data.features.dim(), (683, 9));
/// assert_eq!(data.malignant.iter().filter(|&&m| m).count(), 239);
/// ```
pub fn breast_cancer_wisconsin() -> Wisconsin {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(WISCONSIN_CSV.as_bytes());
    let mut features = Vec::with_capacity(683 * 9);
    let mut malignant = Vec::with_capacity(683);
    for record in reader.records() {
        // The file is compiled into the crate and checked by the tests below.
        let record = record.expect("the shipped Wisconsin file is valid CSV");
        let values: Option<Vec<f64>> = (1..=9)
            .map(|c| record[c].trim().parse::<f64>().ok())
            .collect();
        if let Some(values) = values {
            features.extend(values.into_iter().map(|v| (v - 1.0) / 9.0));
            malignant.push(record[10].trim() == "4");
        }
    }
    let rows = malignant.len();
    Wisconsin {
        features: Array2::from_shape_vec((rows, 9), features)
            .expect("nine values were pushed per row"),
        malignant: Array1::from(malignant),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wisconsin_has_the_documented_rows() {
        let data = breast_cancer_wisconsin();
        assert_eq!(data.features.dim(), (683, 9));
        assert_eq!(data.malignant.iter().filter(|&&m| !m).count(), 444);
        assert!(data.features.iter().all(|&v| (0.0..=1.0).contains(&v)));
        // First row of the file: 1000025,5,1,1,1,2,1,3,1,1,2
        let first: Vec<f64> = [5., 1., 1., 1., 2., 1., 3., 1., 1.]
            .iter()
            .map(|v| (v - 1.) / 9.)
            .collect();
        assert_eq!(data.features.row(0).to_vec(), first);
    }
}
