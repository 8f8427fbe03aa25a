//! RMSE per run: train and validation bars side by side for each run, so the best run and
//! any overfitting (validation far above train) show at a glance.

use flowbook_core::evaluate::RunRmse;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::text::{fit_text, widest};
use crate::{
    draw_key, label_style, with_header, ChartError, FONT, GRID, INK, MARGIN, SERIES_COLORS,
    Y_LABEL_AREA,
};

pub const TRAIN_COLOR: RGBColor = SERIES_COLORS[0];
pub const VALIDATION_COLOR: RGBColor = SERIES_COLORS[1];

const NAME_SIZE: u32 = 12;
/// Gap between the axis and the run names, in pixels.
const NAME_GAP: u32 = 6;
/// Rotated names may take at most this share of the chart's height.
const MAX_NAME_SHARE: f64 = 0.35;
/// Each bar's share of its run's slot; the rest separates runs.
const BAR_SHARE: f64 = 0.36;

/// A value a bar can show: RMSE is finite and never negative.
fn bar_value(rmse: Option<f64>) -> Option<f64> {
    rmse.filter(|v| v.is_finite() && *v >= 0.0)
}

/// Draws one pair of bars (train, validation) per run, named on the x axis. Names that do
/// not fit under their bars are turned to read upwards and shortened with "…"; missing or
/// non-finite RMSEs leave their bar out.
pub fn draw_rmse_per_run<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    runs: &[RunRmse],
) -> Result<(), ChartError> {
    if runs.is_empty() {
        return Err(ChartError("there are no runs to compare".to_string()));
    }
    let peak = runs
        .iter()
        .flat_map(|r| [bar_value(r.train_rmse), bar_value(r.val_rmse)])
        .flatten()
        .fold(f64::NAN, f64::max);
    if peak.is_nan() {
        return Err(ChartError("no run has a finite RMSE to draw".to_string()));
    }

    let name_style = (FONT, NAME_SIZE).into_font().color(&INK);
    let names: Vec<&str> = runs.iter().map(|r| r.name.as_str()).collect();
    let (header, area) = with_header(area)?;
    let area = &area;
    let (width, height) = area.dim_in_pixel();
    let slot = width.saturating_sub(2 * MARGIN + Y_LABEL_AREA) as f64 / runs.len() as f64;
    let line_height = area.estimate_text_size("Ag", &name_style)?.1.max(1);
    let widest_name = widest(area, &names, &name_style)?;
    let rotate = f64::from(widest_name + NAME_GAP) > slot;
    let name_room = if rotate {
        widest_name.min((f64::from(height) * MAX_NAME_SHARE) as u32)
    } else {
        line_height
    };

    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(name_room + 2 * NAME_GAP)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(0.0..runs.len() as f64, 0.0..peak * 1.15)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .max_light_lines(1)
        .light_line_style(GRID)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .axis_style(INK)
        .label_style(label_style())
        .y_desc("RMSE (min)")
        .draw()?;

    for (color, offset, value) in [
        (
            TRAIN_COLOR,
            0.5 - BAR_SHARE,
            (|r: &RunRmse| r.train_rmse) as fn(&RunRmse) -> Option<f64>,
        ),
        (VALIDATION_COLOR, 0.5, |r: &RunRmse| r.val_rmse),
    ] {
        let bars = runs.iter().enumerate().filter_map(move |(i, run)| {
            let left = i as f64 + offset;
            let v = bar_value(value(run))?;
            Some(Rectangle::new(
                [(left, 0.0), (left + BAR_SHARE, v)],
                color.filled(),
            ))
        });
        chart.draw_series(bars)?;
    }
    draw_key(
        &header,
        &[("train", TRAIN_COLOR), ("validation", VALIDATION_COLOR)],
    )?;

    // Names are drawn on the area itself: below the plot, one per slot, in area pixels.
    let (base_x, base_y) = area.get_base_pixel();
    let bottom = chart.plotting_area().get_pixel_range().1.end - base_y + NAME_GAP as i32;
    // Rotated names stand one line high in their slot: thin them when slots are narrower.
    let every = if rotate {
        (f64::from(line_height) / slot).ceil().max(1.0) as usize
    } else {
        1
    };
    for (i, name) in names.iter().enumerate().step_by(every) {
        let x = chart.backend_coord(&(i as f64 + 0.5, 0.0)).0 - base_x;
        if rotate {
            let text = fit_text(area, name, &name_style, name_room)?;
            // Right-anchored and turned a quarter anticlockwise: reads upwards, ending at
            // the axis under its bars.
            let style = name_style
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Right, VPos::Center));
            area.draw(&Text::new(text, (x, bottom), style))?;
        } else {
            let style = name_style.pos(Pos::new(HPos::Center, VPos::Top));
            area.draw(&Text::new(name.to_string(), (x, bottom), style))?;
        }
    }
    area.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_readback::{filled, has_text, number, render, texts};

    fn run(name: &str, train: Option<f64>, val: Option<f64>) -> RunRmse {
        RunRmse {
            name: name.to_string(),
            train_rmse: train,
            val_rmse: val,
        }
    }

    fn name_texts(svg: &str, prefix: &str) -> Vec<(String, String)> {
        texts(svg)
            .into_iter()
            .filter(|(t, _)| t.starts_with(prefix))
            .map(|(t, tag)| (t, tag.to_string()))
            .collect()
    }

    #[test]
    fn grouped_bars_with_names_under_them() {
        let runs = [
            run("ols", Some(4.5), Some(6.9)),
            run("ridge", Some(4.6), Some(6.7)),
            run("lasso", Some(5.0), None),
        ];
        let svg = render((720, 280), |a| draw_rmse_per_run(a, &runs)).expect("draw");
        // One bar per value plus the legend swatch.
        let train = filled(&svg, "rect", TRAIN_COLOR);
        let val = filled(&svg, "rect", VALIDATION_COLOR);
        assert_eq!((train.len(), val.len()), (4, 3));
        assert!(number(val[0], "height") > 1.4 * number(train[0], "height"));
        assert!(
            number(val[0], "x") > number(train[0], "x"),
            "validation right of train"
        );
        for text in ["ols", "ridge", "lasso", "train", "validation", "RMSE (min)"] {
            assert!(has_text(&svg, text), "{text} missing");
        }
        let names = name_texts(&svg, "ridge");
        assert!(!names[0].1.contains("rotate"), "short names stay level");
    }

    #[test]
    fn thirty_long_names_are_turned_and_shortened() {
        let runs: Vec<RunRmse> = (0..30)
            .map(|i| {
                let name = format!("run{i:02} ridge alpha sweep over zone pairs and distance");
                run(&name, Some(4.0 + i as f64 / 10.0), Some(6.0))
            })
            .collect();
        let svg = render((720, 280), |a| draw_rmse_per_run(a, &runs)).expect("draw");
        assert_eq!(filled(&svg, "rect", TRAIN_COLOR).len(), 31);
        let names = name_texts(&svg, "run");
        assert_eq!(names.len(), 30, "every run is named");
        for (i, (text, tag)) in names.iter().enumerate() {
            assert!(text.starts_with(&format!("run{i:02}")), "{text}");
            assert!(text.ends_with('…'), "{text}");
            assert!(tag.contains("rotate(270"), "{tag}");
        }
        // Left to right in run order.
        let xs: Vec<f64> = names.iter().map(|(_, tag)| number(tag, "x")).collect();
        assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
    }

    #[test]
    fn missing_and_non_finite_values_are_skipped_and_nothing_to_draw_is_an_error() {
        let runs = [
            run("a", Some(f64::NAN), Some(6.0)),
            run("b", Some(f64::INFINITY), Some(-1.0)),
        ];
        let svg = render((720, 280), |a| draw_rmse_per_run(a, &runs)).expect("draw");
        assert_eq!(filled(&svg, "rect", TRAIN_COLOR).len(), 1, "legend only");
        assert_eq!(filled(&svg, "rect", VALIDATION_COLOR).len(), 2);
        let err = render((720, 280), |a| draw_rmse_per_run(a, &[])).expect_err("empty");
        assert!(err.to_string().contains("no runs"), "{err}");
        let nothing = [run("x", None, Some(f64::NAN))];
        let err = render((720, 280), |a| draw_rmse_per_run(a, &nothing)).expect_err("no values");
        assert!(err.to_string().contains("finite RMSE"), "{err}");
    }
}
