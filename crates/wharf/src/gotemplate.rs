//! `-o go-template=…` / `-o template=…`: Go's `text/template` as kubectl's GoTemplatePrinter
//! runs it (k8s.io/cli-runtime `printers/template.go`) on an object decoded from JSON, with
//! kubectl's two extra functions `exists` and `base64decode`.
//!
//! Hand-written: the Rust crate gtmpl ranges over maps in hash order and prints maps unsorted
//! (Go sorts keys in both), and is only passively maintained. This covers the part of
//! text/template that output templates use — text, actions with `{{-`/`-}}` trimming and
//! comments, fields, variables (`:=`, `=`), pipelines, parentheses, `if`/`else if`/`else`,
//! `range` (lists and maps in key order, `$i, $e :=`, `else`), `with`/`else`, and the builtins
//! and, or, not, len, index, print, printf, println, eq, ne, lt, le, gt, ge. `define`,
//! `template`, `block`, `break` and `continue` are refused with a parse error. Values print
//! as Go's `%v` ([`wharf_domain::gofmt::format_value`]); a missing map key prints `<no value>`.

use base64::Engine as _;
use serde_json::Value;
use wharf_domain::gofmt::{format_float_g, format_value};

/// Renders `text` over `data` as kubectl does; the error is kubectl's message.
pub fn print(text: &str, data: &Value) -> Result<String, String> {
    let nodes = parse(text)
        .map_err(|e| format!("error parsing template {text}, template: output:1: {e}"))?;
    let mut exec = Exec {
        vars: vec![("$".to_string(), Some(data.clone()))],
        out: String::new(),
    };
    exec.nodes(&nodes, &Some(data.clone())).map_err(|e| {
        format!(
            "error executing template \"{text}\": template: output:1: executing \"output\": {e}"
        )
    })?;
    Ok(exec.out)
}

// ---- Parsing ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Operand {
    Dot,
    /// `.a.b` on dot.
    Field(Vec<String>),
    /// `$x.a.b`.
    Var(String, Vec<String>),
    Lit(Value),
    /// A function name.
    Func(String),
    /// `(pipeline).a.b`.
    Sub(Box<Pipeline>, Vec<String>),
}

#[derive(Debug, Clone, Default)]
struct Pipeline {
    /// Variables declared (`:=`) or assigned (`=`).
    vars: Vec<String>,
    declare: bool,
    commands: Vec<Vec<Operand>>,
}

#[derive(Debug)]
enum Node {
    Text(String),
    Action(Pipeline),
    If(Pipeline, Vec<Node>, Vec<Node>),
    With(Pipeline, Vec<Node>, Vec<Node>),
    Range(Pipeline, Vec<Node>, Vec<Node>),
}

/// Text and actions, with trim markers applied and comments dropped.
fn split(text: &str) -> Result<Vec<(bool, String)>, String> {
    let mut items: Vec<(bool, String)> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let mut before = rest[..open].to_string();
        let mut inner = &rest[open + 2..];
        if inner.starts_with("- ") || inner.starts_with("-\t") || inner.starts_with("-\n") {
            before = before.trim_end().to_string();
            inner = &inner[1..];
        }
        items.push((false, before));
        let close = inner.find("}}").ok_or("unclosed action")?;
        let mut action = &inner[..close];
        rest = &inner[close + 2..];
        if action.ends_with(" -") || action.ends_with("\t-") || action.ends_with("\n-") {
            action = &action[..action.len() - 1];
            rest = rest.trim_start();
        }
        let action = action.trim();
        if action.starts_with("/*") {
            if !action.ends_with("*/") {
                return Err("unclosed comment".into());
            }
            continue;
        }
        items.push((true, action.to_string()));
    }
    items.push((false, rest.to_string()));
    Ok(items)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Dot,
    Field(String),
    Var(String),
    Str(String),
    Num(Value),
    Ident(String),
    Pipe,
    Open,
    Close,
    Declare,
    Assign,
    Comma,
}

