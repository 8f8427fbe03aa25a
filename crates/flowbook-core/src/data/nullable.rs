//! A compact column of nullable values: the values in one vector and, only when the
//! column has nulls, a validity bitmap beside them (one bit per row, as Arrow keeps it).
//! A `Vec<Option<i64>>` takes 16 bytes a row; this takes 8 bytes and at most one bit.

use std::fmt;
use std::mem::size_of;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Values with an optional validity bitmap: bit `i % 64` of word `i / 64` is set when row
/// `i` holds a value. `validity` is `None` while the column has no nulls. The value stored
/// under a null is unspecified (whatever the file had there, or `T::default()`).
///
/// Equality, `Debug` and serde look only at what `get` returns, so two columns that
/// differ only under their nulls, or in having an all-set bitmap or none, are equal; serde
/// reads and writes the same sequence of `Option<T>` as a `Vec<Option<T>>` does.
#[derive(Clone, Default)]
pub struct NullableColumn<T> {
    values: Vec<T>,
    validity: Option<Vec<u64>>,
}

const WORD_BITS: usize = 64;

/// The lowest `n` bits set (`n` ≤ 64).
fn low_bits(n: usize) -> u64 {
    if n >= WORD_BITS {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// An all-valid bitmap of `len` bits, with room for `capacity` bits.
fn all_valid(len: usize, capacity: usize) -> Vec<u64> {
    let mut words = Vec::with_capacity(capacity.max(len).div_ceil(WORD_BITS));
    words.resize(len / WORD_BITS, u64::MAX);
    if !len.is_multiple_of(WORD_BITS) {
        words.push(low_bits(len % WORD_BITS));
    }
    words
}

/// Appends `n` bits taken from `words` (64 a word, least significant first) to a bitmap
/// holding `len` bits whose unused high bits are zero.
fn append_bits(bitmap: &mut Vec<u64>, len: usize, n: usize, words: impl Iterator<Item = u64>) {
    let shift = len % WORD_BITS;
    let mut left = n;
    for word in words {
        if left == 0 {
            break;
        }
        let take = left.min(WORD_BITS);
        let word = word & low_bits(take);
        if shift == 0 {
            bitmap.push(word);
        } else {
            if let Some(last) = bitmap.last_mut() {
                *last |= word << shift;
            }
            if take > WORD_BITS - shift {
                bitmap.push(word >> (WORD_BITS - shift));
            }
        }
        left -= take;
    }
    // A short iterator means zeros (nulls) for the rest.
    let bits = len + n;
    bitmap.resize(bits.div_ceil(WORD_BITS), 0);
}

impl<T: Copy + Default> NullableColumn<T> {
    pub fn new() -> Self {
        NullableColumn {
            values: Vec::new(),
            validity: None,
        }
    }

    /// An empty column with room for `rows` values (the bitmap is made only if needed).
    pub fn with_capacity(rows: usize) -> Self {
        NullableColumn {
            values: Vec::with_capacity(rows),
            validity: None,
        }
    }

    /// A column without nulls.
    pub fn from_values(values: Vec<T>) -> Self {
        NullableColumn {
            values,
            validity: None,
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Whether row `i` holds a value (false for a null and past the end).
    #[inline]
    pub fn is_valid(&self, i: usize) -> bool {
        if i >= self.values.len() {
            return false;
        }
        match &self.validity {
            None => true,
            Some(bits) => bits[i / WORD_BITS] >> (i % WORD_BITS) & 1 == 1,
        }
    }

    /// The value of row `i`, `None` for a null or past the end.
    #[inline]
    pub fn get(&self, i: usize) -> Option<T> {
        if self.is_valid(i) {
            Some(self.values[i])
        } else {
            None
        }
    }

    /// The rows in order, `None` for nulls.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter {
            column: self,
            next: 0,
        }
    }

    /// The stored values, including the unspecified ones under nulls.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// The validity bitmap, `None` when the column has no nulls.
    pub fn validity_words(&self) -> Option<&[u64]> {
        self.validity.as_deref()
    }

    pub fn null_count(&self) -> usize {
        match &self.validity {
            None => 0,
            Some(bits) => self.len() - bits.iter().map(|w| w.count_ones() as usize).sum::<usize>(),
        }
    }

    pub fn push(&mut self, value: Option<T>) {
        let len = self.values.len();
        match value {
            Some(v) => {
                self.values.push(v);
                if let Some(bits) = &mut self.validity {
                    append_bits(bits, len, 1, std::iter::once(1));
                }
            }
            None => {
                self.values.push(T::default());
                let capacity = self.values.capacity();
                let bits = self
                    .validity
                    .get_or_insert_with(|| all_valid(len, capacity));
                append_bits(bits, len, 1, std::iter::once(0));
            }
        }
    }

    /// Appends `values`, all present.
    pub fn extend_valid(&mut self, values: impl IntoIterator<Item = T>) {
        let len = self.values.len();
        self.values.extend(values);
        let added = self.values.len() - len;
        if let Some(bits) = &mut self.validity {
            append_bits(bits, len, added, std::iter::repeat(u64::MAX));
        }
    }

    /// Appends `values` with their validity as bitmap words (64 rows a word, least
    /// significant bit first, a set bit for a value); missing words mean nulls.
    pub fn extend_with_validity(
        &mut self,
        values: impl IntoIterator<Item = T>,
        validity: impl Iterator<Item = u64>,
    ) {
        let len = self.values.len();
        self.values.extend(values);
        let added = self.values.len() - len;
        let capacity = self.values.capacity();
        let bits = self
            .validity
            .get_or_insert_with(|| all_valid(len, capacity));
        append_bits(bits, len, added, validity);
    }

    /// Appends another column.
    pub fn append(&mut self, other: &NullableColumn<T>) {
        match &other.validity {
            None => self.extend_valid(other.values.iter().copied()),
            Some(bits) => {
                self.extend_with_validity(other.values.iter().copied(), bits.iter().copied())
            }
        }
    }

    /// Sets row `i` to `value` (a null for `None`).
    ///
    /// # Panics
    /// If `i` is past the end, like indexing a `Vec`.
    pub fn set(&mut self, i: usize, value: Option<T>) {
        let len = self.values.len();
        assert!(i < len, "row {i} of a column of {len} rows");
        match value {
            Some(v) => {
                self.values[i] = v;
                if let Some(bits) = &mut self.validity {
                    bits[i / WORD_BITS] |= 1u64 << (i % WORD_BITS);
                }
            }
            None => self.set_null(i),
        }
    }

    /// Makes row `i` a null.
    ///
    /// # Panics
    /// If `i` is past the end, like indexing a `Vec`.
    pub fn set_null(&mut self, i: usize) {
        let len = self.values.len();
        assert!(i < len, "row {i} of a column of {len} rows");
        let capacity = self.values.capacity();
        let bits = self
            .validity
            .get_or_insert_with(|| all_valid(len, capacity));
        bits[i / WORD_BITS] &= !(1u64 << (i % WORD_BITS));
    }

    /// The same rows with `f` applied to the values (nulls stay nulls).
    pub fn map<U: Copy + Default>(&self, f: impl FnMut(T) -> U) -> NullableColumn<U> {
        NullableColumn {
            values: self.values.iter().copied().map(f).collect(),
            validity: self.validity.clone(),
        }
    }

    /// Rows `indices`, in that order (an index past the end gives a null).
    pub fn take(&self, indices: &[usize]) -> NullableColumn<T> {
        indices.iter().map(|&i| self.get(i)).collect()
    }

    /// The rows as `Option`s: 16 bytes a row for `i64`, for tests and small tables only.
    pub fn to_vec(&self) -> Vec<Option<T>> {
        self.iter().collect()
    }

    /// Releases spare capacity, and the bitmap if every row turned out to hold a value.
    pub fn shrink_to_fit(&mut self) {
        self.values.shrink_to_fit();
        if self.null_count() == 0 {
            self.validity = None;
        }
        if let Some(bits) = &mut self.validity {
            bits.shrink_to_fit();
        }
    }

    /// Bytes this column holds on the heap (allocated capacity, not just length).
    pub fn heap_bytes(&self) -> usize {
        self.values.capacity() * size_of::<T>()
            + self
                .validity
                .as_ref()
                .map_or(0, |bits| bits.capacity() * size_of::<u64>())
    }
}

/// Iterator over a column's rows as `Option<T>`.
pub struct Iter<'a, T> {
    column: &'a NullableColumn<T>,
    next: usize,
}

impl<T: Copy + Default> Iterator for Iter<'_, T> {
    type Item = Option<T>;

    #[inline]
    fn next(&mut self) -> Option<Option<T>> {
        if self.next >= self.column.len() {
            return None;
        }
        let value = self.column.get(self.next);
        self.next += 1;
        Some(value)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.column.len().saturating_sub(self.next);
        (left, Some(left))
    }
}

