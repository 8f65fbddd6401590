//! `wharf describe` of streams, tags and images pushed to a running server (the layouts are
//! held byte for byte by the unit tests in src/describe.rs; this holds the wiring).

mod common;

use common::{push_image, Cli, Server};
use serde_json::json;

/// Ages depend on the clock: every `<n> <unit> ago` becomes `AGO`.
fn without_ages(text: &str) -> String {
    text.lines()
        .map(
            |l| match l.find(|c: char| c.is_ascii_digit() || c == 'L' || c == 'A') {
                Some(i) if l.ends_with(" ago") && !l.contains(':') => format!("{}AGO", &l[..i]),
                _ if l.ends_with(" ago") && l.contains(":\t") => {
                    format!("{}AGO", &l[..l.rfind('\t').unwrap() + 1])
                }
                _ => l.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn describe_shows_streams_tags_and_images_as_oc_does() {
    let s = Server::start();
    let cli = Cli::in_project(&s, "demo");
    let d = push_image(
        &s,
        "demo/python",
        "3.11",
        json!({"Cmd": ["python3"], "Env": ["PATH=/usr/bin", "LANG=C.UTF-8"], "ExposedPorts": {"8080/tcp": {}}}),
        &[7u8; 2000],
    );
    cli.wharf(&["tag", "python:3.11", "python:latest"]);
    cli.wharf(&["tag", "quay.io/x/y:1", "python:ref", "--reference"]);
    let repo = format!("{}/demo/python", s.addr);
    let text = without_ages(&cli.wharf(&["describe", "is/python"]));
    let expected = format!(
        "Name:\t\t\tpython
Namespace:\t\tdemo
Created:\t\tAGO
Labels:\t\t\t<none>
Annotations:\t\t<none>
Image Repository:\t{repo}
Image Lookup:\t\tlocal=false
Unique Images:\t\t2
Tags:\t\t\t3

latest
  tagged from python@{d}

  * {repo}@{d}
      AGO

3.11
  no spec tag

  * {repo}@{d}
      AGO

ref
  reference to registry quay.io/x/y:1

  * quay.io/x/y:1
      AGO"
    );
    assert_eq!(text, expected);

    let istag = cli.wharf(&["describe", "istag/python:latest"]);
    assert!(
        istag.starts_with(&format!("Image Name:\t{d}\nDocker Image:\t{repo}@{d}\n")),
        "{istag}"
    );
    assert!(istag.contains("Image Size:\t"), "{istag}");
    assert!(istag.contains("Command:\tpython3\n"), "{istag}");
    assert!(istag.contains("Exposes Ports:\t8080/tcp\n"), "{istag}");
    assert!(
        istag.contains("Environment:\tPATH=/usr/bin\n\t\tLANG=C.UTF-8\n"),
        "{istag}"
    );
    let image = cli.wharf(&["describe", "image", &d]);
    assert_eq!(
        image,
        istag.split_once('\n').unwrap().1,
        "describe image is the istag layout without its first line"
    );
    let isimage = cli.wharf(&["describe", &format!("isimage/python@{}", &d[7..19])]);
    assert_eq!(isimage, istag);
    // -o jsonpath, as kubectl evaluates it, on one object and on a list.
    assert_eq!(
        cli.wharf(&[
            "get",
            "istag",
            "python:latest",
            "-o",
            "jsonpath={.image.metadata.name}"
        ]),
        d
    );
    assert_eq!(
        cli.wharf(&["get", "is", "-o", "jsonpath={range .items[*]}{.metadata.name}:{.spec.tags[?(@.name==\"ref\")].from.name}{\"\\n\"}{end}"]),
        "python:quay.io/x/y:1\n"
    );
    assert_eq!(
        cli.wharf_fails(&["get", "is", "-o", "jsonpath={.items[0"]),
        "error: error parsing jsonpath {.items[0, unterminated array\n"
    );
    // The tables `wharf get` (and kubectl) print for tags.
    let itags = cli.wharf(&["get", "itag"]);
    let rows: Vec<Vec<&str>> = itags.lines().map(common::table_cells).collect();
    assert_eq!(
        rows[0],
        ["NAME", "SPEC", "STATUS", "HISTORY", "UPDATED"],
        "{itags}"
    );
    assert_eq!(rows[1][..3], ["python:3.11", d.as_str(), "1"], "{itags}");
    assert_eq!(
        rows[2][..4],
        ["python:latest", &format!("python@{d}"), d.as_str(), "1"],
        "{itags}"
    );
    assert_eq!(
        rows[3][..3],
        ["python:ref", "quay.io/x/y:1", "1"],
        "{itags}"
    );
    let wide = cli.wharf(&["get", "istag", "-o", "wide"]);
    let header = common::table_cells(wide.lines().next().unwrap());
    assert_eq!(
        header,
        ["NAME", "IMAGE REFERENCE", "UPDATED", "IMAGE NAME"],
        "{wide}"
    );
    assert!(
        wide.contains(&format!("python:latest   {repo}@{d}")),
        "{wide}"
    );
    assert_eq!(
        cli.wharf_fails(&["describe", "istag/python:nope"]),
        "Error from server (NotFound): imagestreamtags.image.openshift.io \"python:nope\" not found\n"
    );
}
