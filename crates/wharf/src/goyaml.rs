//! YAML exactly as `kubectl get -o yaml` and `oc process -o yaml` print it.
//!
//! Those commands turn the object's JSON into YAML with sigs.k8s.io/yaml `JSONToYAML`: the JSON
//! is decoded by go-yaml v2 (`yaml.Unmarshal` into `interface{}`, so integral numbers stay
//! integers and maps become `map[interface{}]interface{}`) and re-encoded by go-yaml v2
//! `yaml.Marshal`. This module reproduces that encoder byte for byte for the values a
//! `serde_json::Value` can hold.
//!
//! Why hand-written: no Rust crate emits go-yaml v2's format. serde_yaml and serde_norway quote
//! by the YAML 1.2 core schema (go-yaml v2 also quotes YAML 1.1 booleans such as `yes`/`on`,
//! base-60 numbers such as `1:20` and timestamps such as `2006-01-02`), never fold long
//! scalars at 80 columns, keep map keys in insertion or byte order instead of go-yaml's
//! "natural" order, and indent differently. Users diff and grep this output against oc's, so
//! it has to match exactly.
//!
//! Ported from gopkg.in/yaml.v2 v2.4.0 (vendored by oc as go.yaml.in/yaml/v2):
//! - `encode.go`: `stringv` (literal style for strings containing `\n`, plain when the string
//!   resolves to `!!str` and is not a base-60 float, double quotes otherwise), `intv`/`uintv`,
//!   `floatv` (`strconv.FormatFloat(f, 'g', -1, 64)`), `nilv`, `mapv` (keys sorted);
//! - `resolve.go`: `resolve` (the implicit-tag table, ints, floats, `0b` binaries) and
//!   `parseTimestamp` (four `time.Parse` layouts);
//! - `sorter.go`: `keyList.Less`;
//! - `emitterc.go`: the block emitter (`emit_block_sequence_item`, `emit_block_mapping_key`,
//!   `emit_block_mapping_value`, `emit_scalar`, `increase_indent`, `write_indent`,
//!   `write_indicator`), `check_simple_key`, `select_scalar_style`, `analyze_scalar`, and the
//!   plain, single-quoted, double-quoted and literal writers with line folding at
//!   `best_width` 80 (`FutureLineWrap` is never called);
//! - `yamlprivateh.go`: `is_printable`, `is_break`, `is_blank` and friends;
//! - Go's strconv (`ParseInt`/`ParseUint`/`ParseFloat` syntax and ranges, `FormatFloat`) and
//!   time (`Parse` for the timestamp layouts), as far as go-yaml's decisions depend on them.
//!
//! What never occurs for JSON input is left out: anchors, aliases, tags, flow collections
//! other than `[]`/`{}`, folded (`>`) style, canonical output and `---` document markers.
//!
//! Known approximations: outside Latin-1, Go's `unicode.IsLetter` (categories L*) and
//! `unicode.IsDigit` (Nd), used only to order map keys, are approximated by Rust's
//! `char::is_alphabetic` and `char::is_numeric`. JSON `-0` (Go: int 0, printed `0`) and `-0.0`
//! (Go: float64, printed `-0`) are the same `serde_json` value; it prints `-0`.

use serde_json::{Map, Number, Value};

/// `emitter.best_indent`.
const BEST_INDENT: isize = 2;
/// `emitter.best_width`: scalars fold at the first eligible space after this column.
const BEST_WIDTH: usize = 80;
/// `yaml_emitter_check_simple_key`: longer keys are written as `? key` / `: value`.
const MAX_SIMPLE_KEY_LEN: usize = 128;

/// Prints `v` as `kubectl get -o yaml` does (go-yaml v2 `Marshal` after `JSONToYAML`'s
/// decode). The output ends with a newline.
#[allow(dead_code)] // used by the CLI's `-o yaml` once wired up
pub fn to_yaml(v: &Value) -> String {
    let mut emitter = Emitter::new();
    emitter.node(v, false);
    // DOCUMENT-END (implicit): a final line break, no `...`.
    emitter.write_indent();
    emitter.out
}

// ---------------------------------------------------------------------------------------------
// encode.go: which scalar style go-yaml asks the emitter for.
// ---------------------------------------------------------------------------------------------

/// `yaml_scalar_style_t`, minus the folded style the encoder never requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// A scalar event: its text, the style the encoder asked for, and the emitter's analysis.
struct Scalar {
    text: String,
    chars: Vec<char>,
    requested: Style,
    analysis: Analysis,
}

impl Scalar {
    fn new(text: String, requested: Style) -> Scalar {
        let chars: Vec<char> = text.chars().collect();
        let analysis = analyze(&chars);
        Scalar {
            text,
            chars,
            requested,
            analysis,
        }
    }

    /// `encoder.stringv`: literal if the string has a `\n`; plain if it would read back as a
    /// string (and is not a YAML 1.1 base-60 float); double-quoted otherwise.
    fn string(s: &str) -> Scalar {
        let style = if s.contains('\n') {
            Style::Literal
        } else if resolves_to_str(s) && !is_base60_float(s) {
            Style::Plain
        } else {
            Style::DoubleQuoted
        };
        Scalar::new(s.to_owned(), style)
    }

    /// `nilv`, `boolv`, `intv`/`uintv`/`floatv` and `stringv` for a non-collection value.
    fn from_value(v: &Value) -> Scalar {
        match v {
            Value::Null => Scalar::new("null".to_owned(), Style::Plain),
            Value::Bool(b) => Scalar::new(b.to_string(), Style::Plain),
            Value::Number(n) => Scalar::new(format_number(n), Style::Plain),
            Value::String(s) => Scalar::string(s),
            Value::Array(_) | Value::Object(_) => unreachable!("collections are not scalars"),
        }
    }

    /// `yaml_emitter_check_simple_key` for a scalar key.
    fn is_simple_key(&self) -> bool {
        !self.analysis.multiline && self.text.len() <= MAX_SIMPLE_KEY_LEN
    }

