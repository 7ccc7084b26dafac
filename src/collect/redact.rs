//! Removing secrets from API answers before anything is stored.
//!
//! MKE exports its configuration with secrets in the clear (backup
//! passphrase, SAML proxy password, OIDC client secret), eNZi may echo the
//! LDAP reader password, and container environments hold credentials.
//! Values under secret-looking names are replaced, every environment
//! variable keeps its name but loses its value, and anything shaped like a
//! private key goes. The run's own credentials (passwords given, tokens
//! received), in any form, are `scrub`'s business.

use serde_json::Value;

/// What replaces a secret value (empty values stay empty: they reveal
/// nothing, and a reviewer needs to see that a secret is unset).
pub const REDACTED: &str = "[REDACTED]";

/// Whether a field name holds a secret.
fn secret_name(name: &str) -> bool {
    let n: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    // Names of secrets, not secrets: Swarm secret references and the like.
    if n.ends_with("name")
        || n.ends_with("id")
        || n.ends_with("ref")
        || n.ends_with("names")
        || n.ends_with("count")
        || n == "secrets"
    {
        return false;
    }
    const WORDS: [&str; 15] = [
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "privatekey",
        "apikey",
        "credential",
        "tlskey",
        "clientkey",
        "sslkey",
        "keydata",
        // Request headers a server may echo: `Authorization`,
        // `X-Registry-Auth`, `Cookie`, `Set-Cookie`.
        "authorization",
        "registryauth",
        "cookie",
    ];
    WORDS.iter().any(|w| n.contains(w)) || n == "key" || n == "pass" || n == "pwd"
}

/// Whether a text looks like key material.
fn looks_like_private_key(s: &str) -> bool {
    s.contains("PRIVATE KEY-----")
}

/// Redacts a JSON document in place; returns the paths of replaced values.
pub fn json(v: &mut Value) -> Vec<String> {
    let mut hits = Vec::new();
    walk(v, String::new(), &mut hits);
    hits
}

fn walk(v: &mut Value, path: String, hits: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let lower = k.to_ascii_lowercase();
                if lower == "env" || lower == "environment" {
                    redact_env(child, &p, hits);
                } else if lower == "kubectl.kubernetes.io/last-applied-configuration" {
                    // A copy of the whole object, environment values included.
                    if child.as_str().is_some_and(|s| !s.is_empty()) {
                        *child = Value::String(REDACTED.into());
                        hits.push(p);
                    }
                } else if secret_name(k) && is_scalar_text(child) {
                    *child = Value::String(REDACTED.into());
                    hits.push(p);
                } else {
                    walk(child, p, hits);
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk(child, format!("{path}[{i}]"), hits);
            }
        }
        Value::String(s) if looks_like_private_key(s) => {
            *s = REDACTED.into();
            hits.push(path);
        }
        _ => {}
    }
}

fn is_scalar_text(v: &Value) -> bool {
    match v {
        Value::String(s) => !s.is_empty(),
        Value::Number(_) => true,
        _ => false,
    }
}

/// Environment variables: Docker's `["NAME=value"]` and Kubernetes'
/// `[{"name": …, "value": …}]`. Names stay (checks look for credential
/// names); values go.
fn redact_env(v: &mut Value, path: &str, hits: &mut Vec<String>) {
    let Value::Array(items) = v else {
        walk(v, path.to_string(), hits);
        return;
    };
    for (i, item) in items.iter_mut().enumerate() {
        let p = format!("{path}[{i}]");
        match item {
            Value::String(s) => {
                if let Some((name, value)) = s.split_once('=')
                    && !value.is_empty()
                {
                    *s = format!("{name}={REDACTED}");
                    hits.push(p);
                }
            }
            // valueFrom (secretKeyRef) holds references only: it stays.
            Value::Object(obj)
                if obj
                    .get("value")
                    .and_then(Value::as_str)
                    .is_some_and(|s| !s.is_empty()) =>
            {
                obj.insert("value".into(), Value::String(REDACTED.into()));
                hits.push(format!("{p}.value"));
            }
            _ => {}
        }
    }
}

/// Redacts a TOML document (MKE's config-toml), keeping its layout.
pub fn toml(text: &str) -> Result<(String, Vec<String>), String> {
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_string())?;
    let mut hits = Vec::new();
    toml_table(doc.as_table_mut(), String::new(), &mut hits);
    Ok((doc.to_string(), hits))
}

