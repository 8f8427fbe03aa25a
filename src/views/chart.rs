//! A chart on a `<canvas>`: draws one of `flowbook_charts`' charts with plotters-canvas once
//! the element is in the page, and offers it as a PNG download.

use flowbook_charts::ChartError;
use leptos::html::Canvas;
use leptos::prelude::*;
use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, IntoDrawingArea};
use plotters_canvas::CanvasBackend;

/// The drawing a chart shows: any function over the canvas's drawing area.
pub type Draw = Box<dyn Fn(&DrawingArea<CanvasBackend, Shift>) -> Result<(), ChartError>>;

/// Saves the canvas as `<file_stem>.png` through a temporary download link.
fn save_png(canvas: &web_sys::HtmlCanvasElement, file_stem: &str) -> Result<(), String> {
    let url = canvas
        .to_data_url_with_type("image/png")
        .map_err(|_| "the browser refused to export the chart".to_string())?;
    crate::services::load::offer_download(&url, &format!("{file_stem}.png"))
}

/// A chart of `width`×`height` canvas pixels (scaled down to fit narrow screens).
/// `data-drawn` turns "true" once drawn, so tests and screenshots know when to look.
#[component]
pub fn Chart(
    test_id: &'static str,
    /// Read by screen readers in place of the picture.
    description: String,
    /// File name of the PNG download, without extension.
    file_stem: String,
    draw: Draw,
    #[prop(default = 720)] width: u32,
    #[prop(default = 280)] height: u32,
) -> impl IntoView {
    let canvas_ref = NodeRef::<Canvas>::new();
    let drawn = RwSignal::new(false);
    let problem = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let Some(canvas) = canvas_ref.get() else {
            return;
        };
        let outcome = match CanvasBackend::with_canvas_object(canvas) {
            Some(backend) => draw(&backend.into_drawing_area()).map_err(|e| e.to_string()),
            None => Err("this browser gives no 2D canvas to draw on".to_string()),
        };
        match outcome {
            Ok(()) => drawn.set(true),
            Err(message) => problem.set(Some(message)),
        }
    });
    let on_save = move |_| {
        if let Some(canvas) = canvas_ref.get_untracked() {
            if let Err(message) = save_png(&canvas, &file_stem) {
                problem.set(Some(message));
            }
        }
    };
    view! {
        <div class="chart">
            <canvas
                node_ref=canvas_ref
                data-testid=test_id
                data-drawn=move || drawn.get().to_string()
                width=width
                height=height
                role="img"
                aria-label=description
            ></canvas>
            <div class="chart-actions">
                <button class="button button-quiet" data-testid="save-png" on:click=on_save>
                    "Save PNG"
                </button>
                {move || problem.get().map(|message| view! { <span class="error-message">{message}</span> })}
            </div>
        </div>
    }
}
