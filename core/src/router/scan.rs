//! The fast path of routing: one validating pass over an event's body that records where each
//! pointer the rules use lands (a byte range), without building a `serde_json::Value` of the
//! whole body. Only the values a rule reads are then parsed, from their ranges.
//!
//! It must never accept a body the full parse (`serde_json::from_str::<Value>`) refuses, nor read
//! a value differently, so it gives up (the caller then parses the whole body as before, which
//! decides and words the error) whenever it is not sure:
//!
//! - anything that is not JSON as serde_json reads it: structure, trailing commas, literals,
//!   control characters and bad escapes in strings, lone surrogates in `\u` escapes, numbers
//!   (`-`, leading zeros, `1.`), trailing characters;
//! - any number with an exponent or longer than 100 characters (serde_json refuses numbers whose
//!   `f64` overflows; without an exponent, 100 digits cannot);
//! - nesting deeper than 100 (serde_json stops at 128);
//! - an object key on a pointer's path that has escapes, or appears twice in its object (a
//!   `Value` keeps the last duplicate).

use std::ops::Range;

use super::pointer::array_index;

/// Nesting past this gives up (serde_json's limit is 128).
const MAX_DEPTH: usize = 100;
/// Numbers longer than this give up.
const MAX_NUMBER_LEN: usize = 100;

/// The tree of every pointer the rules use; node 0 is the whole body (`""`).
#[derive(Debug)]
pub(crate) struct Plan {
    nodes: Vec<Node>,
}

#[derive(Debug, Default)]
struct Node {
    children: Vec<Child>,
}

#[derive(Debug)]
struct Child {
    /// The token as an object key.
    key: String,
    /// The token as an array index, when it is one.
    index: Option<usize>,
    node: usize,
}

impl Default for Plan {
    fn default() -> Self {
        Plan { nodes: vec![Node::default()] }
    }
}

impl Plan {
    /// The node of the pointer with these (unescaped) tokens, added if new.
    pub(crate) fn add(&mut self, tokens: &[String]) -> usize {
        let mut at = 0;
        for token in tokens {
            at = match self.nodes[at].children.iter().find(|child| child.key == *token) {
                Some(child) => child.node,
                None => {
                    let node = self.nodes.len();
                    self.nodes.push(Node::default());
                    let index = array_index(token);
                    self.nodes[at].children.push(Child { key: token.clone(), index, node });
                    node
                }
            };
        }
        at
    }

    /// How many nodes there are (the length of [`scan`]'s result).
    pub(crate) fn len(&self) -> usize {
        self.nodes.len()
    }
}

