//! The model's largest coefficients as horizontal bars, labelled on the left: which zone
//! pairs (or numbers) move a predicted duration most, and in which direction.

use flowbook_core::evaluate::{Coefficient, EffectMeasure};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::text::{fit_text, widest};
use crate::{label_style, ChartError, FONT, GRID, INK, MARGIN};

/// Bars of coefficients that lengthen the predicted trip (vermillion) and that shorten it
/// (blue): a pair colour-blind readers tell apart.
pub const POSITIVE_COLOR: RGBColor = RGBColor(213, 94, 0);
pub const NEGATIVE_COLOR: RGBColor = RGBColor(0, 114, 178);

/// Labels may take at most this share of the chart's width; longer ones are shortened.
const MAX_LABEL_SHARE: f64 = 0.45;
const LABEL_GAP: u32 = 8;
/// Label font size: as large as a row allows, within these bounds.
const LABEL_SIZES: (f64, f64) = (9.0, 13.0);
/// Each bar's share of its row's height.
const BAR_SHARE: f64 = 0.7;

/// Draws `coefficients` (from `evaluate::largest_coefficients`) top to bottom in the order
/// given, as bars from zero, coloured by sign. Non-finite coefficients are left out.
///
/// `measure` says what the values are: coefficients (minutes) or the trees' total gains.
pub fn draw_largest_coefficients<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    coefficients: &[Coefficient],
    measure: EffectMeasure,
) -> Result<(), ChartError> {
    if coefficients.is_empty() {
        return Err(ChartError("there are no coefficients to draw".to_string()));
    }
    let shown: Vec<&Coefficient> = coefficients
        .iter()
        .filter(|c| c.value.is_finite())
        .collect();
    if shown.is_empty() {
        return Err(ChartError("no coefficient is a finite number".to_string()));
    }
    let rows = shown.len();
    let (lo, hi) = shown.iter().fold((0.0_f64, 0.0_f64), |(lo, hi), c| {
        (lo.min(c.value), hi.max(c.value))
    });
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 1.0 };

    let (width, height) = area.dim_in_pixel();
    let x_label_area = 36;
    let row_height = f64::from(height.saturating_sub(2 * MARGIN + x_label_area)) / rows as f64;
    let size = (0.75 * row_height).clamp(LABEL_SIZES.0, LABEL_SIZES.1);
    let text_style = (FONT, size).into_font().color(&INK);
    let labels: Vec<&str> = shown.iter().map(|c| c.label.as_str()).collect();
    let label_room =
        widest(area, &labels, &text_style)?.min((f64::from(width) * MAX_LABEL_SHARE) as u32);

    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(area)
        .margin(MARGIN)
        .x_label_area_size(x_label_area)
        .y_label_area_size(label_room + 2 * LABEL_GAP)
        .build_cartesian_2d(lo - pad..hi + pad, 0.0..rows as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .max_light_lines(1)
        .light_line_style(GRID)
        .x_label_formatter(&|v| match measure {
            EffectMeasure::Coefficient => format!("{v:.1}"),
            EffectMeasure::TotalGain => compact(*v),
        })
        .axis_style(INK)
        .label_style(label_style())
        .x_desc(measure.axis_label())
        .draw()?;

    // Row i (the i-th largest) is drawn i rows from the top.
    let row_bottom = |i: usize| (rows - 1 - i) as f64;
    let gap = (1.0 - BAR_SHARE) / 2.0;
    chart.draw_series(shown.iter().enumerate().map(|(i, c)| {
        let color = if c.value >= 0.0 {
            POSITIVE_COLOR
        } else {
            NEGATIVE_COLOR
        };
        let bottom = row_bottom(i);
        Rectangle::new(
            [(0.0, bottom + gap), (c.value, bottom + 1.0 - gap)],
            color.filled(),
        )
    }))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (0.0, rows as f64)],
        INK.stroke_width(1),
    )))?;

    // Labels are drawn on the area itself, right-aligned against the plot, in area pixels.
    let (base_x, base_y) = area.get_base_pixel();
    let right = chart.plotting_area().get_pixel_range().0.start - base_x - LABEL_GAP as i32;
    let style = text_style.pos(Pos::new(HPos::Right, VPos::Center));
    for (i, label) in labels.iter().enumerate() {
        let y = chart.backend_coord(&(0.0, row_bottom(i) + 0.5)).1 - base_y;
        let text = fit_text(area, label, &text_style, label_room)?;
        area.draw(&Text::new(text, (right, y), style.clone()))?;
    }
    area.present()?;
    Ok(())
}

