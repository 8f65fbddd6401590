//! The storage conformance suite: the behaviour every [`BlobStore`] and [`MetaStore`] backend
//! must show. Each check is a plain async function over a trait object; the macros at the end
//! turn them into one `#[tokio::test]` per check for a backend, so a failure names the rule.

use std::collections::BTreeMap;

use bytes::Bytes;
use futures_util::{stream, StreamExt};
use wharf_domain::{Algorithm, Digest, Reference, RepoName, Tag};

use serde_json::json;

use crate::{
    BlobStore, ByteStream, ChangeKind, MetaStore, Mirror, NewManifest, ObjectKey, ObjectList,
    Removal, Selector, StorageError,
};

pub fn body(parts: &[&[u8]]) -> ByteStream {
    let parts: Vec<std::io::Result<Bytes>> = parts
        .iter()
        .map(|p| Ok(Bytes::copy_from_slice(p)))
        .collect();
    Box::pin(stream::iter(parts))
}

pub async fn collect(s: ByteStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut s = s;
    while let Some(chunk) = s.next().await {
        out.extend_from_slice(&chunk.expect("read chunk"));
    }
    out
}

fn new_id() -> String {
    format!("test-{}", std::process::id()) + &format!("-{:x}", rand_u64())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64,
    );
    h.finish()
}

// ---- BlobStore ----

pub async fn blob_upload_then_commit_is_readable_whole_and_by_range(s: &dyn BlobStore) {
    let id = new_id();
    let data = b"hello, wharf blob store";
    s.create_upload(&id).await.unwrap();
    assert_eq!(
        s.append_upload(&id, 0, body(&[&data[..5], &data[5..]]))
            .await
            .unwrap(),
        data.len() as u64
    );
    let d = Digest::sha256_of(data);
    assert_eq!(s.stat(&d).await.unwrap(), None);
    assert_eq!(s.commit_upload(&id, &d).await.unwrap(), data.len() as u64);
    assert_eq!(s.stat(&d).await.unwrap(), Some(data.len() as u64));
    assert_eq!(
        collect(s.read(&d, 0..data.len() as u64).await.unwrap()).await,
        data
    );
    assert_eq!(
        collect(s.read(&d, 7..12).await.unwrap()).await,
        &data[7..12]
    );
    assert_eq!(
        s.upload_size(&id).await.unwrap(),
        None,
        "a committed upload is gone"
    );
}

pub async fn blob_chunks_must_arrive_in_order(s: &dyn BlobStore) {
    let id = new_id();
    s.create_upload(&id).await.unwrap();
    s.append_upload(&id, 0, body(&[b"abc"])).await.unwrap();
    match s.append_upload(&id, 10, body(&[b"def"])).await {
        Err(StorageError::OffsetMismatch { current: 3 }) => {}
        other => panic!("expected OffsetMismatch(3), got {other:?}"),
    }
    assert_eq!(s.append_upload(&id, 3, body(&[b"def"])).await.unwrap(), 6);
    assert_eq!(s.upload_size(&id).await.unwrap(), Some(6));
    s.commit_upload(&id, &Digest::sha256_of(b"abcdef"))
        .await
        .unwrap();
}

pub async fn blob_commit_with_wrong_digest_stores_nothing(s: &dyn BlobStore) {
    let id = new_id();
    s.create_upload(&id).await.unwrap();
    s.append_upload(&id, 0, body(&[b"real bytes"]))
        .await
        .unwrap();
    let claimed = Digest::sha256_of(b"other bytes");
    match s.commit_upload(&id, &claimed).await {
        Err(StorageError::DigestMismatch { actual }) => {
            assert_eq!(actual, Digest::sha256_of(b"real bytes"))
        }
        other => panic!("expected DigestMismatch, got {other:?}"),
    }
    assert_eq!(s.stat(&claimed).await.unwrap(), None);
    assert_eq!(
        s.stat(&Digest::sha256_of(b"real bytes")).await.unwrap(),
        None
    );
}

