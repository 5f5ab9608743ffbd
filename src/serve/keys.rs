//! The server's host key and the keys it lets in.
//!
//! The host key is Ed25519, generated on first start and written with mode
//! 0600 without ever overwriting a file (it is written to a fresh temporary
//! file, then hard-linked into place, which fails if the name exists). On
//! the next start it is read back, so clients see the same fingerprint. A
//! host key file that exists but cannot be read or parsed is an error: a new
//! key is never made silently; so is a key of a type the server cannot sign
//! with (only Ed25519 and ECDSA: the server is built without RSA).
//!
//! Both files are read with a hard byte limit, whatever they are (a device
//! such as `/dev/zero` says it is empty and never ends).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::ssh_key::{Algorithm, LineEnding, authorized_keys::AuthorizedKeys};
use russh::keys::{HashAlg, PrivateKey, PublicKey};

/// Largest authorized-keys file read.
const MAX_AUTHORIZED_KEYS_BYTES: u64 = 1 << 20;
/// Largest host key file read (an OpenSSH private key is a few KiB).
const MAX_HOST_KEY_BYTES: u64 = 64 << 10;

/// At most `max` bytes of the file at `path` (opened as it is, so pipes
/// and process substitution work); an error if it has more.
fn read_limited(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)?.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "larger than {} KiB; is this the right file?",
            max >> 10
        )));
    }
    Ok(bytes)
}

/// Whether the server can sign with `key`: Ed25519 or ECDSA, unencrypted.
pub fn check_host_key(key: &PrivateKey) -> Result<(), String> {
    if key.is_encrypted() {
        return Err("the host key is passphrase-protected; the server needs it unencrypted".into());
    }
    match key.algorithm() {
        Algorithm::Ed25519 | Algorithm::Ecdsa { .. } => Ok(()),
        other => Err(format!(
            "the host key is {}; the server signs only with Ed25519 or ECDSA keys \
             (make one with `ssh-keygen -t ed25519 -N '' -f FILE`)",
            other.as_str()
        )),
    }
}

/// A host key, and whether it was just made.
#[derive(Debug)]
pub struct HostKey {
    pub key: PrivateKey,
    pub created: bool,
    /// Things the operator should know (e.g. loose file permissions).
    pub warnings: Vec<String>,
}

impl HostKey {
    /// `SHA256:…`, as `ssh-keygen -lf` and OpenSSH's prompts show it.
    pub fn fingerprint(&self) -> String {
        self.key
            .public_key()
            .fingerprint(HashAlg::Sha256)
            .to_string()
    }
}

/// The default place of the host key: `$XDG_CONFIG_HOME/downhill/` or
/// `~/.config/downhill/`, else the current directory.
pub fn default_host_key_path() -> PathBuf {
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        });
    match config {
        Some(dir) => dir.join("downhill").join("ssh_host_ed25519_key"),
        None => PathBuf::from("downhill_host_ed25519_key"),
    }
}

/// Read the host key at `path`, or make one there if there is no file.
pub fn load_or_create_host_key(path: &Path) -> Result<HostKey, String> {
    let shown = path.display();
    match read_limited(path, MAX_HOST_KEY_BYTES) {
        Ok(bytes) => {
            let key = PrivateKey::from_openssh(&bytes).map_err(|e| {
                format!(
                    "{shown}: not a usable OpenSSH private key ({e}); \
                     fix it, move it away, or pass another --host-key"
                )
            })?;
            check_host_key(&key).map_err(|e| format!("{shown}: {e}"))?;
            let mut warnings = Vec::new();
            if let Ok(meta) = fs::metadata(path)
                && meta.permissions().mode() & 0o077 != 0
            {
                warnings.push(format!(
                    "{shown}: the host key is readable by others; run `chmod 600 {shown}`"
                ));
            }
            Ok(HostKey {
                key,
                created: false,
                warnings,
            })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create_host_key(path)
            .map(|key| HostKey {
                key,
                created: true,
                warnings: Vec::new(),
            })
            .map_err(|e| format!("{shown}: cannot create the host key: {e}")),
        Err(e) => Err(format!("{shown}: cannot read the host key: {e}")),
    }
}

fn create_host_key(path: &Path) -> std::io::Result<PrivateKey> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)?;
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(std::io::Error::other)?;
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    seed.fill(0);
    let text = key
        .to_openssh(LineEnding::LF)
        .map_err(std::io::Error::other)?;

    let name = path
        .file_name()
        .map_or_else(|| "host_key".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        // Fails if `path` exists: never overwrite a key.
        fs::hard_link(&tmp, path)
    })();
    let _ = fs::remove_file(&tmp);
    result.map(|()| key)
}

/// The keys of an OpenSSH `authorized_keys` file, and notes about lines
/// that were skipped or whose options are ignored.
#[derive(Debug)]
pub struct AuthorizedKeysFile {
    pub keys: Vec<PublicKey>,
    pub warnings: Vec<String>,
}

