//! Messages between the page and its training worker (JSON text, one object each way).
//!
//! The page sends a `TrainJob`; the files' original bytes travel beside it (not in the JSON)
//! only when the worker does not hold the decoded tables yet: the worker keeps each decoded
//! table under its file's SHA-256 so that training again (another alpha, another model)
//! sends no data. The worker answers with `Progress` replies, then one `Done` or `Failed`.
//! f64 values survive the JSON round trip bit for bit (serde_json's `float_roundtrip`), so
//! a worker's reports equal the page's.
//!
//! A sweep's reports are mostly coefficients (one per encoded column per alpha, thousands
//! each) and copies of one encoder: `pack_reports` moves the coefficients into one f64
//! buffer sent beside the JSON (transferred, not copied) and writes the shared encoder once.

use serde::{Deserialize, Serialize};

use crate::features::Encoder;
use crate::pipeline::{Progress, TrainReport, TrainRequest, TreeReport};
use crate::trees::TreeParams;

/// The version of these messages. A page and a worker from different builds of Flowbook
/// (a service worker's cache caught mid-upgrade, a page left open across a deploy) may not
/// read each other's messages: each side states its version, and a mismatch is refused
/// before any job runs. Bump it whenever a message's shape or meaning changes.
pub const PROTOCOL_VERSION: u32 = 4;

/// What a page or a worker says when the other side speaks another protocol version.
pub fn protocol_mismatch(page: u32, worker: u32) -> String {
    format!(
        "the training worker is from another version of Flowbook (messages v{worker}, the \
         page's v{page}); reloading the page while online finishes the update"
    )
}

/// A decoded table the job needs, named by its file's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableRef {
    pub file_name: String,
    pub sha256_hex: String,
    /// Whether the file's bytes come with this job (else the worker must hold the table).
    pub bytes_attached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainJob {
    /// The page's [`PROTOCOL_VERSION`] (absent, 0, from pages that predate it).
    #[serde(default)]
    pub protocol: u32,
    /// Tells this job's replies from a cancelled one's.
    pub id: u64,
    pub train: TableRef,
    pub validation: TableRef,
    /// The numerical columns to decode, as the page decoded them.
    pub numeric_columns: Vec<String>,
    pub request: TrainRequest,
    pub sweep_alphas: Option<Vec<f64>>,
    /// When set, the job boosts trees with these settings on `request`'s rows and
    /// features (its model kind and `sweep_alphas` are then unused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trees: Option<TreeParams>,
    /// When set, the job trains search trials on the two tables (`request`,
    /// `sweep_alphas` and `trees` are then unused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trials: Option<TrialsJob>,
    /// When set, the job is a monitoring check: `train` is the reference and `validation`
    /// the same table again (`request`, `sweep_alphas`, `trees` and `trials` are unused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitor: Option<MonitorJob>,
}

/// A monitoring check the worker runs: the model, the later months (their bytes travel
/// beside the JSON, in order, for those the worker does not hold) and the thresholds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonitorJob {
    /// The model as `SavedModel::to_json` writes it (the file `flowbook train --save-model`
    /// writes, so the worker reads exactly what the page would save).
    pub model_json: String,
    pub months: Vec<TableRef>,
    pub thresholds: crate::monitor::Thresholds,
}

/// Search trials a worker trains: the page runs the search's loop (suggestions from the
/// history of the batches before) and hands each worker trials of the current batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialsJob {
    pub trials: Vec<TrialTask>,
    /// The best validation RMSE before this batch, if any: a trial below it sends its
    /// model file, in case it is the search's new best.
    pub best_before: Option<f64>,
}

/// One trial: its number in the search, the search's planned trials, and its settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrialTask {
    pub number: usize,
    pub planned: usize,
    pub config: crate::search::TrialConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reply", rename_all = "snake_case")]
