//! Typed reads from an event's JSON body through a rule's pointers: entity ids, versions, and the
//! small scalars ops carry. Each failure is the [`RouteErrorKind`] that names the pointer.

use serde_json::{Number, Value};

use super::compiled::VersionFormat;
use super::error::RouteErrorKind;
use super::pointer::Pointer;
use super::rfc3339;
use crate::op::Version;

/// Where pointers find their values: the whole parsed body, or (on the fast path) just the values
/// one rule reads.
pub(crate) trait Source {
    /// The value `pointer` designates, if there is one.
    fn at(&self, pointer: &Pointer) -> Option<&Value>;
    /// Moves that value out (leaving `null` behind, or nothing), if there is one.
    fn take_at(&mut self, pointer: &Pointer) -> Option<Value>;
}

impl Source for Value {
    fn at(&self, pointer: &Pointer) -> Option<&Value> {
        pointer.resolve(self)
    }

    fn take_at(&mut self, pointer: &Pointer) -> Option<Value> {
        pointer.take(self)
    }
}

pub(crate) fn missing(pointer: &Pointer) -> RouteErrorKind {
    RouteErrorKind::MissingField { pointer: pointer.as_str().to_owned() }
}

pub(crate) fn wrong(pointer: &Pointer, expected: &'static str) -> RouteErrorKind {
    RouteErrorKind::WrongType { pointer: pointer.as_str().to_owned(), expected }
}

fn bad_version(pointer: &Pointer, reason: impl Into<String>) -> RouteErrorKind {
    RouteErrorKind::BadVersion { pointer: pointer.as_str().to_owned(), reason: reason.into() }
}

/// The value at `pointer`, which must be there.
pub(crate) fn required<'v>(
    root: &'v (impl Source + ?Sized),
    pointer: &Pointer,
) -> Result<&'v Value, RouteErrorKind> {
    root.at(pointer).ok_or_else(|| missing(pointer))
}

/// An entity id: a non-empty string, or an integer (as its decimal string).
pub(crate) fn id(
    root: &(impl Source + ?Sized),
    pointer: &Pointer,
) -> Result<String, RouteErrorKind> {
    const EXPECTED: &str = "a non-empty string or an integer";
    match required(root, pointer)? {
        Value::String(s) if !s.is_empty() => Ok(s.clone()),
        Value::Number(n) => integer_string(n).ok_or_else(|| wrong(pointer, EXPECTED)),
        _ => Err(wrong(pointer, EXPECTED)),
    }
}

/// The envelope's own event id: like an entity id, but optional (absent or `null` is `None`).
pub(crate) fn dedup_id(
    root: &(impl Source + ?Sized),
    pointer: &Pointer,
) -> Result<Option<String>, RouteErrorKind> {
    match root.at(pointer) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => id(root, pointer).map(Some),
    }
}

fn integer_string(n: &Number) -> Option<String> {
    if n.is_i64() || n.is_u64() {
        Some(n.to_string())
    } else {
        None
    }
}

/// A required string.
pub(crate) fn string(
    root: &(impl Source + ?Sized),
    pointer: &Pointer,
) -> Result<String, RouteErrorKind> {
    match required(root, pointer)? {
        Value::String(s) => Ok(s.clone()),
        _ => Err(wrong(pointer, "a string")),
    }
}

/// An optional non-negative integer (absent or `null` is `None`).
pub(crate) fn optional_u64(
    root: &(impl Source + ?Sized),
    pointer: &Pointer,
) -> Result<Option<u64>, RouteErrorKind> {
    match root.at(pointer) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            value.as_u64().map(Some).ok_or_else(|| wrong(pointer, "a non-negative integer"))
        }
    }
}

