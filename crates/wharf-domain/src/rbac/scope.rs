//! Docker registry token scopes (`repository:ns/name:pull,push`, `registry:catalog:*`), as the
//! distribution token specification writes them, and granting them only as far as RBAC allows.
//!
//! A scope is `type:name:actions`. The name runs from the first to the last colon, so a name with
//! a registry port (`localhost:5000/ns/name`) survives; the actions are comma-separated.

use std::fmt;

/// One requested or granted scope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// `repository:<name>:<actions>`: actions `pull`, `push`, `delete` (`*` in older clients).
    Repository { name: String, actions: Vec<String> },
    /// `registry:<name>:<actions>`: `registry:catalog:*` lists repositories.
    Registry { name: String, actions: Vec<String> },
}

impl Scope {
    pub fn name(&self) -> &str {
        match self {
            Scope::Repository { name, .. } | Scope::Registry { name, .. } => name,
        }
    }

    pub fn actions(&self) -> &[String] {
        match self {
            Scope::Repository { actions, .. } | Scope::Registry { actions, .. } => actions,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Scope::Repository { .. } => "repository",
            Scope::Registry { .. } => "registry",
        }
    }

    fn with_actions(&self, actions: Vec<String>) -> Scope {
        let name = self.name().to_string();
        match self {
            Scope::Repository { .. } => Scope::Repository { name, actions },
            Scope::Registry { .. } => Scope::Registry { name, actions },
        }
    }
}

/// Parses `type:name:actions`. Unknown types (resource classes such as `repository(plugin)`
/// included), an empty name and an empty action list are errors; empty entries between commas
/// are dropped.
pub fn parse_scope(s: &str) -> Result<Scope, String> {
    let (kind, rest) = s
        .split_once(':')
        .ok_or_else(|| format!("invalid scope {s:?}: want type:name:actions"))?;
    let (name, actions) = rest
        .rsplit_once(':')
        .ok_or_else(|| format!("invalid scope {s:?}: want type:name:actions"))?;
    if name.is_empty() {
        return Err(format!("invalid scope {s:?}: empty name"));
    }
    let actions: Vec<String> = actions
        .split(',')
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    if actions.is_empty() {
        return Err(format!("invalid scope {s:?}: no actions"));
    }
    let name = name.to_string();
    match kind {
        "repository" => Ok(Scope::Repository { name, actions }),
        "registry" => Ok(Scope::Registry { name, actions }),
        _ => Err(format!(
            "invalid scope {s:?}: unknown resource type {kind:?}"
        )),
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.kind(),
            self.name(),
            self.actions().join(",")
        )
    }
}

/// The part of `requested` whose actions `allowed` permits, in the requested order and without
/// duplicates; `None` when no action is permitted. For the catalog the action asked about is
/// `*`, as Docker clients request it.
pub fn grant(requested: &Scope, allowed: impl Fn(&str) -> bool) -> Option<Scope> {
    let mut actions: Vec<String> = Vec::new();
    for action in requested.actions() {
        if !actions.contains(action) && allowed(action) {
            actions.push(action.clone());
        }
    }
    (!actions.is_empty()).then(|| requested.with_actions(actions))
}
