//! `Range` (blob reads) and `Content-Range` (chunked uploads) as registries and their clients
//! write them. Hand-written: the two forms are small, and no maintained crate parses the
//! registry's `Content-Range: <start>-<end>` variant (it has no `bytes ` unit).

use std::ops::Range;

/// What a `Range` request header asks of a blob of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable range: serve the whole blob (RFC 9110 lets a server ignore what it does not parse).
    Whole,
    /// One satisfiable range, end exclusive.
    Part(Range<u64>),
    /// Well-formed but outside the blob: 416.
    Unsatisfiable,
}

/// Reads `Range: bytes=a-b`, `bytes=a-` or `bytes=-n` for a blob of `size` bytes.
pub fn blob_range(header: Option<&str>, size: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole; // multiple ranges: serve the whole representation
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeRequest::Whole;
    };
    let num = |s: &str| -> Option<u64> {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse().ok())
            .flatten()
    };
    match (a.trim(), b.trim()) {
        ("", n) => match num(n) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(n) if size > 0 => RangeRequest::Part(size.saturating_sub(n)..size),
            Some(_) => RangeRequest::Unsatisfiable,
            None => RangeRequest::Whole,
        },
        (a, "") => match num(a) {
            Some(a) if a < size => RangeRequest::Part(a..size),
            Some(_) => RangeRequest::Unsatisfiable,
            None => RangeRequest::Whole,
        },
        (a, b) => match (num(a), num(b)) {
            (Some(a), Some(b)) if a > b => RangeRequest::Whole,
            (Some(a), Some(_)) if a >= size => RangeRequest::Unsatisfiable,
            (Some(a), Some(b)) => RangeRequest::Part(a..b.min(size - 1) + 1),
            _ => RangeRequest::Whole,
        },
    }
}

/// Reads an upload chunk's `Content-Range: <start>-<end>` (inclusive; `bytes ` prefix and a
/// `/<total>` suffix tolerated). `None` if malformed.
pub fn chunk_range(header: &str) -> Option<(u64, u64)> {
    let s = header.trim();
    let s = s.strip_prefix("bytes").map(str::trim_start).unwrap_or(s);
    let s = s.strip_prefix('=').unwrap_or(s);
    let s = s.split('/').next()?;
    let (a, b) = s.split_once('-')?;
    let (a, b): (u64, u64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    (a <= b).then_some((a, b))
}

/// The `Range` header of an upload holding `size` bytes: `0-<size-1>`, and `0-0` when empty,
/// as Distribution writes it and clients expect.
pub fn upload_range(size: u64) -> String {
    format!("0-{}", size.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ranges() {
        assert_eq!(blob_range(None, 10), RangeRequest::Whole);
        assert_eq!(blob_range(Some("bytes=0-4"), 10), RangeRequest::Part(0..5));
        assert_eq!(blob_range(Some("bytes=5-"), 10), RangeRequest::Part(5..10));
        assert_eq!(blob_range(Some("bytes=-3"), 10), RangeRequest::Part(7..10));
        assert_eq!(
            blob_range(Some("bytes=8-100"), 10),
            RangeRequest::Part(8..10)
        );
        assert_eq!(
            blob_range(Some("bytes=10-12"), 10),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(
            blob_range(Some("bytes=-0"), 10),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(
            blob_range(Some("bytes=0-0"), 0),
            RangeRequest::Unsatisfiable
        );
        for ignored in [
            "items=0-1",
            "bytes=a-b",
            "bytes=5-1",
            "bytes=0-1,3-4",
            "bytes=",
            "bytes=--1",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(
                blob_range(Some(ignored), 10),
                RangeRequest::Whole,
                "{ignored}"
            );
        }
    }

    #[test]
    fn chunk_ranges() {
        assert_eq!(chunk_range("0-99"), Some((0, 99)));
        assert_eq!(chunk_range("bytes 100-199/*"), Some((100, 199)));
        assert_eq!(chunk_range("bytes=5-5"), Some((5, 5)));
        for bad in ["", "5", "9-1", "a-b", "-1", "1-", "18446744073709551616-1"] {
            assert_eq!(chunk_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn upload_range_header() {
        assert_eq!(upload_range(0), "0-0");
        assert_eq!(upload_range(10), "0-9");
    }
}
