//! Harness for tests with authentication on: a server with htpasswd users (made by the real
//! `htpasswd -B`), tokens got the way `oc login` gets them, and raw HTTP with credentials.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;

use super::{require, run, Cli, Server};

/// An htpasswd file of `users`, made by `htpasswd -B` (bcrypt).
pub fn htpasswd_file(dir: &Path, users: &[(&str, &str)]) -> PathBuf {
    assert!(require("htpasswd"), "htpasswd (apache2-utils) is needed");
    let f = dir.join("users.htpasswd");
    for (i, (u, p)) in users.iter().enumerate() {
        let mut c = Command::new("htpasswd");
        c.arg("-B").arg("-b");
        if i == 0 {
            c.arg("-c");
        }
        run(c.arg(&f).arg(u).arg(p));
    }
    f
}

impl Server {
    /// A server with authentication on and `users` able to log in.
    pub fn start_secured(users: &[(&str, &str)]) -> Server {
        Server::start_secured_with(users, &[])
    }

    /// The same, with extra `serve` arguments.
    pub fn start_secured_with(users: &[(&str, &str)], extra: &[&str]) -> Server {
        let tmp = tempfile::tempdir().unwrap();
        let file = htpasswd_file(tmp.path(), users);
        let mut args = vec![
            "--auth=on".to_string(),
            "--htpasswd-file".to_string(),
            file.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut s = Server::start_on(&tmp.path().join("data"), &args);
        s.keep_dir(tmp);
        s
    }

    pub fn kubeadmin_password(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("kubeadmin-password"))
            .unwrap()
            .trim()
            .to_string()
    }

    /// An API token for `user`, got as `oc login` gets one.
    pub fn token(&self, user: &str, password: &str) -> String {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let r =
            agent
                .get(&self.url(
                    "/oauth/authorize?response_type=token&client_id=openshift-challenging-client",
                ))
                .header("Authorization", basic(user, password))
                .call()
                .unwrap();
        assert_eq!(r.status(), 302, "login of {user}");
        let location = r.headers()["location"].to_str().unwrap().to_string();
        location
            .split("access_token=")
            .nth(1)
            .unwrap()
            .split('&')
            .next()
            .unwrap()
            .to_string()
    }

    pub fn admin_token(&self) -> String {
        self.token("kubeadmin", &self.kubeadmin_password())
    }
}

/// `Basic base64(user:password)`.
pub fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// One request with an `Authorization` value (or none): status, headers of interest, body.
pub struct Answer {
    pub status: u16,
    pub challenge: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

pub fn call(method: &str, url: &str, auth: Option<&str>, body: Option<(&str, &[u8])>) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let req = ureq::http::Request::builder().method(method).uri(url);
    let req = match auth {
        Some(a) => req.header("Authorization", a),
        None => req,
    };
    let resp = match body {
        Some((ct, bytes)) => {
            agent.run(req.header("Content-Type", ct).body(bytes.to_vec()).unwrap())
        }
        None => agent.run(req.body(()).unwrap()),
    };
    let mut resp = resp.unwrap();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    Answer {
        status: resp.status().as_u16(),
        challenge,
        body: resp.body_mut().read_to_string().unwrap_or_default(),
    }
}

/// Sends `request` byte for byte (no client normalises the path) and returns the status.
pub fn raw_status(addr: &str, request: &str) -> u16 {
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    c.write_all(request.as_bytes()).unwrap();
    let mut buf = [0u8; 64];
    let n = c.read(&mut buf).unwrap();
    let line = String::from_utf8_lossy(&buf[..n]).to_string();
    line.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

impl Cli {
    /// A client logged into `s` as `user`.
    pub fn logged_in(s: &Server, user: &str, password: &str) -> Cli {
        let cli = Cli::new();
        cli.wharf(&["login", &s.url(""), "-u", user, "-p", password]);
        cli
    }

    pub fn as_kubeadmin(s: &Server) -> Cli {
        Cli::logged_in(s, "kubeadmin", &s.kubeadmin_password())
    }
}

/// A registry token from `/openshift/token` for `scopes`, as `auth` (None: anonymous).
pub fn registry_token(
    s: &Server,
    auth: Option<&str>,
    scopes: &[&str],
) -> (String, serde_json::Value) {
    let q: Vec<String> = scopes
        .iter()
        .map(|sc| {
            format!(
                "scope={}",
                sc.replace(':', "%3A")
                    .replace('/', "%2F")
                    .replace(',', "%2C")
            )
        })
        .collect();
    let r = call(
        "GET",
        &s.url(&format!("/openshift/token?service=wharf&{}", q.join("&"))),
        auth,
        None,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let token = r.json()["token"].as_str().unwrap().to_string();
    // The granted scopes, read from the token's payload.
    let payload = token
        .trim_start_matches("wharf-rt.")
        .split('.')
        .next()
        .unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    (token, claims["acc"].clone())
}

/// `GET path` on `s` with an `Authorization` value (or none).
pub fn get_as(s: &Server, path: &str, auth: Option<&str>) -> Answer {
    call("GET", &s.url(path), auth, None)
}
