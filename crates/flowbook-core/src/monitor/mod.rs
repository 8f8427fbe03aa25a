//! Monitoring a model over the months after training: its error on each later month, the
//! share of trips in zones (or zone pairs) it never saw, and the drift of each input, of
//! the target and of its predictions against a reference (by default its training data),
//! with Evidently's statistics and defaults. [`check_month`] gives each metric a status
//! and the month one verdict: retrain or not, and why.

mod kolmogorov;
mod ks;
mod pairs;
pub mod stattests;
mod verdict;

use serde::{Deserialize, Serialize};

use crate::data::TripTable;
use crate::features::{category_key, prepare_rows, Categorical, FeatureError, UNSEEN};
use crate::metrics::RegressionMetrics;
use crate::model::TripModel;
use crate::saved_model::SavedModel;

pub use pairs::{changed_pairs, PairChange, CHANGED_PAIRS_KEPT};
pub use stattests::{ColumnType, DriftTest, Samples, StatTest};
pub use verdict::{Status, Thresholds, Verdict};

/// The column the target is monitored under (Evidently's name in Flowbook's reports).
pub const TARGET_COLUMN: &str = "duration";
pub const PREDICTION_COLUMN: &str = "prediction";

/// What a column is to the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnRole {
    Input,
    Target,
    Prediction,
}

/// One column's values over a sample's rows (rows where it is empty are left out).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnValues {
    Numerical(Vec<f64>),
    Categorical(Vec<(i64, i64)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MonitoredColumn {
    pub name: String,
    pub role: ColumnRole,
    pub values: ColumnValues,
    /// How a category key reads ("74_75" for a zone pair); `None` for numbers.
    pub categorical: Option<Categorical>,
}

/// A file as the model meets it: the rows its own filters keep, their columns, the
/// model's predictions and error there, and what it had never seen.
#[derive(Debug, Clone, PartialEq)]
pub struct MonitoredSample {
    pub file_name: String,
    pub digest: String,
    pub rows_in_file: usize,
    pub columns: Vec<MonitoredColumn>,
    pub metrics: RegressionMetrics,
    /// Rows with at least one category (zone, zone pair, …) absent from the model's
    /// vocabulary.
    pub unseen_rows: usize,
    /// Per categorical feature of the model: rows whose value it never saw.
    pub unseen_by_feature: Vec<(Categorical, usize)>,
}

/// What is kept of the reference once the months are checked: the run record and the
/// page need its name, digest, size, the model's error there and the columns monitored,
/// not its rows (which the training worker would otherwise send back whole).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleSummary {
    pub file_name: String,
    pub digest: String,
    pub rows_in_file: usize,
    pub metrics: RegressionMetrics,
    pub columns: Vec<String>,
}

impl SampleSummary {
    pub fn rows(&self) -> usize {
        self.metrics.rows
    }
}

impl MonitoredSample {
    pub fn rows(&self) -> usize {
        self.metrics.rows
    }

    pub fn summary(&self) -> SampleSummary {
        SampleSummary {
            file_name: self.file_name.clone(),
            digest: self.digest.clone(),
            rows_in_file: self.rows_in_file,
            metrics: self.metrics,
            columns: self.columns.iter().map(|c| c.name.clone()).collect(),
        }
    }

    pub fn unseen_share(&self) -> f64 {
        share(self.unseen_rows, self.rows())
    }

    pub fn column(&self, name: &str) -> Option<&MonitoredColumn> {
        self.columns.iter().find(|c| c.name == name)
    }
}

fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MonitorError {
    #[error(transparent)]
    Features(#[from] FeatureError),
    #[error(
        "{file}: none of its {rows} trips pass the model's filters, so there is nothing to check"
    )]
    NoRows { file: String, rows: usize },
    #[error("{column}: {message}")]
    Column { column: String, message: String },
}

/// The categorical columns monitored for every model: both zones and their pair, whether
/// the model reads them one by one or as a pair.
const ZONE_COLUMNS: [Categorical; 3] = [
    Categorical::PickupLocation,
    Categorical::DropoffLocation,
    Categorical::PickupDropoffPair,
];

