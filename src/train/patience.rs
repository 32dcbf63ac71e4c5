//! The rule that early stopping (the trainer's and the [`EarlyStopping`] observer's) and the
//! plateau schedule share: an epoch improves when its loss beats the best by more than
//! `min_delta`, and the epochs since the last improvement are counted.
//!
//! [`EarlyStopping`]: crate::EarlyStopping

/// One epoch's `loss` against the record `best` (none before the first epoch) and `waited`:
/// on an improvement both are reset and `true` is returned; otherwise the epoch is counted.
pub(crate) fn observe(
    best: &mut Option<f64>,
    waited: &mut usize,
    loss: f64,
    min_delta: f64,
) -> bool {
    if best.is_none_or(|b| loss < b - min_delta) {
        *best = Some(loss);
        *waited = 0;
        true
    } else {
        *waited += 1;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn improvements_reset_and_other_epochs_count() {
        let (mut best, mut waited) = (None, 0);
        let steps: Vec<(bool, usize)> = [1.0, 0.95, 0.9499, 0.97, 0.5]
            .into_iter()
            .map(|loss| (observe(&mut best, &mut waited, loss, 1e-3), waited))
            .collect();
        assert_eq!(
            steps,
            [(true, 0), (true, 0), (false, 1), (false, 2), (true, 0)]
        );
        assert_eq!(best, Some(0.5));
    }
}