fn lex(action: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = action.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let word = |i: &mut usize| {
        let start = *i;
        while *i < chars.len() && (chars[*i].is_alphanumeric() || chars[*i] == '_') {
            *i += 1;
        }
        chars[start..*i].iter().collect::<String>()
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            '(' => {
                toks.push(Tok::Open);
                i += 1;
            }
            ')' => {
                toks.push(Tok::Close);
                i += 1;
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                toks.push(Tok::Declare);
                i += 2;
            }
            '=' => {
                toks.push(Tok::Assign);
                i += 1;
            }
            '.' if chars
                .get(i + 1)
                .is_some_and(|c| c.is_alphabetic() || *c == '_') =>
            {
                i += 1;
                toks.push(Tok::Field(word(&mut i)));
            }
            '.' => {
                toks.push(Tok::Dot);
                i += 1;
            }
            '$' => {
                i += 1;
                toks.push(Tok::Var(format!("${}", word(&mut i))));
            }
            '"' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    i += if chars[i] == '\\' { 2 } else { 1 };
                }
                if i >= chars.len() {
                    return Err("unterminated quoted string".into());
                }
                i += 1;
                let quoted: String = chars[start..i].iter().collect();
                let s: String = serde_json::from_str(&quoted)
                    .map_err(|_| format!("invalid syntax in string {quoted}"))?;
                toks.push(Tok::Str(s));
            }
            '`' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '`')
                    .ok_or("unterminated raw quoted string")?;
                toks.push(Tok::Str(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' => {
                let start = i;
                i += 1;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '.' | '+' | '-'))
                {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n: Value = serde_json::from_str(text.trim_start_matches('+'))
                    .map_err(|_| format!("bad number syntax: \"{text}\""))?;
                toks.push(Tok::Num(n));
            }
            c if c.is_alphabetic() || c == '_' => toks.push(Tok::Ident(word(&mut i))),
            other => return Err(format!("unexpected \"{other}\" in command")),
        }
        // A field chained onto a variable or a parenthesis: `$x.a`, `(…).a`.
        while i < chars.len()
            && chars[i] == '.'
            && chars
                .get(i + 1)
                .is_some_and(|c| c.is_alphabetic() || *c == '_')
            && matches!(toks.last(), Some(Tok::Var(_) | Tok::Close | Tok::Field(_)))
        {
            i += 1;
            toks.push(Tok::Field(format!(".{}", word(&mut i))));
        }
    }
    Ok(toks)
}

const FUNCTIONS: &[&str] = &[
    "and",
    "or",
    "not",
    "len",
    "index",
    "print",
    "printf",
    "println",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "exists",
    "base64decode",
];

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    /// Field names chained onto the previous operand (`.a.b` lexed as `.a`-prefixed fields).
    fn chained(&mut self) -> Vec<String> {
        let mut fields = Vec::new();
        while let Some(Tok::Field(f)) = self.peek() {
            match f.strip_prefix('.') {
                Some(name) => {
                    fields.push(name.to_string());
                    self.at += 1;
                }
                None => break,
            }
        }
        fields
    }

    fn pipeline(&mut self, in_parens: bool) -> Result<Pipeline, String> {
        let mut p = Pipeline::default();
        // `$a := …`, `$a, $b := …`, `$a = …`
        let save = self.at;
        let mut vars = Vec::new();
        while let Some(Tok::Var(v)) = self.peek().cloned() {
            self.at += 1;
            vars.push(v);
            match self.peek() {
                Some(Tok::Comma) => self.at += 1,
                Some(Tok::Declare) | Some(Tok::Assign) => break,
                _ => break,
            }
        }
        match self.peek() {
            Some(Tok::Declare) if !vars.is_empty() => {
                self.at += 1;
                p.vars = vars;
                p.declare = true;
            }
            Some(Tok::Assign) if !vars.is_empty() => {
                self.at += 1;
                p.vars = vars;
            }
            _ => self.at = save,
        }
        let mut command = Vec::new();
        while let Some(tok) = self.peek().cloned() {
            self.at += 1;
            let operand = match tok {
                Tok::Close if in_parens => {
                    self.at -= 1;
                    break;
                }
                Tok::Pipe => {
                    if command.is_empty() {
                        return Err("missing command".into());
                    }
                    p.commands.push(std::mem::take(&mut command));
                    continue;
                }
                Tok::Dot => Operand::Dot,
                Tok::Field(f) => {
                    let mut path = vec![f.trim_start_matches('.').to_string()];
                    path.extend(self.chained());
                    Operand::Field(path)
                }
                Tok::Var(v) => Operand::Var(v, self.chained()),
                Tok::Str(s) => Operand::Lit(Value::String(s)),
                Tok::Num(n) => Operand::Lit(n),
                Tok::Ident(id) => match id.as_str() {
                    "true" => Operand::Lit(Value::Bool(true)),
                    "false" => Operand::Lit(Value::Bool(false)),
                    "nil" => Operand::Lit(Value::Null),
                    f if FUNCTIONS.contains(&f) => Operand::Func(id),
                    _ => return Err(format!("function \"{id}\" not defined")),
                },
                Tok::Open => {
                    let inner = self.pipeline(true)?;
                    if self.peek() != Some(&Tok::Close) {
                        return Err("unclosed left paren".into());
                    }
                    self.at += 1;
                    Operand::Sub(Box::new(inner), self.chained())
                }
                other => return Err(format!("unexpected {other:?} in operand")),
            };
            command.push(operand);
        }
        if command.is_empty() {
            return Err("missing value for command".into());
        }
        p.commands.push(command);
        Ok(p)
    }
}

