//! The `expression` parameter generator (spec templates.md A.10), a port of library-go's
//! `pkg/template/generator/expressionvalue.go`.
//!
//! A `from` string is literal text in which every `[ranges]{n}` construct is replaced by `n`
//! characters drawn from the alphabet that `ranges` describes. The parsing quirks of the Go code
//! are kept on purpose (they decide which characters real templates' passwords are made of):
//! ranges exclude their upper bound (`[a-z]` never yields `z`), `a0` inside a class reads as the
//! range `a..0`, `\dA` reads as `\A`, and text that is not a valid construct stays literal.

use rand::{Rng, RngCore};

/// Lower- and upper-case ASCII letters (`Alphabet` in Go).
pub const ALPHABET: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// ASCII digits (`Numerals` in Go).
pub const NUMERALS: &str = "0123456789";
/// The 32 symbols of `\A` (`Symbols` in Go).
pub const SYMBOLS: &str = "~!@#$%^&*()-_+={}[]\\|<,>.?/\"';:`";

/// `Alphabet + Numerals + Symbols`, the table plain ranges are sliced from.
fn ascii() -> &'static [u8] {
    const ASCII: &str = concat!(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "0123456789",
        "~!@#$%^&*()-_+={}[]\\|<,>.?/\"';:`"
    );
    ASCII.as_bytes()
}

/// Upper bound on the number of constructs expanded for one expression. Go has none; generated
/// symbols (`[\A]`) can, with adjacent literal text, form new constructs, so an adversarial
/// `from` could keep the loop going for a (randomly) long time.
// Divergence from OpenShift: expansion stops with an error after 10000 constructs (Go loops for as long as new constructs keep appearing).
const MAX_EXPANSIONS: usize = 10_000;

/// One `[class]{digits}` match of Go's `generatorsExp` (`\[([a-zA-Z0-9\-\\]+)\](\{([0-9]+)\})`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Construct {
    /// Index of the opening `[`.
    pub start: usize,
    /// Index of the `{` that opens the length.
    pub brace: usize,
    /// One past the closing `}`.
    pub end: usize,
}

fn is_class_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'\\'
}

/// The leftmost `generatorsExp` match in `s` at or after `from`.
pub(crate) fn find_construct(s: &[u8], from: usize) -> Option<Construct> {
    let mut p = from;
    while p < s.len() {
        if s[p] == b'[' {
            if let Some(c) = construct_at(s, p) {
                return Some(c);
            }
        }
        p += 1;
    }
    None
}

fn construct_at(s: &[u8], start: usize) -> Option<Construct> {
    let mut i = start + 1;
    while i < s.len() && is_class_byte(s[i]) {
        i += 1;
    }
    if i == start + 1 || s.get(i) != Some(&b']') || s.get(i + 1) != Some(&b'{') {
        return None;
    }
    let brace = i + 1;
    let mut j = brace + 1;
    while j < s.len() && s[j].is_ascii_digit() {
        j += 1;
    }
    if j == brace + 1 || s.get(j) != Some(&b'}') {
        return None;
    }
    Some(Construct {
        start,
        brace,
        end: j + 1,
    })
}

/// Go's `expressionExp` (`\[(\\w|\\d|\\a|\\A)|([a-zA-Z0-9]\-[a-zA-Z0-9])+\]`, unanchored) applied
/// to `[class]`. The class holds no `[` or `]`, so the first alternative is a prefix test and the
/// second a suffix test.
fn expression_is_wellformed(expr: &[u8]) -> bool {
    let first = expr.len() >= 3
        && expr[0] == b'['
        && expr[1] == b'\\'
        && matches!(expr[2], b'w' | b'd' | b'a' | b'A');
    let n = expr.len();
    let second = n >= 4
        && expr[n - 1] == b']'
        && expr[n - 4].is_ascii_alphanumeric()
        && expr[n - 3] == b'-'
        && expr[n - 2].is_ascii_alphanumeric();
    first || second
}

