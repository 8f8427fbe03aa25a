//! One monitoring check, as the notebook's Monitor cell runs it: the model of the Train
//! cell above against the Data cell's training file, over later months (files open in the
//! page, or addresses fetched here), checked in the training worker (on the page when no
//! worker can start) and recorded as a monitoring run.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use flowbook_core::data::{load_trip_file, sha256_hex, TripTable};
use flowbook_core::monitor::{check_tables, MonthCheck, SampleSummary};
use flowbook_core::notebook::MonitorSettings;
use flowbook_core::saved_model::SavedModel;
use flowbook_core::store::StoredRun;
use flowbook_core::tracking::{
    run_from_monitoring, DatasetInput, DatasetRole, MonitoringSummary, Run, RunMeta,
};

use leptos::prelude::{GetUntracked, WithUntracked};

use crate::services::train_worker::{self, FileRef, OffThreadError};
use crate::state::datasets::Datasets;
use crate::state::registry::{model_of_run, RegistryStore};
use crate::state::runs::{
    add_missing_tags, context_tags, current_experiment, new_client_id, RunStore, TrainingContext,
};
use crate::state::training::now_ms;

/// What a Monitor cell shows.
#[derive(Debug, Clone)]
pub struct MonitorOutcome {
    pub reference: SampleSummary,
    pub months: Vec<MonthCheck>,
    /// How each month was named in the cell (its label on the charts).
    pub labels: Vec<String>,
    pub model_label: String,
    pub thresholds: flowbook_core::monitor::Thresholds,
    pub run: Run,
    pub elapsed_ms: f64,
    /// Said beside the result when the check ran on the page instead of the worker.
    pub note: Option<String>,
}

/// A later month as the check reads it: a file open in the page, or one fetched here
/// (its bytes, which only the worker decodes).
#[derive(Clone)]
enum MonthFile {
    Open(Arc<TripTable>),
    Fetched { file: FileRef, bytes: Bytes },
}

impl MonthFile {
    fn file(&self) -> FileRef {
        match self {
            MonthFile::Open(table) => FileRef::of(table),
            MonthFile::Fetched { file, .. } => file.clone(),
        }
    }

    /// The month's trips decoded here, for a check on the page.
    fn decoded(&self, source: &str) -> Result<Arc<TripTable>, String> {
        match self {
            MonthFile::Open(table) => Ok(table.clone()),
            MonthFile::Fetched { file, bytes } => load_trip_file(
                &file.file_name,
                bytes.clone(),
                &crate::state::open_file::decoded_numeric_columns(),
            )
            .map(Arc::new)
            .map_err(|e| format!("{source}: {e}")),
        }
    }
}

thread_local! {
    /// Months fetched in this tab, by address: checking again does not download again.
    static FETCHED: RefCell<HashMap<String, MonthFile>> = RefCell::default();
}

/// The month's file: one open in the page by that name, else the address fetched.
async fn month_file(datasets: Datasets, month: &str) -> Result<MonthFile, String> {
    let open = datasets
        .get_untracked()
        .into_iter()
        .find(|d| d.file_name == month)
        .and_then(|d| d.trips.get_untracked());
    if let Some(table) = open {
        return Ok(MonthFile::Open(table));
    }
    if let Some(file) = FETCHED.with(|f| f.borrow().get(month).cloned()) {
        return Ok(file);
    }
    use crate::services::load::{fetch_bytes_with_progress, MAX_TRIP_FILE_BYTES};
    let bytes =
        fetch_bytes_with_progress(month, MAX_TRIP_FILE_BYTES, "a trip file", |_, _| {}).await?;
    let file = FileRef {
        file_name: month.rsplit('/').next().unwrap_or(month).to_string(),
        sha256_hex: sha256_hex(&bytes),
    };
    train_worker::remember_file_bytes(&file.sha256_hex, bytes.clone());
    let fetched = MonthFile::Fetched { file, bytes };
    FETCHED.with(|f| f.borrow_mut().insert(month.to_string(), fetched.clone()));
    Ok(fetched)
}

/// The check, in the worker when it can start, else on the page (with a note saying so).
async fn checked(
    model: &SavedModel,
    reference: &TripTable,
    months: &[MonthFile],
    settings: &MonitorSettings,
) -> Result<(SampleSummary, Vec<MonthCheck>, Option<String>), String> {
    let files: Vec<FileRef> = months.iter().map(MonthFile::file).collect();
    let columns = crate::state::open_file::decoded_numeric_columns();
    let thresholds = &settings.thresholds;
    match train_worker::monitor(reference, &files, &columns, model, thresholds).await {
        Ok((summary, checks)) => Ok((summary, checks, None)),
        Err(OffThreadError::Cancelled) => Err("the check was cancelled".into()),
        Err(OffThreadError::Failed(message)) => Err(message),
        Err(OffThreadError::Unavailable(reason)) => {
            let tables = months
                .iter()
                .zip(&settings.months)
                .map(|(month, source)| month.decoded(source))
                .collect::<Result<Vec<_>, _>>()?;
            let tables: Vec<&TripTable> = tables.iter().map(|t| t.as_ref()).collect();
            let (summary, checks) =
                check_tables(model, reference, &tables, thresholds).map_err(|e| e.to_string())?;
            let note = format!("Checked on the page, which could not respond meanwhile: {reason}.");
            Ok((summary, checks, Some(note)))
        }
    }
}