fn toml_table(t: &mut dyn toml_edit::TableLike, path: String, hits: &mut Vec<String>) {
    for (k, item) in t.iter_mut() {
        let p = if path.is_empty() {
            k.get().to_string()
        } else {
            format!("{path}.{}", k.get())
        };
        toml_item(item, k.get(), p, hits);
    }
}

fn toml_item(item: &mut toml_edit::Item, key: &str, path: String, hits: &mut Vec<String>) {
    match item {
        toml_edit::Item::Table(t) => toml_table(t, path, hits),
        toml_edit::Item::ArrayOfTables(a) => {
            for (i, t) in a.iter_mut().enumerate() {
                toml_table(t, format!("{path}[{i}]"), hits);
            }
        }
        toml_edit::Item::Value(v) => toml_value(v, key, path, hits),
        toml_edit::Item::None => {}
    }
}

fn toml_value(v: &mut toml_edit::Value, key: &str, path: String, hits: &mut Vec<String>) {
    match v {
        toml_edit::Value::String(s) => {
            let text = s.value();
            if !text.is_empty() && (secret_name(key) || looks_like_private_key(text)) {
                let decor = s.decor().clone();
                let mut new = toml_edit::Formatted::new(REDACTED.to_string());
                *new.decor_mut() = decor;
                *s = new;
                hits.push(path);
            }
        }
        toml_edit::Value::InlineTable(t) => toml_table(t, path, hits),
        toml_edit::Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                toml_value(x, key, format!("{path}[{i}]"), hits);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_secrets_env_values_and_keys_go_names_stay() {
        let mut v = json!({
            "Config": {"Env": ["PORT=8080", "DB_PASSWORD=s3cr3t-value", "EMPTY="]},
            "Spec": {"TaskTemplate": {"ContainerSpec": {"Secrets": [{"SecretName": "db_pw", "SecretID": "q1"}]}}},
            "readerPassword": "ldap-reader-pw", "readerDN": "cn=reader", "tokenCount": 3,
            "headers": {"Authorization": "Basic eDp5", "X-Registry-Auth": "e30=", "Cookie": "s=1", "Accept": "*/*"},
            "authorization": {"mode": "Webhook"},
            "webTLSKey": "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----",
            "containers": [{"env": [{"name": "API_TOKEN", "value": "tok-123"}, {"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]}],
            "password": ""
        });
        let hits = json(&mut v);
        assert_eq!(
            v["Config"]["Env"],
            json!(["PORT=[REDACTED]", "DB_PASSWORD=[REDACTED]", "EMPTY="])
        );
        assert_eq!(
            v["Spec"]["TaskTemplate"]["ContainerSpec"]["Secrets"][0]["SecretName"],
            "db_pw"
        );
        assert_eq!(v["readerPassword"], REDACTED);
        assert_eq!(v["readerDN"], "cn=reader");
        assert_eq!(v["tokenCount"], 3);
        assert_eq!(v["webTLSKey"], REDACTED);
        assert_eq!(v["containers"][0]["env"][0]["value"], REDACTED);
        assert_eq!(
            v["containers"][0]["env"][1]["valueFrom"]["secretKeyRef"]["key"],
            "k"
        );
        assert_eq!(v["password"], "");
        assert_eq!(
            v["headers"],
            json!({"Authorization": REDACTED, "X-Registry-Auth": REDACTED, "Cookie": REDACTED, "Accept": "*/*"})
        );
        assert_eq!(v["authorization"], json!({"mode": "Webhook"}));
        assert!(hits.contains(&"readerPassword".to_string()), "{hits:?}");
    }

    #[test]
    fn toml_secrets_go_layout_stays() {
        let text = "[auth]\n  backend = \"managed\"\n[auth.samlProxy.credentials.basic]\n  user = \"svc\"\n  password = \"saml-proxy-pw\"\n[backup_schedule_config]\n  passphrase = \"backup-pass\" # plaintext\n  no_passphrase = false\n[auth.external_identity_provider]\n  clientSecret = \"\"\n";
        let (out, hits) = toml(text).unwrap();
        assert!(!out.contains("saml-proxy-pw") && !out.contains("backup-pass"));
        assert!(
            out.contains("  passphrase = \"[REDACTED]\" # plaintext\n"),
            "{out}"
        );
        assert!(out.contains("clientSecret = \"\""));
        assert!(out.contains("no_passphrase = false"));
        assert_eq!(
            hits,
            [
                "auth.samlProxy.credentials.basic.password",
                "backup_schedule_config.passphrase"
            ]
        );
    }
}
