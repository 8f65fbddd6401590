//! Which entry of a manifest list a Legacy import keeps (spec §3.3): the platform the
//! destination tag prefers, else the server's own, else `linux/amd64`, else the first entry.
//! Variants are ignored, as OpenShift ignores them.

use serde_json::Value;

/// An operating system and CPU architecture, in Go's names (`linux`, `amd64`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
}

/// Spec tag annotations naming the platform an import of a list should pick.
pub const ANNOTATION_PREFER_ARCH: &str = "importer.image.openshift.io/prefer-arch";
pub const ANNOTATION_PREFER_OS: &str = "importer.image.openshift.io/prefer-os";

impl Platform {
    pub fn new(os: &str, architecture: &str) -> Self {
        Platform {
            os: os.into(),
            architecture: architecture.into(),
        }
    }

    /// The platform this server runs on, in Go's names.
    pub fn own() -> Self {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "arm" => "arm",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            other => other,
        };
        Platform::new(std::env::consts::OS, arch)
    }

    /// The platform a spec tag prefers: its prefer-os / prefer-arch annotations, each
    /// defaulting to `own`'s part. `None` when neither annotation is set.
    pub fn preferred_by(spec_tag: Option<&Value>, own: &Platform) -> Option<Platform> {
        let annotation = |k: &str| {
            spec_tag?
                .pointer("/annotations")?
                .get(k)?
                .as_str()
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let (os, arch) = (
            annotation(ANNOTATION_PREFER_OS),
            annotation(ANNOTATION_PREFER_ARCH),
        );
        if os.is_none() && arch.is_none() {
            return None;
        }
        Some(Platform {
            os: os.unwrap_or_else(|| own.os.clone()),
            architecture: arch.unwrap_or_else(|| own.architecture.clone()),
        })
    }
}

/// The index of the entry a Legacy import keeps, by the rule above; `None` for an empty list.
/// `entries` are the list's `manifests[]` descriptors (`platform.os`, `platform.architecture`).
pub fn choose_legacy_entry(
    entries: &[Value],
    preferred: Option<&Platform>,
    own: &Platform,
) -> Option<usize> {
    let is = |e: &Value, p: &Platform| {
        e.pointer("/platform/os").and_then(Value::as_str) == Some(p.os.as_str())
            && e.pointer("/platform/architecture").and_then(Value::as_str)
                == Some(p.architecture.as_str())
    };
    let amd64 = Platform::new("linux", "amd64");
    let chosen = preferred
        .into_iter()
        .chain([own, &amd64])
        .find_map(|p| entries.iter().position(|e| is(e, p)));
    chosen.or(if entries.is_empty() { None } else { Some(0) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entries(platforms: &[(&str, &str)]) -> Vec<Value> {
        platforms
            .iter()
            .map(|(os, arch)| json!({ "digest": format!("sha256:{os}{arch}"), "platform": { "os": os, "architecture": arch } }))
            .collect()
    }

    #[test]
    fn legacy_prefers_the_tag_then_the_server_then_linux_amd64_then_the_first() {
        let list = entries(&[("linux", "arm64"), ("linux", "amd64"), ("linux", "s390x")]);
        let own = Platform::new("linux", "s390x");
        let prefer = Platform::new("linux", "arm64");
        assert_eq!(choose_legacy_entry(&list, Some(&prefer), &own), Some(0));
        assert_eq!(choose_legacy_entry(&list, None, &own), Some(2));
        let elsewhere = Platform::new("plan9", "mips");
        assert_eq!(choose_legacy_entry(&list, None, &elsewhere), Some(1));
        let odd = entries(&[("windows", "arm64"), ("freebsd", "riscv64")]);
        assert_eq!(
            choose_legacy_entry(&odd, None, &elsewhere),
            Some(0),
            "no rule matches: the first entry"
        );
        assert_eq!(choose_legacy_entry(&[], None, &elsewhere), None);
    }

    #[test]
    fn a_tag_annotation_defaults_its_other_half_to_the_servers_platform() {
        let own = Platform::new("linux", "amd64");
        let tag = json!({ "annotations": { ANNOTATION_PREFER_ARCH: "arm64" } });
        assert_eq!(
            Platform::preferred_by(Some(&tag), &own),
            Some(Platform::new("linux", "arm64"))
        );
        assert_eq!(Platform::preferred_by(Some(&json!({})), &own), None);
        assert_eq!(Platform::preferred_by(None, &own), None);
    }
}
