//! Pull specs (`[host[:port]/]component(/component)*[:tag][@digest]`) as OpenShift's
//! library-go parses them (spec §1.1), with its error texts. Nothing is defaulted.

/// A parsed pull spec.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DockerImageReference {
    pub registry: String,
    pub namespace: String,
    pub name: String,
    pub tag: String,
    /// A digest (`@…`) — or, for `:` followed by a digest-looking value, that value.
    pub id: String,
}

fn valid_component(c: &str) -> bool {
    crate::name::valid_component(c)
}

fn valid_tag(t: &str) -> bool {
    t.parse::<crate::Tag>().is_ok()
}

fn valid_digest(d: &str) -> bool {
    let Some((alg, hex)) = d.split_once(':') else {
        return false;
    };
    !alg.is_empty()
        && alg.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'+' | b'.' | b'_' | b'-')
        })
        && hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

impl DockerImageReference {
    /// `[ns/]name` followed by `@id` (a digest), `:id` (an ID that is not) or `:tag`: the
    /// stream-relative name oc writes into `from.name` of ImageStreamTag/Image sources.
    pub fn name_string(&self) -> String {
        let mut s = if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        };
        if !self.id.is_empty() {
            s.push(if self.id.contains(':') && valid_digest(&self.id) {
                '@'
            } else {
                ':'
            });
            s.push_str(&self.id);
        } else if !self.tag.is_empty() {
            s.push(':');
            s.push_str(&self.tag);
        }
        s
    }

    /// `[registry/][ns/]name`: the repository, without tag or id.
    pub fn repository(&self) -> String {
        let path = if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        };
        if self.registry.is_empty() {
            path
        } else {
            format!("{}/{path}", self.registry)
        }
    }

    /// The reference as written, nothing defaulted (library-go's `Exact`).
    pub fn exact(&self) -> String {
        if self.registry.is_empty() {
            self.name_string()
        } else if self.name.is_empty() {
            self.registry.clone()
        } else {
            format!("{}/{}", self.registry, self.name_string())
        }
    }
}

/// Parses a pull spec, or returns OpenShift's error text.
pub fn parse(spec: &str) -> Result<DockerImageReference, &'static str> {
    if spec.is_empty() {
        return Err("repository name must have at least one component");
    }
    let (rest, id) = match spec.split_once('@') {
        Some((r, d)) => {
            if !valid_digest(d) {
                return Err("invalid reference format");
            }
            (r, d.to_string())
        }
        None => (spec, String::new()),
    };
    // A tag is after the last ':' that comes after the last '/'.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], &rest[last_slash + i + 1..]),
        None => (rest, ""),
    };
    if !tag.is_empty() && !valid_tag(tag) || rest.ends_with(':') {
        return Err("invalid reference format");
    }
    let mut parts: Vec<&str> = path.split('/').collect();
    let is_registry = |p: &str| p.contains('.') || p.contains(':') || p == "localhost";
    let registry = if parts.len() > 1 && is_registry(parts[0]) {
        parts.remove(0).to_string()
    } else if parts.len() == 1
        && (parts[0].contains('.') || parts[0].starts_with("localhost"))
        && tag.is_empty()
        && id.is_empty()
    {
        // A single component that looks like a host is a registry alone.
        return Ok(DockerImageReference {
            registry: parts[0].to_string(),
            ..Default::default()
        });
    } else {
        String::new()
    };
    if parts.is_empty() || parts.iter().any(|p| p.is_empty()) {
        return Err("repository name must have at least one component");
    }
    if parts
        .iter()
        .any(|p| p.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return Err("repository name must be lowercase");
    }
    if !parts.iter().all(|p| valid_component(p)) {
        return Err("invalid reference format");
    }
    let repo_len = parts.iter().map(|p| p.len() + 1).sum::<usize>() - 1;
    if repo_len > 255 {
        return Err("repository name must not be more than 255 characters");
    }
    let (namespace, name) = if parts.len() > 1 {
        (parts[0].to_string(), parts[1..].join("/"))
    } else {
        (String::new(), parts[0].to_string())
    };
    Ok(DockerImageReference {
        registry,
        namespace,
        name,
        tag: tag.to_string(),
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_registry_namespace_name_tag_and_id() {
        let r = parse("docker.io/library/python:3.11").unwrap();
        assert_eq!(
            (
                r.registry.as_str(),
                r.namespace.as_str(),
                r.name.as_str(),
                r.tag.as_str()
            ),
            ("docker.io", "library", "python", "3.11")
        );
        let r = parse("a/b/c").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.namespace.as_str(), r.name.as_str()),
            ("", "a", "b/c")
        );
        let d = format!("sha256:{}", "a".repeat(64));
        let r = parse(&format!("localhost:5000/x@{d}")).unwrap();
        assert_eq!(
            (r.registry.as_str(), r.name.as_str(), r.id.as_str()),
            ("localhost:5000", "x", d.as_str())
        );
        assert_eq!(parse("python").unwrap().name, "python");
        assert_eq!(parse("quay.io").unwrap().registry, "quay.io");
    }

    #[test]
    fn exact_writes_back_what_was_parsed() {
        for spec in [
            "python",
            "python:3.6",
            "team/python@sha256:0123456789abcdef0123456789abcdef",
            "docker.io/python:3.6.0",
            "quay.io:443/a/b/c:1",
        ] {
            assert_eq!(parse(spec).unwrap().exact(), spec);
        }
        let r = parse("team/python:3.6").unwrap();
        assert_eq!(
            (r.namespace.as_str(), r.name_string()),
            ("team", "team/python:3.6".to_string())
        );
    }

    #[test]
    fn bad_specs_get_library_gos_texts() {
        assert_eq!(
            parse(""),
            Err("repository name must have at least one component")
        );
        assert_eq!(parse("Python"), Err("repository name must be lowercase"));
        assert_eq!(parse("a b"), Err("invalid reference format"));
        assert_eq!(parse("x@sha256:12"), Err("invalid reference format"));
        assert_eq!(parse("x:"), Err("invalid reference format"));
        assert_eq!(
            parse(&"a".repeat(256)),
            Err("repository name must not be more than 255 characters")
        );
    }
}