fn parse_pipeline(text: &str) -> Result<Pipeline, String> {
    let mut parser = Parser {
        toks: lex(text)?,
        at: 0,
    };
    let p = parser.pipeline(false)?;
    if parser.at < parser.toks.len() {
        return Err(format!(
            "unexpected {:?} in operand",
            parser.toks[parser.at]
        ));
    }
    Ok(p)
}

/// How a list of nodes ended: `{{end}}` (`Plain`), `{{else}}`, `{{else if …}}`/`{{else with …}}`, or the
/// end of the text.
enum End {
    Plain,
    Else,
    ElseChain(String, String),
    Eof,
}

fn parse(text: &str) -> Result<Vec<Node>, String> {
    let items = split(text)?;
    let mut it = items.into_iter().peekable();
    let (nodes, end) = parse_list(&mut it)?;
    match end {
        End::Eof => Ok(nodes),
        _ => Err("unexpected {{end}} or {{else}}".into()),
    }
}

type Items = std::iter::Peekable<std::vec::IntoIter<(bool, String)>>;

fn parse_list(it: &mut Items) -> Result<(Vec<Node>, End), String> {
    let mut nodes = Vec::new();
    while let Some((is_action, text)) = it.next() {
        if !is_action {
            if !text.is_empty() {
                nodes.push(Node::Text(text));
            }
            continue;
        }
        let (keyword, rest) = match text.split_once(char::is_whitespace) {
            Some((k, r)) => (k, r.trim()),
            None => (text.as_str(), ""),
        };
        match keyword {
            "end" => return Ok((nodes, End::Plain)),
            "else" if rest.is_empty() => return Ok((nodes, End::Else)),
            "else" => {
                let (k, r) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
                return Ok((nodes, End::ElseChain(k.to_string(), r.trim().to_string())));
            }
            "if" | "with" | "range" => nodes.push(parse_block(keyword, rest, it)?),
            "define" | "template" | "block" | "break" | "continue" => {
                return Err(format!("{{{{{keyword}}}}} is not supported by wharf"))
            }
            _ => nodes.push(Node::Action(parse_pipeline(&text)?)),
        }
    }
    Ok((nodes, End::Eof))
}

fn parse_block(keyword: &str, pipeline: &str, it: &mut Items) -> Result<Node, String> {
    let pipe = parse_pipeline(pipeline)?;
    let (body, end) = parse_list(it)?;
    let otherwise = match end {
        End::Plain => Vec::new(),
        End::Else => match parse_list(it)? {
            (nodes, End::Plain) => nodes,
            _ => return Err(format!("expected end; found else in {keyword}")),
        },
        End::ElseChain(k, rest) if k == keyword && k != "range" => {
            vec![parse_block(keyword, &rest, it)?]
        }
        End::ElseChain(k, _) => return Err(format!("unexpected else {k} in {keyword}")),
        End::Eof => return Err(format!("unexpected EOF in {keyword}")),
    };
    Ok(match keyword {
        "if" => Node::If(pipe, body, otherwise),
        "with" => Node::With(pipe, body, otherwise),
        _ => Node::Range(pipe, body, otherwise),
    })
}

// ---- Execution -------------------------------------------------------------------------

/// A value; `None` is Go's "no value" (a missing map key).
type V = Option<Value>;

struct Exec {
    vars: Vec<(String, V)>,
    out: String,
}

