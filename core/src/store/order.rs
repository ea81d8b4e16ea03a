//! How list views compare JSON values: a total order for sorting and a numeric-aware equality for
//! filters.
//!
//! Order: `null` (and a missing field) < booleans (`false < true`) < numbers (by exact numeric
//! value, so `1`, `1.0` tie and `2^63` sorts above `i64::MAX`) < strings (by Unicode code point)
//! < arrays (element by element, then shorter first) < objects (all tie). Sorting must be a total
//! order — Rust's sort may panic otherwise — so numbers are compared exactly, never through a
//! lossy `f64` cast.

use serde_json::{Number, Value};
use std::cmp::Ordering;

fn rank(value: &Value) -> u8 {
    match value {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    }
}

/// The total preorder described in the module docs.
pub(crate) fn compare_values(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b),
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Array(a), Value::Array(b)) => {
            for (a, b) in a.iter().zip(b) {
                let ordering = compare_values(a, b);
                if ordering != Ordering::Equal {
                    return ordering;
                }
            }
            a.len().cmp(&b.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// A JSON number as either an exact integer or a float (never NaN or infinite in serde_json).
enum Exact {
    Int(i128),
    Float(f64),
}

fn exact(number: &Number) -> Exact {
    if let Some(int) = number.as_i64() {
        Exact::Int(i128::from(int))
    } else if let Some(int) = number.as_u64() {
        Exact::Int(i128::from(int))
    } else {
        Exact::Float(number.as_f64().unwrap_or(0.0))
    }
}

fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    match (exact(a), exact(b)) {
        (Exact::Int(a), Exact::Int(b)) => a.cmp(&b),
        (Exact::Float(a), Exact::Float(b)) => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
        (Exact::Float(a), Exact::Int(b)) => compare_float_int(a, b),
        (Exact::Int(a), Exact::Float(b)) => compare_float_int(b, a).reverse(),
    }
}

/// Exact comparison of a finite float with an integer of at most 65 bits.
fn compare_float_int(float: f64, int: i128) -> Ordering {
    // 2^100 is far outside the integer range and exactly representable as f64.
    const BOUND: f64 = 1_267_650_600_228_229_401_496_703_205_376.0;
    if float >= BOUND {
        return Ordering::Greater;
    }
    if float <= -BOUND {
        return Ordering::Less;
    }
    let whole = float.trunc();
    // In range and integral, so the cast is exact.
    match (whole as i128).cmp(&int) {
        Ordering::Equal => float.partial_cmp(&whole).unwrap_or(Ordering::Equal),
        other => other,
    }
}

/// Equality for filters: like `==`, except numbers compare by value (`1` equals `1.0`).
pub(crate) fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => compare_numbers(a, b) == Ordering::Equal,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| loose_eq(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter().all(|(name, a)| b.get(name).is_some_and(|b| loose_eq(a, b)))
        }
        _ => a == b,
    }
}

/// One sort key's value for one entity, with its direction.
#[derive(Debug, Clone)]
pub(crate) struct SortCell {
    pub(crate) value: Value,
    pub(crate) descending: bool,
}

impl Ord for SortCell {
    fn cmp(&self, other: &Self) -> Ordering {
        let ordering = compare_values(&self.value, &other.value);
        if self.descending {
            ordering.reverse()
        } else {
            ordering
        }
    }
}

impl PartialOrd for SortCell {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SortCell {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SortCell {}

/// Where an entity sorts in a list: its sort-key values, then its id (ascending) as the final
/// tie-break, which makes the order total. Built by `ListView::sort_entry`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct SortEntry {
    pub(crate) cells: Box<[SortCell]>,
    pub(crate) id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_rank_null_bool_number_string_array_object() {
        let ascending = [
            json!(null),
            json!(false),
            json!(true),
            json!(-1e300),
            json!(i64::MIN),
            json!(-1.5),
            json!(-1),
            json!(0),
            json!(0.5),
            json!(1),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1e300),
            json!(""),
            json!("B"),
            json!("a"),
            json!("ab"),
            json!("é"),
            json!([]),
            json!([1]),
            json!([1, 2]),
            json!([2]),
            json!({"z": 1}),
        ];
        for (i, a) in ascending.iter().enumerate() {
            for (j, b) in ascending.iter().enumerate() {
                assert_eq!(compare_values(a, b), i.cmp(&j), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn numbers_compare_exactly_across_representations() {
        let equal = [(json!(1), json!(1.0)), (json!(0), json!(-0.0)), (json!(-7), json!(-7.0))];
        for (a, b) in equal {
            assert_eq!(compare_values(&a, &b), Ordering::Equal, "{a} vs {b}");
            assert!(loose_eq(&a, &b));
        }
        // 2^63 as a float equals u64 2^63 and is above i64::MAX, which a f64 cast would round up.
        let two_63 = json!(9_223_372_036_854_775_808.0);
        assert_eq!(compare_values(&two_63, &json!(9_223_372_036_854_775_808_u64)), Ordering::Equal);
        assert_eq!(compare_values(&two_63, &json!(i64::MAX)), Ordering::Greater);
        assert_eq!(compare_values(&json!(2.5), &json!(2)), Ordering::Greater);
        assert_eq!(compare_values(&json!(-2.5), &json!(-2)), Ordering::Less);
    }

    #[test]
    fn objects_tie_and_loose_eq_is_deep() {
        assert_eq!(compare_values(&json!({"a": 1}), &json!({"b": 2})), Ordering::Equal);
        assert!(loose_eq(&json!({"a": [1, {"b": 2.0}]}), &json!({"a": [1.0, {"b": 2}]})));
        assert!(!loose_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!loose_eq(&json!({"a": 1}), &json!({"b": 1})));
        assert!(!loose_eq(&json!([1]), &json!([1, 1])));
        assert!(!loose_eq(&json!("1"), &json!(1)));
        assert!(loose_eq(&json!(null), &json!(null)));
    }

    #[test]
    fn descending_cells_reverse_but_ids_stay_ascending() {
        let entry = |n: i64, id: &str| SortEntry {
            cells: vec![SortCell { value: json!(n), descending: true }].into_boxed_slice(),
            id: id.into(),
        };
        let mut entries = [entry(1, "b"), entry(2, "z"), entry(1, "a")];
        entries.sort();
        let ids: Vec<_> = entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["z", "a", "b"]);
    }
}