impl<T: Copy + Default> ExactSizeIterator for Iter<'_, T> {}

impl<'a, T: Copy + Default> IntoIterator for &'a NullableColumn<T> {
    type Item = Option<T>;
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T: Copy + Default> FromIterator<Option<T>> for NullableColumn<T> {
    fn from_iter<I: IntoIterator<Item = Option<T>>>(iter: I) -> Self {
        let iter = iter.into_iter();
        let mut column = NullableColumn::with_capacity(iter.size_hint().0);
        column.extend(iter);
        column
    }
}

impl<T: Copy + Default> Extend<Option<T>> for NullableColumn<T> {
    fn extend<I: IntoIterator<Item = Option<T>>>(&mut self, iter: I) {
        for value in iter {
            self.push(value);
        }
    }
}

impl<T: Copy + Default> From<Vec<Option<T>>> for NullableColumn<T> {
    fn from(values: Vec<Option<T>>) -> Self {
        values.into_iter().collect()
    }
}

impl<T: Copy + Default + PartialEq> PartialEq for NullableColumn<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<T: Copy + Default + PartialEq> PartialEq<[Option<T>]> for NullableColumn<T> {
    fn eq(&self, other: &[Option<T>]) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter().copied())
    }
}

impl<T: Copy + Default + PartialEq> PartialEq<Vec<Option<T>>> for NullableColumn<T> {
    fn eq(&self, other: &Vec<Option<T>>) -> bool {
        self == other.as_slice()
    }
}

