//! The Train cell's boosting settings, shown when the model is gradient-boosted trees:
//! XGBoost's parameters by their names, each with its range, and the two presets the
//! notebook teaches (the quick workshop settings and the course's tuned ones).

use flowbook_core::trees::TreeParams;
use leptos::prelude::*;

use crate::views::form::parse_number;

/// One boosting setting: its XGBoost name, what it is, and how to read and write it.
struct Field {
    name: &'static str,
    hint: &'static str,
    testid: &'static str,
    get: fn(&TreeParams) -> String,
    set: fn(&mut TreeParams, &str) -> Result<(), String>,
}

fn whole(name: &str, text: &str) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .map_err(|_| format!("{name} must be a whole number, such as 6 (got {text:?})"))
}

const FIELDS: [Field; 12] = [
    Field {
        name: "num_boost_round",
        hint: "rounds (trees), 1–100000",
        testid: "cell-num-boost-round",
        get: |p| p.num_boost_round.to_string(),
        set: |p, t| {
            p.num_boost_round = whole("num_boost_round", t)?;
            Ok(())
        },
    },
    Field {
        name: "learning_rate",
        hint: "η, shrinkage of each tree, above 0 and at most 1",
        testid: "cell-learning-rate",
        get: |p| p.learning_rate.to_string(),
        set: |p, t| {
            p.learning_rate = parse_number("learning_rate", t)?;
            Ok(())
        },
    },
    Field {
        name: "max_depth",
        hint: "levels below the root, 1–1000",
        testid: "cell-max-depth",
        get: |p| p.max_depth.to_string(),
        set: |p, t| {
            p.max_depth = whole("max_depth", t)?;
            Ok(())
        },
    },
    Field {
        name: "min_child_weight",
        hint: "fewest trips in a leaf, at least 0",
        testid: "cell-min-child-weight",
        get: |p| p.min_child_weight.to_string(),
        set: |p, t| {
            p.min_child_weight = parse_number("min_child_weight", t)?;
            Ok(())
        },
    },
    Field {
        name: "early_stopping_rounds",
        hint: "stop after this many rounds without a better validation RMSE; empty: never",
        testid: "cell-early-stopping",
        get: |p| {
            p.early_stopping_rounds
                .map_or(String::new(), |r| r.to_string())
        },
        set: |p, t| {
            p.early_stopping_rounds = match t.trim() {
                "" => None,
                text => Some(whole("early_stopping_rounds", text)?),
            };
            Ok(())
        },
    },
    Field {
        name: "subsample",
        hint: "share of trips per tree, above 0 and at most 1",
        testid: "cell-subsample",
        get: |p| p.subsample.to_string(),
        set: |p, t| {
            p.subsample = parse_number("subsample", t)?;
            Ok(())
        },
    },
    Field {
        name: "colsample_bytree",
        hint: "share of features per tree, above 0 and at most 1",
        testid: "cell-colsample-bytree",
        get: |p| p.colsample_bytree.to_string(),
        set: |p, t| {
            p.colsample_bytree = parse_number("colsample_bytree", t)?;
            Ok(())
        },
    },
    Field {
        name: "reg_lambda",
        hint: "L2 penalty on leaf values, at least 0",
        testid: "cell-reg-lambda",
        get: |p| p.reg_lambda.to_string(),
        set: |p, t| {
            p.reg_lambda = parse_number("reg_lambda", t)?;
            Ok(())
        },
    },
    Field {
        name: "reg_alpha",
        hint: "L1 penalty on leaf values, at least 0",
        testid: "cell-reg-alpha",
        get: |p| p.reg_alpha.to_string(),
        set: |p, t| {
            p.reg_alpha = parse_number("reg_alpha", t)?;
            Ok(())
        },
    },
    Field {
        name: "gamma",
        hint: "smallest loss reduction a split must bring, at least 0",
        testid: "cell-gamma",
        get: |p| p.gamma.to_string(),
        set: |p, t| {
            p.gamma = parse_number("gamma", t)?;
            Ok(())
        },
    },
    Field {
        name: "max_bin",
        hint: "histogram bins per number column, 2–65535",
        testid: "cell-max-bin",
        get: |p| p.max_bin.to_string(),
        set: |p, t| {
            p.max_bin = whole("max_bin", t)?;
            Ok(())
        },
    },
    Field {
        name: "seed",
        hint: "seed of the row and feature sampling",
        testid: "cell-seed",
        get: |p| p.seed.to_string(),
        set: |p, t| {
            p.seed = t
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("seed must be a whole number (got {t:?})"))?;
            Ok(())
        },
    },
];

/// The boosting settings of `params` (tracked); `change` receives each edit, already
/// checked against the engine's ranges by the caller.
#[component]
pub fn TreeSettingsEditor(
    params: Signal<TreeParams>,
    change: Callback<Result<TreeParams, String>>,
) -> impl IntoView {
    let fields = FIELDS
        .iter()
        .map(|field| {
            let (get, set, name) = (field.get, field.set, field.name);
            view! {
                <label title=field.hint>
                    {format!("{name} ")}
                    <input type="text" inputmode="decimal" size="9" data-testid=field.testid
                        prop:value=move || get(&params.get())
                        on:change=move |ev| {
                            let text = event_target_value(&ev);
                            let mut next = params.get_untracked();
                            change.run(set(&mut next, &text).map(|()| next));
                        } />
                    <small class="muted">{field.hint}</small>
                </label>
            }
        })
        .collect_view();
    let is = move |preset: TreeParams| params.get() == preset;
    view! {
        <div class="cell-controls tree-settings" data-testid="tree-settings">
            <div class="preset-buttons">
                <button class="button secondary" data-testid="preset-workshop"
                    prop:disabled=move || is(TreeParams::workshop())
                    on:click=move |_| change.run(Ok(TreeParams::workshop()))>
                    "Workshop settings (a few seconds)"
                </button>
                <button class="button secondary" data-testid="preset-course"
                    prop:disabled=move || is(TreeParams::course())
                    on:click=move |_| change.run(Ok(TreeParams::course()))>
                    "Course settings (1,000 rounds; a minute or two)"
                </button>
            </div>
            <p class="muted">
                "The course's settings reach a February 2021 validation RMSE of about 6.3 minutes (XGBoost: 6.318)."
            </p>
            {fields}
        </div>
    }
}
