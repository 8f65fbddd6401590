//! Which `/v2` endpoint a path names. Repository names have any number of `/`-separated
//! components, so the endpoint is found from the end of the path, as Distribution's router does.

/// A `/v2` endpoint with its still unvalidated path parameters.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    Base,
    Catalog,
    Tags { name: String },
    Manifest { name: String, reference: String },
    Blob { name: String, digest: String },
    UploadStart { name: String },
    Upload { name: String, id: String },
    Referrers { name: String, digest: String },
}

/// Parses the path of a request (starting with `/v2`).
pub fn parse(path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/v2")?;
    if rest.is_empty() || rest == "/" {
        return Some(Route::Base);
    }
    let rest = wharf_domain::name::percent_decode(rest.strip_prefix('/')?)?;
    if rest == "_catalog" {
        return Some(Route::Catalog);
    }
    if let Some(name) = rest.strip_suffix("/tags/list") {
        return Some(Route::Tags { name: name.into() });
    }
    if let Some(name) = rest
        .strip_suffix("/blobs/uploads/")
        .or_else(|| rest.strip_suffix("/blobs/uploads"))
    {
        return Some(Route::UploadStart { name: name.into() });
    }
    let split = |sep: &str| {
        rest.rsplit_once(sep)
            .filter(|(name, last)| !name.is_empty() && !last.is_empty() && !last.contains('/'))
            .map(|(n, l)| (n.to_string(), l.to_string()))
    };
    if let Some((name, id)) = split("/blobs/uploads/") {
        return Some(Route::Upload { name, id });
    }
    if let Some((name, reference)) = split("/manifests/") {
        return Some(Route::Manifest { name, reference });
    }
    if let Some((name, digest)) = split("/blobs/") {
        return Some(Route::Blob { name, digest });
    }
    if let Some((name, digest)) = split("/referrers/") {
        return Some(Route::Referrers { name, digest });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_found_from_the_end_of_the_path() {
        let s = |x: &str| x.to_string();
        assert_eq!(parse("/v2/"), Some(Route::Base));
        assert_eq!(parse("/v2"), Some(Route::Base));
        assert_eq!(parse("/v2/_catalog"), Some(Route::Catalog));
        assert_eq!(
            parse("/v2/a/b/c/tags/list"),
            Some(Route::Tags { name: s("a/b/c") })
        );
        assert_eq!(
            parse("/v2/a/manifests/v1"),
            Some(Route::Manifest {
                name: s("a"),
                reference: s("v1")
            })
        );
        assert_eq!(
            parse("/v2/a/b/manifests/sha256%3Aab"),
            Some(Route::Manifest {
                name: s("a/b"),
                reference: s("sha256:ab")
            })
        );
        assert_eq!(
            parse("/v2/x/blobs/uploads/"),
            Some(Route::UploadStart { name: s("x") })
        );
        assert_eq!(
            parse("/v2/x/blobs/uploads/u-1"),
            Some(Route::Upload {
                name: s("x"),
                id: s("u-1")
            })
        );
        assert_eq!(
            parse("/v2/x/blobs/sha256:1"),
            Some(Route::Blob {
                name: s("x"),
                digest: s("sha256:1")
            })
        );
        assert_eq!(
            parse("/v2/x/referrers/sha256:1"),
            Some(Route::Referrers {
                name: s("x"),
                digest: s("sha256:1")
            })
        );
        assert_eq!(parse("/v2/x/unknown"), None);
        assert_eq!(parse("/v2/x/manifests/"), None);
        assert_eq!(parse("/v2/x/blobs/%zz"), None);
        assert_eq!(parse("/v3/x"), None);
    }
}
