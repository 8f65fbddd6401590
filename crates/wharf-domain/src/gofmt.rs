//! Values as Go prints them, for output that must match oc and kubectl byte for byte: `%v`
//! of a value decoded from JSON ([`format_value`]), strconv's shortest float formats
//! ([`format_float_g`]) and `encoding/json` ([`marshal`], [`marshal_indent`]: sorted keys,
//! HTML-safe escapes, Go's float rules).
//!
//! Hand-written: serde_json writes floats (`1e21`, `100.0`) and escapes (`<` kept) differently
//! from Go, and no crate reproduces strconv's formats.

use serde_json::Value;

/// Go's `%v` for a decoded JSON value.
pub fn format_value(v: &Value) -> String {
    match v {
        Value::Null => "<nil>".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(u)) => u.to_string(),
            _ => format_float_g(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(format_value).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}:{}", format_value(v)))
                .collect();
            format!("map[{}]", parts.join(" "))
        }
    }
}

/// Shortest round-trip decimal digits of `|f|` and the decimal exponent of
/// the first digit (`1234.5` → `("12345", 3)`).
fn shortest_digits(f: f64) -> (String, i32) {
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    (digits, exp.parse().unwrap_or(0))
}

fn format_exp(f: f64, min_exp_digits: usize) -> String {
    let (digits, exp) = shortest_digits(f);
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let mut mantissa = digits.get(..1).unwrap_or("0").to_string();
    if let Some(rest) = digits.get(1..).filter(|r| !r.is_empty()) {
        mantissa.push('.');
        mantissa.push_str(rest);
    }
    let exp_sign = if exp < 0 { '-' } else { '+' };
    format!(
        "{sign}{mantissa}e{exp_sign}{:0width$}",
        exp.unsigned_abs(),
        width = min_exp_digits
    )
}

fn format_fixed(f: f64) -> String {
    let (digits, exp) = shortest_digits(f);
    let sign = if f.is_sign_negative() { "-" } else { "" };
    let point = i64::from(exp) + 1;
    let nd = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let body = if point <= 0 {
        let zeros = usize::try_from(-point).unwrap_or(0);
        format!("0.{}{digits}", "0".repeat(zeros))
    } else if point >= nd {
        let zeros = usize::try_from(point - nd).unwrap_or(0);
        format!("{digits}{}", "0".repeat(zeros))
    } else {
        let at = usize::try_from(point).unwrap_or(0);
        let (int, frac) = digits.split_at(at.min(digits.len()));
        format!("{int}.{frac}")
    };
    format!("{sign}{body}")
}

/// Go's `fmt` `%v` for a float64 (`%g` with the shortest precision).
pub fn format_float_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".to_string();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.to_string();
    }
    if f == 0.0 {
        return format_fixed(f);
    }
    let (_, exp) = shortest_digits(f);
    // strconv's %g with the shortest precision switches to an exponent
    // outside 1e-4 <= |f| < 1e6 (it uses precision 6 for the decision).
    if !(-4..6).contains(&exp) {
        return format_exp(f, 2);
    }
    format_fixed(f)
}

/// Go's `encoding/json` number formatting for a float64.
pub fn format_float_json(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format_exp(f, 2);
        // Go cleans up e-09 to e-9.
        match s.split_once("e-0") {
            Some((m, d)) if d.len() == 1 => format!("{m}e-{d}"),
            _ => s,
        }
    } else {
        format_fixed(f)
    }
}

/// Go's `json.Marshal` (`indent` `None`) or `json.MarshalIndent(v, "", indent)` of a decoded
/// value: sorted keys, HTML-safe escapes, Go's numbers; `depth` is the nesting level.
fn write_go_json(v: &Value, indent: Option<&str>, depth: usize, out: &mut String) {
    let newline = |out: &mut String, d: usize| {
        if let Some(unit) = indent {
            out.push('\n');
            out.push_str(&unit.repeat(d));
        }
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => out.push_str(&i.to_string()),
            (None, Some(u)) => out.push_str(&u.to_string()),
            _ => out.push_str(&format_float_json(n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => write_go_json_string(s, out),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_go_json(item, indent, depth + 1, out);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_go_json_string(k, out);
                out.push_str(if indent.is_some() { ": " } else { ":" });
                write_go_json(v, indent, depth + 1, out);
            }
            newline(out, depth);
            out.push('}');
        }
    }
}

fn write_go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)))
            }
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `json.Marshal`: compact.
pub fn marshal(v: &Value) -> String {
    let mut out = String::new();
    write_go_json(v, None, 0, &mut out);
    out
}

/// Go's `json.MarshalIndent(v, "", "    ")`, as kubectl's and oc's JSON printers write.
pub fn marshal_indent(v: &Value) -> String {
    let mut out = String::new();
    write_go_json(v, Some("    "), 0, &mut out);
    out
}

/// Go's `strconv.Quote` (close enough: printable Unicode is kept, controls are escaped).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn floats_print_as_strconv_does() {
        assert_eq!(format_float_g(123456789.0), "1.23456789e+08");
        assert_eq!(format_float_g(100000.0), "100000");
        assert_eq!(format_float_g(0.0001), "0.0001");
        assert_eq!(format_float_g(-2.5e-10), "-2.5e-10");
        assert_eq!(format_float_json(1e21), "1e+21");
        assert_eq!(format_float_json(1e20), "100000000000000000000");
        assert_eq!(format_float_json(1e-7), "1e-7");
        assert_eq!(format_float_json(0.5), "0.5");
        assert_eq!(format_float_json(100.0), "100");
    }

    #[test]
    fn marshal_indent_is_go_json_with_four_spaces() {
        let v: Value = serde_json::from_str(
            r#"{"b": [1, 2.0, {"z": "<&>", "a": null}], "a": {}, "c": [], "d": 1e21}"#,
        )
        .unwrap();
        assert_eq!(
            marshal_indent(&v),
            "{\n    \"a\": {},\n    \"b\": [\n        1,\n        2,\n        {\n            \"a\": null,\n            \"z\": \"\\u003c\\u0026\\u003e\"\n        }\n    ],\n    \"c\": [],\n    \"d\": 1e+21\n}"
        );
        assert_eq!(
            marshal(&json!({"b": 1, "a": [true]})),
            r#"{"a":[true],"b":1}"#
        );
        assert_eq!(
            format_value(&json!({"b": [1, "x"], "a": null})),
            "map[a:<nil> b:[1 x]]"
        );
    }
}
