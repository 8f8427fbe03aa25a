//! Thresholds, statuses and the month's verdict.
//!
//! Drift thresholds start at Evidently's defaults (and its share of drifted columns, 0.5,
//! for dataset drift). Evidently has no default for a model's error or for unseen
//! categories, so Flowbook's are:
//! - RMSE: +10 % (warning) and +20 % (alert) over a baseline. The baseline is not the
//!   model's error on its training data, which is optimistic (the course's linear model:
//!   4.64 there, 7.48 on the next month), but the first month checked — in the course,
//!   the validation month — unless the user gives one (`rmse_baseline`).
//! - Unseen categories: 10 % / 20 % of trips. Zero on the training data by construction,
//!   the share is 8.5 % on the very next month for the course's zone-pair model.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::stattests::{DriftTest, StatTest};
use super::{ColumnDrift, ColumnRole};
use crate::metrics::RegressionMetrics;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warning,
    Alert,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Alert => "alert",
        }
    }
}

/// What counts as a warning and as an alert. Every field can be changed by the user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Per column: the drift test's threshold (Evidently's default when absent).
    pub columns: BTreeMap<String, f64>,
    /// Per column: the PSI threshold (0.1 when absent).
    pub psi: BTreeMap<String, f64>,
    /// A column is a warning when its distance reaches this fraction of the threshold
    /// (or its p-value is below threshold ÷ this fraction).
    pub drift_warning_fraction: f64,
    /// Dataset drift: at least this share of the monitored columns drifted.
    pub drift_share: f64,
    /// The RMSE the months are held to; the first month's when absent.
    pub rmse_baseline: Option<f64>,
    /// RMSE above the baseline by these fractions.
    pub rmse_warning: f64,
    pub rmse_alert: f64,
    /// Shares of trips with a category the model never saw.
    pub unseen_warning: f64,
    pub unseen_alert: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            columns: BTreeMap::new(),
            psi: BTreeMap::new(),
            drift_warning_fraction: 0.5,
            drift_share: 0.5,
            rmse_baseline: None,
            rmse_warning: 0.10,
            rmse_alert: 0.20,
            unseen_warning: 0.10,
            unseen_alert: 0.20,
        }
    }
}

/// The month's decision, and the metrics behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub retrain: bool,
    /// Why (the alerts), or what to watch (the warnings) when there is no alert.
    pub reasons: Vec<String>,
    pub rmse: Status,
    pub unseen: Status,
    pub dataset_drift: Status,
}

impl Thresholds {
    /// Reads thresholds a user wrote (a notebook's Monitor cell, `monitor --thresholds`):
    /// fields left out keep their defaults; an unknown field, a negative number or a
    /// warning above its alert is explained by its name.
    pub fn from_value(value: serde_json::Value) -> Result<Thresholds, String> {
        let thresholds: Thresholds = serde_json::from_value(value).map_err(|e| e.to_string())?;
        let named = [
            ("drift_warning_fraction", thresholds.drift_warning_fraction),
            ("drift_share", thresholds.drift_share),
            ("rmse_warning", thresholds.rmse_warning),
            ("rmse_alert", thresholds.rmse_alert),
            ("unseen_warning", thresholds.unseen_warning),
            ("unseen_alert", thresholds.unseen_alert),
        ];
        let columns = thresholds
            .columns
            .iter()
            .map(|(c, v)| (format!("columns.{c}"), *v));
        let psi = thresholds.psi.iter().map(|(c, v)| (format!("psi.{c}"), *v));
        let baseline = thresholds
            .rmse_baseline
            .map(|v| ("rmse_baseline".to_string(), v));
        for (name, value) in named
            .iter()
            .map(|(n, v)| (n.to_string(), *v))
            .chain(columns)
            .chain(psi)
            .chain(baseline)
        {
            if !value.is_finite() || value < 0.0 {
                return Err(format!(
                    "{name} must be a number of at least 0, found {value}"
                ));
            }
        }
        if thresholds.drift_share == 0.0 || thresholds.drift_share > 1.0 {
            return Err(format!(
                "drift_share is a share of the columns, above 0 and at most 1; found {}",
                thresholds.drift_share
            ));
        }
        for (warning, alert, a, b) in [
            (
                "rmse_warning",
                "rmse_alert",
                thresholds.rmse_warning,
                thresholds.rmse_alert,
            ),
            (
                "unseen_warning",
                "unseen_alert",
                thresholds.unseen_warning,
                thresholds.unseen_alert,
            ),
        ] {
            if a > b {
                return Err(format!(
                    "{warning} ({a}) is above {alert} ({b}); a warning comes first"
                ));
            }
        }
        Ok(thresholds)
    }

