//! `wharf set image-lookup` (oc set image-lookup, spec §6.5): turn a stream's
//! `spec.lookupPolicy.local` on or off, or list it. Other objects carry the
//! `alpha.image.policy.openshift.io/resolve-names: "*"` annotation instead.

use clap::{ArgAction, Args};
use serde_json::{json, Value};

use crate::client::{error, CliResult, Client, Resource};

pub const RESOLVE_NAMES: &str = "alpha.image.policy.openshift.io/resolve-names";

#[derive(Args, Debug)]
pub struct ImageLookupArgs {
    /// Image streams by name, or other objects as TYPE/NAME
    pub names: Vec<String>,
    /// Turn lookup on (true) or off (false)
    #[arg(long, action = ArgAction::Set, default_value_t = true, num_args = 0..=1, default_missing_value = "true")]
    pub enabled: bool,
    /// Show the setting instead of changing it
    #[arg(long)]
    pub list: bool,
    /// Every image stream in the namespace
    #[arg(long)]
    pub all: bool,
}

/// One object the command works on, with its current setting.
struct Target {
    resource: Resource,
    name: String,
    stream: bool,
    local: bool,
}

fn is_stream(r: &Resource) -> bool {
    r.group == "image.openshift.io" && r.plural == "imagestreams"
}

fn setting(stream: bool, obj: &Value) -> bool {
    if stream {
        obj.pointer("/spec/lookupPolicy/local") == Some(&json!(true))
    } else {
        obj.pointer("/metadata/annotations")
            .and_then(|a| a.get(RESOLVE_NAMES))
            .and_then(Value::as_str)
            == Some("*")
    }
}

fn targets(client: &Client, ns: &str, a: &ImageLookupArgs) -> CliResult<Vec<Target>> {
    let streams = client.resource("imagestreams")?;
    if a.names.is_empty() {
        let list = client.get(&streams.path(Some(ns)), "application/json")?;
        return Ok(list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| Target {
                resource: streams.clone(),
                name: o["metadata"]["name"].as_str().unwrap_or("").into(),
                stream: true,
                local: setting(true, o),
            })
            .collect());
    }
    let mut out = Vec::new();
    for n in &a.names {
        let (resource, name) = match n.split_once('/') {
            Some((kind, name)) => (client.resource(kind)?, name),
            None => (streams.clone(), n.as_str()),
        };
        let obj = client.get(
            &format!("{}/{name}", resource.path(Some(ns))),
            "application/json",
        )?;
        let stream = is_stream(&resource);
        out.push(Target {
            local: setting(stream, &obj),
            resource,
            name: name.into(),
            stream,
        });
    }
    Ok(out)
}

/// The `NAME  LOCAL` table (tabwriter padding 2, spaces).
fn table(targets: &[Target]) -> String {
    let names: Vec<String> = targets
        .iter()
        .map(|t| {
            if t.stream {
                t.name.clone()
            } else {
                format!("{}/{}", t.resource.plural, t.name)
            }
        })
        .collect();
    let width = names.iter().map(String::len).max().unwrap_or(0).max(4);
    let mut out = format!("{:<width$}  LOCAL\n", "NAME");
    for (n, t) in names.iter().zip(targets) {
        out.push_str(&format!("{n:<width$}  {}\n", t.local));
    }
    out
}

pub fn run(client: &Client, ns: &str, a: &ImageLookupArgs) -> CliResult<()> {
    if a.all && !a.names.is_empty() {
        return Err(error("you may not specify names with --all"));
    }
    let targets = targets(client, ns, a)?;
    if a.list || (a.names.is_empty() && !a.all) {
        print!("{}", table(&targets));
        return Ok(());
    }
    for t in targets.iter().filter(|t| t.local != a.enabled) {
        let patch = if t.stream {
            json!({ "spec": { "lookupPolicy": { "local": a.enabled } } })
        } else {
            let value = if a.enabled { json!("*") } else { Value::Null };
            json!({ "metadata": { "annotations": { RESOLVE_NAMES: value } } })
        };
        client
            .patch(
                &format!("{}/{}", t.resource.path(Some(ns)), t.name),
                "application/strategic-merge-patch+json",
                &patch,
            )
            .map_err(|e| error(format!("failed to patch image lookup: {}", e.0)))?;
        println!(
            "{}/{} image lookup updated",
            t.resource.qualified_singular(),
            t.name
        );
    }
    Ok(())
}