/// The file's rows that pass the model's filters, with the monitored columns: the zones
/// and zone pair, the model's other inputs, the target and the prediction.
pub fn monitored_sample(
    model: &SavedModel,
    table: &TripTable,
) -> Result<MonitoredSample, MonitorError> {
    let encoder = model.encoder();
    let spec = &encoder.spec;
    let rows = prepare_rows(table, &model.prepare(), spec)?;
    if rows.rows.is_empty() {
        return Err(MonitorError::NoRows {
            file: table.file_name.clone(),
            rows: table.len(),
        });
    }
    let design = encoder.encode(table, &rows)?;
    let predictions = model.predict_design(&design);
    let metrics = RegressionMetrics::compute(&design.target, &predictions);

    let mut unseen_by_feature: Vec<(Categorical, usize)> =
        spec.categorical.iter().map(|&c| (c, 0)).collect();
    let mut unseen_rows = 0;
    for i in 0..design.n_rows {
        let codes = design.row_codes(i);
        if codes.contains(&UNSEEN) {
            unseen_rows += 1;
        }
        for (slot, &code) in unseen_by_feature.iter_mut().zip(codes) {
            slot.1 += usize::from(code == UNSEEN);
        }
    }

    let mut categorical: Vec<Categorical> = ZONE_COLUMNS.to_vec();
    categorical.extend(spec.categorical.iter().filter(|c| !c.uses_locations()));
    let mut columns = Vec::new();
    for feature in categorical {
        let values = rows
            .rows
            .iter()
            .filter_map(|&i| category_key(table, feature, i as usize))
            .collect();
        columns.push(MonitoredColumn {
            name: feature.name().to_string(),
            role: ColumnRole::Input,
            values: ColumnValues::Categorical(values),
            categorical: Some(feature),
        });
    }
    for name in &spec.numerical {
        let column = table
            .numeric
            .get(name)
            .ok_or_else(|| MonitorError::Column {
                column: name.clone(),
                message: format!(
                    "{} has no such column, which the model uses",
                    table.file_name
                ),
            })?;
        let values = rows
            .rows
            .iter()
            .filter_map(|&i| column.get(i as usize))
            .collect();
        columns.push(MonitoredColumn {
            name: name.clone(),
            role: ColumnRole::Input,
            values: ColumnValues::Numerical(values),
            categorical: None,
        });
    }
    columns.push(MonitoredColumn {
        name: TARGET_COLUMN.to_string(),
        role: ColumnRole::Target,
        values: ColumnValues::Numerical(design.target.clone()),
        categorical: None,
    });
    columns.push(MonitoredColumn {
        name: PREDICTION_COLUMN.to_string(),
        role: ColumnRole::Prediction,
        values: ColumnValues::Numerical(predictions),
        categorical: None,
    });
    Ok(MonitoredSample {
        file_name: table.file_name.clone(),
        digest: table.sha256_hex.clone(),
        rows_in_file: table.len(),
        columns,
        metrics,
        unseen_rows,
        unseen_by_feature,
    })
}

/// One column's drift in one month: Evidently's default test, PSI beside it for numbers,
/// and the status its thresholds give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDrift {
    pub column: String,
    pub role: ColumnRole,
    pub column_type: ColumnType,
    pub test: DriftTest,
    pub psi: Option<DriftTest>,
    pub status: Status,
}

/// Drift of every monitored column of `current` against `reference`.
pub fn column_drifts(
    reference: &MonitoredSample,
    current: &MonitoredSample,
    thresholds: &Thresholds,
) -> Result<Vec<ColumnDrift>, MonitorError> {
    let mut drifts = Vec::with_capacity(reference.columns.len());
    for column in &reference.columns {
        let Some(other) = current.column(&column.name) else {
            continue;
        };
        let samples = match (&column.values, &other.values) {
            (ColumnValues::Numerical(r), ColumnValues::Numerical(c)) => {
                Samples::numerical(r.clone(), c.clone())
            }
            (ColumnValues::Categorical(r), ColumnValues::Categorical(c)) => {
                Samples::categorical(r.clone(), c.clone())
            }
            _ => continue,
        };
        let failed = |e: stattests::DriftError| MonitorError::Column {
            column: column.name.clone(),
            message: e.to_string(),
        };
        let default = stattests::default_stat_test(&samples);
        let threshold = thresholds.column_threshold(&column.name, default);
        let test = stattests::drift_test(&samples, default, threshold).map_err(failed)?;
        let psi = match samples.column_type() {
            ColumnType::Numerical => {
                let threshold = thresholds.column_threshold(&column.name, StatTest::Psi);
                Some(stattests::drift_test(&samples, StatTest::Psi, threshold).map_err(failed)?)
            }
            ColumnType::Categorical => None,
        };
        drifts.push(ColumnDrift {
            column: column.name.clone(),
            role: column.role,
            column_type: samples.column_type(),
            status: thresholds.drift_status(&test),
            test,
            psi,
        });
    }
    Ok(drifts)
}

