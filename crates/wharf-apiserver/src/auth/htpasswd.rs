//! The htpasswd identity provider: a file of `user:bcrypt-hash` lines, as `htpasswd -B` makes
//! them. As in OpenShift, only bcrypt hashes are accepted. The file is read again when it
//! changes, so users can be added without restarting the server.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

/// One configured htpasswd provider.
pub struct HtpasswdProvider {
    /// The provider's name (`identityProviders[].name`), used in identities `<name>:<user>`.
    pub name: String,
    pub file: PathBuf,
    loaded: Mutex<Option<(SystemTime, HashMap<String, String>)>>,
}

impl HtpasswdProvider {
    /// A provider over `file`, read now so a missing or unreadable file is an error at start.
    pub fn open(name: &str, file: PathBuf) -> Result<HtpasswdProvider, String> {
        let p = HtpasswdProvider {
            name: name.into(),
            file,
            loaded: Mutex::new(None),
        };
        p.users()?;
        Ok(p)
    }

    /// The hashes by user, re-read when the file's modification time changed.
    fn users(&self) -> Result<HashMap<String, String>, String> {
        let meta = std::fs::metadata(&self.file)
            .map_err(|e| format!("cannot read htpasswd file {}: {e}", self.file.display()))?;
        let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((t, users)) = &*loaded {
            if *t == mtime {
                return Ok(users.clone());
            }
        }
        let text = std::fs::read_to_string(&self.file)
            .map_err(|e| format!("cannot read htpasswd file {}: {e}", self.file.display()))?;
        let users = parse(&text, &self.file.display().to_string());
        *loaded = Some((mtime, users.clone()));
        Ok(users)
    }

    /// Whether `password` is `user`'s. Runs bcrypt: call it off the async workers.
    pub fn verify(&self, user: &str, password: &str) -> bool {
        let Ok(users) = self.users() else {
            return false;
        };
        match users.get(user) {
            Some(hash) => bcrypt::verify(password, hash).unwrap_or(false),
            None => {
                // Spend the same time for an unknown user, so timing does not tell which
                // user names exist.
                let _ = bcrypt::verify(password, &DUMMY_HASH);
                false
            }
        }
    }
}

/// A hash at `htpasswd -B`'s default cost, compared against for unknown users.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| bcrypt::hash("unknown user", 5).unwrap_or_default());

/// `user:hash` lines; blank lines and `#` comments skipped; lines with a hash other than
/// bcrypt are skipped with a warning naming the line, as OpenShift refuses them.
fn parse(text: &str, file: &str) -> HashMap<String, String> {
    let mut users = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once(':') {
            Some((user, hash))
                if !user.is_empty()
                    && ["$2y$", "$2a$", "$2b$"].iter().any(|p| hash.starts_with(p)) =>
            {
                users.insert(user.to_string(), hash.to_string());
            }
            _ => tracing::warn!(
                file,
                line = i + 1,
                "skipping an htpasswd line that is not `user:bcrypt-hash` (make it with `htpasswd -B`)"
            ),
        }
    }
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcrypt_lines_are_read_and_others_skipped() {
        let text = "# users\nalice:$2y$05$abc\n\nbob:{SHA}xyz\ncarol:$apr1$x$y\n:$2y$05$x\ndave:$2b$05$d\n";
        let users = parse(text, "f");
        let mut names: Vec<_> = users.keys().cloned().collect();
        names.sort();
        assert_eq!(names, ["alice", "dave"]);
    }

    #[test]
    fn passwords_are_checked_against_the_file_and_changes_are_seen() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("users.htpasswd");
        let hash = bcrypt::hash("s3cret", 4).unwrap();
        std::fs::write(&f, format!("alice:{hash}\n")).unwrap();
        let p = HtpasswdProvider::open("htpasswd", f.clone()).unwrap();
        assert!(p.verify("alice", "s3cret"));
        assert!(!p.verify("alice", "wrong"));
        assert!(!p.verify("bob", "s3cret"));
        // A new user appears without a restart (a later mtime).
        let bob = bcrypt::hash("pw", 4).unwrap();
        std::fs::write(&f, format!("alice:{hash}\nbob:{bob}\n")).unwrap();
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&f)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert!(p.verify("bob", "pw"));
    }

    #[test]
    fn a_missing_file_is_an_error_at_start() {
        let e = HtpasswdProvider::open("h", "/nonexistent/users".into())
            .err()
            .unwrap();
        assert!(e.contains("/nonexistent/users"), "{e}");
    }

    #[test]
    fn the_dummy_hash_is_a_valid_bcrypt_hash() {
        assert!(matches!(bcrypt::verify("x", &DUMMY_HASH), Ok(false)));
    }
}
