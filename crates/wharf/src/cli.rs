//! Client verbs, as `oc` has them: `project`, `projects`, `new-project`, `get`, `describe`,
//! and the dispatch of the others. They talk to a `wharf serve` through the kubeconfig's
//! current context (or `--server`/`--token`); `login`, `whoami` and `logout` are in
//! `auth_cli.rs`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::client::kubeconfig::Kubeconfig;
use crate::client::{error, CliResult, Client, Resource, TABLE_ACCEPT};

/// Flags every client verb takes.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The server to talk to, instead of the kubeconfig's current context
    #[arg(long, global = true)]
    pub server: Option<String>,
    /// The kubeconfig file [default: $KUBECONFIG, else ~/.kube/config]
    #[arg(long, global = true)]
    pub kubeconfig: Option<PathBuf>,
    /// The namespace (project) [default: the current context's]
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// An API token to use instead of the kubeconfig's
    #[arg(long, global = true)]
    pub token: Option<String>,
    /// A CA certificate (PEM) to check the server's certificate with, instead of the
    /// kubeconfig's; `wharf login` keeps it there
    #[arg(long, global = true, value_name = "FILE")]
    pub certificate_authority: Option<PathBuf>,
    /// Don't check the server's certificate: anyone on the way could read and change what is
    /// sent. `wharf login` keeps this choice in the kubeconfig
    #[arg(long, global = true)]
    pub insecure_skip_tls_verify: bool,
}