fn type_name(v: &V) -> &'static str {
    match v {
        None | Some(Value::Null) => "interface {}",
        Some(Value::Bool(_)) => "bool",
        Some(Value::Number(_)) => "float64",
        Some(Value::String(_)) => "string",
        Some(Value::Array(_)) => "[]interface {}",
        Some(Value::Object(_)) => "map[string]interface {}",
    }
}

fn truthy(v: &V) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64() != Some(0.0),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
    }
}

fn show(v: &V) -> String {
    match v {
        None => "<no value>".into(),
        Some(v) => format_value(v),
    }
}

fn field(v: V, name: &str) -> Result<V, String> {
    match v {
        Some(Value::Object(mut m)) => Ok(m.remove(name)),
        None | Some(Value::Null) => Err(format!("nil pointer evaluating interface {{}}.{name}")),
        other => Err(format!(
            "can't evaluate field {name} in type {}",
            type_name(&other)
        )),
    }
}

fn fields(mut v: V, path: &[String]) -> Result<V, String> {
    for f in path {
        v = field(v, f)?;
    }
    Ok(v)
}

impl Exec {
    fn nodes(&mut self, nodes: &[Node], dot: &V) -> Result<(), String> {
        for n in nodes {
            match n {
                Node::Text(t) => self.out.push_str(t),
                Node::Action(p) => {
                    let v = self.pipeline(p, dot)?;
                    if p.vars.is_empty() {
                        self.out.push_str(&show(&v));
                    }
                }
                Node::If(p, then, otherwise) | Node::With(p, then, otherwise) => {
                    let mark = self.vars.len();
                    let v = self.pipeline(p, dot)?;
                    let is_with = matches!(n, Node::With(..));
                    if truthy(&v) {
                        let inner = if is_with { v } else { dot.clone() };
                        self.nodes(then, &inner)?;
                    } else {
                        self.nodes(otherwise, dot)?;
                    }
                    self.vars.truncate(mark);
                }
                Node::Range(p, body, otherwise) => {
                    let mark = self.vars.len();
                    let mut plain = p.clone();
                    plain.vars.clear();
                    let v = self.pipeline(&plain, dot)?;
                    let items: Vec<(Value, Value)> = match v {
                        Some(Value::Array(a)) => a
                            .into_iter()
                            .enumerate()
                            .map(|(i, e)| (Value::from(i), e))
                            .collect(),
                        Some(Value::Object(m)) => {
                            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
                            entries.sort_by(|a, b| a.0.cmp(&b.0));
                            entries
                                .into_iter()
                                .map(|(k, e)| (Value::String(k), e))
                                .collect()
                        }
                        None | Some(Value::Null) => Vec::new(),
                        Some(other) => {
                            return Err(format!(
                                "range can't iterate over {}",
                                format_value(&other)
                            ))
                        }
                    };
                    if items.is_empty() {
                        self.nodes(otherwise, dot)?;
                    }
                    for (key, elem) in items {
                        let inner = self.vars.len();
                        match p.vars.as_slice() {
                            [e] => self.vars.push((e.clone(), Some(elem.clone()))),
                            [k, e] => {
                                self.vars.push((k.clone(), Some(key)));
                                self.vars.push((e.clone(), Some(elem.clone())));
                            }
                            _ => {}
                        }
                        self.nodes(body, &Some(elem))?;
                        self.vars.truncate(inner);
                    }
                    self.vars.truncate(mark);
                }
            }
        }
        Ok(())
    }

