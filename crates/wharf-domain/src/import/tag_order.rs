//! The order of a repository import's tags (spec §3.6, library-go PrioritizeTags).
//!
//! This follows `PrioritizeTags` and `prioritizeTag` in openshift/library-go
//! `pkg/image/imageutil/helpers.go`, with the version parsing of `github.com/blang/semver`
//! (v3, `semver.Parse` and `Version.Compare`) written out by hand so that wharf-domain needs
//! no semver dependency.

use std::cmp::Ordering;

/// The tags of a repository in the order a repository import takes them.
///
/// Follows library-go's `imageutil.PrioritizeTags`:
///
/// 1. `latest` first (the empty tag, which means `latest`, ranks with it);
/// 2. minor versions (`5.1`, `v5.1`, `5.1-rc1`), newest first;
/// 3. full semantic versions (`5.1.3`, `v5.1.3-other`), newest first;
/// 4. every other tag, lexically (byte order).
///
/// Versions that compare equal put the unprefixed tag before the `v` one. Go's `sort.Sort` is
/// not stable, so tags it deems equal (versions that differ only in build metadata, e.g.
/// `1.0.0+a` and `1.0.0+b`) come out in an unspecified order there; here they are ordered
/// lexically so the result depends only on the set of tags.
pub fn prioritize_tags(tags: &[String]) -> Vec<String> {
    let mut prioritized: Vec<Prioritized<'_>> = tags.iter().map(|t| prioritize_tag(t)).collect();
    prioritized.sort_by(|a, b| a.cmp_priority(b).then_with(|| a.tag.cmp(b.tag)));
    prioritized.into_iter().map(|p| p.tag.to_string()).collect()
}

/// The classes of `tagPriority`, in the order they are taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Priority {
    /// The `latest` tag.
    Latest,
    /// A semantic minor version (`5.1`, `v5.1`, `v5.1-rc1`).
    Minor,
    /// A full semantic version (`5.1.3-other`, `v5.1.3-other`).
    Full,
    /// Any other tag.
    Other,
}

/// Go's `prioritizedTag`.
#[derive(Debug)]
struct Prioritized<'a> {
    tag: &'a str,
    priority: Priority,
    /// The zero version for `latest` and other tags, as in Go.
    version: Version,
    /// `"v"` when the tag had a `v` prefix, else `""`.
    prefix: &'static str,
}

impl Prioritized<'_> {
    /// Go's `prioritizedTags.Less` as a total order (Less(a, b) ⇔ `Less`, ties ⇔ `Equal`).
    fn cmp_priority(&self, other: &Self) -> Ordering {
        if self.priority != other.priority {
            return self.priority.cmp(&other.priority);
        }
        if self.priority == Priority::Other {
            return self.tag.cmp(other.tag);
        }
        // The newer version has the higher priority, then "" before "v".
        other
            .version
            .compare(&self.version)
            .then_with(|| self.prefix.cmp(other.prefix))
    }
}

/// Go's `prioritizeTag`.
fn prioritize_tag(tag: &str) -> Prioritized<'_> {
    // Spec §3.6: the empty tag stands for `latest`.
    if tag == "latest" || tag.is_empty() {
        return Prioritized {
            tag,
            priority: Priority::Latest,
            version: Version::default(),
            prefix: "",
        };
    }

    let (prefix, short) = match tag.strip_prefix('v') {
        Some(rest) => ("v", rest),
        None => ("", tag),
    };
    let make = |priority, version| Prioritized {
        tag,
        priority,
        version,
        prefix,
    };

    // 5.1.3
    if let Some(v) = Version::parse(short) {
        return make(Priority::Full, v);
    }

    // 5.1 — `^[\d]+\.[\d]+$`, then parsed as "5.1.0".
    if is_minor_semantic(short) {
        if let Some(v) = Version::parse(&format!("{short}.0")) {
            return make(Priority::Minor, v);
        }
    }

    // 5.1-rc1 — `^([\d]+\.[\d]+)-\w+$`, then parsed as "5.1.0-rc1".
    if let Some(minor) = minor_with_patch(short) {
        let rewritten = format!("{minor}.0{}", &short[minor.len()..]);
        if let Some(v) = Version::parse(&rewritten) {
            return make(Priority::Minor, v);
        }
    }

    make(Priority::Other, Version::default())
}

