//! Hyperparameter search: a space in hyperopt's vocabulary (`space`), its dimensions
//! (`domain`), grid, random and TPE suggestions (`tpe`, `run`), and trials that train on
//! trip files (`trips`). Every trial is a run; the search is their parent run.

pub mod compare;
pub mod domain;
pub mod functions;
pub mod run;
pub mod space;
pub mod tpe;
pub mod trips;

pub use compare::trial_parallel_coordinates;
pub use domain::{Condition, Dimension, Dist, Domain, Point, SearchRng};
pub use run::{
    run_search, Algorithm, History, SearchLoop, SearchSettings, StopReason, Suggester, MAX_EVALS,
    PARALLEL_BATCH,
};
pub use space::{
    Family, SearchSpace, SpaceError, TrialConfig, TrialModel, SPACE_FORMAT, SPACE_VERSION,
};
pub use tpe::{Observation, TpeSettings};
pub use trips::{run_trip_search, TrialFit, TrialMetrics, TrialReport, TrialScore, TripSearch};