pub async fn blob_sha512_and_empty_blobs_commit(s: &dyn BlobStore) {
    let id = new_id();
    s.create_upload(&id).await.unwrap();
    s.append_upload(&id, 0, body(&[b"sha512 content"]))
        .await
        .unwrap();
    let d = Digest::of(Algorithm::Sha512, b"sha512 content");
    s.commit_upload(&id, &d).await.unwrap();
    assert_eq!(s.stat(&d).await.unwrap(), Some(14));

    let id = new_id();
    s.create_upload(&id).await.unwrap();
    let empty = Digest::sha256_of(b"");
    assert_eq!(s.commit_upload(&id, &empty).await.unwrap(), 0);
    assert_eq!(collect(s.read(&empty, 0..0).await.unwrap()).await, b"");
}

pub async fn blob_same_content_twice_is_stored_once(s: &dyn BlobStore) {
    let d = Digest::sha256_of(b"dedup");
    for _ in 0..2 {
        let id = new_id();
        s.create_upload(&id).await.unwrap();
        s.append_upload(&id, 0, body(&[b"dedup"])).await.unwrap();
        s.commit_upload(&id, &d).await.unwrap();
    }
    assert_eq!(s.stat(&d).await.unwrap(), Some(5));
    assert!(s.delete(&d).await.unwrap());
    assert!(!s.delete(&d).await.unwrap());
}

pub async fn blob_cancel_and_unknown_uploads(s: &dyn BlobStore) {
    let id = new_id();
    s.create_upload(&id).await.unwrap();
    assert!(s.uploads().await.unwrap().iter().any(|(u, _)| u == &id));
    s.cancel_upload(&id).await.unwrap();
    assert_eq!(s.upload_size(&id).await.unwrap(), None);
    assert!(matches!(
        s.append_upload(&id, 0, body(&[b"x"])).await,
        Err(StorageError::UploadUnknown)
    ));
    assert!(matches!(
        s.commit_upload(&id, &Digest::sha256_of(b"x")).await,
        Err(StorageError::UploadUnknown)
    ));
    assert!(matches!(
        s.create_upload("../escape").await,
        Err(StorageError::UploadUnknown)
    ));
    assert_eq!(s.upload_size("../../etc").await.unwrap(), None);
}

pub async fn blob_broken_body_keeps_received_bytes_for_resume(s: &dyn BlobStore) {
    let id = new_id();
    s.create_upload(&id).await.unwrap();
    let broken: ByteStream = Box::pin(stream::iter(vec![
        Ok(Bytes::from_static(b"first")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "client went away",
        )),
    ]));
    assert!(s.append_upload(&id, 0, broken).await.is_err());
    assert_eq!(s.upload_size(&id).await.unwrap(), Some(5));
    s.append_upload(&id, 5, body(&[b"second"])).await.unwrap();
    s.commit_upload(&id, &Digest::sha256_of(b"firstsecond"))
        .await
        .unwrap();
}

// ---- MetaStore ----

fn repo(s: &str) -> RepoName {
    s.parse().unwrap()
}

fn tag(s: &str) -> Tag {
    s.parse().unwrap()
}

/// Puts a manifest whose content is `content`, referencing `blobs` and `children`.
async fn put(
    m: &dyn MetaStore,
    r: &RepoName,
    content: &str,
    blobs: &[Digest],
    children: &[Digest],
    subject: Option<&Digest>,
    t: Option<&str>,
) -> Result<Digest, StorageError> {
    let d = Digest::sha256_of(content.as_bytes());
    let no_annotations = BTreeMap::new();
    m.put_manifest(
        r,
        NewManifest {
            digest: &d,
            media_type: "application/vnd.oci.image.manifest.v1+json",
            content: content.as_bytes(),
            blobs,
            manifests: children,
            subject,
            artifact_type: Some("application/x-test"),
            annotations: &no_annotations,
        },
        t.map(tag).as_ref(),
        None,
    )
    .await?;
    Ok(d)
}