    fn var(&self, name: &str) -> Result<V, String> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("undefined variable: {name}"))
    }

    fn pipeline(&mut self, p: &Pipeline, dot: &V) -> Result<V, String> {
        let mut value: Option<V> = None;
        for command in &p.commands {
            value = Some(self.command(command, dot, value)?);
        }
        let v = value.unwrap_or(None);
        if p.declare {
            for name in &p.vars {
                self.vars.push((name.clone(), v.clone()));
            }
        } else {
            for name in &p.vars {
                let slot = self
                    .vars
                    .iter_mut()
                    .rev()
                    .find(|(n, _)| n == name)
                    .ok_or_else(|| format!("undefined variable: {name}"))?;
                slot.1 = v.clone();
            }
        }
        Ok(v)
    }

    fn operand(&mut self, o: &Operand, dot: &V) -> Result<V, String> {
        match o {
            Operand::Dot => Ok(dot.clone()),
            Operand::Field(path) => fields(dot.clone(), path),
            Operand::Var(name, path) => fields(self.var(name)?, path),
            Operand::Lit(v) => Ok(Some(v.clone())),
            Operand::Sub(p, path) => {
                let v = self.pipeline(p, dot)?;
                fields(v, path)
            }
            Operand::Func(name) => self.call(name, Vec::new()),
        }
    }

    fn command(&mut self, command: &[Operand], dot: &V, piped: Option<V>) -> Result<V, String> {
        match &command[0] {
            Operand::Func(name) if name == "and" || name == "or" => {
                // Short-circuit: the first falsy (and) or truthy (or) argument, else the last.
                let mut last = None;
                let n = command.len() - 1 + usize::from(piped.is_some());
                if n == 0 {
                    return Err(format!(
                        "wrong number of args for {name}: want at least 1 got 0"
                    ));
                }
                for arg in &command[1..] {
                    let v = self.operand(arg, dot)?;
                    if truthy(&v) == (name == "or") {
                        return Ok(v);
                    }
                    last = Some(v);
                }
                if let Some(v) = piped {
                    return Ok(v);
                }
                Ok(last.unwrap_or(None))
            }
            Operand::Func(name) => {
                let mut args = Vec::new();
                for arg in &command[1..] {
                    args.push(self.operand(arg, dot)?);
                }
                if let Some(v) = piped {
                    args.push(v);
                }
                self.call(name, args)
            }
            _ if command.len() > 1 || piped.is_some() => {
                Err("can't give argument to non-function".to_string())
            }
            first => self.operand(first, dot),
        }
    }

    fn call(&mut self, name: &str, args: Vec<V>) -> Result<V, String> {
        let want = |n: usize| {
            if args.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "wrong number of args for {name}: want {n} got {}",
                    args.len()
                ))
            }
        };
        let s = |v: Value| Ok(Some(v));
        match name {
            "not" => {
                want(1)?;
                s(Value::Bool(!truthy(&args[0])))
            }
            "len" => {
                want(1)?;
                match &args[0] {
                    Some(Value::String(x)) => s(x.len().into()),
                    Some(Value::Array(x)) => s(x.len().into()),
                    Some(Value::Object(x)) => s(x.len().into()),
                    other => Err(format!("len of type {}", type_name(other))),
                }
            }
            "index" => {
                let mut it = args.into_iter();
                let mut v = it
                    .next()
                    .ok_or("wrong number of args for index: want at least 1 got 0")?;
                for key in it {
                    v = match (v, key) {
                        (Some(Value::Object(mut m)), Some(Value::String(k))) => m.remove(&k),
                        (Some(Value::Array(a)), Some(Value::Number(n))) => {
                            let i = n.as_u64().unwrap_or(u64::MAX);
                            let got = usize::try_from(i).ok().and_then(|i| a.get(i).cloned());
                            Some(got.ok_or_else(|| {
                                format!("error calling index: index out of range: {n}")
                            })?)
                        }
                        (None | Some(Value::Null), _) => {
                            return Err("error calling index: index of untyped nil".into())
                        }
                        (v, k) => {
                            return Err(format!(
                                "error calling index: cannot index {} with {}",
                                type_name(&v),
                                type_name(&k)
                            ))
                        }
                    };
                }
                Ok(v)
            }
            "print" | "println" => {
                let texts: Vec<String> = args.iter().map(show).collect();
                let mut out = if name == "println" {
                    texts.join(" ")
                } else {
                    // Go's Sprint: a space only between operands when neither is a string.
                    let mut out = String::new();
                    for (i, (a, t)) in args.iter().zip(&texts).enumerate() {
                        let is_str = |v: &V| matches!(v, Some(Value::String(_)));
                        if i > 0 && !is_str(a) && !is_str(&args[i - 1]) {
                            out.push(' ');
                        }
                        out.push_str(t);
                    }
                    out
                };
                if name == "println" {
                    out.push('\n');
                }
                s(out.into())
            }
            "printf" => {
                let (format, rest) = args
                    .split_first()
                    .ok_or("wrong number of args for printf: want at least 1 got 0")?;
                let format = match format {
                    Some(Value::String(f)) => f.clone(),
                    other => show(other),
                };
                s(sprintf(&format, rest).into())
            }
            "eq" | "ne" => {
                if args.len() < 2 {
                    return Err(format!(
                        "wrong number of args for {name}: want at least 2 got {}",
                        args.len()
                    ));
                }
                let mut equal = false;
                for other in &args[1..] {
                    if compare(&args[0], other)? == Some(std::cmp::Ordering::Equal) {
                        equal = true;
                        break;
                    }
                }
                s(Value::Bool(if name == "eq" { equal } else { !equal }))
            }
            "lt" | "le" | "gt" | "ge" => {
                want(2)?;
                use std::cmp::Ordering::*;
                let ord = compare(&args[0], &args[1])?.ok_or("invalid type for comparison")?;
                s(Value::Bool(match name {
                    "lt" => ord == Less,
                    "le" => ord != Greater,
                    "gt" => ord == Greater,
                    _ => ord != Less,
                }))
            }
            "exists" => {
                let mut it = args.into_iter();
                let mut v = it.next().unwrap_or(None);
                for key in it {
                    v = match (v, key) {
                        (Some(Value::Object(mut m)), Some(Value::String(k))) => {
                            match m.remove(&k) {
                                Some(x) => Some(x),
                                None => return s(Value::Bool(false)),
                            }
                        }
                        _ => return s(Value::Bool(false)),
                    };
                }
                s(Value::Bool(true))
            }
            "base64decode" => {
                want(1)?;
                let text = match &args[0] {
                    Some(Value::String(x)) => x.clone(),
                    other => show(other),
                };
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(text.as_bytes())
                    .map_err(|e| format!("error calling base64decode: base64decode: {e}"))?;
                s(String::from_utf8_lossy(&bytes).into_owned().into())
            }
            other => Err(format!("function \"{other}\" not defined")),
        }
    }
}

