//! Pictures for the examples, with plotters' pure-Rust bitmap backend and the DejaVu Sans
//! font shipped in `assets/`.

use std::path::Path;

use ndarray::{Array2, ArrayView1};
use plotters::prelude::*;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Registers the shipped font as `sans-serif` (idempotent).
pub fn register_font() -> Result<()> {
    plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
        .map_err(|_| "assets/DejaVuSans.ttf is not a usable font")?;
    Ok(())
}

/// Training and (if any) validation loss per epoch.
pub fn loss_curves(path: &Path, title: &str, training: &[f64], validation: &[f64]) -> Result<()> {
    register_font()?;
    let root = BitMapBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let all = training
        .iter()
        .chain(validation)
        .copied()
        .filter(|v| v.is_finite() && *v > 0.0);
    let (lo, hi) = all.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if lo < hi {
        (lo * 0.9, hi * 1.1)
    } else {
        (0.01, 1.0)
    };
    let epochs = training.len().max(2) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d(1.0..epochs, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("loss")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.3}"))
        .max_light_lines(2)
        .label_style(("sans-serif", 15))
        .draw()?;
    for (losses, name, color) in [
        (training, "training", BLUE),
        (validation, "validation", RED),
    ] {
        if losses.is_empty() {
            continue;
        }
        let points = losses.iter().enumerate().map(|(e, &l)| ((e + 1) as f64, l));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 25, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 16))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    root.present()?;
    Ok(())
}

/// Originals above their reconstructions: pairs of tile rows, `per_row` tiles each; values
/// in [0, 1] drawn as grey levels (0 black, 1 white).
pub fn reconstructions(
    path: &Path,
    originals: &Array2<f64>,
    reconstructed: &Array2<f64>,
    side: usize,
    scale: u32,
    per_row: usize,
) -> Result<()> {
    let mut tiles = Vec::new();
    let mut labels = Vec::new();
    for start in (0..originals.nrows()).step_by(per_row) {
        let end = (start + per_row).min(originals.nrows());
        tiles.extend((start..end).map(|i| originals.row(i)));
        tiles.extend((end..start + per_row).map(|_| ArrayView1::from(&[][..])));
        tiles.extend((start..end).map(|i| reconstructed.row(i)));
        tiles.extend((end..start + per_row).map(|_| ArrayView1::from(&[][..])));
        labels.extend(["original", "reconstructed"]);
    }
    tile_grid(
        path,
        "held-out digits (upper) and their reconstructions (lower)",
        &tiles,
        &labels,
        side,
        scale,
        per_row,
    )
}

/// Each row of `w` as a `side` x `side` tile, min-max normalised on its own.
pub fn filters(path: &Path, w: &Array2<f64>, side: usize, scale: u32) -> Result<()> {
    let normalised: Vec<Vec<f64>> = w
        .rows()
        .into_iter()
        .map(|row| {
            let lo = row.fold(f64::INFINITY, |a, &b| a.min(b));
            let hi = row.fold(f64::NEG_INFINITY, |a, &b| a.max(b));
            row.iter()
                .map(|&v| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 })
                .collect()
        })
        .collect();
    let tiles: Vec<ArrayView1<f64>> = normalised
        .iter()
        .map(|t| ArrayView1::from(t.as_slice()))
        .collect();
    let per_row = (w.nrows() as f64).sqrt().ceil() as usize;
    let title = format!(
        "the {} rows of W (filters), each scaled to its own range",
        w.nrows()
    );
    tile_grid(path, &title, &tiles, &[], side, scale, per_row.max(1))
}

/// Rows of tiles under a title, each row labelled: e.g. originals, then two kinds of
/// reconstruction of the same images.
pub fn labelled_rows(
    path: &Path,
    title: &str,
    rows: &[(&str, &Array2<f64>)],
    side: usize,
    scale: u32,
) -> Result<()> {
    let per_row = rows
        .iter()
        .map(|(_, images)| images.nrows())
        .max()
        .unwrap_or(1);
    let mut tiles = Vec::new();
    let mut labels = Vec::new();
    for (label, images) in rows {
        tiles.extend(images.rows());
        tiles.extend((images.nrows()..per_row).map(|_| ArrayView1::from(&[][..])));
        labels.push(*label);
    }
    tile_grid(path, title, &tiles, &labels, side, scale, per_row)
}

/// Draws `tiles` (each `side * side` values in [0, 1], row-major; empty ones are skipped) in
/// rows of `per_row`, each pixel a `scale` x `scale` square, with a label left of each row.
fn tile_grid(
    path: &Path,
    title: &str,
    tiles: &[ArrayView1<f64>],
    row_labels: &[&str],
    side: usize,
    scale: u32,
    per_row: usize,
) -> Result<()> {
    register_font()?;
    let (gap, top) = (6u32, 40u32);
    let left = if row_labels.is_empty() { gap } else { 130 };
    let tile = side as u32 * scale;
    let rows = tiles.len().div_ceil(per_row) as u32;
    let width = (left + per_row as u32 * (tile + gap)).max(560);
    let height = top + rows * (tile + gap) + gap;
    let root = BitMapBackend::new(path, (width, height)).into_drawing_area();
    root.fill(&RGBColor(235, 235, 235))?;
    root.draw_text(
        title,
        &("sans-serif", 18).into_font().color(&BLACK),
        (gap as i32, 10),
    )?;
    for (r, label) in row_labels.iter().enumerate() {
        let y = (top + r as u32 * (tile + gap) + tile / 2) as i32 - 8;
        root.draw_text(label, &("sans-serif", 16).into_font().color(&BLACK), (8, y))?;
    }
    for (k, values) in tiles
        .iter()
        .enumerate()
        .filter(|(_, t)| t.len() == side * side)
    {
        let x0 = left + (k % per_row) as u32 * (tile + gap);
        let y0 = top + (k / per_row) as u32 * (tile + gap);
        for (p, &v) in values.iter().enumerate() {
            let grey = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
            let x = (x0 + (p % side) as u32 * scale) as i32;
            let y = (y0 + (p / side) as u32 * scale) as i32;
            let square = [(x, y), (x + scale as i32, y + scale as i32)];
            root.draw(&Rectangle::new(square, RGBColor(grey, grey, grey).filled()))?;
        }
    }
    root.present()?;
    Ok(())
}

/// Row indices of `sets` examples of each digit 0..9, ordered 0..9, 0..9, ...
pub fn one_of_each_digit(labels: &[usize], sets: usize) -> Vec<usize> {
    let mut shown = Vec::new();
    for set in 0..sets {
        for digit in 0..10 {
            if let Some(i) = labels
                .iter()
                .enumerate()
                .filter(|(_, l)| **l == digit)
                .nth(set)
            {
                shown.push(i.0);
            }
        }
    }
    shown
}
