//! S3-compatible object storage, where a fleet keeps its runs: an
//! `s3://bucket/prefix` location, objects written and then read back to
//! prove they arrived whole, and listings.
//!
//! Credentials come from the standard AWS chain (`AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, ...), read by `object_store`, which also signs the
//! requests: no SigV4 here. Requests are path-style, as non-AWS stores
//! expect. TLS is verified against the system roots and `AWS_CA_BUNDLE`;
//! plain HTTP is used only when the endpoint URL says `http://`.

pub mod runs;

use crate::evidence::sha256_hex;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::{
    BackoffConfig, Certificate, ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig,
};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// `s3://bucket/prefix`: where runs are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub bucket: String,
    /// Without leading or trailing slashes; may be empty.
    pub prefix: String,
}

impl Location {
    /// Whether `text` names an object-store location rather than a file.
    pub fn is_s3(text: &str) -> bool {
        text.starts_with("s3://")
    }

    pub fn parse(text: &str) -> Result<Location, String> {
        let bad = |why: &str| format!("'{text}' is not an s3://bucket/prefix location: {why}");
        let rest = text
            .strip_prefix("s3://")
            .ok_or_else(|| bad("it must start with s3://"))?;
        if rest.contains(['?', '#', '@', '\\']) {
            return Err(bad(
                "no query, fragment or credentials (credentials come from the environment)",
            ));
        }
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        // S3's own bucket naming rules.
        let valid_bucket = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
            && bucket.starts_with(|c: char| c.is_ascii_alphanumeric())
            && bucket.ends_with(|c: char| c.is_ascii_alphanumeric());
        if !valid_bucket {
            return Err(bad(
                "the bucket name must be 3 to 63 lowercase letters, digits, '-' or '.'",
            ));
        }
        // One trailing slash is a folder's usual spelling; others are not.
        let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
        if prefix
            .split('/')
            .any(|p| (p.is_empty() && !prefix.is_empty()) || p == "." || p == "..")
        {
            return Err(bad("empty, '.' or '..' path segments"));
        }
        if prefix.chars().any(char::is_control) {
            return Err(bad("control characters in the prefix"));
        }
        Ok(Location {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The location of `key` below the prefix, for messages.
    pub fn url(&self, key: &str) -> String {
        let mut url = format!("s3://{}", self.bucket);
        for part in [self.prefix.as_str(), key] {
            if !part.is_empty() {
                url.push('/');
                url.push_str(part);
            }
        }
        url
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url(""))
    }
}

/// How long one request may take, and how often a failed one is retried.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub timeout: Duration,
    pub retries: usize,
}

impl Limits {
    /// 30 seconds and 2 retries, or `$STIGKIT_S3_TIMEOUT` (seconds) and
    /// `$STIGKIT_S3_RETRIES`.
    pub fn from_env() -> Result<Limits, String> {
        let num = |name: &str, default: u64| match std::env::var(name) {
            Ok(v) if !v.is_empty() => v
                .parse::<u64>()
                .map_err(|_| format!("{name}: '{v}' is not a number")),
            _ => Ok(default),
        };
        let timeout = num("STIGKIT_S3_TIMEOUT", 30)?.max(1);
        Ok(Limits {
            timeout: Duration::from_secs(timeout),
            retries: num("STIGKIT_S3_RETRIES", 2)?.min(10) as usize,
        })
    }
}

/// An object written and read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub bytes: u64,
    pub sha256: String,
}

/// An open bucket.
pub struct Store {
    pub location: Location,
    s3: Arc<dyn ObjectStore>,
    rt: tokio::runtime::Runtime,
    /// Credential values, removed from every message.
    secrets: Vec<String>,
}

