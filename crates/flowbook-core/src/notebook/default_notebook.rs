//! The notebook a first visit opens: the duration-prediction walk-through, on the bundled
//! January and February 2021 green taxi files.

use super::cells::{
    CellKind, CompareSettings, DataSettings, DatasetRef, EvaluateSettings, PredictSettings,
    PrepareSettings, TrainSettings,
};
use super::document::Notebook;
use crate::trees::TreeParams;

pub const BUNDLED_TRAIN_FILE: &str = "green_tripdata_2021-01.parquet";
pub const BUNDLED_VALIDATION_FILE: &str = "green_tripdata_2021-02.parquet";

const INTRODUCTION: &str = "\
# How long will this taxi ride take?

This notebook builds a model that guesses a trip's duration before it starts, from where it
starts, where it ends and how far it goes.

The data are the trip records New York City's Taxi and Limousine Commission publishes each
month. We use the **green** taxis (the ones that mostly serve the outer boroughs) of
**January 2021** to learn from and **February 2021** to check the model on. Both files come
with Flowbook, so everything below runs without a download.

Each cell does one step and shows its result. Change a setting and the cells that depend on
it turn *stale*; run them again (or press **Run all**) to bring them up to date.";

const ABOUT_TARGET: &str = "\
## What we predict, and from what

The files hold a pickup time and a dropoff time, not a duration, so the **target** is made
here: dropoff minus pickup, in minutes. A few records are odd — zero-second rides, or rides
that apparently last a day because the meter was left running — so we keep only trips of
**1 to 60 minutes**, which removes a small share of the rows.

The **features**:

- `PU_DO`: the pickup zone and the dropoff zone glued into one label, such as `74_75`.
  It is one-hot encoded: the model learns one number per zone pair seen in January, so a
  pair's typical traffic is captured, not just each zone's.
- `trip_distance`: the distance the meter recorded, in miles, used as it is.";

const ABOUT_TRAINING: &str = "\
## Training, and checking on the next month

The model is a **linear regression**: a duration is a sum of one weight per feature plus a
constant. It is fitted on January only.

Scoring a model on the trips it learned from flatters it. Scoring it on **February** asks
the real question: does it still work on rides it has never seen, a month later, as it would
once deployed? If the January error is much lower than the February one, the model has
memorised rather than learned.

The score is the **RMSE** (root mean squared error): the typical size of a mistake, in
minutes. An RMSE of 7 means predictions are off by around seven minutes; large misses count
more than small ones because errors are squared before averaging.";

const ABOUT_TUNING: &str = "\
## Try other models

Plain linear regression can give rare zone pairs extreme weights. Two variants rein the
weights in:

- **Ridge** shrinks every weight a little; `alpha` says how hard.
- **Lasso** pushes many weights to exactly zero, keeping only the useful ones.

Switch the Train cell's model, or give it a list of alphas to run a **sweep**: one model per
alpha, all recorded. The Compare cell lists the runs side by side, best validation RMSE
first.";

const ABOUT_PREDICTION: &str = "\
## Ask the model

Pick a pickup zone, a dropoff zone and a distance: the Predict cell answers with the
duration the latest trained model expects. Zone 74 is East Harlem North and zone 75 East
Harlem South.";

const ABOUT_TREES: &str = "\
## Gradient-boosted trees

A linear model adds one weight per zone pair to a cost per mile, so it cannot learn that a
mile downtown at rush hour takes longer than a mile on the highway. **Gradient-boosted
trees** can: each tree splits the trips on a question (is the distance below 2.3 miles? is
this zone pair 74→75?) and the next tree corrects what the earlier ones got wrong.

The cell below trains 50 rounds of trees up to 20 levels deep with a learning rate of 0.3:
a few seconds here, and a clearly lower validation RMSE than the linear models above: the
cell says how far below the best linear run it lands. It stops early when ten rounds in a row do not improve the
February score, and keeps the best round.

The course's tuned XGBoost settings (1,000 rounds at learning rate 0.0959, depth 30, early
stopping after 50 rounds) reach a February RMSE of about **6.3** minutes against 7.48 for
the best linear model. Pick **Course settings** in the cell to run them; expect a minute or
two in a browser, with the rounds counted as they go.";

/// The first-visit notebook.
pub fn default_notebook() -> Notebook {
    let mut notebook = Notebook::new("Predicting NYC taxi trip durations");
    let markdown = |text: &str| CellKind::Markdown {
        source: text.to_string(),
    };
    notebook.push(markdown(INTRODUCTION));
    notebook.push(CellKind::Data(DataSettings {
        train: bundled(
            BUNDLED_TRAIN_FILE,
            "b8e2c9496c5eada0f10adbd88f98d91721ec6fe2787a2b355cf0ccfa9678ee7b",
        ),
        validation: bundled(
            BUNDLED_VALIDATION_FILE,
            "fd43c7afa2002716c8afadfd57665ab9c9ad99be419570a9b0a08de15cbeb64e",
        ),
    }));
    notebook.push(markdown(ABOUT_TARGET));
    notebook.push(CellKind::Prepare(PrepareSettings::default()));
    notebook.push(markdown(ABOUT_TRAINING));
    notebook.push(CellKind::Train(TrainSettings::default()));
    notebook.push(CellKind::Evaluate(EvaluateSettings::default()));
    notebook.push(markdown(ABOUT_TUNING));
    notebook.push(CellKind::Compare(CompareSettings::default()));
    notebook.push(markdown(ABOUT_PREDICTION));
    notebook.push(CellKind::Predict(PredictSettings {
        pickup_zone: 74,
        dropoff_zone: 75,
        trip_distance: 1.5,
    }));
    notebook.push(markdown(ABOUT_TREES));
    notebook.push(CellKind::Train(
        TrainSettings::trees(TreeParams::workshop()),
    ));
    notebook.push(CellKind::Evaluate(EvaluateSettings::default()));
    notebook
}

/// A file shipped with Flowbook, named with its digest so a changed copy is noticed.
fn bundled(file_name: &str, sha256: &str) -> DatasetRef {
    DatasetRef {
        file_name: file_name.to_string(),
        url: None,
        sha256: Some(sha256.to_string()),
    }
}
