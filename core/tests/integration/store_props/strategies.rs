//! Random inputs: ops over a handful of kinds and ids (values with nested objects, nulls and the
//! odd non-object or too-deep body; versions from a small range), programs that repeat and replay
//! earlier ops, store limits and list views.

use proptest::prelude::*;
use proptest::sample::{select, Index};
use serde_json::{json, Map, Value};
use tether_core::{EntityKey, Filter, ListView, Op, SortKey, StoreLimits, Version};

const KINDS: [&str; 2] = ["a", "b"];
const IDS: [&str; 3] = ["1", "2", "3"];
const FIELDS: [&str; 4] = ["s", "n", "o", "l"];
/// Entity values reach 4 levels, so some are refused as too deep.
const MAX_DEPTH: usize = 3;

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::from),
        3 => (0i64..3).prop_map(Value::from),
        1 => Just(json!(1.0)),
        2 => select(vec!["x", "y", "z"]).prop_map(Value::from),
    ]
}

fn object_of(values: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(select(FIELDS.to_vec()).prop_map(String::from), values, 0..4)
        .prop_map(|fields| Value::Object(fields.into_iter().collect::<Map<_, _>>()))
}

/// Up to 3 levels of containers, so an entity (one more) may exceed `MAX_DEPTH`.
fn tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            object_of(inner),
        ]
    })
}

/// A field of an entity or patch: mostly a scalar (so filters and sort keys see comparable
/// values), else a small object (for `/o/n`) or any tree. Scalars include `null`: kept by an
/// upsert, a deletion in a merge.
fn field() -> impl Strategy<Value = Value> {
    prop_oneof![4 => leaf(), 2 => object_of(leaf()), 1 => tree()]
}

/// Upsert values: mostly objects; now and then not an object.
fn body() -> impl Strategy<Value = Value> {
    prop_oneof![12 => object_of(field()), 1 => tree()]
}

/// Merge patches: like upsert values with more `null` fields.
fn patch() -> impl Strategy<Value = Value> {
    let field = prop_oneof![1 => Just(Value::Null), 3 => field()];
    prop_oneof![12 => object_of(field), 1 => tree()]
}

fn version() -> impl Strategy<Value = Option<Version>> {
    prop_oneof![1 => Just(None), 3 => (0i64..4).prop_map(|v| Some(Version(v)))]
}

fn key() -> impl Strategy<Value = EntityKey> {
    (select(KINDS.to_vec()), select(IDS.to_vec())).prop_map(|(kind, id)| EntityKey::new(kind, id))
}

pub(super) fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (key(), body(), version()).prop_map(|(key, value, version)| Op::Upsert { key, value, version }),
        6 => (key(), patch(), version()).prop_map(|(key, patch, version)| Op::Merge { key, patch, version }),
        4 => (key(), version()).prop_map(|(key, version)| Op::Delete { key, version }),
        1 => Just(Op::ClearAll),
        1 => Just(Op::Heartbeat { interval_ms: None }),
    ]
}

#[derive(Debug, Clone)]
enum Step {
    New(Op),
    /// The previous op again (a duplicate).
    Again,
    /// An earlier op again (a replay after a resume).
    Replay(Index),
}

/// Ops, each with whether to take the changes after it.
pub(super) fn program() -> impl Strategy<Value = Vec<(Op, bool)>> {
    let step = prop_oneof![
        6 => op().prop_map(Step::New),
        1 => Just(Step::Again),
        1 => any::<Index>().prop_map(Step::Replay),
    ];
    prop::collection::vec((step, prop::bool::weighted(0.3)), 1..40).prop_map(|steps| {
        let mut ops: Vec<Op> = Vec::new();
        let mut program = Vec::new();
        for (step, take) in steps {
            let op = match step {
                Step::New(op) => op,
                Step::Again => match ops.last() {
                    Some(op) => op.clone(),
                    None => continue,
                },
                Step::Replay(index) if !ops.is_empty() => ops[index.index(ops.len())].clone(),
                Step::Replay(_) => continue,
            };
            ops.push(op.clone());
            program.push((op, take));
        }
        program
    })
}

pub(super) fn limits() -> impl Strategy<Value = StoreLimits> {
    (0usize..5).prop_map(|max_tombstones| StoreLimits { max_tombstones, max_depth: MAX_DEPTH })
}

fn filter() -> impl Strategy<Value = Filter> {
    let path = |p: &str| p.to_owned();
    prop_oneof![
        select(vec!["x", "y"]).prop_map(move |s| Filter::Eq { path: path("/s"), value: json!(s) }),
        Just(Filter::Eq { path: path("/n"), value: json!(1.0) }),
        Just(Filter::Eq { path: path("/o"), value: json!(null) }),
        Just(Filter::In { path: path("/n"), values: vec![json!(0.0), json!(2)] }),
        Just(Filter::In { path: path("/s"), values: vec![json!(null), json!("z")] }),
        any::<bool>().prop_map(move |exists| Filter::Exists { path: path("/o"), exists }),
        any::<bool>().prop_map(move |exists| Filter::Exists { path: path("/o/n"), exists }),
    ]
}

pub(super) fn view() -> impl Strategy<Value = ListView> {
    let sort_key = (select(vec!["/n", "/s", "/o/n", "/l", "/o"]), any::<bool>())
        .prop_map(|(path, descending)| SortKey { path: path.into(), descending });
    (
        select(KINDS.to_vec()),
        prop::collection::vec(filter(), 0..3),
        prop::collection::vec(sort_key, 0..3),
        prop::option::of(0usize..5),
    )
        .prop_map(|(kind, filter, sort, limit)| ListView {
            kind: kind.into(),
            filter,
            sort,
            limit,
        })
}
