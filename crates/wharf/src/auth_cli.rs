//! `wharf login`, `whoami` and `logout`, as `oc` has them.
//!
//! `login -u USER -p PASSWORD` drives the server's OAuth endpoint the way `oc login` does (the
//! challenging client: Basic credentials to `/oauth/authorize`, the token comes back in the
//! redirect's fragment), then writes a kubeconfig context `<project>/<host>/<user>` whose user
//! holds the token, so kubectl shares it. `logout` deletes the token's OAuthAccessToken (named
//! by its hash) and removes it from the kubeconfig.

use clap::Args;
use serde_json::Value;

use crate::cli::{context, list_projects, project_names, Global};
use crate::client::kubeconfig::Kubeconfig;
use crate::client::{error, CliResult, Client, ClientTls, TlsSettings, UNKNOWN_AUTHORITY};

#[derive(Args, Debug)]
pub struct LoginArgs {
    /// The server, e.g. http://127.0.0.1:5000 or https://HOST:PORT (with
    /// --certificate-authority=CA.crt or --insecure-skip-tls-verify unless a trusted authority
    /// signed its certificate) [default: the current context's]
    pub server: Option<String>,
    /// User name
    #[arg(short = 'u', long)]
    pub username: Option<String>,
    /// Password [default: asked for on the terminal]
    #[arg(short = 'p', long)]
    pub password: Option<String>,
}

#[derive(Args, Debug)]
pub struct WhoamiArgs {
    /// Print the token in use instead of the user name
    #[arg(short = 't', long = "show-token")]
    pub show_token: bool,
    /// Print the server instead of the user name
    #[arg(long)]
    pub show_server: bool,
    /// Print the current context's name instead of the user name
    #[arg(short = 'c', long)]
    pub show_context: bool,
}

const WHOAMI: &str = "/apis/user.openshift.io/v1/users/~";

/// Reads a password from the terminal without echo (or a line from a pipe).
fn ask_password() -> CliResult<String> {
    rpassword::prompt_password("Password: ")
        .map_err(|e| error(format!("cannot read a password: {e}: pass it with -p")))
}

/// A new API token for `user`, from the server's OAuth endpoint.
fn request_token(server: &str, tls: &ClientTls, user: &str, password: &str) -> CliResult<String> {
    use base64::Engine as _;
    let agent = tls.agent(Some(0))?;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let url = format!(
        "{server}/oauth/authorize?response_type=token&client_id=openshift-challenging-client"
    );
    let mut resp = agent
        .get(&url)
        .header("Authorization", format!("Basic {basic}"))
        .header("X-CSRF-Token", "1")
        .call()
        .map_err(|e| crate::client::transport_error(server, &e))?;
    let status = resp.status().as_u16();
    if status == 302 {
        let location = resp
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .unwrap_or("");
        let fragment = location.split_once('#').map_or("", |(_, f)| f);
        return fragment
            .split('&')
            .find_map(|kv| kv.strip_prefix("access_token="))
            .map(str::to_string)
            .ok_or_else(|| error("the server's login answer carried no token"));
    }
    let raw = resp.body_mut().read_to_vec().unwrap_or_default();
    let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
    // A Status's message, else the text (e.g. "Client sent an HTTP request to an HTTPS
    // server." for http:// to a TLS server).
    let text = String::from_utf8_lossy(&raw);
    let message = body["message"].as_str().unwrap_or_else(|| text.trim());
    Err(match status {
        401 => error(format!(
            "Login failed (401 Unauthorized)\nVerify you have provided correct credentials. ({message})"
        )),
        429 => error(message.to_string()),
        _ => error(format!("login failed ({status}): {message}")),
    })
}