/// One later month checked against the reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthCheck {
    pub file_name: String,
    pub digest: String,
    pub rows: usize,
    pub rows_in_file: usize,
    pub metrics: RegressionMetrics,
    /// The model's error on the reference rows.
    pub reference_metrics: RegressionMetrics,
    /// The RMSE this month's is held to (see [`Thresholds`]).
    pub baseline_rmse: f64,
    pub unseen_share: f64,
    pub unseen_by_feature: Vec<(Categorical, f64)>,
    pub drift: Vec<ColumnDrift>,
    /// Share of monitored columns whose drift test says drifted (Evidently's
    /// "share of drifted columns").
    pub drifted_share: f64,
    /// The zone pairs whose share of trips changed most.
    pub changed_pairs: Vec<PairChange>,
    pub verdict: Verdict,
}

impl MonthCheck {
    pub fn drift_of(&self, column: &str) -> Option<&ColumnDrift> {
        self.drift.iter().find(|d| d.column == column)
    }
}

/// Checks the months in order; the first month's RMSE is the baseline unless the
/// thresholds give one.
pub fn check_months(
    reference: &MonitoredSample,
    months: &[MonitoredSample],
    thresholds: &Thresholds,
) -> Result<Vec<MonthCheck>, MonitorError> {
    let Some(first) = months.first() else {
        return Ok(Vec::new());
    };
    let baseline = thresholds.rmse_baseline.unwrap_or(first.metrics.rmse);
    months
        .iter()
        .map(|month| check_month(reference, month, baseline, thresholds))
        .collect()
}

/// The whole check of `months` against `reference` for `model`, from decoded tables: what
/// the Monitor cell runs (in the training worker, or on the page).
pub fn check_tables(
    model: &SavedModel,
    reference: &TripTable,
    months: &[&TripTable],
    thresholds: &Thresholds,
) -> Result<(SampleSummary, Vec<MonthCheck>), MonitorError> {
    let reference = monitored_sample(model, reference)?;
    let samples = months
        .iter()
        .map(|table| monitored_sample(model, table))
        .collect::<Result<Vec<_>, _>>()?;
    let checks = check_months(&reference, &samples, thresholds)?;
    Ok((reference.summary(), checks))
}

pub fn check_month(
    reference: &MonitoredSample,
    current: &MonitoredSample,
    baseline_rmse: f64,
    thresholds: &Thresholds,
) -> Result<MonthCheck, MonitorError> {
    let drift = column_drifts(reference, current, thresholds)?;
    let drifted = drift.iter().filter(|d| d.test.drifted).count();
    let drifted_share = share(drifted, drift.len());
    let unseen_by_feature = current
        .unseen_by_feature
        .iter()
        .map(|&(feature, rows)| (feature, share(rows, current.rows())))
        .collect();
    let verdict = thresholds.verdict(
        &current.metrics,
        baseline_rmse,
        current.unseen_share(),
        &drift,
        drifted_share,
    );
    Ok(MonthCheck {
        file_name: current.file_name.clone(),
        digest: current.digest.clone(),
        rows: current.rows(),
        rows_in_file: current.rows_in_file,
        metrics: current.metrics,
        reference_metrics: reference.metrics,
        baseline_rmse,
        unseen_share: current.unseen_share(),
        unseen_by_feature,
        drift,
        drifted_share,
        changed_pairs: changed_pairs(reference, current),
        verdict,
    })
}