/// Go's comparison for eq/lt…: numbers by value, strings and booleans by value, nil with
/// nil; different kinds are an error.
fn compare(a: &V, b: &V) -> Result<Option<std::cmp::Ordering>, String> {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => Ok(match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => x.as_f64().partial_cmp(&y.as_f64()),
        }),
        (Some(Value::String(x)), Some(Value::String(y))) => Ok(Some(x.cmp(y))),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => {
            Ok((x == y).then_some(std::cmp::Ordering::Equal))
        }
        (None | Some(Value::Null), None | Some(Value::Null)) => Ok(Some(std::cmp::Ordering::Equal)),
        _ => Err("error calling eq: incompatible types for comparison".into()),
    }
}

/// Go's `fmt.Sprintf` for the verbs output templates use: %s %v %d %q %t %f %x %%, with `-`,
/// `0`, width and precision.
fn sprintf(format: &str, args: &[V]) -> String {
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    let mut next = 0;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek().filter(|f| matches!(f, '-' | '0' | '+' | ' ')) {
            flags.push(f);
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let number = arg.as_ref().and_then(Value::as_f64);
        let text = match (verb, arg) {
            ('d', Some(Value::Number(n))) if n.is_i64() || n.is_u64() => n.to_string(),
            ('d', _) => format!("%!d({})", show(arg)),
            ('f', _) if number.is_some() => {
                format!("{:.*}", precision.unwrap_or(6), number.unwrap_or(0.0))
            }
            ('x', Some(Value::Number(n))) if n.is_i64() => format!("{:x}", n.as_i64().unwrap_or(0)),
            ('x', Some(Value::String(s))) => s.bytes().map(|b| format!("{b:02x}")).collect(),
            ('q', Some(Value::String(s))) => serde_json::to_string(s).unwrap_or_default(),
            ('t', Some(Value::Bool(b))) => b.to_string(),
            ('s' | 'v', Some(Value::Number(n))) if !(n.is_i64() || n.is_u64()) => {
                format_float_g(n.as_f64().unwrap_or(0.0))
            }
            ('s', _) | ('v', _) => {
                let s = show(arg);
                match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            (v, _) => format!("%!{v}({})", show(arg)),
        };
        let width: usize = width.parse().unwrap_or(0);
        let pad = width.saturating_sub(text.chars().count());
        if flags.contains('-') {
            out.push_str(&text);
            out.push_str(&" ".repeat(pad));
        } else if flags.contains('0') && number.is_some() {
            out.push_str(&"0".repeat(pad));
            out.push_str(&text);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&text);
        }
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..]
            .iter()
            .map(|a| format!("{}={}", type_name(a), show(a)))
            .collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(t: &str, data: &Value) -> String {
        print(t, data).unwrap_or_else(|e| panic!("{t}: {e}"))
    }

    fn list() -> Value {
        json!({"kind": "List", "items": [
            {"metadata": {"name": "a", "labels": {"z": "1", "app": "web", "b": "2"}}},
            {"metadata": {"name": "b"}}
        ], "n": 1, "f": 1.5, "big": 9223372036854775807_i64, "s": "x"})
    }

    #[test]
    fn fields_and_text_print_as_go_does() {
        assert_eq!(ok("{{.kind}}", &list()), "List");
        assert_eq!(ok("kind={{ .kind }}!", &list()), "kind=List!");
        assert_eq!(ok("{{.missing}}", &list()), "<no value>");
        assert_eq!(
            ok("{{.n}} {{.f}} {{.big}}", &list()),
            "1 1.5 9223372036854775807"
        );
        assert_eq!(
            ok("{{(index .items 0).metadata.labels}}", &list()),
            "map[app:web b:2 z:1]"
        );
        assert_eq!(ok("a {{- \" b \" -}} c", &list()), "a b c");
        assert_eq!(ok("{{/* a comment */}}x", &list()), "x");
    }

    #[test]
    fn range_walks_lists_and_maps_in_key_order() {
        assert_eq!(
            ok(
                "{{range .items}}{{.metadata.name}}{{\"\\n\"}}{{end}}",
                &list()
            ),
            "a\nb\n"
        );
        assert_eq!(
            ok(
                "{{range $k, $v := (index .items 0).metadata.labels}}{{$k}}={{$v}};{{end}}",
                &list()
            ),
            "app=web;b=2;z=1;"
        );
        assert_eq!(ok("{{range $i, $e := .items}}{{$i}}{{end}}", &list()), "01");
        assert_eq!(ok("{{range .none}}x{{else}}empty{{end}}", &list()), "empty");
    }

    #[test]
    fn conditions_and_functions() {
        assert_eq!(ok("{{len .items}}", &list()), "2");
        assert_eq!(
            ok(
                "{{index (index .items 0).metadata.labels \"app\"}}",
                &list()
            ),
            "web"
        );
        assert_eq!(
            ok("{{if eq .kind \"List\"}}yes{{else}}no{{end}}", &list()),
            "yes"
        );
        assert_eq!(
            ok("{{if eq .kind \"X\" \"List\"}}yes{{end}}", &list()),
            "yes"
        );
        assert_eq!(
            ok(
                "{{if ne .n 1}}a{{else if lt .n 2}}b{{else}}c{{end}}",
                &list()
            ),
            "b"
        );
        assert_eq!(ok("{{printf \"%s-%d\" .s 3}}", &list()), "x-3");
        assert_eq!(ok("{{printf \"%-4s|%5.2f\" .s .f}}", &list()), "x   | 1.50");
        assert_eq!(
            ok(
                "{{with .kind}}{{.}}{{end}}{{with .none}}x{{else}}y{{end}}",
                &list()
            ),
            "Listy"
        );
        assert_eq!(
            ok("{{$x := .kind}}{{$x}}{{$x = \"z\"}}{{$x}}", &list()),
            "Listz"
        );
        assert_eq!(ok("{{.kind | printf \"%s!\"}}", &list()), "List!");
        assert_eq!(
            ok("{{or .none .kind}} {{and .n .none}}", &list()),
            "List <no value>"
        );
        assert_eq!(ok("{{not .none}}", &list()), "true");
        assert_eq!(
            ok(
                "{{exists . \"items\"}} {{exists . \"kind\" \"x\"}}",
                &list()
            ),
            "true false"
        );
        assert_eq!(ok("{{base64decode \"aGVsbG8=\"}}", &list()), "hello");
    }

    #[test]
    fn errors_read_as_kubectl_prints_them() {
        let e = print("{{.kind", &list()).unwrap_err();
        assert!(
            e.starts_with("error parsing template {{.kind, template: output:1: unclosed action"),
            "{e}"
        );
        let e = print("{{nope .}}", &list()).unwrap_err();
        assert!(e.contains("function \"nope\" not defined"), "{e}");
        let e = print("{{.s.x}}", &list()).unwrap_err();
        assert!(
            e.starts_with("error executing template \"{{.s.x}}\""),
            "{e}"
        );
        assert!(e.contains("can't evaluate field x in type string"), "{e}");
        let e = print("{{if lt .s 1}}{{end}}", &list()).unwrap_err();
        assert!(e.contains("incompatible types for comparison"), "{e}");
    }
}