/// Where each node of `plan` is in `data` (`None`: nothing there), or `None` when the fast path
/// is not sure (see the module comment).
pub(crate) fn scan(plan: &Plan, data: &str) -> Option<Vec<Option<Range<usize>>>> {
    let mut scanner =
        Scanner { bytes: data.as_bytes(), pos: 0, plan, spans: vec![None; plan.len()] };
    scanner.whitespace();
    scanner.value(Some(0), 0)?;
    scanner.whitespace();
    (scanner.pos == scanner.bytes.len()).then_some(scanner.spans)
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
    plan: &'a Plan,
    spans: Vec<Option<Range<usize>>>,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\t' | b'\r')) {
            self.pos += 1;
        }
    }

    /// One value starting at `pos` (whitespace already skipped); `node` is where it is in the
    /// plan, if anywhere.
    fn value(&mut self, node: Option<usize>, depth: usize) -> Option<()> {
        let start = self.pos;
        match self.peek()? {
            b'{' => self.object(node, depth + 1)?,
            b'[' => self.array(node, depth + 1)?,
            b'"' => {
                self.string()?;
            }
            b't' => self.literal(b"true")?,
            b'f' => self.literal(b"false")?,
            b'n' => self.literal(b"null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return None,
        }
        if let Some(node) = node {
            let span = &mut self.spans[node];
            if span.is_some() {
                // A duplicate key on the path.
                return None;
            }
            *span = Some(start..self.pos);
        }
        Some(())
    }

    fn object(&mut self, node: Option<usize>, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let children = node.map_or(&[][..], |node| &self.plan.nodes[node].children[..]);
        self.pos += 1;
        self.whitespace();
        if self.peek()? == b'}' {
            self.pos += 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let key_start = self.pos + 1;
            let escaped = self.string()?;
            let child = if children.is_empty() {
                None
            } else if escaped {
                return None;
            } else {
                let key = &self.bytes[key_start..self.pos - 1];
                children.iter().find(|child| child.key.as_bytes() == key).map(|child| child.node)
            };
            self.whitespace();
            if self.peek()? != b':' {
                return None;
            }
            self.pos += 1;
            self.whitespace();
            self.value(child, depth)?;
            self.whitespace();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.whitespace();
                }
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, node: Option<usize>, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let children = node.map_or(&[][..], |node| &self.plan.nodes[node].children[..]);
        self.pos += 1;
        self.whitespace();
        if self.peek()? == b']' {
            self.pos += 1;
            return Some(());
        }
        let mut index = 0;
        loop {
            let child = children.iter().find(|child| child.index == Some(index));
            self.value(child.map(|child| child.node), depth)?;
            index += 1;
            self.whitespace();
            match self.peek()? {
                b',' => {
                    self.pos += 1;
                    self.whitespace();
                }
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        if self.bytes.get(self.pos..self.pos + word.len())? != word {
            return None;
        }
        self.pos += word.len();
        Some(())
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, not longer than [`MAX_NUMBER_LEN`]; an exponent gives up.
    fn number(&mut self) -> Option<()> {
        let bytes = self.bytes;
        let digits = |mut i: usize| {
            while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        let start = self.pos;
        let mut i = start + usize::from(bytes[start] == b'-');
        i = match bytes.get(i)? {
            b'0' => i + 1,
            b'1'..=b'9' => digits(i + 1),
            _ => return None,
        };
        if bytes.get(i) == Some(&b'.') {
            if !bytes.get(i + 1)?.is_ascii_digit() {
                return None;
            }
            i = digits(i + 1);
        }
        if matches!(bytes.get(i), Some(b'e' | b'E')) || i - start > MAX_NUMBER_LEN {
            return None;
        }
        self.pos = i;
        Some(())
    }

    /// A string starting at its opening quote; whether it has escapes.
    fn string(&mut self) -> Option<bool> {
        let bytes = self.bytes;
        let mut i = self.pos + 1;
        let mut escaped = false;
        loop {
            // Plain bytes, the bulk of a string, in a tight loop.
            while bytes.get(i).is_some_and(|&b| !SPECIAL[usize::from(b)]) {
                i += 1;
            }
            match *bytes.get(i)? {
                b'"' => {
                    self.pos = i + 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    i = escape(bytes, i + 1)?;
                }
                0..=0x1f => return None,
                _ => i += 1,
            }
        }
    }
}

/// Bytes that end a run of plain string bytes: the quote, the backslash, control characters.
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// The end of the escape whose letter is at `i`, if serde_json accepts it.
fn escape(bytes: &[u8], i: usize) -> Option<usize> {
    match *bytes.get(i)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(i + 1),
        b'u' => match hex4(bytes, i + 1)? {
            0xD800..=0xDBFF => {
                let low = (bytes.get(i + 5..i + 7)? == b"\\u").then(|| hex4(bytes, i + 7))??;
                (0xDC00..=0xDFFF).contains(&low).then_some(i + 11)
            }
            0xDC00..=0xDFFF => None,
            _ => Some(i + 5),
        },
        _ => None,
    }
}

fn hex4(bytes: &[u8], i: usize) -> Option<u32> {
    bytes
        .get(i..i + 4)?
        .iter()
        .try_fold(0, |code, &b| Some(code * 16 + char::from(b).to_digit(16)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(pointers: &[&[&str]]) -> (Plan, Vec<usize>) {
        let mut plan = Plan::default();
        let nodes = pointers
            .iter()
            .map(|tokens| plan.add(&tokens.iter().map(|t| t.to_string()).collect::<Vec<_>>()))
            .collect();
        (plan, nodes)
    }

    fn at<'d>(data: &'d str, spans: &[Option<Range<usize>>], node: usize) -> Option<&'d str> {
        spans[node].clone().map(|span| &data[span])
    }

    #[test]
    fn finds_the_pointers() {
        let (plan, nodes) = plan(&[&["type"], &["data", "id"], &["data", "list", "1"], &[]]);
        let data = r#" {"type":"t","data":{"list":[1, {"a":[]} ],"id":"x\"y"}} "#;
        let spans = scan(&plan, data).expect("valid");
        assert_eq!(at(data, &spans, nodes[0]), Some(r#""t""#));
        assert_eq!(at(data, &spans, nodes[1]), Some(r#""x\"y""#));
        assert_eq!(at(data, &spans, nodes[2]), Some(r#"{"a":[]}"#));
        assert_eq!(at(data, &spans, nodes[3]), Some(data.trim()));
        let spans = scan(&plan, r#"{"data":5}"#).expect("valid");
        assert_eq!((spans[nodes[0]].clone(), spans[nodes[1]].clone()), (None, None));
    }

    #[test]
    fn gives_up_when_unsure() {
        let (plan, _) = plan(&[&["type"], &["data", "id"]]);
        let deep = format!("{}1{}", "[".repeat(101), "]".repeat(101));
        let unsure = [
            "",
            " ",
            "{",
            "{}}",
            "[1,]",
            r#"{"a":1,}"#,
            "01",
            "-",
            "1.",
            "1e5",
            "1E-2",
            "tru",
            "nul",
            "\"\u{1}\"",
            r#""\x""#,
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\u0041""#,
            r#""\u12""#,
            r#"{"type":1,"type":2}"#,
            r#"{"data":{"id":1},"data":{}}"#,
            r#"{"ty\u0070e":1}"#,
            "\u{feff}{}",
            &deep,
            &"1".repeat(101),
        ];
        for data in unsure {
            assert_eq!(scan(&plan, data), None, "{data:?}");
        }
        let sure = [
            "0",
            "-0",
            "-1.25",
            "[]",
            "{}",
            r#""\ud83d\ude00\u00e9\n""#,
            r#"{"x":1,"x":2}"#,
            r#"{"data":[1,{"id":2}]}"#,
            r#"{"x":{"t\u0079pe":1}}"#,
            "\"\u{7f}é\"",
            "null",
            "[true,false]",
        ];
        for data in sure {
            assert!(scan(&plan, data).is_some(), "{data:?}");
            assert!(serde_json::from_str::<serde_json::Value>(data).is_ok(), "{data:?}");
        }
    }
}