pub async fn meta_blob_links_are_per_repository(m: &dyn MetaStore) {
    let (a, b) = (repo("conf/links-a"), repo("conf/links-b"));
    let d = Digest::sha256_of(b"linked");
    m.link_blob(&a, &d, 6).await.unwrap();
    assert_eq!(m.blob_link(&a, &d).await.unwrap(), Some(6));
    assert_eq!(m.blob_link(&b, &d).await.unwrap(), None);
    assert_eq!(m.unlink_blob(&a, &d).await.unwrap(), Removal::Removed);
    assert_eq!(m.unlink_blob(&a, &d).await.unwrap(), Removal::NotFound);
}

pub async fn meta_manifest_needs_its_blobs_and_children_in_the_repository(m: &dyn MetaStore) {
    let r = repo("conf/refs");
    let layer = Digest::sha256_of(b"layer");
    let err = put(
        m,
        &r,
        "img",
        std::slice::from_ref(&layer),
        &[],
        None,
        Some("v1"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StorageError::MissingReferences(ref v) if v == std::slice::from_ref(&layer)),
        "{err:?}"
    );
    assert_eq!(
        m.manifest(&r, &Reference::Tag(tag("v1"))).await.unwrap(),
        None,
        "nothing became visible"
    );
    m.link_blob(&r, &layer, 5).await.unwrap();
    let img = put(
        m,
        &r,
        "img",
        std::slice::from_ref(&layer),
        &[],
        None,
        Some("v1"),
    )
    .await
    .unwrap();
    let child_elsewhere = Digest::sha256_of(b"not here");
    assert!(matches!(
        put(m, &r, "index", &[], &[img.clone(), child_elsewhere], None, None).await,
        Err(StorageError::MissingReferences(v)) if v.len() == 1
    ));
    put(
        m,
        &r,
        "index",
        &[],
        std::slice::from_ref(&img),
        None,
        Some("list"),
    )
    .await
    .unwrap();
    let got = m
        .manifest(&r, &Reference::Tag(tag("v1")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((got.digest, &got.content[..]), (img.clone(), &b"img"[..]));
    assert!(m
        .manifest(&r, &Reference::Digest(img.clone()))
        .await
        .unwrap()
        .is_some());
    assert!(m
        .manifest(&repo("conf/other"), &Reference::Digest(img))
        .await
        .unwrap()
        .is_none());
}

pub async fn meta_deletes_refuse_to_orphan_what_a_manifest_needs(m: &dyn MetaStore) {
    let r = repo("conf/deletes");
    let layer = Digest::sha256_of(b"layer-del");
    m.link_blob(&r, &layer, 9).await.unwrap();
    let img = put(
        m,
        &r,
        "img-del",
        std::slice::from_ref(&layer),
        &[],
        None,
        Some("a"),
    )
    .await
    .unwrap();
    let ix = put(
        m,
        &r,
        "ix-del",
        &[],
        std::slice::from_ref(&img),
        None,
        Some("b"),
    )
    .await
    .unwrap();
    assert_eq!(
        m.unlink_blob(&r, &layer).await.unwrap(),
        Removal::ReferencedBy(img.clone())
    );
    assert_eq!(
        m.delete_manifest(&r, &img, None).await.unwrap(),
        Removal::ReferencedBy(ix.clone())
    );
    assert_eq!(
        m.delete_manifest(&r, &ix, None).await.unwrap(),
        Removal::Removed
    );
    assert_eq!(m.tags(&r, None, None).await.unwrap().unwrap(), ["a"]);
    assert_eq!(
        m.delete_manifest(&r, &img, None).await.unwrap(),
        Removal::Removed
    );
    assert_eq!(
        m.tags(&r, None, None).await.unwrap().unwrap(),
        Vec::<String>::new(),
        "tags of a deleted manifest go"
    );
    assert_eq!(m.unlink_blob(&r, &layer).await.unwrap(), Removal::Removed);
    assert_eq!(
        m.delete_manifest(&r, &img, None).await.unwrap(),
        Removal::NotFound
    );
}

pub async fn meta_tags_move_atomically_and_list_in_order_with_paging(m: &dyn MetaStore) {
    let r = repo("conf/tags");
    let one = put(m, &r, "one", &[], &[], None, Some("latest"))
        .await
        .unwrap();
    let two = put(m, &r, "two", &[], &[], None, Some("latest"))
        .await
        .unwrap();
    assert_eq!(
        m.manifest(&r, &Reference::Tag(tag("latest")))
            .await
            .unwrap()
            .unwrap()
            .digest,
        two
    );
    assert!(
        m.manifest(&r, &Reference::Digest(one))
            .await
            .unwrap()
            .is_some(),
        "the old manifest stays by digest"
    );
    for t in ["b", "a", "C", "c"] {
        put(m, &r, "two", &[], &[], None, Some(t)).await.unwrap();
    }
    assert_eq!(
        m.tags(&r, None, None).await.unwrap().unwrap(),
        ["C", "a", "b", "c", "latest"]
    );
    assert_eq!(
        m.tags(&r, None, Some(2)).await.unwrap().unwrap(),
        ["C", "a"]
    );
    assert_eq!(
        m.tags(&r, Some("a"), Some(2)).await.unwrap().unwrap(),
        ["b", "c"]
    );
    assert!(m.delete_tag(&r, &tag("a"), None).await.unwrap());
    assert!(!m.delete_tag(&r, &tag("a"), None).await.unwrap());
    assert_eq!(
        m.tags(&repo("conf/never-pushed"), None, None)
            .await
            .unwrap(),
        None
    );
}

pub async fn meta_repositories_list_in_order_with_paging(m: &dyn MetaStore) {
    for name in ["conf/cat/b", "conf/cat/a", "conf/cat/c/d"] {
        m.link_blob(&repo(name), &Digest::sha256_of(name.as_bytes()), 1)
            .await
            .unwrap();
    }
    let all = m.repositories(Some("conf/cat/"), None).await.unwrap();
    let ours: Vec<_> = all
        .iter()
        .filter(|n| n.starts_with("conf/cat/"))
        .cloned()
        .collect();
    assert_eq!(ours, ["conf/cat/a", "conf/cat/b", "conf/cat/c/d"]);
    assert_eq!(
        m.repositories(Some("conf/cat/a"), Some(1)).await.unwrap(),
        ["conf/cat/b"]
    );
}

pub async fn meta_referrers_index_subjects_per_repository(m: &dyn MetaStore) {
    let r = repo("conf/referrers");
    let subject = Digest::sha256_of(b"subject that is not pushed");
    let sig = put(m, &r, "sig", &[], &[], Some(&subject), None)
        .await
        .unwrap();
    put(
        m,
        &repo("conf/referrers-other"),
        "sig2",
        &[],
        &[],
        Some(&subject),
        None,
    )
    .await
    .unwrap();
    let refs = m.referrers(&r, &subject).await.unwrap();
    assert_eq!(refs.len(), 1);
    assert_eq!(refs[0].digest, sig);
    assert_eq!(refs[0].size, 3);
    assert_eq!(refs[0].artifact_type.as_deref(), Some("application/x-test"));
    m.delete_manifest(&r, &sig, None).await.unwrap();
    assert!(m.referrers(&r, &subject).await.unwrap().is_empty());
}

pub async fn meta_uploads_are_tracked_and_finish_into_a_link(m: &dyn MetaStore) {
    let r = repo("conf/uploads");
    let id = new_id();
    m.create_upload(&id, &r, 100).await.unwrap();
    assert_eq!(m.upload(&id).await.unwrap().unwrap().repo, r);
    assert_eq!(m.upload(&id).await.unwrap().unwrap().started, 100);
    assert!(m.uploads_started_before(101).await.unwrap().contains(&id));
    assert!(!m.uploads_started_before(100).await.unwrap().contains(&id));
    let d = Digest::sha256_of(b"uploaded");
    m.finish_upload(&id, Some((&d, 8))).await.unwrap();
    assert_eq!(m.upload(&id).await.unwrap(), None);
    assert_eq!(m.blob_link(&r, &d).await.unwrap(), Some(8));
}

// ---- API objects ----

fn obj_key(ns: &str, name: &str) -> ObjectKey {
    ObjectKey::new("image.openshift.io", "imagestreams", ns, name)
}

pub async fn objects_create_get_update_delete_with_increasing_resource_versions(m: &dyn MetaStore) {
    let k = obj_key("demo", "app");
    let rv1 = m.create_object(&k, json!({"spec": 1})).await.unwrap();
    assert!(matches!(
        m.create_object(&k, json!({})).await,
        Err(StorageError::AlreadyExists)
    ));
    let got = m.get_object(&k).await.unwrap().unwrap();
    assert_eq!(
        (got.resource_version, &got.value),
        (rv1, &json!({"spec": 1}))
    );
    let rv2 = m
        .update_object(&k, json!({"spec": 2}), Some(rv1))
        .await
        .unwrap();
    assert!(rv2 > rv1);
    let rv3 = m.update_object(&k, json!({"spec": 3}), None).await.unwrap();
    assert!(
        rv3 > rv2,
        "an unconditional update still gets a new resourceVersion"
    );
    let gone = m.delete_object(&k, None).await.unwrap();
    assert!(gone.resource_version > rv3);
    assert_eq!(
        gone.value,
        json!({"spec": 3}),
        "a delete returns the last state"
    );
    assert_eq!(m.get_object(&k).await.unwrap(), None);
    assert!(matches!(
        m.update_object(&k, json!({}), None).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        m.delete_object(&k, None).await,
        Err(StorageError::NotFound)
    ));
    let again = m.create_object(&k, json!({"spec": 4})).await.unwrap();
    assert!(
        again > gone.resource_version,
        "resourceVersions never go back"
    );
}

pub async fn objects_stale_writes_conflict_and_racing_writers_lose_nothing(m: &dyn MetaStore) {
    let k = obj_key("demo", "counter");
    let rv = m.create_object(&k, json!({"n": 0})).await.unwrap();
    m.update_object(&k, json!({"n": 0}), Some(rv))
        .await
        .unwrap();
    match m.delete_object(&k, Some(rv)).await {
        Err(StorageError::Conflict { current }) => assert!(current > rv),
        other => panic!("expected Conflict, got {other:?}"),
    }
    // Four writers, ten increments each, read-modify-write with the read resourceVersion as a
    // precondition and a retry on conflict: every increment must survive.
    let writer = |_: usize| async {
        for _ in 0..10 {
            loop {
                let cur = m.get_object(&k).await.unwrap().unwrap();
                let n = cur.value["n"].as_u64().unwrap();
                match m
                    .update_object(&k, json!({"n": n + 1}), Some(cur.resource_version))
                    .await
                {
                    Ok(_) => break,
                    Err(StorageError::Conflict { .. }) => continue,
                    Err(e) => panic!("{e}"),
                }
            }
        }
    };
    futures_util::future::join_all((0..4).map(writer)).await;
    assert_eq!(m.get_object(&k).await.unwrap().unwrap().value["n"], 40);
}

pub async fn objects_list_by_namespace_in_order_with_paging(m: &dyn MetaStore) {
    for (ns, name) in [("b", "x"), ("a", "z"), ("a", "y"), ("c", "w")] {
        m.create_object(&obj_key(ns, name), json!({"name": name}))
            .await
            .unwrap();
    }
    m.create_object(&ObjectKey::new("", "namespaces", "", "a"), json!({}))
        .await
        .unwrap();
    let all = Selector::new("image.openshift.io", "imagestreams", None);
    let names = |l: &ObjectList| {
        l.items
            .iter()
            .map(|o| format!("{}/{}", o.key.namespace, o.key.name))
            .collect::<Vec<_>>()
    };
    let list = m.list_objects(&all, None, None).await.unwrap();
    assert_eq!(names(&list), ["a/y", "a/z", "b/x", "c/w"]);
    assert!(list
        .items
        .iter()
        .all(|o| o.resource_version <= list.resource_version));
    let page = m
        .list_objects(&all, Some(("a", "z")), Some(2))
        .await
        .unwrap();
    assert_eq!(names(&page), ["b/x", "c/w"]);
    let in_a = m
        .list_objects(
            &Selector::new("image.openshift.io", "imagestreams", Some("a")),
            None,
            None,
        )
        .await
        .unwrap();
    assert_eq!(names(&in_a), ["a/y", "a/z"]);
    let core = m
        .list_objects(&Selector::new("", "namespaces", None), None, None)
        .await
        .unwrap();
    assert_eq!(core.items.len(), 1, "resources do not mix");
}

pub async fn objects_changes_replay_in_order_and_compaction_is_reported(m: &dyn MetaStore) {
    let sel = Selector::new("image.openshift.io", "imagestreams", Some("w"));
    let start = m
        .list_objects(&sel, None, None)
        .await
        .unwrap()
        .resource_version;
    let k = obj_key("w", "one");
    m.create_object(&k, json!({"v": 1})).await.unwrap();
    m.create_object(&obj_key("elsewhere", "one"), json!({}))
        .await
        .unwrap();
    m.update_object(&k, json!({"v": 2}), None).await.unwrap();
    m.delete_object(&k, None).await.unwrap();
    let changes = m.changes_since(&sel, start, 100).await.unwrap();
    let kinds: Vec<_> = changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [ChangeKind::Added, ChangeKind::Modified, ChangeKind::Deleted]
    );
    assert!(changes
        .windows(2)
        .all(|w| w[0].object.resource_version < w[1].object.resource_version));
    assert_eq!(changes[2].object.value, json!({"v": 2}));
    assert_eq!(
        m.changes_since(&sel, start, 1).await.unwrap().len(),
        1,
        "limit applies"
    );
    let last = changes[2].object.resource_version;
    assert!(m.changes_since(&sel, last, 100).await.unwrap().is_empty());
    m.compact_changes(1).await.unwrap();
    assert!(matches!(
        m.changes_since(&sel, start, 100).await,
        Err(StorageError::Compacted { .. })
    ));
    assert!(
        m.changes_since(&sel, last, 100).await.is_ok(),
        "the newest revision is still a valid start"
    );
}

pub async fn objects_revisions_announce_commits(m: &dyn MetaStore) {
    let mut rx = m.revisions();
    let before = *rx.borrow_and_update();
    let rv = m
        .create_object(&obj_key("rev", "a"), json!({}))
        .await
        .unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(5), rx.changed())
        .await
        .unwrap()
        .unwrap();
    assert!(*rx.borrow() >= rv && rv > before);
}