/// A short name for a month on the charts: `2023-01` out of `green_tripdata_2023-01.parquet`.
pub fn month_label(month: &str) -> String {
    let name = month.rsplit('/').next().unwrap_or(month);
    let stem = name.split('.').next().unwrap_or(name);
    stem.rsplit('_')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(stem)
        .to_string()
}

/// The model a Monitor cell names (a registered version, or a run's id), its label, and
/// its reference: the file its run was trained on, found by digest among the open files.
pub async fn named_model(
    registry: Option<RegistryStore>,
    runs: Option<RunStore>,
    datasets: Datasets,
    name: &str,
) -> Result<(Arc<SavedModel>, Arc<TripTable>, String), String> {
    let runs = runs.ok_or("there is no run store on this page")?;
    let is_run = runs
        .runs
        .with_untracked(|r| r.iter().any(|s| s.run.client_id == name));
    let (label, run, model) = if is_run {
        let run = runs.full_run(name).await?;
        let model = model_of_run(&run)?;
        (format!("run {} ({name})", run.name), run, model)
    } else {
        let registry = registry.ok_or("there is no model registry on this page")?;
        let (model_name, version, run, model) = registry.version_model(name, runs).await?;
        (
            format!("{model_name} version {} ({name})", version.version),
            run,
            model,
        )
    };
    let Some(trained_on) = run.inputs.iter().find(|i| i.role == DatasetRole::Train) else {
        return Err(format!(
            "{label}: its run does not name the file it was trained on, so there is no reference to compare with"
        ));
    };
    let reference = datasets
        .get_untracked()
        .into_iter()
        .find_map(|d| {
            d.trips
                .get_untracked()
                .filter(|t| t.sha256_hex == trained_on.digest)
        })
        .ok_or_else(|| {
            format!(
                "{label} was trained on {} (SHA-256 {}…), which is not open here; open that file to compare later months with it",
                trained_on.name,
                trained_on.digest.get(..12).unwrap_or(&trained_on.digest)
            )
        })?;
    Ok((Arc::new(model), reference, label))
}

pub async fn monitor_and_record(
    model: &Arc<SavedModel>,
    reference: &Arc<TripTable>,
    model_label: String,
    settings: &MonitorSettings,
    datasets: Datasets,
    run_store: Option<RunStore>,
    context: &TrainingContext,
) -> Result<MonitorOutcome, String> {
    if settings.months.is_empty() {
        return Err("add at least one later month to check (a file name or an address)".into());
    }
    let start = now_ms();
    let mut files = Vec::with_capacity(settings.months.len());
    for month in &settings.months {
        files.push(month_file(datasets, month).await?);
    }
    let (reference_sample, months, note) = checked(model, reference, &files, settings).await?;
    let elapsed_ms = now_ms() - start;
    let end_time_ms = js_sys::Date::now() as i64;
    let mut inputs = vec![DatasetInput::from_table(
        reference,
        &reference.file_name,
        DatasetRole::Reference,
    )];
    inputs.extend(
        months
            .iter()
            .zip(&settings.months)
            .map(|(month, source)| DatasetInput::from_month_check(month, source)),
    );
    let meta = RunMeta {
        client_id: new_client_id(),
        name: format!("monitor {} months", months.len()),
        experiment: current_experiment(),
        start_time_ms: end_time_ms - elapsed_ms.round() as i64,
        end_time_ms,
        description: String::new(),
        inputs,
    };
    let summary = MonitoringSummary {
        model_label: &model_label,
        model_train_digest: model.train_sha256(),
        model_family: model.family_name(),
        reference: &reference_sample,
        months: &months,
        thresholds: &settings.thresholds,
    };
    let mut run = run_from_monitoring(meta, &summary);
    add_missing_tags(&mut run, &context_tags(context));
    if let Some(store) = run_store {
        store.record(StoredRun::new(run.clone()));
    }
    Ok(MonitorOutcome {
        reference: reference_sample,
        labels: settings.months.iter().map(|m| month_label(m)).collect(),
        months,
        model_label,
        thresholds: settings.thresholds.clone(),
        run,
        elapsed_ms,
        note,
    })
}
