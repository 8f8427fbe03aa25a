//! The columns an exported model reads: named as in the TLC files where they exist there,
//! typed so that a pandas frame built the obvious way (integer IDs, float numbers) passes
//! MLflow's signature check and feeds the ONNX graph without conversion.

use super::onnx_proto::ElemType;
use super::ExportError;
use crate::features::Categorical;
use crate::model::TripModel;

/// The pickup time, for `pickup_hour` and `pickup_weekday`: TLC's local wall-clock time as
/// integer microseconds since 1970-01-01 00:00 (in pandas:
/// `df.lpep_pickup_datetime.astype("datetime64[us]").astype("int64")`). An integer rather
/// than a datetime column because MLflow's ONNX flavor hands columns to onnxruntime as
/// they are, and onnxruntime has no datetime tensors.
pub const PICKUP_TIME_INPUT: &str = "pickup_datetime_us";

/// The predicted trip duration in minutes.
pub const OUTPUT_NAME: &str = "duration";

pub const PICKUP_LOCATION_INPUT: &str = "PULocationID";
pub const DROPOFF_LOCATION_INPUT: &str = "DOLocationID";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A TLC zone ID: int64, MLflow `long`.
    ZoneId,
    /// See [`PICKUP_TIME_INPUT`]: int64, MLflow `long`.
    PickupTimeMicros,
    /// A numerical feature used as it is: double, MLflow `double`.
    Number,
}

impl InputKind {
    /// The column type in the MLflow signature.
    pub fn mlflow_type(self) -> &'static str {
        match self {
            InputKind::ZoneId | InputKind::PickupTimeMicros => "long",
            InputKind::Number => "double",
        }
    }

    pub(crate) fn elem_type(self) -> ElemType {
        match self {
            InputKind::ZoneId | InputKind::PickupTimeMicros => ElemType::Int64,
            InputKind::Number => ElemType::Double,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelInput {
    pub name: String,
    pub kind: InputKind,
}

/// The inputs of the exported model, in order: the zone IDs and the pickup time the
/// categorical features need, then the numerical features in the model's order.
pub fn model_inputs<M: TripModel + ?Sized>(model: &M) -> Result<Vec<ModelInput>, ExportError> {
    let features: Vec<Categorical> = model
        .encoder()
        .vocabularies
        .iter()
        .map(|v| v.feature)
        .collect();
    let uses = |wanted: &[Categorical]| features.iter().any(|f| wanted.contains(f));
    let mut inputs = Vec::new();
    if uses(&[Categorical::PickupLocation, Categorical::PickupDropoffPair]) {
        inputs.push(ModelInput {
            name: PICKUP_LOCATION_INPUT.to_string(),
            kind: InputKind::ZoneId,
        });
    }
    if uses(&[Categorical::DropoffLocation, Categorical::PickupDropoffPair]) {
        inputs.push(ModelInput {
            name: DROPOFF_LOCATION_INPUT.to_string(),
            kind: InputKind::ZoneId,
        });
    }
    if uses(&[Categorical::PickupHour, Categorical::PickupWeekday]) {
        inputs.push(ModelInput {
            name: PICKUP_TIME_INPUT.to_string(),
            kind: InputKind::PickupTimeMicros,
        });
    }
    for name in &model.encoder().spec.numerical {
        let taken = name == OUTPUT_NAME || inputs.iter().any(|input| &input.name == name);
        if taken {
            return Err(ExportError::NameClash { name: name.clone() });
        }
        inputs.push(ModelInput {
            name: name.clone(),
            kind: InputKind::Number,
        });
    }
    if inputs.is_empty() {
        return Err(ExportError::NoFeatures);
    }
    Ok(inputs)
}