    /// `yaml_emitter_select_scalar_style` in block context (flow level 0, no tags).
    fn select_style(&self, simple_key: bool) -> Style {
        let a = &self.analysis;
        let mut style = self.requested;
        if simple_key && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain
            && (!a.block_plain_allowed || (self.chars.is_empty() && simple_key))
        {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted_allowed {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block_allowed || simple_key) {
            style = Style::DoubleQuoted;
        }
        style
    }
}

/// How go-yaml prints the number that `yaml.Unmarshal` decoded from this JSON number: integers
/// (int/int64/uint64) in decimal, everything else as float64 via `FormatFloat(f, 'g', -1, 64)`.
fn format_number(n: &Number) -> String {
    if let Some(u) = n.as_u64() {
        u.to_string()
    } else if let Some(i) = n.as_i64() {
        i.to_string()
    } else {
        format_float(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// `encoder.floatv`: `strconv.FormatFloat(f, 'g', -1, 64)` (`gofmt::format_float_g`), with
/// YAML's spellings of the infinities and NaN (which JSON cannot carry).
fn format_float(f: f64) -> String {
    if f.is_nan() {
        return ".nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    wharf_domain::gofmt::format_float_g(f)
}

// ---------------------------------------------------------------------------------------------
// resolve.go: would this string, written plain, read back as something other than a string?
// ---------------------------------------------------------------------------------------------

/// The implicit scalars `resolve` finds in `resolveMap` (YAML 1.1 booleans, nulls, special
/// floats, the merge key).
const RESOLVE_MAP: &[&str] = &[
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no", "No",
    "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null", "NULL", ".nan",
    ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
    "<<",
];

/// `resolve("", s)` returns `!!str`.
fn resolves_to_str(s: &str) -> bool {
    #[derive(PartialEq)]
    enum Hint {
        Sign,
        Digit,
        Map,
        Dot,
    }
    // `resolveTable`: the first byte hints at what the scalar might be; "" hints 'N'.
    let hint = match s.as_bytes().first() {
        None => return false, // "" is null
        Some(b'+' | b'-') => Hint::Sign,
        Some(b'0'..=b'9') => Hint::Digit,
        Some(b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~') => {
            Hint::Map
        }
        Some(b'.') => Hint::Dot,
        Some(_) => return true,
    };
    if RESOLVE_MAP.contains(&s) {
        return false;
    }
    match hint {
        Hint::Map => true,
        Hint::Dot => !go_parse_float_ok(s),
        Hint::Sign | Hint::Digit => {
            if is_timestamp(s) {
                return false;
            }
            let plain = s.replace('_', "");
            if go_parse_int(&plain, 0).is_ok() || go_parse_uint(&plain, 0).is_ok() {
                return false;
            }
            if matches_yaml_style_float(&plain) && go_parse_float_ok(&plain) {
                return false;
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                if go_parse_int(rest, 2).is_ok() || go_parse_uint(rest, 2).is_ok() {
                    return false;
                }
            } else if let Some(rest) = plain.strip_prefix("-0b") {
                if go_parse_int(&format!("-{rest}"), 2).is_ok() {
                    return false;
                }
            }
            true
        }
    }
}

/// encode.go `isBase60Float`: `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`.
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return false;
    }
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while b.get(i) == Some(&b':') {
        i += 1;
        // `[0-5]?[0-9]`: a second digit can never be followed by another digit, so the
        // regexp's backtracking reduces to "two digits if the first is 0-5, else one".
        match (b.get(i), b.get(i + 1)) {
            (Some(b'0'..=b'5'), Some(b'0'..=b'9')) => i += 2,
            (Some(b'0'..=b'9'), _) => i += 1,
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

/// resolve.go `yamlStyleFloat`: `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn matches_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let digits_from = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if b.get(i) == Some(&b'.') {
        let end = digits_from(i + 1);
        if end == i + 1 {
            return false;
        }
        i = end;
    } else {
        let end = digits_from(i);
        if end == i {
            return false;
        }
        i = end;
        if b.get(i) == Some(&b'.') {
            i = digits_from(i + 1);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits_from(i);
        if end == i {
            return false;
        }
        i = end;
    }
    i == b.len()
}

/// Why a Go `strconv` parse failed.
#[derive(Debug, PartialEq, Eq)]
enum NumError {
    Syntax,
    Range,
}

/// `strconv.ParseUint(s, base, 64)`, including base 0's `0b`/`0o`/`0x`/`0` prefixes and
/// underscores.
fn go_parse_uint(s: &str, base: u32) -> Result<u64, NumError> {
    let b = s.as_bytes();
    if b.is_empty() {
        return Err(NumError::Syntax);
    }
    let base0 = base == 0;
    let (base, digits) = if base0 {
        if b[0] == b'0' {
            match b.get(1).map(u8::to_ascii_lowercase) {
                Some(b'b') if b.len() >= 3 => (2, &b[2..]),
                Some(b'o') if b.len() >= 3 => (8, &b[2..]),
                Some(b'x') if b.len() >= 3 => (16, &b[2..]),
                _ => (8, &b[1..]),
            }
        } else {
            (10, b)
        }
    } else {
        (u64::from(base), b)
    };
    let cutoff = u64::MAX / base + 1;
    let mut n: u64 = 0;
    let mut underscores = false;
    for &c in digits {
        let d = match c {
            b'_' if base0 => {
                underscores = true;
                continue;
            }
            b'0'..=b'9' => u64::from(c - b'0'),
            _ if c.is_ascii_alphabetic() => u64::from(c.to_ascii_lowercase() - b'a' + 10),
            _ => return Err(NumError::Syntax),
        };
        if d >= base {
            return Err(NumError::Syntax);
        }
        if n >= cutoff {
            return Err(NumError::Range);
        }
        n *= base;
        n = n.checked_add(d).ok_or(NumError::Range)?;
    }
    if underscores && !underscore_ok(s) {
        return Err(NumError::Syntax);
    }
    Ok(n)
}

/// `strconv.ParseInt(s, base, 64)`.
fn go_parse_int(s: &str, base: u32) -> Result<i64, NumError> {
    let (neg, rest) = match s.as_bytes().first() {
        None => return Err(NumError::Syntax),
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        Some(_) => (false, s),
    };
    let un = go_parse_uint(rest, base)?;
    let cutoff = 1u64 << 63;
    if (!neg && un >= cutoff) || (neg && un > cutoff) {
        return Err(NumError::Range);
    }
    Ok(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

/// strconv `underscoreOK`: underscores only between digits, or between a base prefix and a
/// digit.
fn underscore_ok(s: &str) -> bool {
    let mut b = s.as_bytes();
    if matches!(b.first(), Some(b'+' | b'-')) {
        b = &b[1..];
    }
    // What came last: '^' start, '0' digit or base prefix, '_' underscore, '!' other.
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1] | 0x20 == b'x';
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && (c | 0x20).is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `strconv.ParseFloat(s, 64)` succeeds. Only decimal syntax is handled: go-yaml calls this on
/// strings starting with `.` and on strings matching `yamlStyleFloat`, which rules out hex
/// floats, `inf` and `nan`. Overflow is an error in Go (`ErrRange`); underflow is not.
fn go_parse_float_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let n = b.len();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let (mut saw_dot, mut saw_digits, mut underscores) = (false, false, false);
    while i < n {
        match b[i] {
            b'_' => underscores = true,
            b'.' if saw_dot => break,
            b'.' => saw_dot = true,
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return false;
    }
    if i < n && b[i] | 0x20 == b'e' {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !b.get(i).is_some_and(u8::is_ascii_digit) {
            return false;
        }
        while i < n && (b[i].is_ascii_digit() || b[i] == b'_') {
            underscores |= b[i] == b'_';
            i += 1;
        }
    }
    if underscores && !underscore_ok(&s[..i]) {
        return false;
    }
    if i != n {
        return false;
    }
    s.replace('_', "")
        .parse::<f64>()
        .is_ok_and(|f| f.is_finite())
}

/// One element of a Go `time.Parse` layout, as far as go-yaml's timestamp layouts need.
#[derive(Clone, Copy, PartialEq, Eq)]
enum LayoutElem {
    Literal(&'static str),
    /// `2006`
    LongYear,
    /// `1`
    NumMonth,
    /// `2`
    Day,
    /// `15`
    Hour,
    /// `4`
    Minute,
    /// `5`
    Second,
    /// `.999999999`
    FracSecond9,
    /// `Z07:00`
    Iso8601ColonTz,
}

/// The date part of every timestamp layout: `2006-1-2`.
const DATE: &[LayoutElem] = &[
    LayoutElem::LongYear,
    LayoutElem::Literal("-"),
    LayoutElem::NumMonth,
    LayoutElem::Literal("-"),
    LayoutElem::Day,
];

/// The clock part: `15:4:5.999999999`.
const CLOCK: &[LayoutElem] = &[
    LayoutElem::Hour,
    LayoutElem::Literal(":"),
    LayoutElem::Minute,
    LayoutElem::Literal(":"),
    LayoutElem::Second,
    LayoutElem::FracSecond9,
];

/// resolve.go `allowedTimestampFormats`, each layout as the parts it is made of:
/// `2006-1-2T15:4:5.999999999Z07:00`, `2006-1-2t15:4:5.999999999Z07:00`,
/// `2006-1-2 15:4:5.999999999` and `2006-1-2`.
const TIMESTAMP_LAYOUTS: [&[&[LayoutElem]]; 4] = [
    &[
        DATE,
        &[LayoutElem::Literal("T")],
        CLOCK,
        &[LayoutElem::Iso8601ColonTz],
    ],
    &[
        DATE,
        &[LayoutElem::Literal("t")],
        CLOCK,
        &[LayoutElem::Iso8601ColonTz],
    ],
    &[DATE, &[LayoutElem::Literal(" ")], CLOCK],
    &[DATE],
];

/// resolve.go `parseTimestamp`: four digits and a dash, then any of the layouts parses.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let year_digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if year_digits != 4 || b.get(4) != Some(&b'-') {
        return false;
    }
    TIMESTAMP_LAYOUTS.iter().any(|parts| {
        let layout: Vec<LayoutElem> = parts.iter().flat_map(|p| p.iter().copied()).collect();
        go_time_parse_ok(&layout, b)
    })
}

/// time `getnum`: one or two digits (`fixed` demands two).
fn getnum(s: &[u8], fixed: bool) -> Option<(u32, &[u8])> {
    let digit = |i: usize| {
        s.get(i)
            .filter(|c| c.is_ascii_digit())
            .map(|c| u32::from(c - b'0'))
    };
    let first = digit(0)?;
    match digit(1) {
        Some(second) => Some((first * 10 + second, &s[2..])),
        None if fixed => None,
        None => Some((first, &s[1..])),
    }
}

/// time `skip`: a literal, where a space matches a run of spaces.
fn skip_literal<'a>(mut value: &'a [u8], literal: &str) -> Option<&'a [u8]> {
    let mut prefix = literal.as_bytes();
    let cut = |s: &'a [u8]| &s[s.iter().take_while(|c| **c == b' ').count()..];
    while let Some(&p) = prefix.first() {
        if p == b' ' {
            if value.first().is_some_and(|c| *c != b' ') {
                return None;
            }
            prefix = &prefix[prefix.iter().take_while(|c| **c == b' ').count()..];
            value = cut(value);
            continue;
        }
        if value.first() != Some(&p) {
            return None;
        }
        prefix = &prefix[1..];
        value = &value[1..];
    }
    Some(value)
}

/// `time.Parse(layout, value)` returns no error, for the elements go-yaml's layouts use.
fn go_time_parse_ok(layout: &[LayoutElem], value: &[u8]) -> bool {
    let comma_or_period = |c: Option<&u8>| matches!(c, Some(b'.' | b','));
    let mut v = value;
    let (mut year, mut month, mut day) = (0u32, 1u32, 1u32);
    for (k, elem) in layout.iter().enumerate() {
        match *elem {
            LayoutElem::Literal(lit) => match skip_literal(v, lit) {
                Some(rest) => v = rest,
                None => return false,
            },
            LayoutElem::LongYear => {
                if v.len() < 4 || !v[..4].iter().all(u8::is_ascii_digit) {
                    return false;
                }
                year = v[..4].iter().fold(0, |y, c| y * 10 + u32::from(c - b'0'));
                v = &v[4..];
            }
            LayoutElem::NumMonth => match getnum(v, false) {
                Some((m, rest)) if (1..=12).contains(&m) => (month, v) = (m, rest),
                _ => return false,
            },
            LayoutElem::Day => match getnum(v, false) {
                // Any one- or two-digit day; validated against the month at the end.
                Some((d, rest)) => (day, v) = (d, rest),
                None => return false,
            },
            LayoutElem::Hour => match getnum(v, false) {
                Some((h, rest)) if h < 24 => v = rest,
                _ => return false,
            },
            LayoutElem::Minute => match getnum(v, false) {
                Some((m, rest)) if m < 60 => v = rest,
                _ => return false,
            },
            LayoutElem::Second => {
                match getnum(v, false) {
                    Some((s, rest)) if s < 60 => v = rest,
                    _ => return false,
                }
                // A fraction the layout does not mention is still accepted.
                let fraction_next = layout.get(k + 1) == Some(&LayoutElem::FracSecond9);
                if !fraction_next
                    && comma_or_period(v.first())
                    && v.get(1).is_some_and(u8::is_ascii_digit)
                {
                    let n = 1 + v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    v = &v[n..];
                }
            }
            LayoutElem::FracSecond9 => {
                if comma_or_period(v.first()) && v.get(1).is_some_and(u8::is_ascii_digit) {
                    let n = 1 + v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    v = &v[n..];
                }
            }
            LayoutElem::Iso8601ColonTz => {
                if v.first() == Some(&b'Z') {
                    v = &v[1..];
                    continue;
                }
                if v.len() < 6 || v[3] != b':' {
                    return false;
                }
                let (Some((hr, _)), Some((mm, _))) =
                    (getnum(&v[1..3], true), getnum(&v[4..6], true))
                else {
                    return false;
                };
                if hr > 24 || mm > 60 || !matches!(v[0], b'+' | b'-') {
                    return false;
                }
                v = &v[6..];
            }
        }
    }
    if !v.is_empty() {
        return false; // "extra text"
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=days_in_month).contains(&day)
}

// ---------------------------------------------------------------------------------------------
// sorter.go: the order of map keys.
// ---------------------------------------------------------------------------------------------

/// Go `unicode.IsLetter`: exact for Latin-1, approximated above it (see the module docs).
fn is_letter(c: char) -> bool {
    c.is_alphabetic()
}

/// Go `unicode.IsDigit`: exact for Latin-1, approximated above it (see the module docs).
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (u32::from(c) > 0xFF && c.is_numeric())
}

/// `keyList.Less` for two string keys: runs of digits compare as numbers, and at the first
/// difference a non-letter sorts before a letter.
fn key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            continue;
        }
        let al = is_letter(ar[i]);
        let bl = is_letter(br[i]);
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            // A zero inside a number that already has a non-zero digit is significant.
            for &c in ar[..i].iter().rev() {
                if !is_digit(c) {
                    break;
                }
                if c != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let digit_value = |c: char| i64::from(u32::from(c)) - i64::from(u32::from('0'));
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(digit_value(ar[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_value(br[bi]));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// The map's entries in `keyList` order. A merge sort that only asks `key_less`, so an
/// ordering quirk can never make it panic.
fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    fn merge_sort<'a>(items: Vec<(&'a String, &'a Value)>) -> Vec<(&'a String, &'a Value)> {
        if items.len() <= 1 {
            return items;
        }
        let mut left = items;
        let right = left.split_off(left.len() / 2);
        let (left, right) = (merge_sort(left), merge_sort(right));
        let mut out = Vec::with_capacity(left.len() + right.len());
        let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
        while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
            if key_less(b.0, a.0) {
                out.extend(r.next());
            } else {
                out.extend(l.next());
            }
        }
        out.extend(l);
        out.extend(r);
        out
    }
    merge_sort(map.iter().collect())
}

// ---------------------------------------------------------------------------------------------
// emitterc.go / yamlprivateh.go: the emitter.
// ---------------------------------------------------------------------------------------------

/// `is_printable`: what may appear unescaped. Note that characters outside the BMP are not
/// printable for go-yaml v2, so they force double quotes and `\U` escapes.
fn is_printable(c: char) -> bool {
    matches!(u32::from(c), 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{FEFF}'
}

/// `is_break`: CR, LF, NEL, LS, PS.
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// `is_blank`: space or tab.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// `is_blankz`: blank, break or NUL.
fn is_blankz(c: char) -> bool {
    is_blank(c) || is_break(c) || c == '\0'
}

/// The parts of `scalar_data` that `yaml_emitter_analyze_scalar` computes and block context
/// uses (flow context never occurs, so `flow_plain_allowed` is not tracked).
#[derive(Clone, Copy, Debug)]
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

/// `yaml_emitter_analyze_scalar` (unicode output enabled).
fn analyze(chars: &[char]) -> Analysis {
    if chars.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators =
        chars.starts_with(&['-', '-', '-']) || chars.starts_with(&['.', '.', '.']);
    let mut line_breaks = false;
    let mut special_characters = false;
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_whitespace = chars.get(i + 1).is_none_or(|&next| is_blank(next));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special_characters = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= i == last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= i == last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blankz(c);
    }
    let mut a = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special_characters {
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.block_plain_allowed = false;
    }
    a
}

/// The emitter state that matters for block output. The Go state machine's `states` stack is
/// the Rust call stack here.
struct Emitter {
    out: String,
    indent: isize,
    indents: Vec<isize>,
    /// Characters (not bytes) written on the current line.
    column: usize,
    /// The last thing written was whitespace (or nothing).
    whitespace: bool,
    /// Only indentation has been written on the current line.
    indention: bool,
}

impl Emitter {
    fn new() -> Emitter {
        // `yaml_emitter_emit_stream_start`.
        Emitter {
            out: String::new(),
            indent: -1,
            indents: Vec::new(),
            column: 0,
            whitespace: true,
            indention: true,
        }
    }

    /// `put` / `write`: one character, one column.
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// `write_break`: a line break from the value itself.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn restore_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    /// `yaml_emitter_write_indent`: a new line unless we are at the indentation already, then
    /// spaces up to it.
    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        for c in indicator.chars() {
            self.put(c);
        }
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// `yaml_emitter_emit_node` outside simple-key context. `mapping_context` is true for a
    /// mapping value (it makes a block sequence "indentless").
    fn node(&mut self, v: &Value, mapping_context: bool) {
        match v {
            // Empty collections are emitted in flow style (`check_empty_sequence/mapping`).
            Value::Array(items) if items.is_empty() => self.empty_flow_collection("[", "]"),
            Value::Object(map) if map.is_empty() => self.empty_flow_collection("{", "}"),
            Value::Array(items) => self.block_sequence(items, mapping_context),
            Value::Object(map) => self.block_mapping(map),
            scalar => self.scalar(&Scalar::from_value(scalar), false),
        }
    }

    /// `emit_flow_sequence_item` / `emit_flow_mapping_key` with the END event first.
    fn empty_flow_collection(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    /// `yaml_emitter_emit_block_sequence_item`. Under a mapping key (`mapping_context` and
    /// not at the start of a line) the items are not indented: `key:\n- a`.
    fn block_sequence(&mut self, items: &[Value], mapping_context: bool) {
        let indentless = mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, false);
        }
        self.restore_indent();
    }

    /// `yaml_emitter_emit_block_mapping_key` / `_value`, keys in `keyList` order.
    fn block_mapping(&mut self, map: &Map<String, Value>) {
        self.increase_indent(false, false);
        for (key, value) in sorted_entries(map) {
            self.write_indent();
            let key = Scalar::string(key);
            if key.is_simple_key() {
                self.scalar(&key, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.scalar(&key, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(value, true);
        }
        self.restore_indent();
    }

    /// `yaml_emitter_emit_scalar`: scalars are indented one step past their parent, which is
    /// where folded and literal continuation lines go.
    fn scalar(&mut self, s: &Scalar, simple_key: bool) {
        let style = s.select_style(simple_key);
        self.increase_indent(true, false);
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(&s.chars, allow_breaks),
            Style::SingleQuoted => self.write_single_quoted(&s.chars, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(&s.chars, allow_breaks),
            Style::Literal => self.write_literal(&s.chars),
        }
        self.restore_indent();
    }

    /// `yaml_emitter_write_plain_scalar`. A space becomes a line break when the column is
    /// already past 80, it is the first of its run, and the next character is not a space.
    fn write_plain(&mut self, value: &[char], allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in value.iter().enumerate() {
            if c == ' ' {
                let next_is_space = value.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    /// `yaml_emitter_write_single_quoted_scalar`: like plain, but never folds at the first or
    /// last character, and doubles `'`.
    fn write_single_quoted(&mut self, value: &[char], allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let (mut spaces, mut breaks) = (false, false);
        let n = value.len();
        for (i, &c) in value.iter().enumerate() {
            if c == ' ' {
                let next_is_space = value.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < n
                    && !next_is_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// `yaml_emitter_write_double_quoted_scalar`: escapes what is not printable (plus breaks,
    /// BOM, `"` and `\`); folds like single quotes, escaping a following space as `\ `.
    fn write_double_quoted(&mut self, value: &[char], allow_breaks: bool) {
        let mut spaces = false;
        self.write_indicator("\"", true, false, false);
        let n = value.len();
        for (i, &c) in value.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let short = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                if let Some(e) = short {
                    self.put(e);
                } else {
                    let v = u32::from(c);
                    let escaped = if v <= 0xFF {
                        format!("x{v:02X}")
                    } else if v <= 0xFFFF {
                        format!("u{v:04X}")
                    } else {
                        format!("U{v:08X}")
                    };
                    for e in escaped.chars() {
                        self.put(e);
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < n {
                    self.write_indent();
                    if value[i + 1] == ' ' {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// `yaml_emitter_write_block_scalar_hints`: `2` when the text starts with a space or
    /// break; chomping `-` (no final break), none (one), `+` (more than one).
    fn write_block_scalar_hints(&mut self, value: &[char]) {
        if value.first().is_some_and(|&c| c == ' ' || is_break(c)) {
            self.write_indicator(&BEST_INDENT.to_string(), false, false, false);
        }
        let chomp = match value {
            [] => Some("-"),
            [.., last] if !is_break(*last) => Some("-"),
            [_] => Some("+"),
            [.., before, _] if is_break(*before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
    }

    /// `yaml_emitter_write_literal_scalar`: `|` and the lines at the scalar's indentation;
    /// empty lines get no indentation.
    fn write_literal(&mut self, value: &[char]) {
        self.write_indicator("|", true, false, false);
        self.write_block_scalar_hints(value);
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for &c in value {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn yaml(v: Value) -> String {
        to_yaml(&v)
    }

    /// The YAML for `{"k": s}`.
    fn value_yaml(s: &str) -> String {
        yaml(json!({ "k": s }))
    }

    #[test]
    fn keys_sort_in_go_yaml_natural_order() {
        // keyList.Less: at the first difference, letters compare by code point ('A' < 'a'),
        // a non-letter sorts before a letter ("a_b" < "ab", "a1" < "ab"), digit runs compare
        // as numbers ("a2" < "a10", "9" < "10"), a shorter digit run wins on equal value
        // ("x1" < "x01" < "x001"), and a prefix sorts first ("a" < "a1"). Keys that read as
        // numbers are double-quoted.
        let v = json!({
            "b": 1, "a10": 1, "a2": 1, "a": 1, "A": 1, "a_b": 1, "ab": 1, "a1": 1,
            "x001": 1, "x01": 1, "x1": 1, "10": 1, "9": 1
        });
        let want = "\"9\": 1\n\"10\": 1\nA: 1\na: 1\na_b: 1\na1: 1\na2: 1\na10: 1\nab: 1\nb: 1\n\
                    x1: 1\nx01: 1\nx001: 1\n";
        assert_eq!(yaml(v), want);
    }

    #[test]
    fn key_order_is_not_byte_order() {
        assert!(key_less("item-9", "item-10"));
        assert!(!key_less("item-10", "item-9"));
        assert!(key_less("a.b", "ab"));
        assert!(key_less("Z", "a"));
        assert!(key_less("app", "app.kubernetes.io/name"));
    }

    #[test]
    fn nested_maps_and_lists_use_go_yaml_layout() {
        let v = json!({
            "metadata": {"name": "x", "labels": {"app": "web"}},
            "spec": {
                "tags": ["a", "b"],
                "containers": [{"image": "nginx", "ports": [{"containerPort": 80}]}],
                "empty": [],
                "obj": {}
            },
            "list_of_lists": [[1, 2], []],
            "scalars": [true, null, 1.5]
        });
        let want = "\
list_of_lists:
- - 1
  - 2
- []
metadata:
  labels:
    app: web
  name: x
scalars:
- true
- null
- 1.5
spec:
  containers:
  - image: nginx
    ports:
    - containerPort: 80
  empty: []
  obj: {}
  tags:
  - a
  - b
";
        assert_eq!(yaml(v), want);
    }

    #[test]
    fn top_level_values_end_with_a_newline() {
        assert_eq!(yaml(json!("hello")), "hello\n");
        assert_eq!(yaml(json!(null)), "null\n");
        assert_eq!(yaml(json!(true)), "true\n");
        assert_eq!(yaml(json!(42)), "42\n");
        assert_eq!(yaml(json!({})), "{}\n");
        assert_eq!(yaml(json!([])), "[]\n");
        assert_eq!(yaml(json!("true")), "\"true\"\n");
        // A top-level scalar is indented one step (increase_indent(flow) from -1 gives 2).
        assert_eq!(yaml(json!("a\nb")), "|-\n  a\n  b\n");
    }

    #[test]
    fn strings_that_resolve_to_other_types_are_double_quoted() {
        for s in [
            "true",
            "True",
            "TRUE",
            "false",
            "yes",
            "Yes",
            "no",
            "on",
            "On",
            "off",
            "y",
            "n",
            "Y",
            "N",
            "null",
            "Null",
            "~",
            "",
            "1",
            "-1",
            "+1",
            "1.5",
            ".5",
            "1e3",
            "1_000",
            "0x1F",
            "0o17",
            "012",
            "08",
            "0b101",
            "0b-101",
            ".inf",
            "-.Inf",
            ".nan",
            "1:20",
            "-1:30:00.5",
            "2006-01-02",
            "2024-02-29",
            "2024-01-02T03:04:05Z",
            "2024-01-02t03:04:05.123456789+07:00",
            "2024-1-2 3:04:05",
            "2024-01-02 03:04:05,5",
            "18446744073709551615",
            "99999999999999999999",
            "1_2_",
        ] {
            assert_eq!(value_yaml(s), format!("k: \"{s}\"\n"), "{s:?}");
        }
    }

    #[test]
    fn strings_that_stay_strings_are_plain() {
        for s in [
            "yES",
            "nope",
            "onion",
            "tRUE",
            "_1",
            "v0.4.1",
            "1.2.3",
            "1e999",
            ".",
            "..5",
            "0x",
            "2006-01-02T15:04:05",
            "2023-02-29",
            "2006-13-02",
            "2006-01-02T25:00:00Z",
            "2006-01-02T10:00:00+7:00",
            "12345-01-02",
            "a:b",
            "a#b",
            "a,b",
            "?x",
            "-x",
            "--x",
            "x]",
            "<<",
            "say \"hi\"",
            "héllo wörld",
            "日本語",
            "a\u{a0}b",
            "http://x/y#z",
            "image-registry.openshift-image-registry.svc:5000/ns/is@sha256:abc",
        ] {
            assert_eq!(value_yaml(s), format!("k: {s}\n"), "{s:?}");
        }
    }

    #[test]
    fn strings_starting_with_indicators_are_single_quoted() {
        // Plain is not allowed (block indicators, or leading/trailing space) but nothing
        // forces double quotes, so select_scalar_style falls back to single quotes.
        for (s, want) in [
            ("- x", "'- x'"),
            ("-", "'-'"),
            (": ", "': '"),
            (":", "':'"),
            ("#x", "'#x'"),
            ("a #b", "'a #b'"),
            ("a: b", "'a: b'"),
            ("? x", "'? x'"),
            ("[x]", "'[x]'"),
            ("{x}", "'{x}'"),
            ("*x", "'*x'"),
            ("&x", "'&x'"),
            ("!x", "'!x'"),
            ("|x", "'|x'"),
            (">x", "'>x'"),
            ("%x", "'%x'"),
            ("@x", "'@x'"),
            ("`x", "'`x'"),
            ("\"hi\"", "'\"hi\"'"),
            ("'hi'", "'''hi'''"),
            ("it's: here", "'it''s: here'"),
            (" lead", "' lead'"),
            ("trail ", "'trail '"),
            ("---", "'---'"),
            ("...", "'...'"),
            ("---x", "'---x'"),
        ] {
            assert_eq!(value_yaml(s), format!("k: {want}\n"), "{s:?}");
        }
    }

    #[test]
    fn quoting_applies_to_keys_too() {
        let v = json!({"true": 1, "": 2, "- x": 3, "a b": 4});
        // Sorted: "" < "- x" < "a b" < "true".
        assert_eq!(yaml(v), "\"\": 2\n'- x': 3\na b: 4\n\"true\": 1\n");
    }

    #[test]
    fn multiline_strings_use_literal_style_with_chomping() {
        assert_eq!(value_yaml("line1\nline2"), "k: |-\n  line1\n  line2\n");
        assert_eq!(value_yaml("line1\nline2\n"), "k: |\n  line1\n  line2\n");
        assert_eq!(value_yaml("line1\n\n"), "k: |+\n  line1\n\n");
        assert_eq!(value_yaml("\n"), "k: |2+\n\n");
        assert_eq!(value_yaml("a\n\nb"), "k: |-\n  a\n\n  b\n");
        // Leading space or break: an explicit indentation indicator.
        assert_eq!(value_yaml("  indented\nx"), "k: |2-\n    indented\n  x\n");
        assert_eq!(value_yaml("\nx"), "k: |2-\n\n  x\n");
        // A break followed by a space is fine for literals.
        assert_eq!(value_yaml("a\n b"), "k: |-\n  a\n   b\n");
        // Even a string that would resolve to a number is literal once it has a newline.
        assert_eq!(value_yaml("1\n"), "k: |\n  1\n");
    }

    #[test]
    fn literal_keep_is_followed_directly_by_the_next_key() {
        let v = json!({"a": "x\n\n", "b": 1, "c": {"d": "p\nq\n", "e": 2}});
        assert_eq!(
            yaml(v),
            "a: |+\n  x\n\nb: 1\nc:\n  d: |\n    p\n    q\n  e: 2\n"
        );
    }

    #[test]
    fn multiline_strings_that_cannot_be_literal_are_double_quoted() {
        // Trailing space on a line (space_break), at the end (trailing_space), or a tab
        // (special character) rule out the literal style.
        assert_eq!(value_yaml("a \nb"), "k: \"a \\nb\"\n");
        assert_eq!(value_yaml("a\nb "), "k: \"a\\nb \"\n");
        assert_eq!(value_yaml("a\n\tb"), "k: \"a\\n\\tb\"\n");
        assert_eq!(value_yaml("a\r\nb"), "k: \"a\\r\\nb\"\n");
    }

    #[test]
    fn multiline_and_long_keys_use_explicit_key_indicator() {
        assert_eq!(yaml(json!({"a\nb": 1})), "? |-\n  a\n  b\n: 1\n");
        let k128 = "k".repeat(128);
        assert_eq!(yaml(json!({ k128.clone(): 1 })), format!("{k128}: 1\n"));
        let k129 = "k".repeat(129);
        assert_eq!(yaml(json!({ k129.clone(): 1 })), format!("? {k129}\n: 1\n"));
        // A non-simple key is written with allow_breaks: "? " leaves the column at 2, and
        // after n words of "word" the column is 5n+1, so the first space past column 80
        // follows word 16; the continuation starts at the key's indent (2) and again breaks
        // after 16 words, leaving 14.
        let key = vec!["word"; 30].join(" ");
        let want = format!(
            "? {}\n  {}\n: 1\n",
            vec!["word"; 16].join(" "),
            vec!["word"; 14].join(" ")
        );
        assert_eq!(yaml(json!({ key: 1 })), want);
    }

    #[test]
    fn long_plain_description_folds_after_column_80() {
        // "description: " leaves the column at 13. At each space the emitter folds iff the
        // column (characters already on the line) is > 80, the space is the first of its run
        // and the next character is not a space. Column after each word of line 1:
        // The 16, quick 22, brown 28, fox 32, jumps 38, over 43, the 47, lazy 52, dog 56,
        // and 60, keeps 66, running 74, through 82: the space after "through" folds.
        // Line 2 starts at the scalar's indent, 2: the 5, forest 12, until 18, night 24,
        // falls 30, over 35, the 39, hills, 46, and 50, the 54, stars 60, come 65, out 69,
        // one 73, by 76, one 80: the space there is at column 80, not > 80, so it is kept;
        // above 86: the next space folds. Line 3: the quiet valley below.
        let text = "The quick brown fox jumps over the lazy dog and keeps running through the \
                    forest until night falls over the hills, and the stars come out one by one \
                    above the quiet valley below.";
        let line1 =
            "description: The quick brown fox jumps over the lazy dog and keeps running through";
        let line2 = "  the forest until night falls over the hills, and the stars come out one by one above";
        let line3 = "  the quiet valley below.";
        assert_eq!((line1.len(), line2.len()), (82, 86));
        let want = format!("{line1}\n{line2}\n{line3}\n");
        assert_eq!(yaml(json!({ "description": text })), want);
    }

    #[test]
    fn plain_folding_boundary_is_strictly_greater_than_80() {
        // "k: " is 3 columns; 77 x's end at column 80 (no fold), 78 at 81 (fold).
        let at_80 = format!("{} y", "x".repeat(77));
        assert_eq!(value_yaml(&at_80), format!("k: {at_80}\n"));
        let at_81 = format!("{} y", "x".repeat(78));
        assert_eq!(value_yaml(&at_81), format!("k: {}\n  y\n", "x".repeat(78)));
        // The first of two spaces is followed by a space and the second is not the first of
        // its run: no fold at all.
        let double = format!("{}  y", "x".repeat(78));
        assert_eq!(value_yaml(&double), format!("k: {double}\n"));
        // Columns count characters, not bytes.
        let accented = format!("{} y", "é".repeat(78));
        assert_eq!(
            value_yaml(&accented),
            format!("k: {}\n  y\n", "é".repeat(78))
        );
    }

    #[test]
    fn simple_keys_never_fold() {
        let key = vec!["abcd"; 20].join(" "); // 99 characters, a simple key
        assert_eq!(yaml(json!({ key.clone(): 1 })), format!("{key}: 1\n"));
    }

    #[test]
    fn double_quoted_strings_fold_and_escape_a_following_space() {
        // The tab forces double quotes. `k: "` leaves the column at 4; 77 x's end at 81, so
        // the space folds (it is neither the first nor the last character).
        let s = format!("{} y\t", "x".repeat(77));
        assert_eq!(
            value_yaml(&s),
            format!("k: \"{}\n  y\\t\"\n", "x".repeat(77))
        );
        // 76 x's end at column 80: no fold.
        let s = format!("{} y\t", "x".repeat(76));
        assert_eq!(value_yaml(&s), format!("k: \"{} y\\t\"\n", "x".repeat(76)));
        // With two spaces the fold escapes the second one as "\ " on the next line.
        let s = format!("{}  y\t", "x".repeat(77));
        assert_eq!(
            value_yaml(&s),
            format!("k: \"{}\n  \\ y\\t\"\n", "x".repeat(77))
        );
    }

    #[test]
    fn single_quoted_strings_fold_too() {
        // ": " forces single quotes. `k: '` leaves the column at 4; 75 x's and ':' end at
        // 80, so the space after ':' stays; "y" ends at 82 and the next space folds.
        let s = format!("{}: y z", "x".repeat(75));
        assert_eq!(value_yaml(&s), format!("k: '{}: y\n  z'\n", "x".repeat(75)));
    }

    #[test]
    fn crd_description_folds_like_controller_gen_output() {
        // Published output of controller-gen v0.4.1 (sigs.k8s.io/yaml over go-yaml v2) for
        // Kyma's LoggingConfiguration CRD, found by code search; the leading "---" is
        // controller-gen's own. Exercises plain and single-quoted folding at several
        // depths, the exact-80 no-fold case ("...state of LoggingConfiguration" at column 78
        // and "...at the latest" at column 80) and the 81 fold ("...observed state of").
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1",
            "kind": "CustomResourceDefinition",
            "metadata": {
                "annotations": {"controller-gen.kubebuilder.io/version": "v0.4.1"},
                "creationTimestamp": null,
                "name": "loggingconfigurations.telemetry.kyma-project.io"
            },
            "spec": {
                "group": "telemetry.kyma-project.io",
                "names": {
                    "kind": "LoggingConfiguration",
                    "listKind": "LoggingConfigurationList",
                    "plural": "loggingconfigurations",
                    "singular": "loggingconfiguration"
                },
                "scope": "Namespaced",
                "versions": [{
                    "name": "v1alpha1",
                    "schema": {"openAPIV3Schema": {
                        "description": "LoggingConfiguration is the Schema for the loggingconfigurations API",
                        "properties": {
                            "apiVersion": {
                                "description": "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
                                "type": "string"
                            },
                            "kind": {
                                "description": "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
                                "type": "string"
                            },
                            "metadata": {"type": "object"},
                            "spec": {
                                "description": "LoggingConfigurationSpec defines the desired state of LoggingConfiguration",
                                "properties": {"sections": {
                                    "items": {
                                        "properties": {
                                            "entries": {
                                                "items": {
                                                    "properties": {
                                                        "name": {"type": "string"},
                                                        "secretValue": {
                                                            "properties": {
                                                                "key": {"type": "string"},
                                                                "name": {"type": "string"},
                                                                "namespace": {"type": "string"}
                                                            },
                                                            "type": "object"
                                                        },
                                                        "value": {"type": "string"}
                                                    },
                                                    "type": "object"
                                                },
                                                "type": "array"
                                            },
                                            "type": {"type": "string"}
                                        },
                                        "type": "object"
                                    },
                                    "type": "array"
                                }},
                                "type": "object"
                            },
                            "status": {
                                "description": "LoggingConfigurationStatus defines the observed state of LoggingConfiguration",
                                "type": "object"
                            }
                        },
                        "type": "object"
                    }},
                    "served": true,
                    "storage": true,
                    "subresources": {"status": {}}
                }]
            },
            "status": {
                "acceptedNames": {"kind": "", "plural": ""},
                "conditions": [],
                "storedVersions": []
            }
        });
        let want = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  annotations:
    controller-gen.kubebuilder.io/version: v0.4.1
  creationTimestamp: null
  name: loggingconfigurations.telemetry.kyma-project.io
spec:
  group: telemetry.kyma-project.io
  names:
    kind: LoggingConfiguration
    listKind: LoggingConfigurationList
    plural: loggingconfigurations
    singular: loggingconfiguration
  scope: Namespaced
  versions:
  - name: v1alpha1
    schema:
      openAPIV3Schema:
        description: LoggingConfiguration is the Schema for the loggingconfigurations
          API
        properties:
          apiVersion:
            description: 'APIVersion defines the versioned schema of this representation
              of an object. Servers should convert recognized schemas to the latest
              internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'
            type: string
          kind:
            description: 'Kind is a string value representing the REST resource this
              object represents. Servers may infer this from the endpoint the client
              submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'
            type: string
          metadata:
            type: object
          spec:
            description: LoggingConfigurationSpec defines the desired state of LoggingConfiguration
            properties:
              sections:
                items:
                  properties:
                    entries:
                      items:
                        properties:
                          name:
                            type: string
                          secretValue:
                            properties:
                              key:
                                type: string
                              name:
                                type: string
                              namespace:
                                type: string
                            type: object
                          value:
                            type: string
                        type: object
                      type: array
                    type:
                      type: string
                  type: object
                type: array
            type: object
          status:
            description: LoggingConfigurationStatus defines the observed state of
              LoggingConfiguration
            type: object
        type: object
    served: true
    storage: true
    subresources:
      status: {}
status:
  acceptedNames:
    kind: ""
    plural: ""
  conditions: []
  storedVersions: []
"#;
        assert_eq!(to_yaml(&crd), want);
    }

    #[test]
    fn plain_line_ending_exactly_at_column_80_does_not_fold() {
        // Published controller-gen output (GitLab operator CRD): at indent 8 the space before
        // "application." is at column 80, which is not > 80.
        let v = json!({"spec": {"versions": [{"schema": {"openAPIV3Schema": {
            "description": "GitLab is a complete DevOps platform, delivered in a single application."
        }}}]}});
        let want = "spec:\n  versions:\n  - schema:\n      openAPIV3Schema:\n        \
                    description: GitLab is a complete DevOps platform, delivered in a single application.\n";
        assert_eq!(yaml(v), want);
    }

    #[test]
    fn integers_print_exactly_at_the_64_bit_limits() {
        let v: Value = serde_json::from_str(
            r#"{"max_i64": 9223372036854775807, "min_i64": -9223372036854775808,
                "max_u64": 18446744073709551615, "beyond_u64": 18446744073709551616,
                "zero": 0, "neg": -42}"#,
        )
        .unwrap();
        // Past u64 go-yaml's resolve falls through to float64.
        let want = "beyond_u64: 1.8446744073709552e+19\nmax_i64: 9223372036854775807\n\
                    max_u64: 18446744073709551615\nmin_i64: -9223372036854775808\nneg: -42\n\
                    zero: 0\n";
        assert_eq!(yaml(v), want);
    }

    #[test]
    fn floats_print_like_go_format_float_g() {
        for (json_text, want) in [
            ("0.5", "0.5"),
            ("1e21", "1e+21"),
            ("1e-7", "1e-07"),
            ("1.0", "1"),
            ("1e2", "100"),
            ("123456789.0", "1.23456789e+08"),
            ("100000.0", "100000"),
            ("1000000.0", "1e+06"),
            ("1234567.5", "1.2345675e+06"),
            ("0.0001", "0.0001"),
            ("0.00001", "1e-05"),
            ("-2.5", "-2.5"),
            ("3.14", "3.14"),
            ("0.1", "0.1"),
            ("1e100", "1e+100"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("-0.0", "-0"),
        ] {
            let v: Value = serde_json::from_str(json_text).unwrap();
            assert_eq!(
                yaml(json!({ "f": v })),
                format!("f: {want}\n"),
                "{json_text}"
            );
        }
    }

    #[test]
    fn unicode_is_kept_and_unprintables_are_escaped() {
        let v = json!({
            "plain": "héllo wörld",
            "cjk": "日本語",
            "nbsp": "a\u{a0}b",
            "emoji": "🚀 launch",
            "nel": "a\u{85}b",
            "bom": "\u{feff}x",
            "esc": "\u{1b}[0m",
            "del": "\u{7f}",
            "c1": "\u{80}",
            "bell": "\u{7}",
            "nul": "\u{0}",
            "quote_tab": "\"\t\\",
        });
        let want = "bell: \"\\a\"\nbom: \"\\uFEFFx\"\nc1: \"\\x80\"\ncjk: 日本語\ndel: \"\\x7F\"\n\
                    emoji: \"\\U0001F680 launch\"\nesc: \"\\e[0m\"\nnbsp: a\u{a0}b\nnel: \"a\\Nb\"\n\
                    nul: \"\\0\"\nplain: héllo wörld\nquote_tab: \"\\\"\\t\\\\\"\n";
        assert_eq!(yaml(v), want);
    }

    #[test]
    fn timestamps_follow_go_time_parse() {
        assert!(is_timestamp("2006-01-02"));
        assert!(is_timestamp("2006-1-2"));
        assert!(is_timestamp("2024-02-29"));
        assert!(!is_timestamp("2023-02-29"));
        assert!(!is_timestamp("2006-04-31"));
        assert!(is_timestamp("2006-01-02T15:04:05Z"));
        assert!(is_timestamp("2006-01-02T15:04:05.999999999999-07:00"));
        assert!(is_timestamp("2006-01-02t15:04:05+24:00"));
        assert!(!is_timestamp("2006-01-02T15:04:05+25:00"));
        assert!(!is_timestamp("2006-01-02T15:04:05"));
        assert!(is_timestamp("2006-01-02   15:04:05"));
        assert!(!is_timestamp("2006-01-02 15:04:05Z"));
        assert!(!is_timestamp("2006-01-02T24:00:00Z"));
        assert!(!is_timestamp("2006-01-02x"));
    }

    #[test]
    fn go_number_syntax_is_ported() {
        assert_eq!(go_parse_int("-9223372036854775808", 0), Ok(i64::MIN));
        assert_eq!(go_parse_int("9223372036854775808", 0), Err(NumError::Range));
        assert_eq!(
            go_parse_uint("18446744073709551616", 0),
            Err(NumError::Range)
        );
        assert_eq!(go_parse_uint("0x_1F", 0), Ok(31));
        assert_eq!(go_parse_uint("1__0", 0), Err(NumError::Syntax));
        assert_eq!(go_parse_uint("08", 0), Err(NumError::Syntax));
        assert_eq!(go_parse_int("+0b11", 0), Ok(3));
        assert!(go_parse_float_ok(".5e-3"));
        assert!(go_parse_float_ok(".5_5"));
        assert!(!go_parse_float_ok("._5"));
        assert!(!go_parse_float_ok(".1e999"));
        assert!(go_parse_float_ok(".1e-999"));
        assert!(is_base60_float("190:20:30"));
        assert!(is_base60_float("1:5"));
        assert!(!is_base60_float("1:60"));
        assert!(!is_base60_float("1:"));
    }
}
