//! `-o jsonpath=…`: kubectl's JSONPath templates, evaluated over JSON values.
//!
//! This is a hand-written port of `k8s.io/client-go/util/jsonpath` (the
//! engine behind `kubectl get -o jsonpath=…`). No Rust crate implements
//! kubectl's *template* dialect: the JSONPath crates implement RFC 9535 /
//! Goessner queries, which have no text interpolation, `{range}…{end}`,
//! string literals or kubectl's printing rules, so we carry our own.
//!
//! # The dialect
//!
//! A template is literal text with actions in braces. Text outside `{…}` is
//! copied verbatim (there is no way to escape a `{` in text; write `{"{"}`).
//! Inside an action:
//!
//! * `.name` selects a field; `\.` escapes a dot inside a name
//!   (`{.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}`),
//!   and every backslash is then dropped, as client-go does. `.*` is a
//!   wildcard over object values / array elements.
//! * `['name']` is sugar for `.name` — *including* its dots: client-go
//!   re-parses the key as a path, so `['a.b']` means `.a.b`; use `['a\.b']`.
//! * `[i]`, `[-1]`, `[start:end:step]`, `[*]`; out-of-range indices are an
//!   error (`array index out of bounds: index 5, length 2`), even though
//!   kubectl allows missing *keys*.
//! * `[a,b]` is a union of bracket expressions (`[0,2]`, `['metadata.name', 'kind']`);
//!   each member is applied to all inputs in turn. There are no top-level
//!   unions: `{.a,.b}` is rejected, as by kubectl.
//! * `..name` is recursive descent.
//! * `[?(@.x == "y")]` filters an array with `==`, `!=`, `<`, `>`, `<=`,
//!   `>=` (Go `text/template` comparison rules: both sides must have the same
//!   basic kind — integer literals only compare with integers, `1.0` only with
//!   floats); `[?(@.x)]` keeps elements where the path yields anything.
//! * `"…"` / `'…'` are string literals with Go escapes (`{"\n"}`, `{"\t"}`).
//! * `@` and `$` denote the current object (client-go does not distinguish
//!   them: inside `{range}` both refer to the current item).
//! * `{range <path>}…{end}` renders the body once per result; ranges nest.
//!
//! Several results of one action are joined with a single space. Strings
//! print raw, numbers as Go's `%v` (`3`, `2.5`, `1e+06`), booleans as
//! `true`/`false`, `null` as `<nil>`, and objects/arrays as compact JSON the
//! way Go's `encoding/json` writes them (sorted keys, HTML-safe escapes).
//! Missing keys print nothing (kubectl sets `allowMissingKeys(true)`).
//!
//! The implementation is a small parser producing a flat list of text and
//! actions (client-go's node tree), which is then folded into segments with
//! `{range}` bodies, and a tree-walking evaluator over `serde_json::Value`.

use std::borrow::Cow;

use serde_json::Value;

/// Maximum nesting of sub-expressions (filters, unions) and `{range}` blocks.
const MAX_DEPTH: usize = 64;

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    segments: Vec<Segment>,
}

/// Parses `text` and renders it over `data`, with kubectl's wording for either failure
/// (`error parsing jsonpath …`, `error executing jsonpath "…": …`): what `-o jsonpath=` prints.
pub fn print(text: &str, data: &serde_json::Value) -> Result<String, String> {
    let template =
        Template::parse(text).map_err(|e| format!("error parsing jsonpath {text}, {e}"))?;
    template
        .render(data)
        .map_err(|e| format!("error executing jsonpath {text:?}: {e}"))
}

impl Template {
    /// Parses `text` as a kubectl JSONPath template.
    pub fn parse(text: &str) -> Result<Template, String> {
        let items = Parser::new(text, 0).parse()?;
        Ok(Template {
            segments: build_segments(items)?,
        })
    }