    /// The user's threshold for `test` on `column`, if they set one.
    pub fn column_threshold(&self, column: &str, test: StatTest) -> Option<f64> {
        match test {
            StatTest::Psi => self.psi.get(column).copied(),
            _ => self.columns.get(column).copied(),
        }
    }

    pub fn drift_status(&self, test: &DriftTest) -> Status {
        if test.drifted {
            return Status::Alert;
        }
        let fraction = self.drift_warning_fraction;
        let near = if test.stat_test.is_p_value() {
            fraction > 0.0 && test.value <= test.threshold / fraction
        } else {
            test.value >= test.threshold * fraction
        };
        if near {
            Status::Warning
        } else {
            Status::Ok
        }
    }

    fn rise_status(&self, rise: f64) -> Status {
        if rise >= self.rmse_alert {
            Status::Alert
        } else if rise >= self.rmse_warning {
            Status::Warning
        } else {
            Status::Ok
        }
    }

    fn unseen_status(&self, share: f64) -> Status {
        if share >= self.unseen_alert {
            Status::Alert
        } else if share >= self.unseen_warning {
            Status::Warning
        } else {
            Status::Ok
        }
    }

    /// Retrain when the error rose past its alert, too many trips fall in unseen zones,
    /// the dataset drifted (Evidently's share of drifted columns), or the target or the
    /// predictions drifted. One input drifting on its own (the zone-pair mix drifts even
    /// from one month to the next: most pairs are rare) is reported, not a verdict.
    pub fn verdict(
        &self,
        current: &RegressionMetrics,
        baseline_rmse: f64,
        unseen_share: f64,
        drift: &[ColumnDrift],
        drifted_share: f64,
    ) -> Verdict {
        let mut alerts = Vec::new();
        let mut warnings = Vec::new();
        let rise = current.rmse / baseline_rmse - 1.0;
        let rmse = if rise.is_finite() {
            self.rise_status(rise)
        } else {
            Status::Ok
        };
        let said = format!(
            "RMSE {:.3} is {:+.1} % against the baseline {:.3}",
            current.rmse,
            rise * 100.0,
            baseline_rmse
        );
        match rmse {
            Status::Alert => alerts.push(format!(
                "{said} (alert from {:+.0} %)",
                self.rmse_alert * 100.0
            )),
            Status::Warning => warnings.push(format!(
                "{said} (warning from {:+.0} %)",
                self.rmse_warning * 100.0
            )),
            Status::Ok => {}
        }
        let unseen = self.unseen_status(unseen_share);
        let said = format!(
            "{:.2} % of trips are in zones or zone pairs the model never saw",
            unseen_share * 100.0
        );
        match unseen {
            Status::Alert => alerts.push(format!(
                "{said} (alert from {} %)",
                self.unseen_alert * 100.0
            )),
            Status::Warning => warnings.push(format!(
                "{said} (warning from {} %)",
                self.unseen_warning * 100.0
            )),
            Status::Ok => {}
        }
        let dataset_drift = if drifted_share >= self.drift_share {
            Status::Alert
        } else if drifted_share > 0.0 {
            Status::Warning
        } else {
            Status::Ok
        };
        let drifted: Vec<&str> = drift
            .iter()
            .filter(|d| d.test.drifted)
            .map(|d| d.column.as_str())
            .collect();
        let said = format!(
            "{} of {} columns drifted ({})",
            drifted.len(),
            drift.len(),
            drifted.join(", ")
        );
        match dataset_drift {
            Status::Alert => alerts.push(format!("dataset drift: {said}")),
            Status::Warning => warnings.push(said),
            Status::Ok => {}
        }
        for d in drift.iter().filter(|d| d.role != ColumnRole::Input) {
            let what = match d.role {
                ColumnRole::Target => "the target",
                _ => "the predictions",
            };
            let said = format!(
                "{what} ({}) drifted: {} {:.4} against threshold {}",
                d.column,
                d.test.stat_test.display_name(),
                d.test.value,
                d.test.threshold
            );
            if d.status == Status::Alert {
                alerts.push(said);
            }
        }
        let retrain = !alerts.is_empty();
        Verdict {
            retrain,
            reasons: if retrain { alerts } else { warnings },
            rmse,
            unseen,
            dataset_drift,
        }
    }
}
