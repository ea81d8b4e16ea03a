//! JSON Pointer (RFC 6901), parsed once when the rules load: `""` is the whole document, every
//! other pointer starts with `/`, `~1` stands for `/` and `~0` for `~` inside a token. An array is
//! indexed by a decimal token without leading zeros (`"0"`, `"12"`; `"01"` and `"-"` find nothing).

use serde_json::Value;

/// A validated pointer: the text it was written as (for error messages) and its unescaped tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pointer {
    text: String,
    tokens: Vec<String>,
    /// Its node in the rules' scan plan (`scan::Plan`), set when the rules are compiled; the
    /// root pointer is always node 0.
    node: usize,
}

impl Pointer {
    /// Parses `text`; the error says why it is not a pointer.
    pub(crate) fn parse(text: &str) -> Result<Pointer, String> {
        if text.is_empty() {
            return Ok(Pointer { text: String::new(), tokens: Vec::new(), node: 0 });
        }
        let Some(rest) = text.strip_prefix('/') else {
            return Err(format!(
                "{text:?} is not a JSON pointer: it must be \"\" or start with '/'"
            ));
        };
        let tokens = rest.split('/').map(unescape).collect::<Result<Vec<_>, _>>()?;
        Ok(Pointer { text: text.to_owned(), tokens, node: usize::MAX })
    }

    /// The pointer as written in the rules.
    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The unescaped tokens.
    pub(crate) fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Its node in the scan plan (`usize::MAX` until the rules are compiled).
    pub(crate) fn node(&self) -> usize {
        self.node
    }

    pub(crate) fn set_node(&mut self, node: usize) {
        self.node = node;
    }

    /// The value the pointer designates in `root`, if there is one.
    pub(crate) fn resolve<'v>(&self, root: &'v Value) -> Option<&'v Value> {
        self.tokens.iter().try_fold(root, |value, token| match value {
            Value::Object(map) => map.get(token.as_str()),
            Value::Array(items) => items.get(array_index(token)?),
            _ => None,
        })
    }

    /// Moves the designated value out of `root` (leaving `null` behind), if there is one.
    pub(crate) fn take(&self, root: &mut Value) -> Option<Value> {
        let target = self.tokens.iter().try_fold(root, |value, token| match value {
            Value::Object(map) => map.get_mut(token.as_str()),
            Value::Array(items) => items.get_mut(array_index(token)?),
            _ => None,
        })?;
        Some(target.take())
    }
}

/// Undoes `~1` → `/` and `~0` → `~` (in that order of meaning: `~01` is `~1`, not `/`).
fn unescape(token: &str) -> Result<String, String> {
    if !token.contains('~') {
        return Ok(token.to_owned());
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c != '~' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('0') => out.push('~'),
            Some('1') => out.push('/'),
            _ => return Err(format!("{token:?}: '~' must be followed by '0' or '1' (RFC 6901)")),
        }
    }
    Ok(out)
}

/// An array index token: `"0"` or digits without a leading zero, within `usize`.
pub(super) fn array_index(token: &str) -> Option<usize> {
    let valid = !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_digit())
        && (token == "0" || !token.starts_with('0'));
    if valid {
        token.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(text: &str) -> Pointer {
        Pointer::parse(text).expect("valid pointer")
    }

    #[test]
    fn root_pointer_is_the_whole_document() {
        let doc = json!({"a": 1});
        assert_eq!(p("").resolve(&doc), Some(&doc));
        assert_eq!(p("").as_str(), "");
    }

    #[test]
    fn escapes_are_undone_in_the_right_order() {
        let doc = json!({"a/b": 1, "m~n": 2, "~1": 3, "": 4, "x": {"": 5}});
        assert_eq!(p("/a~1b").resolve(&doc), Some(&json!(1)));
        assert_eq!(p("/m~0n").resolve(&doc), Some(&json!(2)));
        assert_eq!(p("/~01").resolve(&doc), Some(&json!(3)));
        assert_eq!(p("/").resolve(&doc), Some(&json!(4)));
        assert_eq!(p("/x/").resolve(&doc), Some(&json!(5)));
        assert_eq!(p("/a/b").resolve(&doc), None);
    }

    #[test]
    fn array_indexes() {
        let doc = json!({"list": [10, 20, {"k": "v"}]});
        assert_eq!(p("/list/0").resolve(&doc), Some(&json!(10)));
        assert_eq!(p("/list/2/k").resolve(&doc), Some(&json!("v")));
        for missing in ["/list/3", "/list/01", "/list/-", "/list/", "/list/+1", "/list/1x"] {
            assert_eq!(p(missing).resolve(&doc), None, "{missing}");
        }
        assert_eq!(p("/list/99999999999999999999999").resolve(&doc), None);
    }

    #[test]
    fn scalars_have_no_children() {
        let doc = json!({"s": "text", "n": 1, "z": null});
        for missing in ["/s/0", "/n/x", "/z/x", "/nope"] {
            assert_eq!(p(missing).resolve(&doc), None, "{missing}");
        }
    }

    #[test]
    fn take_moves_the_value_out() {
        let mut doc = json!({"data": {"a": [1, 2]}});
        assert_eq!(p("/data/a").take(&mut doc), Some(json!([1, 2])));
        assert_eq!(doc, json!({"data": {"a": null}}));
        assert_eq!(p("/nope").take(&mut doc), None);
        assert_eq!(p("").take(&mut doc), Some(json!({"data": {"a": null}})));
        assert_eq!(doc, Value::Null);
    }

    #[test]
    fn invalid_pointers_are_refused() {
        for bad in ["data", "#/data", "/a~", "/a~2", "/~x"] {
            assert!(Pointer::parse(bad).is_err(), "{bad}");
        }
    }
}