pub async fn objects_mirrored_writes_commit_or_roll_back_with_the_manifest(m: &dyn MetaStore) {
    let r = repo("conf/mirror");
    let stream = obj_key("conf", "mirror");
    let content = b"mirrored manifest";
    let d = Digest::sha256_of(content);
    let none = BTreeMap::new();
    let manifest = || NewManifest {
        digest: &d,
        media_type: "application/vnd.oci.image.manifest.v1+json",
        content,
        blobs: &[],
        manifests: &[],
        subject: None,
        artifact_type: None,
        annotations: &none,
    };
    m.create_object(&stream, json!({"tags": []})).await.unwrap();
    // A mirror that fails (creating what exists) takes the manifest down with it.
    let failing: Mirror =
        Box::new(move |tx| tx.create(&obj_key("conf", "mirror"), &json!({})).map(drop));
    let err = m
        .put_manifest(&r, manifest(), Some(&tag("v1")), Some(failing))
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::AlreadyExists), "{err:?}");
    assert_eq!(
        m.manifest(&r, &Reference::Tag(tag("v1"))).await.unwrap(),
        None,
        "nothing of the push is visible"
    );
    // A mirror that succeeds commits with it.
    let ok: Mirror = Box::new(move |tx| {
        let k = obj_key("conf", "mirror");
        let cur = tx.get(&k)?.expect("stream exists");
        tx.update(&k, &json!({"tags": ["v1"]}), Some(cur.resource_version))
            .map(drop)
    });
    m.put_manifest(&r, manifest(), Some(&tag("v1")), Some(ok))
        .await
        .unwrap();
    assert!(m
        .manifest(&r, &Reference::Tag(tag("v1")))
        .await
        .unwrap()
        .is_some());
    assert_eq!(
        m.get_object(&stream).await.unwrap().unwrap().value,
        json!({"tags": ["v1"]})
    );
}