    /// Renders against `data`. kubectl's printer sets allowMissingKeys(true): missing keys print nothing.
    pub fn render(&self, data: &serde_json::Value) -> Result<String, String> {
        let mut out = String::new();
        render_segments(&self.segments, data, &mut out)?;
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// AST
// ---------------------------------------------------------------------------

/// One top-level piece of a template, as client-go's parser produces it.
#[derive(Debug, Clone)]
enum Item {
    Text(String),
    Action(Vec<Node>),
}

/// A rendered piece of a template, with `{range}` bodies folded in.
#[derive(Debug, Clone)]
enum Segment {
    Text(String),
    Action(Vec<Node>),
    Range {
        path: Vec<Node>,
        body: Vec<Segment>,
        /// False when the template ended before `{end}`; client-go then
        /// evaluates the body once more against the enclosing object.
        closed: bool,
    },
    /// An `{end}` with no open `{range}`: an error when rendered.
    StrayEnd,
}

/// A slice bound (`ParamsEntry` in client-go).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Param {
    value: i64,
    known: bool,
    /// The end of `[i]`, derived as `i + 1`.
    derived: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A string literal; evaluates to itself whatever the input.
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Field(String),
    Wildcard,
    Recursive,
    Array([Param; 3]),
    Filter {
        left: Vec<Node>,
        right: Vec<Node>,
        /// `==`, `<`, … or `exists`.
        op: String,
    },
    Union(Vec<Vec<Node>>),
    /// `range`, `end`, or an unknown word (an error when evaluated).
    Identifier(String),
}

// ---------------------------------------------------------------------------
// Parser (a port of client-go's parser.go)
// ---------------------------------------------------------------------------

struct Parser {
    input: Vec<char>,
    pos: usize,
    start: usize,
    /// Width of the last `next()` (0 at end of input), for `backup()`.
    width: usize,
    depth: usize,
}

fn is_space(r: char) -> bool {
    r == ' ' || r == '\t'
}

fn is_end_of_line(r: char) -> bool {
    r == '\r' || r == '\n'
}

fn is_alphanumeric(r: char) -> bool {
    r == '_' || r.is_alphabetic() || r.is_numeric()
}

fn is_terminator(r: Option<char>) -> bool {
    match r {
        None => true,
        Some(c) => {
            is_space(c)
                || is_end_of_line(c)
                || matches!(c, '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
        }
    }
}

/// Go's `%#U`: `U+0027 '''`, or just `U+0000` for unprintable runes.
fn go_unicode(r: char) -> String {
    let printable = !r.is_control() && (r == ' ' || !r.is_whitespace());
    if printable {
        format!("U+{:04X} '{}'", u32::from(r), r)
    } else {
        format!("U+{:04X}", u32::from(r))
    }
}

impl Parser {
    fn new(text: &str, depth: usize) -> Parser {
        Parser {
            input: text.chars().collect(),
            pos: 0,
            start: 0,
            width: 0,
            depth,
        }
    }

    fn next(&mut self) -> Option<char> {
        match self.input.get(self.pos) {
            Some(&c) => {
                self.pos += 1;
                self.width = 1;
                Some(c)
            }
            None => {
                self.width = 0;
                None
            }
        }
    }

    fn backup(&mut self) {
        self.pos -= self.width.min(self.pos);
    }

    fn peek(&mut self) -> Option<char> {
        let r = self.next();
        self.backup();
        r
    }

    /// Whether the character before the one just read is a backslash.
    fn preceded_by_backslash(&self) -> bool {
        self.pos
            .checked_sub(2)
            .and_then(|i| self.input.get(i))
            .is_some_and(|&c| c == '\\')
    }

    fn has_prefix(&self, prefix: &str) -> bool {
        let rest = self.input.get(self.pos..).unwrap_or(&[]);
        let mut rest = rest.iter();
        prefix.chars().all(|p| rest.next() == Some(&p))
    }

    fn consume_text(&mut self) -> String {
        let text = self
            .input
            .get(self.start..self.pos)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        self.start = self.pos;
        text
    }

    /// Parses a whole template into client-go's flat list of text and actions.
    fn parse(mut self) -> Result<Vec<Item>, String> {
        if self.depth > MAX_DEPTH {
            return Err("jsonpath expression nested too deeply".to_string());
        }
        let mut items = Vec::new();
        loop {
            // parseText: copy up to the next `{`.
            loop {
                if self.has_prefix("{") {
                    break;
                }
                if self.next().is_none() {
                    if self.pos > self.start {
                        items.push(Item::Text(self.consume_text()));
                    }
                    return Ok(items);
                }
            }
            if self.pos > self.start {
                items.push(Item::Text(self.consume_text()));
            }
            // parseLeftDelim
            self.pos += 1;
            self.consume_text();
            let mut nodes = Vec::new();
            self.parse_inside_action(&mut nodes)?;
            items.push(Item::Action(nodes));
        }
    }

    /// Parses up to and including the closing `}` of an action.
    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            if self.has_prefix("}") {
                self.pos += 1;
                self.consume_text();
                return Ok(());
            }
            if self.has_prefix("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if self.has_prefix("..") {
                self.parse_recursive(cur)?;
                continue;
            }
            match self.next() {
                None => return Err("unclosed action".to_string()),
                Some(r) if is_end_of_line(r) => return Err("unclosed action".to_string()),
                Some(' ') | Some('@') | Some('$') => {
                    self.consume_text();
                }
                Some('[') => self.parse_array(cur)?,
                Some(q @ ('"' | '\'')) => self.parse_quote(cur, q)?,
                Some('.') => self.parse_field(cur)?,
                Some(r) if r == '+' || r == '-' || r.is_numeric() => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                Some(r) if is_alphanumeric(r) => {
                    self.backup();
                    self.parse_identifier(cur);
                }
                Some(r) => {
                    return Err(format!(
                        "unrecognized character in action: {}",
                        go_unicode(r)
                    ))
                }
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume_text();
        cur.push(match value.as_str() {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Identifier(value),
        });
    }

    fn parse_recursive(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(cur.last(), Some(Node::Recursive)) {
            return Err("invalid multiple recursive descent".to_string());
        }
        self.pos += 2;
        self.consume_text();
        cur.push(Node::Recursive);
        if matches!(self.peek(), Some(r) if is_alphanumeric(r)) {
            self.parse_field(cur)?;
        }
        Ok(())
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        if matches!(self.peek(), Some('+' | '-')) {
            self.next();
        }
        loop {
            match self.next() {
                Some(r) if r == '.' || r.is_numeric() => {}
                _ => {
                    self.backup();
                    break;
                }
            }
        }
        let value = self.consume_text();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
            return Ok(());
        }
        match value.parse::<f64>() {
            Ok(f) if f.is_finite() => {
                cur.push(Node::Float(f));
                Ok(())
            }
            _ => Err(format!("cannot parse number {value}")),
        }
    }

    /// `[…]`: an index/slice, a `'key'`, or a comma-separated union.
    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated array".to_string()),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let text = self.consume_text();
        // Strip the brackets.
        let mut inner: String = text
            .chars()
            .skip(1)
            .take(text.chars().count().saturating_sub(2))
            .collect();
        if inner == "*" {
            inner = ":".to_string();
        }

        let parts: Vec<&str> = inner.split(',').collect();
        if parts.len() > 1 {
            let mut union = Vec::new();
            for part in parts {
                let sub = format!("[{}]", part.trim_matches(' '));
                union.push(self.parse_sub(&sub)?);
            }
            cur.push(Node::Union(union));
            return Ok(());
        }

        // 'key' is re-parsed as `.key`.
        if inner.len() >= 2 && inner.starts_with('\'') && inner.ends_with('\'') {
            let key = &inner[1..inner.len() - 1];
            if !key.contains('\'') {
                let nodes = self.parse_sub(&format!(".{key}"))?;
                cur.extend(nodes);
                return Ok(());
            }
        }

        let groups = slice_groups(&inner).ok_or_else(|| format!("invalid array index {inner}"))?;
        let mut params = [Param::default(); 3];
        for (i, group) in groups.iter().enumerate() {
            if !group.is_empty() {
                let digits = if i > 0 { &group[1..] } else { group.as_str() };
                if i > 0 && digits.is_empty() {
                    params[i].known = false;
                } else {
                    params[i].known = true;
                    params[i].value = digits
                        .parse::<i64>()
                        .map_err(|_| format!("array index {digits} is not a number"))?;
                }
            } else if i == 1 {
                params[1].known = true;
                params[1].value = params[0].value.wrapping_add(1);
                params[1].derived = true;
            } else {
                params[i].known = false;
                params[i].value = 0;
            }
        }
        cur.push(Node::Array(params));
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), String> {
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated quoted string".to_string()),
                // A quote ends the string unless the character before it is
                // a backslash (so `"\\"` is unterminated, as in client-go).
                Some(r) if r == end && !self.preceded_by_backslash() => break,
                Some(_) => {}
            }
        }
        let value = self.consume_text();
        let text = unquote_extend(&value)
            .ok_or_else(|| format!("unquote string {value} error invalid syntax"))?;
        cur.push(Node::Text(text));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.pos += 3;
        self.consume_text();
        let mut begin = false;
        let mut end = false;
        let mut pair = '"';
        loop {
            match self.next() {
                None | Some('\n') => return Err("unterminated filter".to_string()),
                Some(r @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = r;
                        continue;
                    }
                    if !self.preceded_by_backslash() && r == pair {
                        end = true;
                    }
                }
                Some(')') => {
                    if begin == end {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        if self.next() != Some(']') {
            return Err("unclosed array expect ]".to_string());
        }
        let text: Vec<char> = self.consume_text().chars().collect();
        let text = &text[..text.len().saturating_sub(2)];
        match split_comparison(text) {
            None => {
                let left = self.parse_sub(&text.iter().collect::<String>())?;
                cur.push(Node::Filter {
                    left,
                    right: Vec::new(),
                    op: "exists".to_string(),
                });
            }
            Some((left, op, right)) => {
                let left = self.parse_sub(&left)?;
                let right = self.parse_sub(&right)?;
                cur.push(Node::Filter { left, right, op });
            }
        }
        Ok(())
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) -> Result<(), String> {
        self.consume_text();
        // Scan to the next unescaped terminator.
        loop {
            let r = self.next();
            if r == Some('\\') {
                self.next();
            } else if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume_text();
        if value == "*" {
            cur.push(Node::Wildcard);
        } else {
            cur.push(Node::Field(value.replace('\\', "")));
        }
        Ok(())
    }

    /// client-go's `parseAction`: parses `{text}` as its own template and
    /// keeps the first action (anything after its `}` is dropped).
    fn parse_sub(&self, text: &str) -> Result<Vec<Node>, String> {
        let items = Parser::new(&format!("{{{text}}}"), self.depth + 1).parse()?;
        Ok(items
            .into_iter()
            .find_map(|item| match item {
                Item::Action(nodes) => Some(nodes),
                Item::Text(_) => None,
            })
            .unwrap_or_default())
    }
}

/// Matches `^(-?\d*)(:-?\d*)?(:-?\d*)?$`, returning the three groups (the
/// optional ones with their leading colon, or empty when absent).
fn slice_groups(text: &str) -> Option<[String; 3]> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() > 3 {
        return None;
    }
    let well_formed = |p: &str| {
        let digits = p.strip_prefix('-').unwrap_or(p);
        digits.chars().all(|c| c.is_ascii_digit())
    };
    if !parts.iter().all(|p| well_formed(p)) {
        return None;
    }
    let mut groups: [String; 3] = Default::default();
    for (i, part) in parts.iter().enumerate() {
        if let Some(group) = groups.get_mut(i) {
            *group = if i == 0 {
                (*part).to_string()
            } else {
                format!(":{part}")
            };
        }
    }
    Some(groups)
}

/// Matches `^([^!<>=]+)([!<>=]+)(.+?)$` against a filter body.
fn split_comparison(text: &[char]) -> Option<(String, String, String)> {
    let is_op = |c: &char| matches!(c, '!' | '<' | '>' | '=');
    let first = text.iter().position(is_op)?;
    if first == 0 {
        return None;
    }
    let mut end = first;
    while text.get(end).is_some_and(is_op) {
        end += 1;
    }
    if end == text.len() {
        // The right-hand side needs at least one character.
        end -= 1;
        if end == first {
            return None;
        }
    }
    let s = |r: &[char]| r.iter().collect::<String>();
    Some((
        s(text.get(..first)?),
        s(text.get(first..end)?),
        s(text.get(end..)?),
    ))
}

/// Go's `strconv.Unquote`, extended to single-quoted strings of any length.
fn unquote_extend(s: &str) -> Option<String> {
    let chars: Vec<char> = s.chars().collect();
    let quote = *chars.first()?;
    if chars.len() < 2 || chars.last() != Some(&quote) || !matches!(quote, '"' | '\'') {
        return None;
    }
    let inner = chars.get(1..chars.len() - 1)?;
    let mut bytes = Vec::new();
    let mut i = 0;
    while let Some(&c) = inner.get(i) {
        i += 1;
        if c == quote {
            return None;
        }
        if c != '\\' {
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let e = *inner.get(i)?;
        i += 1;
        let simple = match e {
            'a' => Some('\u{7}'),
            'b' => Some('\u{8}'),
            'f' => Some('\u{c}'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\u{b}'),
            '\\' => Some('\\'),
            '\'' | '"' if e == quote => Some(e),
            _ => None,
        };
        if let Some(c) = simple {
            bytes.push(c as u8);
            continue;
        }
        match e {
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let hex: String = inner.get(i..i + n)?.iter().collect();
                i += n;
                if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                let v = u32::from_str_radix(&hex, 16).ok()?;
                if e == 'x' {
                    bytes.push(u8::try_from(v).ok()?);
                } else {
                    let c = char::from_u32(v)?;
                    let mut buf = [0u8; 4];
                    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
            '0'..='7' => {
                let mut v = e.to_digit(8)?;
                for _ in 0..2 {
                    let d = inner.get(i)?.to_digit(8)?;
                    i += 1;
                    v = (v << 3) | d;
                }
                bytes.push(u8::try_from(v).ok()?);
            }
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn has_identifier(nodes: &[Node], name: &str) -> bool {
    nodes
        .iter()
        .any(|n| matches!(n, Node::Identifier(id) if id == name))
}

/// Folds `{range}` … `{end}` pairs into nested segments.
fn build_segments(items: Vec<Item>) -> Result<Vec<Segment>, String> {
    let mut open: Vec<(Vec<Node>, Vec<Segment>)> = Vec::new();
    let mut current: Vec<Segment> = Vec::new();
    for item in items {
        match item {
            Item::Text(text) => current.push(Segment::Text(text)),
            Item::Action(nodes) if has_identifier(&nodes, "range") => {
                if open.len() >= MAX_DEPTH {
                    return Err("range nested too deeply".to_string());
                }
                open.push((nodes, std::mem::take(&mut current)));
            }
            Item::Action(nodes) if has_identifier(&nodes, "end") => match open.pop() {
                Some((path, parent)) => {
                    let body = std::mem::replace(&mut current, parent);
                    current.push(Segment::Range {
                        path,
                        body,
                        closed: true,
                    });
                }
                None => current.push(Segment::StrayEnd),
            },
            Item::Action(nodes) => current.push(Segment::Action(nodes)),
        }
    }
    while let Some((path, parent)) = open.pop() {
        let body = std::mem::replace(&mut current, parent);
        current.push(Segment::Range {
            path,
            body,
            closed: false,
        });
    }
    Ok(current)
}

// ---------------------------------------------------------------------------
// Evaluator (a port of client-go's jsonpath.go)
// ---------------------------------------------------------------------------

type Values<'a> = Vec<Cow<'a, Value>>;

fn render_segments(segments: &[Segment], data: &Value, out: &mut String) -> Result<(), String> {
    for segment in segments {
        match segment {
            Segment::Text(text) => out.push_str(text),
            Segment::Action(nodes) => {
                let results = eval_list(vec![Cow::Borrowed(data)], nodes)?;
                print_results(&results, out);
            }
            Segment::Range { path, body, closed } => {
                let results = eval_list(vec![Cow::Borrowed(data)], path)?;
                if results.is_empty() {
                    // client-go still walks the body (against nil) and
                    // reports its errors, but prints nothing.
                    render_segments(body, &Value::Null, &mut String::new())?;
                }
                for item in &results {
                    render_segments(body, item, out)?;
                }
                if !closed {
                    render_segments(body, data, out)?;
                }
            }
            Segment::StrayEnd => return Err("not in range, nothing to end".to_string()),
        }
    }
    Ok(())
}

fn eval_list<'a>(input: Values<'a>, nodes: &[Node]) -> Result<Values<'a>, String> {
    let mut cur = input;
    for node in nodes {
        cur = walk(cur, node)?;
    }
    Ok(cur)
}

/// Applies `f` to the value behind `v`, keeping borrowed results borrowed.
fn project<'a>(v: &Cow<'a, Value>, f: impl for<'x> Fn(&'x Value) -> Vec<&'x Value>) -> Values<'a> {
    match v {
        Cow::Borrowed(b) => f(b).into_iter().map(Cow::Borrowed).collect(),
        Cow::Owned(o) => f(o).into_iter().map(|x| Cow::Owned(x.clone())).collect(),
    }
}

fn array_elements<'a>(v: &Cow<'a, Value>) -> Values<'a> {
    project(v, |x| match x {
        Value::Array(items) => items.iter().collect(),
        _ => Vec::new(),
    })
}

/// Children as client-go's wildcard sees them: object values, array
/// elements, and the bytes of a string.
fn children<'a>(v: &Cow<'a, Value>) -> Values<'a> {
    match v.as_ref() {
        Value::String(s) => s.bytes().map(|b| Cow::Owned(Value::from(b))).collect(),
        Value::Object(_) => project(v, |x| match x {
            Value::Object(map) => map.values().collect(),
            _ => Vec::new(),
        }),
        _ => array_elements(v),
    }
}

