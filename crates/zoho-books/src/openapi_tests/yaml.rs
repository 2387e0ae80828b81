//! A minimal YAML reader for Zoho's OpenAPI files, test-only.
//!
//! The crate has no YAML dependency, and these files use a small, regular subset: block
//! mappings and sequences by indentation, `- key: value` compact items, single/double-quoted
//! and plain scalars, and flow `[...]` / `{}` on one line. Anything else is reported as an
//! error with its line number rather than guessed at.

use serde_json::{Map, Number, Value};

struct Line<'a> {
    indent: usize,
    content: &'a str,
    number: usize,
}

struct Parser<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
}

/// Parses a whole document into JSON values (plain numbers become JSON numbers).
pub(crate) fn parse(text: &str) -> Result<Value, String> {
    let lines = text
        .lines()
        .enumerate()
        .filter_map(|(i, raw)| {
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') || content == "---" {
                return None;
            }
            let indent = raw.len() - raw.trim_start().len();
            Some(Line {
                indent,
                content,
                number: i + 1,
            })
        })
        .collect();
    let mut p = Parser { lines, pos: 0 };
    if p.lines.is_empty() {
        return Ok(Value::Null);
    }
    let indent = p.lines[0].indent;
    let v = p.block(indent)?;
    match p.lines.get(p.pos) {
        Some(l) => Err(format!(
            "line {}: unexpected content {:?}",
            l.number, l.content
        )),
        None => Ok(v),
    }
}

fn is_seq_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

impl<'a> Parser<'a> {
    fn block(&mut self, indent: usize) -> Result<Value, String> {
        if is_seq_item(self.lines[self.pos].content) {
            self.sequence(indent)
        } else {
            self.mapping(indent)
        }
    }

    fn mapping(&mut self, indent: usize) -> Result<Value, String> {
        let mut map = Map::new();
        while let Some(line) = self.lines.get(self.pos) {
            if line.indent < indent {
                break;
            }
            if line.indent > indent {
                return Err(format!("line {}: unexpected indentation", line.number));
            }
            if is_seq_item(line.content) {
                break;
            }
            let number = line.number;
            let (key, rest) = split_key(line.content)
                .ok_or_else(|| format!("line {number}: expected `key: value`"))?;
            self.pos += 1;
            let value = self.value_after_key(indent, rest, number)?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }

    fn value_after_key(
        &mut self,
        indent: usize,
        rest: &str,
        number: usize,
    ) -> Result<Value, String> {
        if !rest.is_empty() {
            return scalar_or_flow(rest).map_err(|e| format!("line {number}: {e}"));
        }
        match self.lines.get(self.pos) {
            Some(next) if next.indent > indent => {
                let i = next.indent;
                self.block(i)
            }
            Some(next) if next.indent == indent && is_seq_item(next.content) => {
                self.sequence(indent)
            }
            _ => Ok(Value::Null),
        }
    }

    fn sequence(&mut self, indent: usize) -> Result<Value, String> {
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.pos) {
            if line.indent != indent || !is_seq_item(line.content) {
                if line.indent > indent {
                    return Err(format!("line {}: unexpected indentation", line.number));
                }
                break;
            }
            let rest = line.content[1..].trim_start();
            let column = indent + (line.content.len() - rest.len());
            let number = line.number;
            if rest.is_empty() {
                self.pos += 1;
                items.push(match self.lines.get(self.pos) {
                    Some(next) if next.indent > indent => {
                        let i = next.indent;
                        self.block(i)?
                    }
                    _ => Value::Null,
                });
            } else if split_key(rest).is_some() && !rest.starts_with(['[', '{']) {
                // `- key: value` opens a mapping whose keys sit at the column after "- ".
                self.lines[self.pos] = Line {
                    indent: column,
                    content: rest,
                    number,
                };
                items.push(self.mapping(column)?);
            } else {
                self.pos += 1;
                items.push(scalar_or_flow(rest).map_err(|e| format!("line {number}: {e}"))?);
            }
        }
        Ok(Value::Array(items))
    }
}