/// Every match of Go's `rangeExp` (`([\\]?[a-zA-Z0-9]\-?[a-zA-Z0-9]?)`) in `expr`, reduced to its
/// first and last byte.
pub(crate) fn ranges(expr: &[u8]) -> Vec<(u8, u8)> {
    let mut out = Vec::new();
    let mut p = 0;
    while p < expr.len() {
        let mut i = p;
        if expr[i] == b'\\' && expr.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) {
            i += 2;
        } else if expr[i].is_ascii_alphanumeric() {
            i += 1;
        } else {
            p += 1;
            continue;
        }
        if expr.get(i) == Some(&b'-') {
            i += 1;
        }
        if expr.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            i += 1;
        }
        out.push((expr[p], expr[i - 1]));
        p = i;
    }
    out
}

/// `ASCII[Index(from) : LastIndex(to)]` — the upper bound is exclusive, as in Go.
fn alphabet_slice(from: u8, to: u8) -> Result<&'static [u8], String> {
    let table = ascii();
    let left = table.iter().position(|&b| b == from);
    let right = table.iter().rposition(|&b| b == to);
    match (left, right) {
        (Some(l), Some(r)) if l <= r => Ok(&table[l..r]),
        _ => Err(format!(
            "invalid range specified: {}-{}",
            from as char, to as char
        )),
    }
}

/// Go's `removeDuplicateChars`: removes repeated bytes by moving the last byte into each
/// duplicate's slot (so it reorders; `"test@@"` becomes `"tes@"`).
pub(crate) fn remove_duplicate_chars(input: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    if data.is_empty() {
        return data;
    }
    let mut length = data.len() - 1;
    let mut i = 0;
    while i < length {
        let mut j = i + 1;
        while j <= length {
            if data[i] == data[j] {
                data[j] = data[length];
                data.truncate(length);
                length -= 1;
                // Go decrements `j` and the loop increments it again: the slot is re-examined.
                continue;
            }
            j += 1;
        }
        i += 1;
    }
    data
}

/// The alphabet a `[class]` denotes, after duplicate removal.
pub(crate) fn alphabet_of(expr: &[u8]) -> Result<Vec<u8>, String> {
    let mut alphabet = Vec::new();
    for (from, to) in ranges(expr) {
        match (from, to) {
            (b'\\', b'w') => {
                alphabet.extend_from_slice(ALPHABET.as_bytes());
                alphabet.extend_from_slice(NUMERALS.as_bytes());
                alphabet.push(b'_');
            }
            (b'\\', b'd') => alphabet.extend_from_slice(NUMERALS.as_bytes()),
            (b'\\', b'a') => {
                alphabet.extend_from_slice(ALPHABET.as_bytes());
                alphabet.extend_from_slice(NUMERALS.as_bytes());
            }
            (b'\\', b'A') => alphabet.extend_from_slice(SYMBOLS.as_bytes()),
            _ => alphabet.extend_from_slice(alphabet_slice(from, to)?),
        }
    }
    Ok(remove_duplicate_chars(&alphabet))
}

/// Go's `strconv.Atoi` on a digit string: out-of-range values saturate to the maximum int64.
fn parse_length(digits: &[u8]) -> i64 {
    let mut n: i64 = 0;
    for &d in digits {
        n = match n
            .checked_mul(10)
            .and_then(|n| n.checked_add(i64::from(d - b'0')))
        {
            Some(n) => n,
            None => return i64::MAX,
        };
    }
    n
}

/// A parsed construct: its alphabet and length, or the error Go reports for it.
pub(crate) fn analyse(s: &[u8], c: Construct) -> Result<(Vec<u8>, usize), String> {
    let expr = &s[c.start..c.brace];
    if !expression_is_wellformed(expr) {
        return Err(format!(
            "malformed expresion syntax: {}",
            String::from_utf8_lossy(expr)
        ));
    }
    let length = parse_length(&s[c.brace + 1..c.end - 1]);
    if !(1..=255).contains(&length) {
        return Err(format!(
            "range must be within [1-255] characters ({length})"
        ));
    }
    let alphabet = alphabet_of(expr)?;
    if alphabet.is_empty() {
        // Divergence from OpenShift: an empty alphabet (e.g. `[a-a]{2}`) is an error; Go panics in `rand.Intn(0)`.
        return Err(format!(
            "the expression {} describes no characters",
            String::from_utf8_lossy(expr)
        ));
    }
    Ok((alphabet, length as usize))
}