pub fn login(g: &Global, args: &LoginArgs) -> CliResult<()> {
    let mut config = Kubeconfig::load(g.kubeconfig.as_ref())?;
    let server = args
        .server
        .clone()
        .or_else(|| g.server.clone())
        .or_else(|| config.server())
        .ok_or_else(|| error("no server: wharf login http://HOST:PORT -u USER -p PASSWORD"))?;
    let server = if server.contains("://") {
        server
    } else {
        format!("http://{server}")
    };
    let server = server.trim_end_matches('/').to_string();
    let tls = login_tls(g, &config, &server)?;
    let (token, how) = if let Some(user) = &args.username {
        let password = match &args.password {
            Some(p) => p.clone(),
            None => ask_password()?,
        };
        (Some(request_token(&server, &tls, user, &password)?), "")
    } else if let Some(t) = &g.token {
        (Some(t.clone()), " using the token provided")
    } else if config.server().as_deref() == Some(server.as_str()) {
        (config.token(), " using existing credentials")
    } else {
        (None, " using existing credentials")
    };
    let client = Client::new(&server, token.clone(), &tls)?;
    let me = client.get(WHOAMI, "application/json").map_err(|e| {
        if args.username.is_none() && e.0.contains("Unauthorized") {
            error(format!(
                "you must log in to {server}: wharf login {server} -u USER -p PASSWORD"
            ))
        } else {
            e
        }
    })?;
    let user = me
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let names = project_names(&client)?;
    let current = config.namespace().unwrap_or_default();
    let namespace = if names.contains(&current) {
        current
    } else {
        names.first().cloned().unwrap_or_else(|| "default".into())
    };
    config.use_context(
        &server,
        &namespace,
        token.as_deref().map(|t| (user.as_str(), t)),
    );
    // What was chosen on this login is kept for the next commands (and kubectl).
    let ca = g
        .certificate_authority
        .as_ref()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    config.set_cluster_tls(&server, ca.as_deref(), tls.insecure);
    config.save()?;
    if args.username.is_some() {
        println!("Login successful.\n");
    } else {
        println!("Logged into \"{server}\" as \"{user}\"{how}.\n");
    }
    if names.is_empty() {
        println!("You don't have any projects. You can try to create a new project, by running\n\n    wharf new-project <projectname>\n");
    } else {
        println!("You have access to the following projects and can switch between them with 'wharf project <projectname>':\n");
        println!("{}\n", list_projects(&names, &namespace));
        println!("Using project \"{namespace}\".");
    }
    Ok(())
}

/// How `login` checks the server's certificate: the flags, else what the kubeconfig says
/// about this server. A certificate no trusted authority signed fails with what to pass, or,
/// on a terminal, asks whether to go on without the check, as oc does.
fn login_tls(g: &Global, config: &Kubeconfig, server: &str) -> CliResult<ClientTls> {
    let flagged = g.certificate_authority.is_some() || g.insecure_skip_tls_verify;
    let known = if flagged {
        TlsSettings::default()
    } else {
        config.tls_for_server(server)
    };
    let tls = ClientTls::resolve(
        g.certificate_authority.as_deref(),
        g.insecure_skip_tls_verify,
        &known,
    )?;
    if !server.starts_with("https://") || tls.insecure {
        return Ok(tls);
    }
    if !Client::new(server, None, &tls)?.untrusted() {
        return Ok(tls);
    }
    use std::io::IsTerminal as _;
    if g.certificate_authority.is_some() || !std::io::stdin().is_terminal() {
        return Err(error(UNKNOWN_AUTHORITY));
    }
    eprint!("The server uses a certificate signed by an unknown authority.\nYou can bypass the certificate check, but any data you send to the server could be intercepted by others.\nUse insecure connections? (y/n): ");
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| error(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(ClientTls {
            insecure: true,
            ..ClientTls::default()
        })
    } else {
        Err(error(UNKNOWN_AUTHORITY))
    }
}

pub fn whoami(g: &Global, args: &WhoamiArgs) -> CliResult<()> {
    let ctx = context(g, None)?;
    if args.show_token {
        let token = ctx
            .client
            .token
            .ok_or_else(|| error("no token is currently in use for this session: log in with wharf login SERVER -u USER -p PASSWORD"))?;
        println!("{token}");
        return Ok(());
    }
    if args.show_server {
        println!("{}", ctx.client.server);
        return Ok(());
    }
    if args.show_context {
        println!("{}", ctx.config.context_name().unwrap_or_default());
        return Ok(());
    }
    let me = ctx.client.get(WHOAMI, "application/json")?;
    println!(
        "{}",
        me.pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("")
    );
    Ok(())
}

pub fn logout(g: &Global) -> CliResult<()> {
    let mut ctx = context(g, None)?;
    let token = ctx
        .client
        .token
        .clone()
        .ok_or_else(|| error("You must have a token in order to logout."))?;
    let me = ctx.client.get(WHOAMI, "application/json")?;
    let user = me
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let name = wharf_apiserver::auth::tokens::object_name(&token)
        .ok_or_else(|| error("the token in use is not an API token of this server"))?;
    ctx.client.delete(&format!(
        "/apis/oauth.openshift.io/v1/oauthaccesstokens/{name}"
    ))?;
    ctx.config.forget_token();
    ctx.config.save()?;
    println!("Logged \"{user}\" out on \"{}\"", ctx.client.server);
    Ok(())
}
