//! One-hot vocabularies learnt from training rows, and the compact encoded design that
//! the solvers read: per row one category code per categorical feature plus the numbers.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::prepare::PreparedRows;
use super::spec::{Categorical, FeatureSpec};
use super::FeatureError;
use crate::data::{NullableColumn, TripTable};

/// Code of a category not seen in training: it gets no column, so it contributes zero.
pub const UNSEEN: u32 = u32::MAX;

const MICROS_PER_HOUR: i64 = 3_600_000_000;
const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// The category key of row `i` for a feature; a pair for `PU_DO`, `(value, 0)` otherwise.
pub fn category_key(table: &TripTable, feature: Categorical, i: usize) -> Option<(i64, i64)> {
    let at = |column: &NullableColumn<i64>| column.get(i);
    match feature {
        Categorical::PickupLocation => Some((at(&table.pu_location)?, 0)),
        Categorical::DropoffLocation => Some((at(&table.do_location)?, 0)),
        Categorical::PickupDropoffPair => Some((at(&table.pu_location)?, at(&table.do_location)?)),
        // TLC times are local wall-clock times stored without a zone.
        Categorical::PickupHour => Some((
            at(&table.pickup_us)?
                .div_euclid(MICROS_PER_HOUR)
                .rem_euclid(24),
            0,
        )),
        // 1970-01-01 was a Thursday (weekday 3 when Monday is 0).
        Categorical::PickupWeekday => Some((
            (at(&table.pickup_us)?.div_euclid(MICROS_PER_DAY) + 3).rem_euclid(7),
            0,
        )),
    }
}

/// The categories of one feature seen in training, ordered as DictVectorizer orders
/// its feature names (by their strings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vocabulary {
    pub feature: Categorical,
    pub keys: Vec<(i64, i64)>,
    #[serde(skip)]
    index: HashMap<(i64, i64), u32>,
}

impl Vocabulary {
    fn new(feature: Categorical, mut keys: Vec<(i64, i64)>) -> Self {
        keys.sort_by_cached_key(|&k| feature.value_name(k));
        keys.dedup();
        let index = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        Vocabulary {
            feature,
            keys,
            index,
        }
    }

    /// Rebuilds the lookup after deserialising.
    pub fn rebuild_index(&mut self) {
        self.index = self
            .keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn code(&self, key: (i64, i64)) -> u32 {
        self.index.get(&key).copied().unwrap_or(UNSEEN)
    }

    /// DictVectorizer's column name, e.g. `PU_DO=74_75`.
    pub fn column_name(&self, code: usize) -> Option<String> {
        let key = *self.keys.get(code)?;
        Some(format!(
            "{}={}",
            self.feature.name(),
            self.feature.value_name(key)
        ))
    }
}

/// Everything needed to turn trip rows into model inputs: the feature list and the
/// vocabularies learnt from the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoder {
    pub spec: FeatureSpec,
    pub vocabularies: Vec<Vocabulary>,
}

/// Rows ready for a solver. Row-major: `codes[i * k + f]`, `numeric[i * m + j]`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Design {
    pub n_rows: usize,
    pub n_categorical: usize,
    pub n_numerical: usize,
    pub codes: Vec<u32>,
    pub numeric: Vec<f64>,
    pub target: Vec<f64>,
}

impl Design {
    pub fn row_codes(&self, i: usize) -> &[u32] {
        let k = self.n_categorical;
        self.codes.get(i * k..(i + 1) * k).unwrap_or(&[])
    }

    pub fn row_numeric(&self, i: usize) -> &[f64] {
        let m = self.n_numerical;
        self.numeric.get(i * m..(i + 1) * m).unwrap_or(&[])
    }
}

impl Encoder {
    /// Learns the vocabularies from the training rows.
    pub fn fit(
        spec: &FeatureSpec,
        table: &TripTable,
        rows: &PreparedRows,
    ) -> Result<Encoder, FeatureError> {
        if rows.rows.is_empty() {
            return Err(FeatureError::NoRows {
                file: table.file_name.clone(),
            });
        }
        let mut vocabularies = Vec::with_capacity(spec.categorical.len());
        for &feature in &spec.categorical {
            let seen: HashSet<(i64, i64)> = rows
                .rows
                .iter()
                .filter_map(|&i| category_key(table, feature, i as usize))
                .collect();
            vocabularies.push(Vocabulary::new(feature, seen.into_iter().collect()));
        }
        Ok(Encoder {
            spec: spec.clone(),
            vocabularies,
        })
    }

    /// Number of model columns: DictVectorizer's `len(feature_names_)`.
    pub fn n_columns(&self) -> usize {
        self.vocabularies.iter().map(Vocabulary::len).sum::<usize>() + self.spec.numerical.len()
    }

    /// Where each feature's columns sit in the solver's column order.
    pub fn layout(&self) -> crate::solve::Layout {
        crate::solve::Layout {
            block_sizes: self.vocabularies.iter().map(Vocabulary::len).collect(),
            n_numerical: self.spec.numerical.len(),
        }
    }

    /// Column names in the solver's order: each categorical block, then the numbers.
    pub fn column_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_columns());
        for vocabulary in &self.vocabularies {
            names.extend((0..vocabulary.len()).filter_map(|c| vocabulary.column_name(c)));
        }
        names.extend(self.spec.numerical.iter().cloned());
        names
    }

    /// Encodes prepared rows with this encoder's vocabularies.
    pub fn encode(&self, table: &TripTable, rows: &PreparedRows) -> Result<Design, FeatureError> {
        let k = self.vocabularies.len();
        let m = self.spec.numerical.len();
        let n = rows.rows.len();
        let mut design = Design {
            n_rows: n,
            n_categorical: k,
            n_numerical: m,
            codes: Vec::with_capacity(n * k),
            numeric: Vec::with_capacity(n * m),
            target: rows.duration_min.clone(),
        };
        let mut numeric_columns = Vec::with_capacity(m);
        for name in &self.spec.numerical {
            numeric_columns.push(table.numeric.get(name).ok_or_else(|| {
                FeatureError::Spec(format!(
                    "{} has no column {name}, which the model uses",
                    table.file_name
                ))
            })?);
        }
        for &i in &rows.rows {
            let i = i as usize;
            for vocabulary in &self.vocabularies {
                let code = category_key(table, vocabulary.feature, i)
                    .map_or(UNSEEN, |key| vocabulary.code(key));
                design.codes.push(code);
            }
            for column in &numeric_columns {
                design.numeric.push(column.get(i).unwrap_or(f64::NAN));
            }
        }
        Ok(design)
    }
}