#[derive(Subcommand, Debug)]
pub enum Verb {
    /// Log in to a server: wharf login http://HOST:PORT -u USER -p PASSWORD (or --token TOKEN)
    Login(crate::auth_cli::LoginArgs),
    /// Show who you are logged in as: wharf whoami, wharf whoami -t (the token)
    Whoami(crate::auth_cli::WhoamiArgs),
    /// Log out: the token is revoked on the server and removed from the kubeconfig
    Logout,
    /// Show the current project, or switch to another
    Project { name: Option<String> },
    /// List the projects
    Projects,
    /// Create a project (a namespace) and switch to it
    NewProject { name: String },
    /// Show resources: wharf get is, wharf get istag app:v1 -o yaml, wharf get images -o name
    Get {
        /// Resource type: is, imagestreams, istag, isimage, images, secrets, ns…
        kind: String,
        /// Names (all of the type when none)
        names: Vec<String>,
        /// Output: json, yaml, name, wide, jsonpath=TEMPLATE, go-template=TEMPLATE
        #[arg(short = 'o', long)]
        output: Option<String>,
        /// Across all namespaces
        #[arg(short = 'A', long)]
        all_namespaces: bool,
    },
    /// Show an object in detail, as oc does: wharf describe is/NAME, istag/IS:TAG, isimage/IS@ID, image sha256:…
    Describe {
        /// TYPE NAME..., TYPE/NAME..., or TYPE for every object of the type
        args: Vec<String>,
    },
    /// Point tags at images, other tags or container images: wharf tag SOURCE DEST..., wharf tag -d DEST...
    Tag(crate::tag::TagArgs),
    /// Import a tag or a repository from another registry: wharf import-image IS[:TAG] --from=REF --confirm
    ImportImage(crate::import_image::ImportImageArgs),
    /// Create objects from manifests (wharf create -f FILE), or a secret
    Create {
        /// Manifest files, directories, or - for stdin
        #[arg(short = 'f', long = "filename")]
        filename: Vec<String>,
        #[command(subcommand)]
        what: Option<CreateWhat>,
    },
    /// Create or update objects from manifests, keeping changes others made (wharf apply -f FILE)
    Apply {
        /// Manifest files, directories, or - for stdin
        #[arg(short = 'f', long = "filename", required = true)]
        filename: Vec<String>,
    },
    /// Delete objects: wharf delete TYPE NAME..., wharf delete TYPE/NAME..., wharf delete -f FILE
    Delete {
        args: Vec<String>,
        /// Manifest files naming what to delete
        #[arg(short = 'f', long = "filename")]
        filename: Vec<String>,
    },
    /// Process a template into the objects it describes: wharf process -f TEMPLATE -p KEY=VALUE
    Process(crate::process::ProcessArgs),
    /// Change a setting of objects: wharf set image-lookup
    Set {
        #[command(subcommand)]
        what: SetWhat,
    },
    /// Image commands: wharf image mirror SRC DST [SRC DST...]
    Image {
        #[command(subcommand)]
        what: ImageWhat,
    },
    /// Administrative commands: wharf adm samples install, wharf adm policy …
    Adm {
        #[command(subcommand)]
        what: AdmWhat,
    },
    /// Grant and take away roles in the project: wharf policy add-role-to-user ROLE USER
    Policy {
        #[command(subcommand)]
        what: crate::policy::PolicyWhat,
    },
    /// Ask what you may do: wharf auth can-i VERB RESOURCE[/NAME]
    Auth {
        #[command(subcommand)]
        what: AuthWhat,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuthWhat {
    /// Whether you may: prints yes (exit 0) or no (exit 1)
    CanI(crate::policy::CanIArgs),
}

#[derive(Subcommand, Debug)]
pub enum ImageWhat {
    /// Copy images and manifest lists between registries: wharf image mirror SRC DST [SRC DST...]
    Mirror(crate::mirror::MirrorArgs),
}

#[derive(Subcommand, Debug)]
pub enum AdmWhat {
    /// Sample image streams and templates in the `openshift` project
    Samples {
        #[command(subcommand)]
        what: SamplesWhat,
    },
    /// Grant and take away cluster roles: wharf adm policy add-cluster-role-to-user ROLE USER
    Policy {
        #[command(subcommand)]
        what: crate::policy::AdmPolicyWhat,
    },
}

#[derive(Subcommand, Debug)]
pub enum SamplesWhat {
    /// Load the samples, or bring them up to date; skipped names are left alone
    Install(crate::samples::InstallArgs),
}

#[derive(Subcommand, Debug)]
pub enum CreateWhat {
    /// Create a secret
    Secret {
        #[command(subcommand)]
        kind: SecretKind,
    },
    /// Create a service account (a robot identity for CI): wharf create serviceaccount NAME
    #[command(alias = "sa")]
    Serviceaccount { name: String },
    /// Issue an API token for a service account: wharf create token NAME --duration 24h
    Token(crate::policy::CreateTokenArgs),
}

#[derive(Subcommand, Debug)]
pub enum SecretKind {
    /// A kubernetes.io/dockerconfigjson secret with credentials for one registry
    DockerRegistry {
        name: String,
        /// The registry, as image references name it (e.g. myreg:5000)
        #[arg(long, default_value = "https://index.docker.io/v1/")]
        docker_server: String,
        #[arg(long)]
        docker_username: String,
        #[arg(long)]
        docker_password: String,
        #[arg(long, default_value = "")]
        docker_email: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum SetWhat {
    /// Let pods name images by stream tag (spec.lookupPolicy.local); without names, list the setting
    ImageLookup(crate::lookup::ImageLookupArgs),
}

pub(crate) struct Ctx {
    pub config: Kubeconfig,
    pub client: Client,
    pub namespace: String,
}

pub(crate) fn context(g: &Global, server_override: Option<&str>) -> CliResult<Ctx> {
    let config = Kubeconfig::load(g.kubeconfig.as_ref())?;
    let server = server_override
        .map(str::to_string)
        .or_else(|| g.server.clone())
        .or_else(|| config.server())
        .ok_or_else(|| error("no server: run `wharf login http://HOST:PORT` or pass --server"))?;
    let namespace = g
        .namespace
        .clone()
        .or_else(|| config.namespace())
        .unwrap_or_else(|| "default".into());
    let token = g.token.clone().or_else(|| config.token());
    let tls = crate::client::ClientTls::resolve(
        g.certificate_authority.as_deref(),
        g.insecure_skip_tls_verify,
        &config.tls(),
    )?;
    Ok(Ctx {
        client: Client::new(&server, token, &tls)?,
        config,
        namespace,
    })
}

pub fn run(verb: Verb, g: &Global) -> CliResult<()> {
    match verb {
        Verb::Login(args) => crate::auth_cli::login(g, &args),
        Verb::Whoami(args) => crate::auth_cli::whoami(g, &args),
        Verb::Logout => crate::auth_cli::logout(g),
        Verb::Project { name } => project(g, name.as_deref()),
        Verb::Projects => projects(g),
        Verb::NewProject { name } => new_project(g, &name),
        Verb::Get {
            kind,
            names,
            output,
            all_namespaces,
        } => get(g, &kind, &names, output.as_deref(), all_namespaces),
        Verb::Describe { args } => describe(g, &args),
        Verb::Process(args) => crate::process::run(&args, g),
        Verb::ImportImage(args) => crate::import_image::run(&args, g),
        Verb::Image {
            what: ImageWhat::Mirror(args),
        } => crate::mirror::run(&args),
        Verb::Tag(args) => {
            let ctx = context(g, None)?;
            crate::tag::run(&ctx.client, &ctx.namespace, &args)
        }
        Verb::Create { filename, what } => {
            let ctx = context(g, None)?;
            match what {
                Some(CreateWhat::Secret {
                    kind:
                        SecretKind::DockerRegistry {
                            name,
                            docker_server,
                            docker_username,
                            docker_password,
                            docker_email,
                        },
                }) => {
                    let config = crate::objects::docker_config_json(
                        &docker_server,
                        &docker_username,
                        &docker_password,
                        &docker_email,
                    );
                    crate::objects::create_docker_registry_secret(
                        &ctx.client,
                        &ctx.namespace,
                        &name,
                        &config,
                    )
                }
                Some(CreateWhat::Serviceaccount { name }) => {
                    crate::policy::create_service_account(g, &name)
                }
                Some(CreateWhat::Token(args)) => crate::policy::create_token(g, &args),
                None if filename.is_empty() => Err(error(
                    "must specify one of -f and -k\nSee 'wharf create -h' for help and examples",
                )),
                None => crate::objects::create(&ctx.client, &ctx.namespace, &filename),
            }
        }
        Verb::Apply { filename } => {
            let ctx = context(g, None)?;
            crate::objects::apply(&ctx.client, &ctx.namespace, &filename)
        }
        Verb::Delete { args, filename } => {
            let ctx = context(g, None)?;
            crate::objects::delete(&ctx.client, &ctx.namespace, &args, &filename)
        }
        Verb::Set {
            what: SetWhat::ImageLookup(args),
        } => {
            let ctx = context(g, None)?;
            crate::lookup::run(&ctx.client, &ctx.namespace, &args)
        }
        Verb::Adm {
            what: AdmWhat::Policy { what },
        } => crate::policy::adm_policy(g, &what),
        Verb::Policy { what } => crate::policy::policy(g, &what),
        Verb::Auth {
            what: AuthWhat::CanI(args),
        } => {
            if crate::policy::can_i(g, &args)? {
                Ok(())
            } else {
                // `no` is printed; the exit code says it too.
                Err(crate::client::CliError(String::new()))
            }
        }
        Verb::Adm {
            what: AdmWhat::Samples {
                what: SamplesWhat::Install(args),
            },
        } => {
            let ctx = context(g, None)?;
            crate::samples::install(&ctx.client, &args)
        }
    }
}

/// The projects the caller may see.
pub(crate) fn project_names(c: &Client) -> CliResult<Vec<String>> {
    Ok(
        c.get("/apis/project.openshift.io/v1/projects", "application/json")?["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.pointer("/metadata/name")?.as_str().map(str::to_string))
            .collect(),
    )
}

pub(crate) fn list_projects(names: &[String], current: &str) -> String {
    let lines: Vec<String> = names
        .iter()
        .map(|n| format!("  {} {n}", if n == current { "*" } else { " " }))
        .collect();
    lines.join("\n")
}

fn project(g: &Global, name: Option<&str>) -> CliResult<()> {
    let mut ctx = context(g, None)?;
    let server = ctx.client.server.clone();
    let Some(name) = name else {
        println!(
            "Using project \"{}\" on server \"{server}\".",
            ctx.namespace
        );
        return Ok(());
    };
    if ctx
        .client
        .get(
            &format!("/apis/project.openshift.io/v1/projects/{name}"),
            "application/json",
        )
        .is_err()
    {
        return Err(error(format!("A project named \"{name}\" does not exist on \"{server}\".\nYour projects are listed by `wharf projects`; create one with `wharf new-project {name}`.")));
    }
    ctx.config.use_context(&server, name, None);
    ctx.config.save()?;
    println!("Now using project \"{name}\" on server \"{server}\".");
    Ok(())
}

fn projects(g: &Global) -> CliResult<()> {
    let ctx = context(g, None)?;
    let names = project_names(&ctx.client)?;
    if names.is_empty() {
        println!("You are not a member of any projects. You can request a project to be created with the 'new-project' command.");
        return Ok(());
    }
    println!("You have access to the following projects and can switch between them with 'wharf project <projectname>':\n");
    println!("{}\n", list_projects(&names, &ctx.namespace));
    println!(
        "Using project \"{}\" on server \"{}\".",
        ctx.namespace, ctx.client.server
    );
    Ok(())
}

fn new_project(g: &Global, name: &str) -> CliResult<()> {
    let mut ctx = context(g, None)?;
    ctx.client.post(
        "/apis/project.openshift.io/v1/projectrequests",
        &json!({ "apiVersion": "project.openshift.io/v1", "kind": "ProjectRequest", "metadata": { "name": name } }),
    )?;
    let server = ctx.client.server.clone();
    ctx.config.use_context(&server, name, None);
    ctx.config.save()?;
    println!("Now using project \"{name}\" on server \"{server}\".");
    Ok(())
}

/// Prints a server-side Table the way kubectl does: upper-case headers, columns padded to
/// their widest cell plus three spaces, the last column unpadded.
pub fn format_table(table: &Value, with_namespace: bool, wide: bool) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut header: Vec<String> = table["columnDefinitions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| wide || c["priority"].as_i64().unwrap_or(0) == 0)
        .map(|c| c["name"].as_str().unwrap_or("").to_uppercase())
        .collect();
    if with_namespace {
        header.insert(0, "NAMESPACE".into());
    }
    rows.push(header.clone());
    for r in table["rows"].as_array().into_iter().flatten() {
        let mut cells: Vec<String> = r["cells"]
            .as_array()
            .into_iter()
            .flatten()
            .take(header.len() - usize::from(with_namespace))
            .map(|c| match c {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
        if with_namespace {
            cells.insert(
                0,
                r.pointer("/object/metadata/namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            );
        }
        rows.push(cells);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for r in &rows {
        let mut line = String::new();
        for (i, cell) in r.iter().enumerate() {
            if i + 1 < r.len() {
                line.push_str(&format!("{cell:<w$}   ", w = widths[i]));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `TYPE NAME...` from `TYPE/NAME [TYPE/NAME...]` (one type).
fn type_and_names(first: &str, rest: &[String]) -> CliResult<(String, Vec<String>)> {
    let Some((kind, name)) = first.split_once('/') else {
        return Ok((first.to_string(), rest.to_vec()));
    };
    let mut names = vec![name.to_string()];
    for arg in rest {
        match arg.split_once('/') {
            Some((k, n)) if k == kind => names.push(n.to_string()),
            _ => {
                return Err(error(format!(
                    "arguments in resource/name form must have a single resource and name; {arg:?} is not {kind}/NAME"
                )))
            }
        }
    }
    Ok((kind.to_string(), names))
}

fn get(g: &Global, kind: &str, names: &[String], output: Option<&str>, all: bool) -> CliResult<()> {
    let ctx = context(g, None)?;
    let (kind, names) = type_and_names(kind, names)?;
    let names = names.as_slice();
    let r = ctx.client.resource(&kind)?;
    let ns = (!all).then_some(ctx.namespace.as_str());
    let path = r.path(ns);
    let objects: Vec<Value> = if names.is_empty() {
        match output {
            None | Some("wide") => {
                let table = ctx.client.get(&path, TABLE_ACCEPT)?;
                if table["rows"].as_array().is_none_or(|r| r.is_empty()) {
                    match ns.filter(|_| r.namespaced) {
                        Some(ns) => eprintln!("No resources found in {ns} namespace."),
                        None => eprintln!("No resources found"),
                    }
                    return Ok(());
                }
                print!(
                    "{}",
                    format_table(&table, all && r.namespaced, output == Some("wide"))
                );
                return Ok(());
            }
            _ => ctx.client.get(&path, "application/json")?["items"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        }
    } else {
        let mut v = Vec::new();
        for n in names {
            let item = format!("{path}/{n}");
            match output {
                None | Some("wide") => {
                    print!(
                        "{}",
                        format_table(
                            &ctx.client.get(&item, TABLE_ACCEPT)?,
                            false,
                            output == Some("wide")
                        )
                    );
                    continue;
                }
                _ => v.push(ctx.client.get(&item, "application/json")?),
            }
        }
        if v.is_empty() {
            return Ok(());
        }
        v
    };
    let single = names.len() == 1;
    let doc = if single {
        objects[0].clone()
    } else {
        json!({ "apiVersion": "v1", "kind": "List", "metadata": { "resourceVersion": "" }, "items": objects })
    };
    match output {
        Some("name") => {
            for o in &objects {
                println!("{}/{}", r.qualified_singular(), o.pointer("/metadata/name").and_then(Value::as_str).unwrap_or(""));
            }
        }
        Some(other) => match crate::printers::print(other, None, &doc) {
            Some(printed) => print!("{}", printed?),
            None => return Err(error(format!("unable to match a printer suitable for the output format \"{other}\", allowed formats are: {},name,wide", crate::printers::FORMATS))),
        },
        None => {}
    }
    Ok(())
}

/// The describe layout for a resource, if oc has one Wharf reproduces.
fn describer(r: &Resource) -> Option<fn(&Value, i64) -> String> {
    match (r.group.as_str(), r.plural.as_str()) {
        ("image.openshift.io", "imagestreams") => Some(crate::describe::image_stream),
        ("image.openshift.io", "imagestreamtags" | "imagestreamimages") => {
            Some(crate::describe::image_stream_tag)
        }
        ("image.openshift.io", "images") => Some(crate::describe::image),
        ("template.openshift.io", "templates") => Some(crate::describe::template),
        _ => None,
    }
}

fn describe(g: &Global, args: &[String]) -> CliResult<()> {
    let ctx = context(g, None)?;
    let mut wanted: Vec<(Resource, Option<String>)> = Vec::new();
    match args {
        [] => return Err(error("You must specify the type of resource to describe. Use \"wharf api-resources\" for a complete list of supported resources.")),
        [kind, names @ ..] if !kind.contains('/') => {
            let r = ctx.client.resource(kind)?;
            if names.is_empty() {
                wanted.push((r, None));
            } else {
                wanted.extend(names.iter().map(|n| (r.clone(), Some(n.clone()))));
            }
        }
        all => {
            for a in all {
                let (kind, name) = a.split_once('/').ok_or_else(|| error(format!("there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'wharf describe TYPE/NAME' instead of 'wharf describe TYPE TYPE/NAME'): {a}")))?;
                wanted.push((ctx.client.resource(kind)?, Some(name.to_string())));
            }
        }
    }
    let now = crate::describe::now_secs();
    let mut texts = Vec::new();
    for (r, name) in wanted {
        let render = describer(&r).ok_or_else(|| {
            error(format!(
                "wharf describes imagestreams, imagestreamtags, imagestreamimages, images and templates; use `wharf get {} -o yaml` for {}",
                r.plural, r.plural
            ))
        })?;
        let path = r.path(Some(&ctx.namespace));
        match name {
            Some(n) => texts.push(render(
                &ctx.client.get(&format!("{path}/{n}"), "application/json")?,
                now,
            )),
            None => {
                let list = ctx.client.get(&path, "application/json")?;
                let items = list["items"].as_array().cloned().unwrap_or_default();
                if items.is_empty() {
                    eprintln!("No resources found in {} namespace.", ctx.namespace);
                }
                texts.extend(items.iter().map(|o| render(o, now)));
            }
        }
    }
    print!("{}", texts.join("\n\n"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_print_like_kubectl() {
        let t = json!({"columnDefinitions": [{"name": "Name"}, {"name": "Image Repository"}, {"name": "Tags"}],
            "rows": [{"cells": ["python", "r/demo/python", "latest"], "object": {"metadata": {"namespace": "demo"}}},
                     {"cells": ["a", "r/demo/a", ""], "object": {"metadata": {"namespace": "demo"}}}]});
        assert_eq!(format_table(&t, false, false), "NAME     IMAGE REPOSITORY   TAGS\npython   r/demo/python      latest\na        r/demo/a\n");
        assert!(format_table(&t, true, false)
            .starts_with("NAMESPACE   NAME     IMAGE REPOSITORY   TAGS\ndemo        python"));
    }
}