fn literal<'a>(input: &Values<'_>, value: Value) -> Values<'a> {
    vec![Cow::Owned(value); input.len()]
}

fn walk<'a>(input: Values<'a>, node: &Node) -> Result<Values<'a>, String> {
    match node {
        Node::Text(text) => Ok(vec![Cow::Owned(Value::String(text.clone()))]),
        // Number and boolean literals yield one copy per input value.
        Node::Int(i) => Ok(literal(&input, Value::from(*i))),
        Node::Float(f) => Ok(literal(&input, Value::from(*f))),
        Node::Bool(b) => Ok(literal(&input, Value::Bool(*b))),
        Node::Field(name) => Ok(input
            .iter()
            .flat_map(|v| project(v, |x| x.get(name.as_str()).into_iter().collect()))
            .collect()),
        Node::Wildcard => Ok(input.iter().flat_map(children).collect()),
        Node::Recursive => Ok(eval_recursive(&input)),
        Node::Array(params) => eval_array(input, params),
        Node::Filter { left, right, op } => eval_filter(input, left, right, op),
        Node::Union(lists) => {
            let mut out = Vec::new();
            for list in lists {
                out.extend(eval_list(input.clone(), list)?);
            }
            Ok(out)
        }
        Node::Identifier(name) => match name.as_str() {
            "range" => Ok(input),
            "end" => Err("not in range, nothing to end".to_string()),
            _ => Err(format!("unrecognized identifier {name}")),
        },
    }
}