/// A large number in few characters, so that gains in the millions keep their axis
/// labels apart: `0`, `850`, `12k`, `1.4M`.
fn compact(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e3 {
        format!("{:.0}k", v / 1e3)
    } else {
        format!("{v:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gains_read_in_a_few_characters() {
        let cases = [
            (0.0, "0"),
            (850.0, "850"),
            (12_300.0, "12k"),
            (1.4e7, "14.0M"),
            (2.5e9, "2.5G"),
        ];
        for (value, text) in cases {
            assert_eq!(compact(value), text);
        }
    }
    use crate::svg_readback::{filled, has_text, number, render, texts};

    fn coefficient(column: usize, label: &str, value: f64) -> Coefficient {
        Coefficient {
            column,
            label: label.to_string(),
            value,
        }
    }

    #[test]
    fn bars_coloured_by_sign_in_the_given_order_with_labels() {
        let coefficients = [
            coefficient(
                7,
                "PU_DO 74→75: East Harlem North → East Harlem South",
                -12.0,
            ),
            coefficient(2, "trip_distance", 8.0),
            coefficient(5, "PU_DO=1_2", -3.0),
        ];
        let svg = render((720, 280), |a| {
            draw_largest_coefficients(a, &coefficients, EffectMeasure::Coefficient)
        })
        .expect("draw");
        let positive = filled(&svg, "rect", POSITIVE_COLOR);
        let negative = filled(&svg, "rect", NEGATIVE_COLOR);
        assert_eq!((positive.len(), negative.len()), (1, 2));
        // Bars start at zero: negative ones end there, positive ones begin there.
        let zero = number(negative[0], "x") + number(negative[0], "width");
        assert_eq!(number(positive[0], "x"), zero);
        assert!(number(negative[0], "width") > 1.4 * number(positive[0], "width"));
        // The first coefficient is the top bar.
        assert!(number(negative[0], "y") < number(positive[0], "y"));
        assert!(number(positive[0], "y") < number(negative[1], "y"));
        for label in ["trip_distance", "PU_DO=1_2"] {
            assert!(has_text(&svg, label), "{label} missing");
        }
        assert!(texts(&svg)
            .iter()
            .any(|(t, _)| t.starts_with("PU_DO 74→75")));
    }

    #[test]
    fn long_labels_are_shortened_to_leave_room_for_the_bars() {
        let long = "PU_DO 265→265: Outside of NYC and very far away → Outside of NYC and further";
        let coefficients: Vec<Coefficient> = (0..30)
            .map(|i| coefficient(i, &format!("{i:02} {long}"), 30.0 - i as f64))
            .collect();
        let svg = render((640, 480), |a| {
            draw_largest_coefficients(a, &coefficients, EffectMeasure::Coefficient)
        })
        .expect("draw");
        assert_eq!(filled(&svg, "rect", POSITIVE_COLOR).len(), 30);
        let labels: Vec<(String, &str)> = texts(&svg)
            .into_iter()
            .filter(|(t, _)| t.contains("PU_DO"))
            .collect();
        assert_eq!(labels.len(), 30);
        for (i, (text, tag)) in labels.iter().enumerate() {
            assert!(text.starts_with(&format!("{i:02} PU_DO")) && text.ends_with('…'));
            assert!(number(tag, "x") <= 0.45 * 640.0 + 24.0, "{tag}");
        }
    }

    #[test]
    fn empty_or_non_finite_input_is_an_error_and_nan_rows_are_skipped() {
        let err = render((720, 280), |a| {
            draw_largest_coefficients(a, &[], EffectMeasure::Coefficient)
        })
        .expect_err("empty");
        assert!(err.to_string().contains("no coefficients"), "{err}");
        let nan = [coefficient(0, "a", f64::NAN)];
        let err = render((720, 280), |a| {
            draw_largest_coefficients(a, &nan, EffectMeasure::Coefficient)
        })
        .expect_err("nan");
        assert!(err.to_string().contains("finite"), "{err}");
        let mixed = [coefficient(0, "a", f64::NAN), coefficient(1, "b", 0.0)];
        let svg = render((720, 280), |a| {
            draw_largest_coefficients(a, &mixed, EffectMeasure::Coefficient)
        })
        .expect("draw");
        assert!(has_text(&svg, "b") && !has_text(&svg, "a"));
    }
}