pub async fn objects_writes_can_set_a_repositorys_registry_tags(m: &dyn MetaStore) {
    let r = repo("conf/tagsync");
    let one = put(m, &r, "sync-one", &[], &[], None, Some("a"))
        .await
        .unwrap();
    let two = put(m, &r, "sync-two", &[], &[], None, Some("b"))
        .await
        .unwrap();
    let elsewhere = Digest::sha256_of(b"not in this repository");
    let wanted = vec![
        (tag("b"), one.clone()),
        (tag("c"), two.clone()),
        (tag("d"), elsewhere),
    ];
    m.transact(Box::new(move |tx| {
        tx.set_repository_tags(&repo("conf/tagsync"), &wanted)
    }))
    .await
    .unwrap();
    assert_eq!(
        m.tags(&r, None, None).await.unwrap().unwrap(),
        ["b", "c"],
        "a dropped, b moved, c added, d skipped"
    );
    assert_eq!(
        m.manifest(&r, &Reference::Tag(tag("b")))
            .await
            .unwrap()
            .unwrap()
            .digest,
        one
    );
    assert!(
        m.manifest(&r, &Reference::Digest(two.clone()))
            .await
            .unwrap()
            .is_some(),
        "manifests stay by digest"
    );
    let moved = vec![(tag("b"), two.clone()), (tag("e"), one.clone())];
    m.transact(Box::new(move |tx| {
        tx.put_repository_tags(&repo("conf/tagsync"), &moved)
    }))
    .await
    .unwrap();
    assert_eq!(
        m.tags(&r, None, None).await.unwrap().unwrap(),
        ["b", "c", "e"],
        "put moves and adds, never removes"
    );
    assert_eq!(
        m.manifest(&r, &Reference::Tag(tag("b")))
            .await
            .unwrap()
            .unwrap()
            .digest,
        two
    );
    m.transact(Box::new(|tx| {
        tx.set_repository_tags(&repo("conf/tagsync"), &[])
    }))
    .await
    .unwrap();
    assert_eq!(
        m.tags(&r, None, None).await.unwrap().unwrap(),
        Vec::<String>::new()
    );
}