/// Every value with children (objects, arrays, non-empty strings), in
/// pre-order, as client-go's `evalRecursive` lists them.
fn eval_recursive<'a>(input: &Values<'a>) -> Values<'a> {
    let mut out = Vec::new();
    for value in input {
        let mut stack = vec![value.clone()];
        while let Some(v) = stack.pop() {
            let has_children = match v.as_ref() {
                Value::Object(m) => !m.is_empty(),
                Value::Array(a) => !a.is_empty(),
                Value::String(s) => !s.is_empty(),
                _ => false,
            };
            if !has_children {
                continue;
            }
            if !v.is_string() {
                let mut kids = children(&v);
                kids.reverse();
                stack.extend(kids);
            }
            out.push(v);
        }
    }
    out
}

fn eval_array<'a>(input: Values<'a>, params: &[Param; 3]) -> Result<Values<'a>, String> {
    let mut result = Vec::new();
    for value in &input {
        match value.as_ref() {
            Value::Null => continue,
            Value::Array(_) => {}
            other => return Err(format!("{} is not array or slice", go_type(other))),
        }
        let items = array_elements(value);
        let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
        let mut p = *params;
        if !p[0].known {
            p[0].value = 0;
        }
        if p[0].value < 0 {
            p[0].value = p[0].value.wrapping_add(len);
        }
        if !p[1].known {
            p[1].value = len;
        }
        if p[1].value < 0 || (p[1].value == 0 && p[1].derived) {
            p[1].value = p[1].value.wrapping_add(len);
        }
        let (start, end) = (p[0].value, p[1].value);
        if start == end {
            // An empty selection ends the whole evaluation, as in client-go.
            return Ok(result);
        }
        if start >= len || start < 0 {
            return Err(format!(
                "array index out of bounds: index {start}, length {len}"
            ));
        }
        if end > len || end < 0 {
            return Err(format!(
                "array index out of bounds: index {}, length {len}",
                end.wrapping_sub(1)
            ));
        }
        if start > end {
            return Err(format!(
                "starting index {start} is greater than ending index {end}"
            ));
        }
        let step = if p[2].known {
            if p[2].value <= 0 {
                return Err("step must be > 0".to_string());
            }
            usize::try_from(p[2].value).unwrap_or(usize::MAX)
        } else {
            1
        };
        let start = usize::try_from(start).unwrap_or(0);
        let end = usize::try_from(end).unwrap_or(0);
        result.extend(
            items
                .into_iter()
                .skip(start)
                .take(end.saturating_sub(start))
                .step_by(step),
        );
    }
    Ok(result)
}