/// Go's `reMinorSemantic`: `^[\d]+\.[\d]+$` (ASCII digits, as Go's `\d`).
fn is_minor_semantic(s: &str) -> bool {
    match s.split_once('.') {
        Some((major, minor)) => is_digits(major) && is_digits(minor),
        None => false,
    }
}

/// Go's `reMinorWithPatch`: `^([\d]+\.[\d]+)-\w+$`; returns the captured `X.Y`.
fn minor_with_patch(s: &str) -> Option<&str> {
    let (minor, suffix) = s.split_once('-')?;
    let word = !suffix.is_empty()
        && suffix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    (is_minor_semantic(minor) && word).then_some(minor)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A semantic version as blang/semver (v3) parses and compares it; build metadata is parsed
/// (it must be valid) but, as there, plays no part in comparisons.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Version {
    major: u64,
    minor: u64,
    patch: u64,
    pre: Vec<PreRelease>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PreRelease {
    Num(u64),
    Alpha(String),
}

impl Version {
    /// blang/semver's `Parse`: `MAJOR.MINOR.PATCH[-PRE][+BUILD]`, no leading zeroes in the
    /// numbers, identifiers from `[0-9A-Za-z-]`, no `v` prefix. `None` where Go returns an error.
    fn parse(s: &str) -> Option<Version> {
        if s.is_empty() {
            return None;
        }
        let mut parts = s.splitn(3, '.');
        let major = parse_number(parts.next()?)?;
        let minor = parse_number(parts.next()?)?;
        let mut patch = parts.next()?;

        let mut build: Option<&str> = None;
        if let Some((p, b)) = patch.split_once('+') {
            patch = p;
            build = Some(b);
        }
        let mut pre: Option<&str> = None;
        if let Some((p, r)) = patch.split_once('-') {
            patch = p;
            pre = Some(r);
        }
        let patch = parse_number(patch)?;

        let pre = match pre {
            Some(pre) => pre
                .split('.')
                .map(PreRelease::parse)
                .collect::<Option<Vec<_>>>()?,
            None => Vec::new(),
        };
        if let Some(build) = build {
            if !build.split('.').all(|id| !id.is_empty() && is_alphanum(id)) {
                return None;
            }
        }
        Some(Version {
            major,
            minor,
            patch,
            pre,
        })
    }

    /// blang/semver's `Version.Compare`.
    fn compare(&self, other: &Version) -> Ordering {
        self.major
            .cmp(&other.major)
            .then(self.minor.cmp(&other.minor))
            .then(self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                // A release is newer than any of its pre-releases.
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let c = a.compare(b);
                        if c != Ordering::Equal {
                            return c;
                        }
                    }
                    // All shared identifiers equal: the one with more is greater.
                    self.pre.len().cmp(&other.pre.len())
                }
            })
    }
}

impl PreRelease {
    /// blang/semver's `NewPRVersion`.
    fn parse(s: &str) -> Option<PreRelease> {
        if s.is_empty() {
            return None;
        }
        if s.bytes().all(|b| b.is_ascii_digit()) {
            return parse_number(s).map(PreRelease::Num);
        }
        is_alphanum(s).then(|| PreRelease::Alpha(s.to_string()))
    }

    /// blang/semver's `PRVersion.Compare`: numbers below strings, numbers numerically,
    /// strings in byte order.
    fn compare(&self, other: &PreRelease) -> Ordering {
        match (self, other) {
            (PreRelease::Num(a), PreRelease::Num(b)) => a.cmp(b),
            (PreRelease::Num(_), PreRelease::Alpha(_)) => Ordering::Less,
            (PreRelease::Alpha(_), PreRelease::Num(_)) => Ordering::Greater,
            (PreRelease::Alpha(a), PreRelease::Alpha(b)) => a.cmp(b),
        }
    }
}