/// Generates one test per BlobStore check. `$make` is an async expression yielding a
/// `(store, guard)`; the guard lives as long as the test (e.g. a temp dir).
#[macro_export]
macro_rules! blob_store_conformance_tests {
    ($make:expr) => {
        $crate::__conformance_tests!(
            $make,
            blob_upload_then_commit_is_readable_whole_and_by_range,
            blob_chunks_must_arrive_in_order,
            blob_commit_with_wrong_digest_stores_nothing,
            blob_sha512_and_empty_blobs_commit,
            blob_same_content_twice_is_stored_once,
            blob_cancel_and_unknown_uploads,
            blob_broken_body_keeps_received_bytes_for_resume
        );
    };
}

/// Generates one test per MetaStore check; see [`blob_store_conformance_tests!`].
#[macro_export]
macro_rules! meta_store_conformance_tests {
    ($make:expr) => {
        $crate::__conformance_tests!(
            $make,
            meta_blob_links_are_per_repository,
            meta_manifest_needs_its_blobs_and_children_in_the_repository,
            meta_deletes_refuse_to_orphan_what_a_manifest_needs,
            meta_tags_move_atomically_and_list_in_order_with_paging,
            meta_repositories_list_in_order_with_paging,
            meta_referrers_index_subjects_per_repository,
            meta_uploads_are_tracked_and_finish_into_a_link,
            objects_create_get_update_delete_with_increasing_resource_versions,
            objects_stale_writes_conflict_and_racing_writers_lose_nothing,
            objects_list_by_namespace_in_order_with_paging,
            objects_changes_replay_in_order_and_compaction_is_reported,
            objects_revisions_announce_commits,
            objects_mirrored_writes_commit_or_roll_back_with_the_manifest,
            objects_writes_can_set_a_repositorys_registry_tags
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($make:expr, $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let (store, _guard) = $make.await;
                $crate::conformance::$check(&*store).await;
            }
        )+
    };
}
