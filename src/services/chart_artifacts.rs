//! The evaluation charts as files of a run (`charts/*.png`), so a run pushed to MLflow or
//! exported carries the pictures its numbers came with. They are drawn with the same
//! `flowbook_charts` functions as the page's charts, on canvases that never enter the page.

use flowbook_charts::{
    draw_largest_coefficients, draw_predicted_vs_actual, draw_residuals, ChartError,
};
use flowbook_core::evaluate::{EffectMeasure, Evaluation};
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;

/// The PNG bytes of one chart of `width`×`height` pixels.
fn png(
    width: u32,
    height: u32,
    draw: impl Fn(&DrawingArea<CanvasBackend, Shift>) -> Result<(), ChartError>,
) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window to draw in")?;
    let canvas: web_sys::HtmlCanvasElement = window
        .document()
        .and_then(|d| d.create_element("canvas").ok())
        .and_then(|e| e.dyn_into().ok())
        .ok_or("the browser gave no canvas")?;
    canvas.set_width(width);
    canvas.set_height(height);
    let backend = CanvasBackend::with_canvas_object(canvas.clone())
        .ok_or("this browser gives no 2D canvas to draw on")?;
    draw(&backend.into_drawing_area()).map_err(|e| e.to_string())?;
    let url = canvas
        .to_data_url_with_type("image/png")
        .map_err(|_| "the browser refused to export the chart")?;
    let encoded = url
        .strip_prefix("data:image/png;base64,")
        .ok_or("the browser did not export a PNG")?;
    // `atob` gives one character per byte.
    let binary = window
        .atob(encoded)
        .map_err(|_| "the chart's PNG could not be decoded")?;
    Ok(binary.chars().map(|c| c as u32 as u8).collect())
}

/// The three evaluation charts of a training, as `(path, PNG bytes)`.
pub fn evaluation_pngs(evaluation: &Evaluation) -> Result<Vec<(String, Vec<u8>)>, String> {
    Ok(vec![
        (
            "charts/predicted_vs_actual.png".to_string(),
            png(720, 280, |area| {
                draw_predicted_vs_actual(area, &evaluation.actual, &evaluation.predicted)
            })?,
        ),
        (
            "charts/residuals.png".to_string(),
            png(720, 280, |area| draw_residuals(area, &evaluation.residuals))?,
        ),
        (
            match evaluation.effect {
                EffectMeasure::Coefficient => "charts/largest_coefficients.png",
                EffectMeasure::TotalGain => "charts/feature_importance.png",
            }
            .to_string(),
            png(720, 420, |area| {
                draw_largest_coefficients(area, &evaluation.coefficients, evaluation.effect)
            })?,
        ),
    ])
}