/// A version number: ASCII digits, no leading zero (except `0` itself), fits in a `u64`.
fn parse_number(s: &str) -> Option<u64> {
    if !is_digits(s) || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

/// blang/semver's `alphanum` set: `[0-9A-Za-z-]`.
fn is_alphanum(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(tags: &[&str]) -> Vec<String> {
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        prioritize_tags(&tags)
    }

    // The cases of library-go's TestPrioritizeTags (pkg/image/imageutil/helpers_test.go).

    #[test]
    fn go_case_mixed_minor_full_and_other() {
        assert_eq!(
            order(&[
                "other",
                "latest",
                "v5.5",
                "5.2.3",
                "5.5",
                "v5.3.6-bother",
                "5.3.6-abba",
                "5.6"
            ]),
            [
                "latest",
                "5.6",
                "5.5",
                "v5.5",
                "v5.3.6-bother",
                "5.3.6-abba",
                "5.2.3",
                "other"
            ]
        );
    }

    #[test]
    fn go_case_minor_pre_releases_newest_first() {
        assert_eq!(
            order(&[
                "1.1-beta1",
                "1.2-rc1",
                "1.1-rc1",
                "1.1-beta2",
                "1.2-beta1",
                "1.2-alpha1",
                "1.2-beta4",
                "latest"
            ]),
            [
                "latest",
                "1.2-rc1",
                "1.2-beta4",
                "1.2-beta1",
                "1.2-alpha1",
                "1.1-rc1",
                "1.1-beta2",
                "1.1-beta1"
            ]
        );
    }

    #[test]
    fn go_case_minor_before_full_of_the_same_version_either_input_order() {
        assert_eq!(order(&["7.1", "v7.1", "7.1.0"]), ["7.1", "v7.1", "7.1.0"]);
        assert_eq!(order(&["7.1.0", "v7.1", "7.1"]), ["7.1", "v7.1", "7.1.0"]);
    }

    #[test]
    fn latest_comes_first_wherever_it_is() {
        assert_eq!(order(&["a", "1.0", "latest"]), ["latest", "1.0", "a"]);
        assert_eq!(order(&["", "2.0.0"]), ["", "2.0.0"]);
    }

    #[test]
    fn ties_put_the_unprefixed_tag_before_the_v_one() {
        assert_eq!(order(&["v1.2.3", "1.2.3"]), ["1.2.3", "v1.2.3"]);
        assert_eq!(order(&["v3.0", "3.0"]), ["3.0", "v3.0"]);
    }

    #[test]
    fn versions_compare_numerically_not_lexically() {
        assert_eq!(
            order(&["1.9", "1.10", "1.2.10", "1.2.9"]),
            ["1.10", "1.9", "1.2.10", "1.2.9"]
        );
    }

    #[test]
    fn a_release_outranks_its_pre_releases() {
        assert_eq!(
            order(&["1.0.0-rc.1", "1.0.0", "1.0.0-rc.2", "1.0.0-alpha"]),
            ["1.0.0", "1.0.0-rc.2", "1.0.0-rc.1", "1.0.0-alpha"]
        );
    }

    #[test]
    fn non_versions_are_other_and_sorted_lexically() {
        // A major-only tag, leading zeroes, four parts, an underscore pre-release and an
        // upper-case `V` are no versions to blang/semver.
        assert_eq!(
            order(&["zeta", "5", "01.2", "1.2.3.4", "1.2-rc_1x", "V1.0.0", "1.0"]),
            ["1.0", "01.2", "1.2-rc_1x", "1.2.3.4", "5", "V1.0.0", "zeta"]
        );
    }

    #[test]
    fn build_metadata_is_ignored_in_comparisons() {
        assert_eq!(
            order(&["1.0.0+b", "1.1.0", "1.0.0+a"]),
            ["1.1.0", "1.0.0+a", "1.0.0+b"]
        );
    }

    #[test]
    fn empty_input_gives_empty_output() {
        assert!(prioritize_tags(&[]).is_empty());
    }
}