impl<T: Copy + Default + fmt::Debug> fmt::Debug for NullableColumn<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: Copy + Default + Serialize> Serialize for NullableColumn<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, T: Copy + Default + Deserialize<'de>> Deserialize<'de> for NullableColumn<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut column: NullableColumn<T> = Vec::<Option<T>>::deserialize(deserializer)?.into();
        column.shrink_to_fit();
        Ok(column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows where every `period`-th (offset by `phase`) is a null.
    fn pattern(n: usize, period: usize, phase: usize) -> Vec<Option<i64>> {
        (0..n)
            .map(|i| (i % period != phase).then_some(i as i64 * 3 - 7))
            .collect()
    }

    fn check(column: &NullableColumn<i64>, expected: &[Option<i64>]) {
        assert_eq!(column.len(), expected.len());
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(column.get(i), *want, "row {i}");
            assert_eq!(column.is_valid(i), want.is_some(), "row {i}");
        }
        assert_eq!(column.get(expected.len()), None);
        assert_eq!(column.to_vec(), expected);
        assert_eq!(
            column.null_count(),
            expected.iter().filter(|v| v.is_none()).count()
        );
        if let Some(bits) = column.validity_words() {
            assert_eq!(bits.len(), expected.len().div_ceil(64));
            // Bits past the end stay clear, so counting ones counts values.
            if !expected.len().is_multiple_of(64) {
                let last = bits[bits.len() - 1];
                assert_eq!(last >> (expected.len() % 64), 0);
            }
        }
    }

    #[test]
    fn nulls_at_word_boundaries() {
        for n in [0usize, 1, 63, 64, 65, 127, 128, 129, 200] {
            let mut expected: Vec<Option<i64>> = (0..n as i64).map(Some).collect();
            for i in [0, 62, 63, 64, 65, 127, 128, n.saturating_sub(1)] {
                if i < n {
                    expected[i] = None;
                }
            }
            let pushed: NullableColumn<i64> = expected.iter().copied().collect();
            check(&pushed, &expected);
            // Appended in pieces whose starts fall inside words, as batches do.
            for split in [1, 3, 63, 64, 65, 100] {
                let mut column = NullableColumn::new();
                for piece in expected.chunks(split) {
                    column.append(&NullableColumn::from(piece.to_vec()));
                }
                check(&column, &expected);
                assert_eq!(column, pushed);
            }
        }
    }

    #[test]
    fn all_null_and_no_null() {
        let nulls = vec![None; 130];
        let column: NullableColumn<f64> = nulls.iter().copied().collect();
        assert_eq!(column.len(), 130);
        assert_eq!(column.null_count(), 130);
        assert!(column.iter().all(|v| v.is_none()));
        assert_eq!(column, nulls);

        let values: Vec<i64> = (0..130).collect();
        let column = NullableColumn::from_values(values.clone());
        assert!(column.validity_words().is_none());
        assert_eq!(column.null_count(), 0);
        assert_eq!(column.heap_bytes(), values.capacity() * 8);
        check(
            &column,
            &values.iter().copied().map(Some).collect::<Vec<_>>(),
        );
        // A column built from `Some`s only never makes a bitmap.
        let pushed: NullableColumn<i64> = values.iter().copied().map(Some).collect();
        assert!(pushed.validity_words().is_none());
        assert_eq!(pushed, column);
    }

    #[test]
    fn bitmap_words_extend_and_mark_nulls() {
        let expected = pattern(300, 7, 3);
        // Build the bitmap words by hand, then append in uneven pieces.
        let mut column = NullableColumn::new();
        let mut start = 0;
        for size in [10, 54, 64, 1, 100, 71] {
            let piece = &expected[start..start + size];
            let mut words = vec![0u64; size.div_ceil(64)];
            for (i, v) in piece.iter().enumerate() {
                if v.is_some() {
                    words[i / 64] |= 1 << (i % 64);
                }
            }
            column.extend_with_validity(piece.iter().map(|v| v.unwrap_or(-1)), words.into_iter());
            start += size;
        }
        check(&column, &expected);
        column.extend_valid([5, 6]);
        column.set_null(301);
        let mut longer = expected.clone();
        longer.extend([Some(5), None]);
        check(&column, &longer);
        assert_eq!(column.map(|v| v * 2).get(300), Some(10));
        column.set(3, Some(42));
        column.set(300, None);
        longer[3] = Some(42);
        longer[300] = None;
        check(&column, &longer);
        assert_eq!(
            column.take(&[3, 301, 299, 999]).to_vec(),
            vec![Some(42), None, Some(890), None]
        );
    }

    #[test]
    fn equality_and_serde_ignore_what_sits_under_nulls() {
        let mut a = NullableColumn::from_values(vec![1i64, 2, 3]);
        let mut b = NullableColumn::from_values(vec![1i64, 99, 3]);
        assert_ne!(a, b);
        a.set_null(1);
        b.set_null(1);
        assert_eq!(a, b);
        let json = serde_json::to_string(&a).expect("json");
        assert_eq!(json, "[1,null,3]");
        let back: NullableColumn<i64> = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, a);
        let full: NullableColumn<i64> = serde_json::from_str("[1,2]").expect("parse");
        assert!(full.validity_words().is_none());
        assert_eq!(format!("{a:?}"), "[Some(1), None, Some(3)]");
    }
}