/// The event's version, which must be there, read as `format` says.
pub(crate) fn version(
    root: &(impl Source + ?Sized),
    pointer: &Pointer,
    format: VersionFormat,
) -> Result<Version, RouteErrorKind> {
    let value = required(root, pointer)?;
    let nanos = match format {
        VersionFormat::Number => match value {
            Value::Number(n) => match n.as_i64() {
                Some(i) => i,
                None if n.is_u64() => {
                    return Err(bad_version(
                        pointer,
                        "out of range: larger than a signed 64-bit integer",
                    ));
                }
                None => return Err(wrong(pointer, "an integer")),
            },
            _ => return Err(wrong(pointer, "an integer")),
        },
        VersionFormat::EpochMs => epoch(value, pointer, 1_000_000)?,
        VersionFormat::EpochS => epoch(value, pointer, 1_000_000_000)?,
        VersionFormat::Rfc3339 => match value {
            Value::String(s) => {
                rfc3339::parse_nanos(s).map_err(|reason| bad_version(pointer, reason))?
            }
            _ => return Err(wrong(pointer, "an RFC 3339 date-time string")),
        },
    };
    Ok(Version(nanos))
}

/// A JSON number of some epoch unit, as nanoseconds: integers exactly, fractions to the nearest
/// nanosecond the `f64` holds.
fn epoch(value: &Value, pointer: &Pointer, nanos_per_unit: i64) -> Result<i64, RouteErrorKind> {
    const OUT_OF_RANGE: &str =
        "out of range: only 1677-09-21 to 2262-04-11 fits in 64-bit nanoseconds";
    let Value::Number(n) = value else {
        return Err(wrong(pointer, "a number"));
    };
    if let Some(i) = n.as_i64() {
        return i.checked_mul(nanos_per_unit).ok_or_else(|| bad_version(pointer, OUT_OF_RANGE));
    }
    if n.is_u64() {
        return Err(bad_version(pointer, OUT_OF_RANGE));
    }
    let Some(float) = n.as_f64() else {
        return Err(wrong(pointer, "a number"));
    };
    let nanos = (float * nanos_per_unit as f64).round();
    // i64::MAX as f64 rounds up to 2^63, which is out of range; -2^63 is exactly i64::MIN.
    if nanos.is_finite() && nanos >= i64::MIN as f64 && nanos < i64::MAX as f64 {
        Ok(nanos as i64)
    } else {
        Err(bad_version(pointer, OUT_OF_RANGE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(text: &str) -> Pointer {
        Pointer::parse(text).expect("pointer")
    }

    fn kind_of(result: Result<impl std::fmt::Debug, RouteErrorKind>) -> RouteErrorKind {
        result.expect_err("an error")
    }

    #[test]
    fn ids_are_strings_or_integers() {
        let doc = json!({"s": "abc", "i": 42, "neg": -7, "big": u64::MAX, "f": 1.5, "o": {}, "a": [],
                         "e": "", "n": null, "b": true});
        assert_eq!(id(&doc, &p("/s")), Ok("abc".to_owned()));
        assert_eq!(id(&doc, &p("/i")), Ok("42".to_owned()));
        assert_eq!(id(&doc, &p("/neg")), Ok("-7".to_owned()));
        assert_eq!(id(&doc, &p("/big")), Ok(u64::MAX.to_string()));
        for bad in ["/f", "/o", "/a", "/e", "/n", "/b"] {
            assert!(
                matches!(kind_of(id(&doc, &p(bad))), RouteErrorKind::WrongType { ref pointer, .. } if pointer == bad),
                "{bad}"
            );
        }
        assert_eq!(
            id(&doc, &p("/nope")),
            Err(RouteErrorKind::MissingField { pointer: "/nope".into() })
        );
        assert_eq!(id(&json!(9), &p("")), Ok("9".to_owned()));
    }

    #[test]
    fn dedup_ids_are_optional() {
        let doc = json!({"id": "evt-1", "n": null, "num": 3, "o": {}});
        assert_eq!(dedup_id(&doc, &p("/id")), Ok(Some("evt-1".into())));
        assert_eq!(dedup_id(&doc, &p("/num")), Ok(Some("3".into())));
        assert_eq!(dedup_id(&doc, &p("/n")), Ok(None));
        assert_eq!(dedup_id(&doc, &p("/nope")), Ok(None));
        assert!(matches!(kind_of(dedup_id(&doc, &p("/o"))), RouteErrorKind::WrongType { .. }));
    }

    #[test]
    fn scalars() {
        let doc = json!({"s": "k", "n": 5, "neg": -1, "f": 2.5, "z": null});
        assert_eq!(string(&doc, &p("/s")), Ok("k".into()));
        assert!(matches!(kind_of(string(&doc, &p("/n"))), RouteErrorKind::WrongType { .. }));
        assert!(matches!(kind_of(string(&doc, &p("/x"))), RouteErrorKind::MissingField { .. }));
        assert_eq!(optional_u64(&doc, &p("/n")), Ok(Some(5)));
        assert_eq!(optional_u64(&doc, &p("/z")), Ok(None));
        assert_eq!(optional_u64(&doc, &p("/x")), Ok(None));
        assert!(matches!(
            kind_of(optional_u64(&doc, &p("/neg"))),
            RouteErrorKind::WrongType { .. }
        ));
        assert!(matches!(kind_of(optional_u64(&doc, &p("/f"))), RouteErrorKind::WrongType { .. }));
    }

    #[test]
    fn number_versions() {
        let doc = json!({"v": 3, "neg": -3, "big": u64::MAX, "f": 1.5, "s": "3"});
        let v = |ptr| version(&doc, &p(ptr), VersionFormat::Number);
        assert_eq!(v("/v"), Ok(Version(3)));
        assert_eq!(v("/neg"), Ok(Version(-3)));
        assert!(matches!(v("/big"), Err(RouteErrorKind::BadVersion { .. })));
        assert!(matches!(v("/f"), Err(RouteErrorKind::WrongType { expected: "an integer", .. })));
        assert!(matches!(v("/s"), Err(RouteErrorKind::WrongType { .. })));
        assert_eq!(v("/x"), Err(RouteErrorKind::MissingField { pointer: "/x".into() }));
    }

    #[test]
    fn epoch_versions() {
        let doc = json!({"ms": 1_700_000_000_123_i64, "s": 1_700_000_000, "fs": 1.5, "fms": 2.25,
                         "huge": 9_300_000_000_000_i64, "umax": u64::MAX, "str": "1700000000",
                         "neg": -1000});
        let v = |ptr, f| version(&doc, &p(ptr), f);
        assert_eq!(v("/ms", VersionFormat::EpochMs), Ok(Version(1_700_000_000_123_000_000)));
        assert_eq!(v("/s", VersionFormat::EpochS), Ok(Version(1_700_000_000_000_000_000)));
        assert_eq!(v("/fs", VersionFormat::EpochS), Ok(Version(1_500_000_000)));
        assert_eq!(v("/fms", VersionFormat::EpochMs), Ok(Version(2_250_000)));
        assert_eq!(v("/neg", VersionFormat::EpochMs), Ok(Version(-1_000_000_000)));
        assert!(matches!(
            v("/huge", VersionFormat::EpochMs),
            Err(RouteErrorKind::BadVersion { .. })
        ));
        assert!(matches!(v("/ms", VersionFormat::EpochS), Err(RouteErrorKind::BadVersion { .. })));
        assert!(matches!(
            v("/umax", VersionFormat::EpochS),
            Err(RouteErrorKind::BadVersion { .. })
        ));
        assert!(matches!(v("/str", VersionFormat::EpochS), Err(RouteErrorKind::WrongType { .. })));
        let big_float = json!({"t": 1e300});
        assert!(matches!(
            version(&big_float, &p("/t"), VersionFormat::EpochS),
            Err(RouteErrorKind::BadVersion { .. })
        ));
    }

    #[test]
    fn rfc3339_versions() {
        let doc = json!({"t": "2023-11-14T22:13:20.5+00:00", "bad": "yesterday", "n": 5,
                         "far": "9999-01-01T00:00:00Z"});
        let v = |ptr| version(&doc, &p(ptr), VersionFormat::Rfc3339);
        assert_eq!(v("/t"), Ok(Version(1_700_000_000_500_000_000)));
        assert!(
            matches!(v("/bad"), Err(RouteErrorKind::BadVersion { ref pointer, .. }) if pointer == "/bad")
        );
        assert!(
            matches!(v("/far"), Err(RouteErrorKind::BadVersion { ref reason, .. }) if reason.contains("out of range"))
        );
        assert!(matches!(v("/n"), Err(RouteErrorKind::WrongType { .. })));
    }
}