pub enum WorkerReply {
    /// The worker has started and takes jobs in its [`PROTOCOL_VERSION`] (absent, 0,
    /// from workers that predate it).
    Ready {
        #[serde(default)]
        protocol: u32,
    },
    Progress {
        id: u64,
        progress: Progress,
    },
    Done {
        id: u64,
        reports: PackedReports,
    },
    /// A tree training's result (its model checked with [`TreeModel::checked`] on arrival).
    ///
    /// [`TreeModel::checked`]: crate::trees::TreeModel::checked
    TreesDone {
        id: u64,
        report: Box<TreeReport>,
    },
    /// A trials job's reports, in the job's order.
    Trials {
        id: u64,
        reports: Vec<crate::search::TrialReport>,
    },
    /// A monitoring check's result: the reference's summary and one check per month.
    Monitored {
        id: u64,
        reference: Box<crate::monitor::SampleSummary>,
        months: Vec<crate::monitor::MonthCheck>,
    },
    Failed {
        id: u64,
        message: String,
    },
}

impl TrainJob {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<TrainJob, String> {
        serde_json::from_str(text).map_err(|e| format!("unreadable training job: {e}"))
    }
}

impl WorkerReply {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| {
            // A report that cannot be written (it never should) still ends the job.
            let id = match self {
                WorkerReply::Ready { .. } => 0,
                WorkerReply::Progress { id, .. }
                | WorkerReply::Done { id, .. }
                | WorkerReply::TreesDone { id, .. }
                | WorkerReply::Trials { id, .. }
                | WorkerReply::Monitored { id, .. }
                | WorkerReply::Failed { id, .. } => *id,
            };
            format!(
                r#"{{"reply":"failed","id":{id},"message":"the worker could not write its reply: {}"}}"#,
                e.to_string().replace('"', "'")
            )
        })
    }

    pub fn from_json(text: &str) -> Result<WorkerReply, String> {
        serde_json::from_str(text).map_err(|e| format!("unreadable reply from the worker: {e}"))
    }
}

/// Reports without their coefficients (which travel in a separate buffer, in order), and
/// without their encoder when every report has the same one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackedReports {
    pub reports: Vec<TrainReport>,
    pub coefficient_counts: Vec<usize>,
    pub shared_encoder: Option<Encoder>,
}

/// Splits `reports` into their JSON part and their coefficients.
pub fn pack_reports(mut reports: Vec<TrainReport>) -> (PackedReports, Vec<f64>) {
    let shared_encoder = reports
        .first()
        .map(|r| r.model.encoder.clone())
        .filter(|first| reports.iter().all(|r| r.model.encoder == *first));
    let mut coefficients = Vec::new();
    let mut coefficient_counts = Vec::with_capacity(reports.len());
    for report in &mut reports {
        coefficient_counts.push(report.model.coefficients.len());
        coefficients.append(&mut report.model.coefficients);
        if let Some(shared) = &shared_encoder {
            report.model.encoder = Encoder {
                spec: shared.spec.clone(),
                vocabularies: Vec::new(),
            };
        }
    }
    let packed = PackedReports {
        reports,
        coefficient_counts,
        shared_encoder,
    };
    (packed, coefficients)
}

/// The reports `pack_reports` was given, from its two parts.
pub fn unpack_reports(
    packed: PackedReports,
    coefficients: &[f64],
) -> Result<Vec<TrainReport>, String> {
    let PackedReports {
        mut reports,
        coefficient_counts,
        shared_encoder,
    } = packed;
    let expected: usize = coefficient_counts.iter().sum();
    if coefficient_counts.len() != reports.len() || expected != coefficients.len() {
        return Err(format!(
            "the worker sent {} coefficients for {} reports; expected {expected}",
            coefficients.len(),
            reports.len()
        ));
    }
    let shared_encoder = shared_encoder.map(|mut encoder| {
        encoder
            .vocabularies
            .iter_mut()
            .for_each(|v| v.rebuild_index());
        encoder
    });
    let mut start = 0;
    for (report, count) in reports.iter_mut().zip(coefficient_counts) {
        report.model.coefficients = coefficients[start..start + count].to_vec();
        start += count;
        match &shared_encoder {
            Some(shared) => report.model.encoder = shared.clone(),
            // Lookups are not serialized: rebuild them.
            None => report
                .model
                .encoder
                .vocabularies
                .iter_mut()
                .for_each(|v| v.rebuild_index()),
        }
    }
    Ok(reports)
}

/// A tree report as the worker sent it, with its model checked and its lookups rebuilt.
pub fn checked_tree_report(mut report: Box<TreeReport>) -> Result<Box<TreeReport>, String> {
    report.model = report
        .model
        .checked()
        .map_err(|e| format!("the worker sent a damaged tree model: {e}"))?;
    Ok(report)
}