fn eval_filter<'a>(
    input: Values<'a>,
    left: &[Node],
    right: &[Node],
    op: &str,
) -> Result<Values<'a>, String> {
    let mut results = Vec::new();
    for value in &input {
        if !value.is_array() {
            return Err(format!(
                "{} is not array or slice and cannot be filtered",
                wharf_domain::gofmt::format_value(value)
            ));
        }
        for item in array_elements(value) {
            let lefts = eval_list(vec![item.clone()], left);
            if op == "exists" {
                // client-go hands back the failing step's input on error,
                // which is never empty here, so errors count as "exists".
                if lefts.map_or(true, |l| !l.is_empty()) {
                    results.push(item);
                }
                continue;
            }
            let lefts = lefts?;
            let lhs = match lefts.as_slice() {
                [] => continue,
                [one] => one,
                _ => return Err("can only compare one element at a time".to_string()),
            };
            let rights = eval_list(vec![item.clone()], right)?;
            let rhs = match rights.as_slice() {
                [] => continue,
                [one] => one,
                _ => return Err("can only compare one element at a time".to_string()),
            };
            let pass = match op {
                "<" => less(lhs, rhs)?,
                ">" => !less_equal(lhs, rhs)?,
                "==" => equal(lhs, rhs)?,
                "!=" => !equal(lhs, rhs)?,
                "<=" => less_equal(lhs, rhs)?,
                ">=" => !less(lhs, rhs)?,
                _ => return Err(format!("unrecognized filter operator {op}")),
            };
            if pass {
                results.push(item);
            }
        }
    }
    Ok(results)
}

// --- comparisons: client-go's fork of text/template's eq/lt ----------------

const ERR_BAD_COMPARISON_TYPE: &str = "invalid type for comparison";
const ERR_BAD_COMPARISON: &str = "incompatible types for comparison";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Basic<'v> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'v str),
}

fn basic_kind(v: &Value) -> Result<Basic<'_>, String> {
    match v {
        Value::Bool(b) => Ok(Basic::Bool(*b)),
        Value::String(s) => Ok(Basic::Str(s)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Ok(Basic::Int(i))
            } else if let Some(u) = n.as_u64() {
                Ok(Basic::Uint(u))
            } else {
                Ok(Basic::Float(n.as_f64().unwrap_or(f64::NAN)))
            }
        }
        Value::Null | Value::Array(_) | Value::Object(_) => {
            Err(ERR_BAD_COMPARISON_TYPE.to_string())
        }
    }
}

fn equal(a: &Value, b: &Value) -> Result<bool, String> {
    Ok(match (basic_kind(a)?, basic_kind(b)?) {
        (Basic::Bool(x), Basic::Bool(y)) => x == y,
        (Basic::Int(x), Basic::Int(y)) => x == y,
        (Basic::Uint(x), Basic::Uint(y)) => x == y,
        (Basic::Float(x), Basic::Float(y)) => x == y,
        (Basic::Str(x), Basic::Str(y)) => x == y,
        (Basic::Int(x), Basic::Uint(y)) | (Basic::Uint(y), Basic::Int(x)) => {
            u64::try_from(x).is_ok_and(|x| x == y)
        }
        _ => return Err(ERR_BAD_COMPARISON.to_string()),
    })
}

fn less(a: &Value, b: &Value) -> Result<bool, String> {
    Ok(match (basic_kind(a)?, basic_kind(b)?) {
        (Basic::Int(x), Basic::Int(y)) => x < y,
        (Basic::Uint(x), Basic::Uint(y)) => x < y,
        (Basic::Float(x), Basic::Float(y)) => x < y,
        (Basic::Str(x), Basic::Str(y)) => x < y,
        (Basic::Int(x), Basic::Uint(y)) => u64::try_from(x).map_or(true, |x| x < y),
        (Basic::Uint(x), Basic::Int(y)) => u64::try_from(y).is_ok_and(|y| x < y),
        (Basic::Bool(_), Basic::Bool(_)) => return Err(ERR_BAD_COMPARISON_TYPE.to_string()),
        _ => return Err(ERR_BAD_COMPARISON.to_string()),
    })
}

fn less_equal(a: &Value, b: &Value) -> Result<bool, String> {
    if less(a, b)? {
        return Ok(true);
    }
    equal(a, b)
}

// --- printing ----------------------------------------------------------------

/// client-go's `PrintResults`: objects and arrays as JSON, the rest as text,
/// separated by single spaces.
fn print_results(results: &[Cow<'_, Value>], out: &mut String) {
    for (i, r) in results.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        match r.as_ref() {
            Value::Array(_) | Value::Object(_) => out.push_str(&wharf_domain::gofmt::marshal(r)),
            Value::String(s) => out.push_str(s),
            other => out.push_str(&wharf_domain::gofmt::format_value(other)),
        }
    }
}