/// Splits `key: rest` (key plain or quoted); `None` when the line is not a mapping entry.
fn split_key(content: &str) -> Option<(String, &str)> {
    if content.starts_with(['\'', '"']) {
        let (key, after) = quoted(content).ok()?;
        let rest = after.strip_prefix(':')?;
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        return Some((key, rest.trim()));
    }
    if let Some(key) = content.strip_suffix(':') {
        if !key.contains(": ") {
            return Some((key.trim().to_owned(), ""));
        }
    }
    let at = content.find(": ")?;
    Some((content[..at].trim().to_owned(), content[at + 2..].trim()))
}

fn scalar_or_flow(s: &str) -> Result<Value, String> {
    match s.as_bytes()[0] {
        b'[' => flow_sequence(s),
        b'{' if s.trim() == "{}" => Ok(Value::Object(Map::new())),
        b'{' => Err(format!("flow mappings are not supported: {s:?}")),
        b'|' | b'>' => Err(format!("block scalars are not supported: {s:?}")),
        b'\'' | b'"' => {
            let (v, after) = quoted(s)?;
            let after = after.trim();
            if after.is_empty() || after.starts_with('#') {
                Ok(Value::String(v))
            } else {
                Err(format!("text after a quoted scalar: {after:?}"))
            }
        }
        _ => Ok(plain(s)),
    }
}

fn flow_sequence(s: &str) -> Result<Value, String> {
    let inner = s
        .trim()
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .ok_or_else(|| format!("unterminated flow sequence {s:?}"))?;
    let mut items = Vec::new();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let (item, after) = if rest.starts_with(['\'', '"']) {
            let (v, after) = quoted(rest)?;
            (Value::String(v), after)
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            (plain(rest[..end].trim()), &rest[end..])
        };
        items.push(item);
        rest = after.trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
    }
    Ok(Value::Array(items))
}

/// A quoted scalar at the start of `s`; returns it and the text after the closing quote.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let mut chars = s.char_indices();
    let quote = chars.next().map(|(_, c)| c).ok_or("empty scalar")?;
    let mut out = String::new();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            ('\'', '\'') => {
                if s[i + 1..].starts_with('\'') {
                    out.push('\'');
                    chars.next();
                } else {
                    return Ok((out, &s[i + 1..]));
                }
            }
            ('"', '"') => return Ok((out, &s[i + 1..])),
            ('"', '\\') => {
                let (_, e) = chars.next().ok_or("dangling escape")?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '0' => out.push('\0'),
                    'u' => {
                        let hex: String = (0..4)
                            .filter_map(|_| chars.next().map(|(_, h)| h))
                            .collect();
                        let code = u32::from_str_radix(&hex, 16)
                            .map_err(|_| format!("bad \\u escape {hex:?}"))?;
                        out.push(char::from_u32(code).ok_or("bad \\u code point")?);
                    }
                    other => out.push(other),
                }
            }
            _ => out.push(c),
        }
    }
    Err(format!("unterminated quoted scalar {s:?}"))
}

/// A plain scalar, typed the way YAML's core schema types it.
fn plain(s: &str) -> Value {
    let s = match s.find(" #") {
        Some(at) => s[..at].trim_end(),
        None => s,
    };
    match s {
        "null" | "~" | "" => return Value::Null,
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if !leading_zero && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::Number(i.into());
        }
        if let Ok(u) = s.parse::<u64>() {
            return Value::Number(u.into());
        }
    }
    let float_like = !leading_zero
        && digits.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if float_like {
        if let Some(n) = s.parse::<f64>().ok().and_then(Number::from_f64) {
            return Value::Number(n);
        }
    }
    Value::String(s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn subset() {
        let doc = "\
a: 1
b: 'it''s'
c: \"x\\u20B9\\n\"
d:
  - one
  -
    k: v
  - k2: 2
    k3: 40.6
e: [x, 'y z']
f: {}
g:
- 00454
- true
'200':
  description: OK
";
        assert_eq!(
            parse(doc).unwrap(),
            json!({"a": 1, "b": "it's", "c": "x\u{20B9}\n", "d": ["one", {"k": "v"}, {"k2": 2, "k3": 40.6}],
                   "e": ["x", "y z"], "f": {}, "g": ["00454", true], "200": {"description": "OK"}})
        );
        assert!(parse("a: |\n  x\n").is_err());
    }
}