/// Read an `authorized_keys` file (at most 1 MiB, whatever kind of file it
/// is). Lines that do not parse are skipped with a warning; a file that
/// cannot be read is an error. A file without a single usable key reads as
/// no keys, with its warnings: the caller refuses to start on it.
pub fn load_authorized_keys(path: &Path) -> Result<AuthorizedKeysFile, String> {
    let shown = path.display();
    let bytes =
        read_limited(path, MAX_AUTHORIZED_KEYS_BYTES).map_err(|e| format!("{shown}: {e}"))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| format!("{shown}: not text; is this an authorized_keys file?"))?;
    let mut keys = Vec::new();
    let mut warnings = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(entry) = AuthorizedKeys::new(line).next() else {
            continue; // blank or comment
        };
        match entry {
            Ok(entry) => {
                if !entry.config_opts().is_empty() {
                    warnings.push(format!(
                        "{shown}:{}: key options ({}) are ignored; the key alone lets its owner in",
                        n + 1,
                        crate::text::clean_text(entry.config_opts().as_str())
                    ));
                }
                if entry.public_key().algorithm().is_rsa() {
                    // The server is built without RSA (russh's `ring` backend
                    // only): such a key could never log in.
                    warnings.push(format!(
                        "{shown}:{}: RSA keys are not supported, skipped; \
                         use an Ed25519 key (ssh-keygen -t ed25519) or ECDSA",
                        n + 1
                    ));
                    continue;
                }
                keys.push(entry.public_key().clone());
            }
            Err(e) => warnings.push(format!(
                "{shown}:{}: skipped, not a public key ({e})",
                n + 1
            )),
        }
    }
    Ok(AuthorizedKeysFile { keys, warnings })
}

/// Whether `key` is one of `keys` (the comment does not matter).
pub fn is_authorized(keys: &[PublicKey], key: &PublicKey) -> bool {
    keys.iter().any(|k| k.key_data() == key.key_data())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "downhill-keys-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_host_key_is_made_once_0600_and_reloaded() {
        let d = tmpdir("host");
        let path = d.join("sub").join("hostkey");
        let first = load_or_create_host_key(&path).unwrap();
        assert!(first.created);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(first.fingerprint().starts_with("SHA256:"));
        let again = load_or_create_host_key(&path).unwrap();
        assert!(!again.created);
        assert_eq!(again.fingerprint(), first.fingerprint());
        assert!(again.warnings.is_empty());
        // Only the key file is left behind.
        assert_eq!(fs::read_dir(d.join("sub")).unwrap().count(), 1);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_broken_host_key_is_an_error_and_stays() {
        let d = tmpdir("broken");
        let path = d.join("hostkey");
        fs::write(&path, "not a key").unwrap();
        let err = load_or_create_host_key(&path).unwrap_err();
        assert!(err.contains("not a usable OpenSSH private key"), "{err}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "not a key");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn authorized_keys_skip_bad_lines_and_match_by_key() {
        let d = tmpdir("ak");
        let a = load_or_create_host_key(&d.join("a")).unwrap().key;
        let b = load_or_create_host_key(&d.join("b")).unwrap().key;
        let line = a.public_key().to_openssh().unwrap();
        let path = d.join("authorized_keys");
        fs::write(
            &path,
            format!("# comment\n\ngarbage here\nno-pty {line} teacher@box\n"),
        )
        .unwrap();
        let f = load_authorized_keys(&path).unwrap();
        assert_eq!(f.keys.len(), 1);
        assert_eq!(f.warnings.len(), 2, "{:?}", f.warnings);
        assert!(f.warnings[0].contains(":3:"), "{:?}", f.warnings);
        assert!(is_authorized(&f.keys, a.public_key()));
        assert!(!is_authorized(&f.keys, b.public_key()));
        let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCF41yqPyWUKztVICNXRt+2C5/53ZRS27NpY+n5trG/tCUEsuJfH1+DGy0r5Bgd2Z0uVnbPuOwyT8EsT6p0cFPXWPzQz2kn37Sx5TRc8DrclnpAr0XeNCO/k7jOgQwui5UX4K03fFn4EbSCjMVu5uHmilYtYTR88zLWS3vsYTiS7LG/Eyfeqa6tpbbgv4+tgNnm+NtPqTEOqNGI6Y2jJPIj/s+oiiS+6MHBqQrOCVlGsSt2pvTtYoQOsJWs4W+hE3RrasVk42N0NYoXvekSPf2s2G2SrZI2EnIioJOiuM1IzqGoEdcrflut2kWz3thskUtwu1e3KnazWgBxfxY7fC7p old@box";
        fs::write(&path, format!("{rsa}\n{line}\n")).unwrap();
        let f = load_authorized_keys(&path).unwrap();
        assert_eq!(f.keys.len(), 1);
        assert!(
            f.warnings[0].contains("RSA keys are not supported"),
            "{:?}",
            f.warnings
        );
        fs::write(&path, "# nothing\n").unwrap();
        assert!(load_authorized_keys(&path).unwrap().keys.is_empty());
        // Whatever the file is, at most 1 MiB is read.
        let err = load_authorized_keys(Path::new("/dev/zero")).unwrap_err();
        assert!(err.contains("larger than 1024 KiB"), "{err}");
        fs::remove_dir_all(&d).unwrap();
    }
}