/// The Go type a value has after decoding into `interface{}`.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "interface {}",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(template: &str, data: &Value) -> Result<String, String> {
        Template::parse(template)?.render(data)
    }

    fn ok(template: &str, data: &Value) -> String {
        match render(template, data) {
            Ok(s) => s,
            Err(e) => panic!("template {template:?} failed: {e}"),
        }
    }

    fn err(template: &str, data: &Value) -> String {
        match render(template, data) {
            Ok(s) => panic!("template {template:?} unexpectedly rendered {s:?}"),
            Err(e) => e,
        }
    }

    fn image_streams() -> Value {
        json!({
            "apiVersion": "v1",
            "kind": "List",
            "metadata": {"resourceVersion": ""},
            "items": [
                {
                    "apiVersion": "image.openshift.io/v1",
                    "kind": "ImageStream",
                    "metadata": {
                        "name": "ruby",
                        "namespace": "openshift",
                        "generation": 3,
                        "annotations": {
                            "openshift.io/display-name": "Ruby",
                            "kubectl.kubernetes.io/last-applied-configuration": "{\"kind\":\"ImageStream\"}"
                        },
                        "labels": {"app": "ruby"}
                    },
                    "spec": {
                        "lookupPolicy": {"local": false},
                        "tags": [
                            {"name": "2.7", "from": {"kind": "DockerImage", "name": "quay.io/ruby:2.7"}, "generation": 2},
                            {"name": "latest", "from": {"kind": "ImageStreamTag", "name": "2.7"}, "generation": 3,
                             "importPolicy": {"scheduled": true}}
                        ]
                    },
                    "status": {
                        "dockerImageRepository": "image-registry.svc:5000/openshift/ruby",
                        "tags": [
                            {"tag": "2.7", "items": [
                                {"image": "sha256:aaa", "generation": 2, "created": "2024-01-01T00:00:00Z"},
                                {"image": "sha256:bbb", "generation": 1, "created": "2023-01-01T00:00:00Z"}
                            ]},
                            {"tag": "latest", "items": [
                                {"image": "sha256:aaa", "generation": 3, "created": "2024-01-01T00:00:00Z"}
                            ]}
                        ]
                    }
                },
                {
                    "apiVersion": "image.openshift.io/v1",
                    "kind": "ImageStream",
                    "metadata": {"name": "nginx", "namespace": "openshift", "generation": 1},
                    "spec": {
                        "lookupPolicy": {"local": true},
                        "tags": [
                            {"name": "1.25", "from": {"kind": "DockerImage", "name": "docker.io/nginx:1.25"}, "generation": 1}
                        ]
                    },
                    "status": {
                        "dockerImageRepository": "image-registry.svc:5000/openshift/nginx",
                        "tags": [
                            {"tag": "1.25", "items": [
                                {"image": "sha256:ccc", "generation": 1, "created": "2024-02-02T00:00:00Z"}
                            ]}
                        ]
                    }
                }
            ]
        })
    }

    #[test]
    fn plain_text_is_copied_verbatim() {
        assert_eq!(ok("hello } world", &json!({})), "hello } world");
        assert_eq!(ok("", &json!({})), "");
    }

    #[test]
    fn field_paths_select_nested_values() {
        let d = image_streams();
        assert_eq!(ok("{.kind}", &d), "List");
        assert_eq!(ok("kind={.items[0].metadata.name}!", &d), "kind=ruby!");
        assert_eq!(ok("{.items[1].spec.lookupPolicy.local}", &d), "true");
    }

    #[test]
    fn wildcard_results_are_joined_by_single_spaces() {
        let d = image_streams();
        assert_eq!(ok("{.items[*].metadata.name}", &d), "ruby nginx");
        assert_eq!(ok("{.items[*].spec.tags[*].name}", &d), "2.7 latest 1.25");
        assert_eq!(ok("{.items[0].metadata.labels.*}", &d), "ruby");
    }

    #[test]
    fn indexes_negative_indexes_and_slices() {
        let d = json!({"a": [0, 1, 2, 3, 4]});
        assert_eq!(ok("{.a[0]}", &d), "0");
        assert_eq!(ok("{.a[-1]}", &d), "4");
        assert_eq!(ok("{.a[1:3]}", &d), "1 2");
        assert_eq!(ok("{.a[-1:]}", &d), "4");
        assert_eq!(ok("{.a[-2:]}", &d), "3 4");
        assert_eq!(ok("{.a[::2]}", &d), "0 2 4");
        assert_eq!(ok("{.a[1:4:2]}", &d), "1 3");
        assert_eq!(ok("{.a[:2]}", &d), "0 1");
        assert_eq!(ok("{.a[2:2]}", &d), "");
        let d = image_streams();
        assert_eq!(ok("{.items[-1].metadata.name}", &d), "nginx");
    }

    #[test]
    fn out_of_range_index_is_an_error_even_with_missing_keys_allowed() {
        let d = json!({"a": [1, 2], "empty": []});
        assert_eq!(
            err("{.a[5]}", &d),
            "array index out of bounds: index 5, length 2"
        );
        assert_eq!(
            err("{.a[-3]}", &d),
            "array index out of bounds: index -1, length 2"
        );
        assert_eq!(
            err("{.empty[0]}", &d),
            "array index out of bounds: index 0, length 0"
        );
        assert_eq!(
            err("{.a[0:5]}", &d),
            "array index out of bounds: index 4, length 2"
        );
        assert_eq!(err("{.a[::0]}", &d), "step must be > 0");
        assert_eq!(
            err("{.a[1:0]}", &d),
            "starting index 1 is greater than ending index 0"
        );
    }

    #[test]
    fn indexing_a_non_array_is_an_error() {
        let d = json!({"m": {"x": 1}, "s": "str"});
        assert_eq!(
            err("{.m[0]}", &d),
            "map[string]interface {} is not array or slice"
        );
        assert_eq!(err("{.s[0]}", &d), "string is not array or slice");
        // Missing values and nulls are skipped rather than indexed.
        assert_eq!(ok("{.missing[0]}", &json!({"n": null})), "");
        assert_eq!(ok("{.n[0]}", &json!({"n": null})), "");
    }

    #[test]
    fn missing_keys_print_nothing() {
        let d = image_streams();
        assert_eq!(ok("a{.nope}b{.items[*].metadata.nope}c", &d), "abc");
        assert_eq!(ok("{.kind.deeper}", &d), "");
    }

    #[test]
    fn recursive_descent_finds_every_match_in_document_order() {
        let d = image_streams();
        assert_eq!(
            ok("{.items[0].spec..name}", &d),
            "2.7 quay.io/ruby:2.7 latest 2.7"
        );
        assert_eq!(
            ok("{..dockerImageRepository}", &d),
            "image-registry.svc:5000/openshift/ruby image-registry.svc:5000/openshift/nginx"
        );
        assert_eq!(err("{....a}", &d), "invalid multiple recursive descent");
    }

    #[test]
    fn bracket_keys_are_paths_and_escaped_dots_stay_in_names() {
        let d = image_streams();
        assert_eq!(ok("{.items[0]['metadata']['name']}", &d), "ruby");
        // client-go re-parses a bracket key as a path: 'metadata.name' is two steps.
        assert_eq!(ok("{.items[0]['metadata.name']}", &d), "ruby");
        assert_eq!(
            ok(
                r"{.items[0].metadata.annotations.openshift\.io/display-name}",
                &d
            ),
            "Ruby"
        );
        assert_eq!(
            ok(
                r"{.items[0].metadata.annotations['openshift\.io/display-name']}",
                &d
            ),
            "Ruby"
        );
        assert_eq!(
            ok(
                r"{.items[0].metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}",
                &d
            ),
            r#"{"kind":"ImageStream"}"#
        );
        assert_eq!(
            ok("{.a['b.c']}", &json!({"a": {"b.c": 1, "b": {"c": 2}}})),
            "2"
        );
    }

    #[test]
    fn filters_compare_strings_and_numbers() {
        let d = image_streams();
        let first = &json!(d["items"][0]);
        assert_eq!(
            ok(r#"{.spec.tags[?(@.name=="latest")].from.name}"#, first),
            "2.7"
        );
        assert_eq!(
            ok(r#"{.spec.tags[?(@.name != "latest")].name}"#, first),
            "2.7"
        );
        assert_eq!(
            ok("{.spec.tags[?(@.name=='latest')].from.kind}", first),
            "ImageStreamTag"
        );
        assert_eq!(
            ok("{.status.tags[*].items[?(@.generation>1)].image}", first),
            "sha256:aaa sha256:aaa"
        );
        assert_eq!(
            ok(
                "{.status.tags[*].items[?(@.generation>=2)].generation}",
                first
            ),
            "2 3"
        );
        assert_eq!(
            ok("{.status.tags[*].items[?(@.generation<2)].image}", first),
            "sha256:bbb"
        );
        assert_eq!(
            ok(
                "{.status.tags[*].items[?(@.generation<=1)].generation}",
                first
            ),
            "1"
        );
        assert_eq!(
            ok(
                r#"{.status.tags[0].items[?(@.created<"2024")].image}"#,
                first
            ),
            "sha256:bbb"
        );
        assert_eq!(
            ok("{.items[?(@.metadata.generation==1)].metadata.name}", &d),
            "nginx"
        );
        assert_eq!(
            ok("{.x[?(@.v>1.5)]}", &json!({"x": [{"v": 1.25}, {"v": 2.5}]})),
            r#"{"v":2.5}"#
        );
        assert_eq!(ok("{.x[?(@==true)]}", &json!({"x": [true, false]})), "true");
    }

    #[test]
    fn filters_follow_go_template_comparison_rules() {
        let d = json!({"x": [{"v": 1.5}, {"v": "s"}, {"v": null}, {"v": true}]});
        assert_eq!(
            err("{.x[?(@.v==1)]}", &d),
            "incompatible types for comparison"
        );
        let d = json!({"x": [{"v": null}]});
        assert_eq!(err("{.x[?(@.v==1)]}", &d), "invalid type for comparison");
        let d = json!({"x": [{"v": true}]});
        assert_eq!(err("{.x[?(@.v<true)]}", &d), "invalid type for comparison");
        let d = json!({"x": [{"v": 1}]});
        assert_eq!(err("{.x[?(@.v=1)]}", &d), "unrecognized filter operator =");
        let d = json!({"x": [{"v": [1, 2]}]});
        assert_eq!(
            err("{.x[?(@.v[*]==1)]}", &d),
            "can only compare one element at a time"
        );
        let d = json!({"x": {"v": 1}});
        assert_eq!(
            err("{.x[?(@.v==1)]}", &d),
            "map[v:1] is not array or slice and cannot be filtered"
        );
    }

    #[test]
    fn existence_filters_keep_elements_that_have_the_path() {
        let d = image_streams();
        assert_eq!(
            ok("{.items[0].spec.tags[?(@.importPolicy)].name}", &d),
            "latest"
        );
        assert_eq!(
            ok(
                "{.items[*].spec.tags[?(@.importPolicy.scheduled)].name}",
                &d
            ),
            "latest"
        );
    }

    #[test]
    fn range_repeats_its_body_per_item() {
        let d = image_streams();
        assert_eq!(
            ok(r#"{range .items[*]}{.metadata.name}{"\t"}{.status.dockerImageRepository}{"\n"}{end}"#, &d),
            "ruby\timage-registry.svc:5000/openshift/ruby\nnginx\timage-registry.svc:5000/openshift/nginx\n"
        );
        assert_eq!(ok("{range .nothing[*]}x{end}done", &d), "done");
    }

    #[test]
    fn nested_ranges_track_their_own_items() {
        let d = image_streams();
        let t = r#"{range .items[*]}{.metadata.name}:{range .spec.tags[*]} {.name}={.from.name}{end};{end}"#;
        assert_eq!(
            ok(t, &d),
            "ruby: 2.7=quay.io/ruby:2.7 latest=2.7;nginx: 1.25=docker.io/nginx:1.25;"
        );
    }

    #[test]
    fn range_without_end_runs_to_the_end_of_the_template() {
        let d = json!({"a": [{"n": 1}, {"n": 2}], "n": 0});
        // client-go then evaluates the body once more against the outer object.
        assert_eq!(ok("{range .a[*]}[{.n}]", &d), "[1][2][0]");
    }

    #[test]
    fn stray_end_and_unknown_words_are_errors() {
        assert_eq!(err("{end}", &json!({})), "not in range, nothing to end");
        assert_eq!(err("{foo}", &json!({})), "unrecognized identifier foo");
    }

    #[test]
    fn string_literals_support_go_escapes() {
        let d = json!({});
        assert_eq!(
            ok(r#"{"\n"}{"\t"}{'it\'s'}{"\"q\""}{"\u00e9\x41\101"}"#, &d),
            "\n\tit's\"q\"\u{e9}AA"
        );
        assert_eq!(ok(r#"{"}{"}"#, &d), "}{");
        assert_eq!(
            err(r#"{"\q"}"#, &d),
            r#"unquote string "\q" error invalid syntax"#
        );
        assert_eq!(err(r#"{"abc}"#, &d), "unterminated quoted string");
        // As in client-go, a quote right after a backslash never closes.
        assert_eq!(err(r#"{"\\"}"#, &d), "unterminated quoted string");
    }

    #[test]
    fn literals_yield_one_value_per_input() {
        let d = json!({"a": [1, 2, 3]});
        assert_eq!(ok("{.a[*] 7}", &d), "7 7 7");
        assert_eq!(ok("{.missing true}", &d), "");
        assert_eq!(ok("{.a[*] 'x'}", &d), "x");
    }

    #[test]
    fn current_and_root_markers_select_the_current_object() {
        let d = json!({"a": {"b": 1}, "s": "x"});
        assert_eq!(ok("{$.a.b}", &d), "1");
        assert_eq!(ok("{@.s}", &d), "x");
        assert_eq!(ok("{@}", &json!("plain")), "plain");
        assert_eq!(ok("{$}", &json!({"k": [1, 2]})), r#"{"k":[1,2]}"#);
        let d = json!({"items": [{"n": "a"}, {"n": "b"}]});
        assert_eq!(ok("{range .items[*]}{@.n}{$.n}{end}", &d), "aabb");
    }

    #[test]
    fn bracket_unions_select_several_paths() {
        let d = image_streams();
        assert_eq!(
            ok("{.items[*]['metadata.name', 'kind']}", &d),
            "ruby nginx ImageStream ImageStream"
        );
        assert_eq!(ok("{.items[0].spec.tags[0,1].name}", &d), "2.7 latest");
    }

    #[test]
    fn values_print_like_kubectl() {
        let d = json!({
            "s": "text", "i": 42, "neg": -7, "f": 2.5, "whole": 3.0, "big": 1e6, "tiny": 0.00001,
            "t": true, "n": null,
            "obj": {"z": 1, "a": "<b>&", "l": [1.5, null, "x\ny"]}, "arr": [1, "two"]
        });
        assert_eq!(
            ok("{.s}|{.i}|{.neg}|{.f}|{.whole}|{.big}|{.tiny}|{.t}", &d),
            "text|42|-7|2.5|3|1e+06|1e-05|true"
        );
        assert_eq!(ok("{.n}", &d), "<nil>");
        assert_eq!(
            ok("{.obj}", &d),
            r#"{"a":"\u003cb\u003e\u0026","l":[1.5,null,"x\ny"],"z":1}"#
        );
        assert_eq!(ok("{.arr}", &d), r#"[1,"two"]"#);
        assert_eq!(ok("{.arr[*]}", &d), "1 two");
    }

    #[test]
    fn float_formatting_matches_go() {
        assert_eq!(
            wharf_domain::gofmt::format_float_g(123456789.0),
            "1.23456789e+08"
        );
        assert_eq!(wharf_domain::gofmt::format_float_g(100000.0), "100000");
        assert_eq!(wharf_domain::gofmt::format_float_g(0.0001), "0.0001");
        assert_eq!(wharf_domain::gofmt::format_float_g(-2.5e-10), "-2.5e-10");
        assert_eq!(wharf_domain::gofmt::format_float_json(1e21), "1e+21");
        assert_eq!(
            wharf_domain::gofmt::format_float_json(1e20),
            "100000000000000000000"
        );
        assert_eq!(wharf_domain::gofmt::format_float_json(1e-7), "1e-7");
        assert_eq!(wharf_domain::gofmt::format_float_json(0.5), "0.5");
    }

    #[test]
    fn parse_errors_use_client_go_wording() {
        let e = |t: &str| match Template::parse(t) {
            Ok(_) => panic!("{t:?} parsed"),
            Err(e) => e,
        };
        assert_eq!(e("{.a"), "unclosed action");
        assert_eq!(e("{.a\n}"), "unclosed action");
        assert_eq!(e("{#}"), "unrecognized character in action: U+0023 '#'");
        assert_eq!(e("{.a[0}"), "unterminated array");
        assert_eq!(e("{.a[x]}"), "invalid array index x");
        assert_eq!(
            e("{.a[99999999999999999999]}"),
            "array index 99999999999999999999 is not a number"
        );
        assert_eq!(e("{.a[?(@.b==1)}"), "unclosed array expect ]");
        assert_eq!(e("{.a[?(@.b==1"), "unterminated filter");
        assert_eq!(e("{1.2.3}"), "cannot parse number 1.2.3");
        // client-go has no top-level unions; only bracket unions.
        assert_eq!(
            e("{.a.b,.c.d}"),
            "unrecognized character in action: U+002C ','"
        );
    }

    #[test]
    fn odd_templates_never_panic() {
        let data = image_streams();
        let cases = [
            "{",
            "}",
            "{}",
            "{{}}",
            "{{",
            "}}{",
            "\u{0}",
            "{\u{0}}",
            "{.a[",
            "{.a[]}",
            "{.a[-]}",
            "{range}",
            "{range}{end}",
            "{end}{end}",
            "{range .items[*]}{range}",
            "{.a[?(@.b==]}",
            "{.a[?(@.b==)]}",
            "{.a[?()]}",
            "{.a[?(@.b=='x)]}",
            "{.a[99999999999999999999]}",
            "{.a[::0]}",
            "{.items[::-1]}",
            "{.items[-99999999999999999]}",
            "{.items[9223372036854775807]}",
            "{.items[-9223372036854775808]}",
            "{.items[-9223372036854775808:9223372036854775807]}",
            "{..}",
            "{...}",
            "{....}",
            "{.items[*]..}",
            "{..[0]}",
            "{..*}",
            "{.*.*.*}",
            "{.items[,]}",
            "{.items[',']}",
            "{['']}",
            "{.items[?(@.kind>'a')].kind}",
            "{\"\\x\"}",
            "{'\\u12'}",
            "{\"\\\"}",
            "{@@@$$$}",
            "{+}",
            "{-}",
            "{.}",
            "{.\\}",
            "{.a\\.}",
            "{\t}",
            "{ é }",
            "{.é}",
            "{.items[?(@.metadata.generation>1.5)]}",
            "{true}{false}{1}{2.5}",
            "{.items[0,?(@.x)]}",
            "{[?(@..a)]}",
            "{.a[?(@.b[?(@.c[?(@.d)])])]}",
        ];
        for case in cases {
            if let Ok(t) = Template::parse(case) {
                let _ = t.render(&data);
                let _ = t.render(&Value::Null);
                let _ = t.render(&json!("string"));
            }
        }
        let deep = "{.a[?(@".repeat(200);
        let _ = Template::parse(&deep);
        let ranges = "{range}".repeat(500);
        let _ = Template::parse(&ranges).map(|t| t.render(&data));
    }
}