impl Store {
    /// Opens `location` with the credentials and endpoint of the
    /// environment.
    pub fn open(location: &Location, limits: Limits) -> Result<Store, String> {
        // reqwest's TLS needs a process-wide provider; ours is ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let mut options = ClientOptions::new()
            .with_timeout(limits.timeout)
            .with_connect_timeout(limits.timeout.min(Duration::from_secs(10)));
        if let Some(path) = env("AWS_CA_BUNDLE") {
            let pem = std::fs::read(&path).map_err(|e| format!("AWS_CA_BUNDLE {path}: {e}"))?;
            let certs = Certificate::from_pem_bundle(&pem)
                .map_err(|e| format!("AWS_CA_BUNDLE {path}: {}", first_line(&e.to_string())))?;
            for c in certs {
                options = options.with_root_certificate(c);
            }
        }
        let endpoint = env("AWS_ENDPOINT_URL_S3").or_else(|| env("AWS_ENDPOINT_URL"));
        let http = endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"));
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&location.bucket)
            .with_virtual_hosted_style_request(false)
            .with_client_options(options.with_allow_http(http))
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: limits.retries,
                retry_timeout: limits.timeout * (limits.retries as u32 + 1),
            });
        if let Some(e) = &endpoint {
            builder = builder.with_endpoint(e);
        }
        if env("AWS_REGION").is_none() && env("AWS_DEFAULT_REGION").is_none() {
            // Non-AWS stores take any region; AWS's default is this one.
            builder = builder.with_region("us-east-1");
        }
        let secrets: Vec<String> = ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"]
            .iter()
            .filter_map(|n| env(n))
            .collect();
        let s3 = builder.build().map_err(|e| {
            clean(
                &format!("{location}: {}", first_line(&e.to_string())),
                &secrets,
            )
        })?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("starting the I/O runtime: {e}"))?;
        Ok(Store {
            location: location.clone(),
            s3: Arc::new(s3),
            rt,
            secrets,
        })
    }

    fn key(&self, key: &str) -> Key {
        match (self.location.prefix.as_str(), key) {
            (p, "") => Key::from(p),
            ("", k) => Key::from(k),
            (p, k) => Key::from(format!("{p}/{k}")),
        }
    }

    fn error(&self, key: &str, e: impl fmt::Display) -> String {
        clean(
            &format!("{}: {}", self.location.url(key), first_line(&e.to_string())),
            &self.secrets,
        )
    }

    /// Writes `bytes` to `key`, then reads the object back and compares its
    /// SHA-256: a store that acknowledged a write it did not keep whole is
    /// caught here, not by a reader years later.
    pub fn put_verified(&self, key: &str, bytes: Vec<u8>) -> Result<Stored, String> {
        let sha256 = sha256_hex(&bytes);
        let len = bytes.len() as u64;
        let k = self.key(key);
        self.rt.block_on(async {
            self.s3
                .put(&k, PutPayload::from(bytes))
                .await
                .map_err(|e| self.error(key, e))?;
            let back = self
                .s3
                .get(&k)
                .await
                .map_err(|e| self.error(key, format!("reading back: {e}")))?
                .bytes()
                .await
                .map_err(|e| self.error(key, format!("reading back: {e}")))?;
            let got = sha256_hex(&back);
            if got != sha256 {
                return Err(self.error(
                    key,
                    format!(
                        "the stored object differs from what was sent (sha256 {got}, sent {sha256})"
                    ),
                ));
            }
            Ok(Stored { bytes: len, sha256 })
        })
    }

    /// The object at `key`, or `None` when there is none.
    pub fn get(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        self.rt.block_on(self.get_async(key))
    }

    async fn get_async(&self, key: &str) -> Result<Option<Vec<u8>>, String> {
        let k = self.key(key);
        match self.s3.get(&k).await {
            Ok(r) => r
                .bytes()
                .await
                .map(|b| Some(b.to_vec()))
                .map_err(|e| self.error(key, e)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// Many objects at once, `parallel` in flight, handed to `each` in the
    /// order asked as they arrive (so only the objects in flight are held
    /// in memory); stops at the first error `each` returns.
    pub fn get_each<E>(
        &self,
        keys: &[String],
        parallel: usize,
        mut each: impl FnMut(usize, Result<Option<Vec<u8>>, String>) -> Result<(), E>,
    ) -> Result<(), E> {
        use futures_util::StreamExt;
        self.rt.block_on(async {
            let mut results = futures_util::stream::iter(keys.iter().map(|k| self.get_async(k)))
                .buffered(parallel.max(1))
                .enumerate();
            while let Some((i, got)) = results.next().await {
                each(i, got)?;
            }
            Ok(())
        })
    }

    /// The names of the "folders" directly below `key`.
    pub fn folders(&self, key: &str) -> Result<Vec<String>, String> {
        let k = self.key(key);
        let listed = self
            .rt
            .block_on(self.s3.list_with_delimiter(Some(&k)))
            .map_err(|e| self.error(key, format!("listing: {e}")))?;
        let mut names: Vec<String> = listed
            .common_prefixes
            .iter()
            .filter_map(|p| p.filename().map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }
}

fn first_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` without any credential value in it.
fn clean(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s.as_str(), "<redacted>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse_strictly() {
        let l = Location::parse("s3://stigkit-results/fleet/").unwrap();
        assert_eq!(l.bucket, "stigkit-results");
        assert_eq!(l.prefix, "fleet");
        assert_eq!(
            l.url("a/latest.json"),
            "s3://stigkit-results/fleet/a/latest.json"
        );
        let bare = Location::parse("s3://bucket").unwrap();
        assert_eq!(bare.url("x"), "s3://bucket/x");
        for bad in [
            "s3:/bucket",
            "s3://",
            "s3://Bucket/x",
            "s3://b/x",
            "s3://key:secret@bucket/x",
            "s3://bucket/a//b",
            "s3://bucket/../x",
            "s3://bucket/x?versionId=1",
            "https://bucket/x",
        ] {
            let e = Location::parse(bad).unwrap_err();
            assert!(e.starts_with(&format!("'{bad}'")), "{e}");
            assert!(!e.contains('\n'));
        }
    }

    #[test]
    fn messages_lose_credentials() {
        let msg = clean(
            "denied for AKIA: secret s3cr3tvalue",
            &["s3cr3tvalue".into()],
        );
        assert_eq!(msg, "denied for AKIA: secret <redacted>");
    }
}