/// Generates a value from an `expression` generator's `from` string (A.10).
///
/// Errors carry Go's texts: `malformed expresion syntax: [abc]` (sic),
/// `range must be within [1-255] characters (0)`, `invalid range specified: Z-A`.
pub fn generate_expression(expr: &str, rng: &mut dyn RngCore) -> Result<String, String> {
    let mut s = expr.as_bytes().to_vec();
    let mut expansions = 0;
    while let Some(c) = find_construct(&s, 0) {
        expansions += 1;
        if expansions > MAX_EXPANSIONS {
            return Err(format!(
                "expression expands to more than {MAX_EXPANSIONS} generator constructs"
            ));
        }
        let (alphabet, length) = analyse(&s, c)?;
        let generated: Vec<u8> = (0..length)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        // Go replaces the first occurrence of the matched text, which is this (leftmost) match.
        s.splice(c.start..c.end, generated);
    }
    // Only ASCII constructs were replaced by ASCII bytes, so the text is still valid UTF-8.
    Ok(String::from_utf8(s).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// Warnings about a `from` expression that processes without error but probably does not do what
/// its author meant (A.14: keep OpenShift's behaviour, tell the user).
///
/// - a construct whose plain range excludes its upper bound (`[a-z]` never yields `z`);
/// - text that looks like generator syntax but is not a construct (e.g. `[a-zA-Z0-9_]{8}`: `_`
///   is not allowed in a class, so the whole text becomes the value verbatim);
/// - a `from` without any construct (the value is the `from` text itself).
pub fn expression_warnings(expr: &str) -> Vec<String> {
    let s = expr.as_bytes();
    let mut warnings = Vec::new();
    let mut literal = Vec::new();
    let mut pos = 0;
    let mut constructs = 0;
    while let Some(c) = find_construct(s, pos) {
        constructs += 1;
        literal.extend_from_slice(&s[pos..c.start]);
        let class = &s[c.start..c.brace];
        if analyse(s, c).is_ok() {
            for (from, to) in ranges(class) {
                if from != b'\\' && from != to {
                    warnings.push(format!(
                        "generator expression {:?}: range {}-{} never produces {:?} (OpenShift treats the upper bound as exclusive)",
                        expr, from as char, to as char, to as char
                    ));
                }
            }
        }
        pos = c.end;
    }
    literal.extend_from_slice(&s[pos..]);
    if constructs == 0 {
        warnings.push(format!(
            "generator expression {expr:?} contains no [characters]{{length}} construct; it is used verbatim as the value"
        ));
    } else if literal.iter().any(|b| matches!(b, b'[' | b'{')) {
        warnings.push(format!(
            "generator expression {expr:?} contains text that is not a supported [characters]{{length}} construct; it is kept literally"
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn rng() -> StdRng {
        StdRng::seed_from_u64(1337)
    }

    fn alphabet(class: &str) -> Result<String, String> {
        alphabet_of(class.as_bytes()).map(|a| {
            let mut a = a;
            a.sort_unstable();
            String::from_utf8(a).unwrap()
        })
    }

    fn sorted(s: &str) -> String {
        let mut b = s.as_bytes().to_vec();
        b.sort_unstable();
        b.dedup();
        String::from_utf8(b).unwrap()
    }

    /// Checks that `value` is `prefix` + `n` chars of `alphabet` + `suffix`.
    fn assert_shape(value: &str, prefix: &str, alphabet: &str, n: usize, suffix: &str) {
        assert!(
            value.starts_with(prefix),
            "{value:?} lacks prefix {prefix:?}"
        );
        assert!(value.ends_with(suffix), "{value:?} lacks suffix {suffix:?}");
        let middle = &value[prefix.len()..value.len() - suffix.len()];
        assert_eq!(middle.len(), n, "{value:?}");
        assert!(
            middle.chars().all(|c| alphabet.contains(c)),
            "{middle:?} not within {alphabet:?}"
        );
    }

    #[test]
    fn golden_expressions_match_alphabet_and_length() {
        // expressionvalue_test.go values (seed 1337 in Go): compared by shape only.
        let mut r = rng();
        let upper_digits = "ABCDEFGHIJKLMNOPQRSTUVWXY012345678";
        let v = generate_expression("test[A-Z0-9]{4}template", &mut r).unwrap();
        assert_shape(&v, "test", upper_digits, 4, "template"); // Go: testQ3HVtemplate
        let v = generate_expression("[\\d]{3}", &mut r).unwrap();
        assert_shape(&v, "", NUMERALS, 3, ""); // 889
        let w = format!("{ALPHABET}{NUMERALS}_");
        let v = generate_expression("[\\w]{20}", &mut r).unwrap();
        assert_shape(&v, "", &w, 20, ""); // hiG4uRbcUDd5PEJLyHZ7
        let v = generate_expression("[\\a]{10}", &mut r).unwrap();
        assert_shape(&v, "", &format!("{ALPHABET}{NUMERALS}"), 10, ""); // 4U390O49B9
        let v = generate_expression("[\\A]{10}", &mut r).unwrap();
        assert_shape(&v, "", SYMBOLS, 10, ""); // )^&-|_:[><
        let v = generate_expression("admin[0-9]{2}[A-Z]{2}", &mut r).unwrap();
        assert_shape(&v[..7], "admin", "012345678", 2, "");
        assert_shape(&v[7..], "", "ABCDEFGHIJKLMNOPQRSTUVWXY", 2, ""); // admin78YB
    }

    #[test]
    fn expression_error_cases() {
        let mut r = rng();
        for (expr, err) in [
            ("[ABC]{3}", "malformed expresion syntax: [ABC]"),
            ("[abc]{3}", "malformed expresion syntax: [abc]"),
            ("[\\W]{2}", "malformed expresion syntax: [\\W]"),
            (
                "[A-Z]{300}",
                "range must be within [1-255] characters (300)",
            ),
            ("[A-Z]{0}", "range must be within [1-255] characters (0)"),
            (
                "[A-Z]{256}",
                "range must be within [1-255] characters (256)",
            ),
            (
                "[a-z]{99999999999999999999999}",
                "range must be within [1-255] characters (9223372036854775807)",
            ),
            ("[Z-A]{3}", "invalid range specified: Z-A"),
            ("[A-z]{3}", "invalid range specified: A-z"),
            ("[0-z]{3}", "invalid range specified: 0-z"),
            ("[\\d0-9]{3}", "invalid range specified: \\-0"),
            ("[\\w-z]{3}", "invalid range specified: \\-z"),
            ("[a-a]{2}", "the expression [a-a] describes no characters"),
        ] {
            assert_eq!(
                generate_expression(expr, &mut r),
                Err(err.to_string()),
                "{expr}"
            );
        }
    }

    #[test]
    fn alphabets_follow_go_quirks() {
        let lower = "abcdefghijklmnopqrstuvwxy";
        assert_eq!(alphabet("[a-z]").unwrap(), lower);
        assert_eq!(alphabet("[A-Z]").unwrap(), "ABCDEFGHIJKLMNOPQRSTUVWXY");
        assert_eq!(alphabet("[0-9]").unwrap(), "012345678");
        assert_eq!(alphabet("[0-1]").unwrap(), "0");
        let a = alphabet("[a-zA-Z0-9]").unwrap();
        assert_eq!(a.len(), 59);
        assert!(!a.contains('z') && !a.contains('Z') && !a.contains('9'));
        assert_eq!(alphabet("[\\w]").unwrap().len(), 63);
        assert_eq!(alphabet("[\\a]").unwrap().len(), 62);
        assert_eq!(alphabet("[\\d]").unwrap(), NUMERALS);
        assert_eq!(alphabet("[\\A]").unwrap(), sorted(SYMBOLS));
        assert_eq!(alphabet("[a-z0-9]").unwrap(), format!("012345678{lower}"));
        // `a-Z` is valid: a..z then A..Y.
        assert_eq!(
            alphabet("[a-Z]").unwrap(),
            sorted(ALPHABET).replace('Z', "")
        );
        // `a0` reads as the range a..0: all 52 letters.
        assert_eq!(alphabet("[a0-9]").unwrap(), sorted(ALPHABET));
        // `\dA` reads as `\A`.
        assert_eq!(alphabet("[\\dA-F]").unwrap(), sorted(SYMBOLS));
        assert_eq!(alphabet("[a-a]").unwrap(), "");
        assert_eq!(alphabet("[ab-z]").unwrap(), "a");
        assert_eq!(
            generate_expression("[ab-z]{4}", &mut rng()).unwrap(),
            "aaaa"
        );
    }

    #[test]
    fn literal_text_and_unsupported_syntax_stay_verbatim() {
        let mut r = rng();
        assert_eq!(generate_expression("", &mut r).unwrap(), "");
        assert_eq!(generate_expression("plain", &mut r).unwrap(), "plain");
        assert_eq!(
            generate_expression("[a-zA-Z0-9_]{3}", &mut r).unwrap(),
            "[a-zA-Z0-9_]{3}"
        );
        assert_eq!(generate_expression("[a-z]{x}", &mut r).unwrap(), "[a-z]{x}");
        let v = generate_expression("é[a-c]{2}ü", &mut r).unwrap();
        assert_shape(&v, "é", "ab", 2, "ü");
    }

    #[test]
    fn dedupe_reorders_like_go() {
        assert_eq!(remove_duplicate_chars(b"test@@"), b"tes@");
        assert_eq!(remove_duplicate_chars(b""), b"");
        assert_eq!(remove_duplicate_chars(b"aaaa"), b"a");
        assert_eq!(remove_duplicate_chars(b"abcabc"), b"abc");
        let both = alphabet_of(b"[a-ea-e]").unwrap();
        assert_eq!(both.len(), 4);
    }

    #[test]
    fn real_world_patterns() {
        let mut r = rng();
        let alnum59: String = format!("{}{}{}", &ALPHABET[..25], &ALPHABET[26..51], &NUMERALS[..9]);
        for n in [8, 16, 32, 40] {
            let v = generate_expression(&format!("[a-zA-Z0-9]{{{n}}}"), &mut r).unwrap();
            assert_shape(&v, "", &alnum59, n, "");
        }
        let v = generate_expression("[a-z0-9]{127}", &mut r).unwrap();
        assert_shape(&v, "", "abcdefghijklmnopqrstuvwxy012345678", 127, "");
        let v = generate_expression("user[A-Z0-9]{3}", &mut r).unwrap();
        assert_shape(&v, "user", "ABCDEFGHIJKLMNOPQRSTUVWXY012345678", 3, "");
        let v = generate_expression("[\\w]{50}", &mut r).unwrap();
        assert_shape(&v, "", &format!("{ALPHABET}{NUMERALS}_"), 50, "");
        let v = generate_expression("0x[A-F0-9]{4}", &mut r).unwrap();
        assert_shape(&v, "0x", "ABCDE012345678", 4, "");
    }

    #[test]
    fn nested_constructs_expand_leftmost_first() {
        // `[a-c]{1}` inside `[[a-c]{1}-z]{2}` is the leftmost construct; its result forms the next one.
        let mut r = rng();
        let v = generate_expression("[[a-c]{1}-z]{2}", &mut r).unwrap();
        assert_eq!(v.len(), 2);
        assert!(v.chars().all(|c| c.is_ascii_lowercase() && c != 'z'));
    }

    #[test]
    fn warnings() {
        assert!(expression_warnings("[a-zA-Z0-9]{8}")
            .iter()
            .any(|w| w.contains("range a-z never produces 'z'")));
        assert!(expression_warnings("[\\w]{8}").is_empty());
        assert!(
            expression_warnings("[a-zA-Z0-9_]{8}")[0].contains("no [characters]{length} construct")
        );
        assert!(expression_warnings("x[\\d]{2}[a_b]{2}")
            .iter()
            .any(|w| w.contains("not a supported")));
    }
}
