//! `flowbook predict --model MODEL.json --data FILE [--json]`: a saved model's predictions
//! for the trips of a file that pass the model's own filters, with their RMSE.

use crate::args::PredictCli;

use flowbook_core::features::prepare_rows;
use flowbook_core::metrics::RegressionMetrics;
use flowbook_core::model::TripModel;
use flowbook_core::saved_model::SavedModel;
use serde_json::json;

pub fn run(cli: &PredictCli) -> Result<(), String> {
    let (model_path, data_path, as_json) = (&cli.model, &cli.data, cli.json);
    let text = std::fs::read_to_string(model_path)
        .map_err(|e| format!("cannot read {}: {e}", model_path.display()))?;
    // Either family predicts through the same steps: its own filters and encoder.
    let model =
        SavedModel::from_json(&text).map_err(|e| format!("{}: {e}", model_path.display()))?;
    let (prepare, kind) = (model.prepare(), model.family_name());
    let spec = &model.encoder().spec;
    let table = crate::load(data_path, &spec.numerical)?;
    let rows = prepare_rows(&table, &prepare, spec).map_err(|e| e.to_string())?;
    let design = model
        .encoder()
        .encode(&table, &rows)
        .map_err(|e| e.to_string())?;
    let (predictions, target, rows_in_file) =
        (model.predict_design(&design), design.target, table.len());
    let metrics = RegressionMetrics::compute(&target, &predictions);
    if as_json {
        println!(
            "{}",
            json!({
                "model": kind,
                "rows": predictions.len(),
                "rows_in_file": rows_in_file,
                "rmse": metrics.rmse,
                "mae": metrics.mae,
                "r2": metrics.r2,
                "predictions": predictions,
                "duration_min": target,
            })
        );
    } else {
        println!(
            "{kind}: {} of {rows_in_file} trips, rmse {:.6}, mae {:.6}, r2 {:.4}",
            predictions.len(),
            metrics.rmse,
            metrics.mae,
            metrics.r2
        );
    }
    Ok(())
}
