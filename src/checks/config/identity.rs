//! V-260909: users authenticate through an enterprise identity provider
//! (LDAP or SAML), whose settings MKE holds in eNZi.

use super::{CONFIG, boolean, string};
use crate::checks::facts::Facts;
use crate::checks::{Outcome, Policy, need};
use serde_json::Value;

/// V-260909: MKE integrates with an enterprise identity provider.
pub fn identity_provider(f: &Facts, p: &Policy) -> Outcome {
    let auth_api = f
        .json(
            "mke/enzi/config-auth",
            "eNZi auth settings (GET /enzi/v0/config/auth)",
        )
        .ok();
    if f.config.is_err() && auth_api.is_none() {
        return Outcome::missing(f.config.as_ref().expect_err("checked"));
    }
    let backend = string(f, "auth.backend")
        .map(str::to_string)
        .or_else(|| {
            auth_api
                .as_ref()
                .and_then(|a| a.get("backend"))
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "managed".into());
    let saml = boolean(f, "auth.samlEnabled")
        .or_else(|| {
            auth_api
                .as_ref()
                .and_then(|a| a.get("samlEnabled"))
                .and_then(Value::as_bool)
        })
        .unwrap_or(false);
    let oidc =
        string(f, "auth.external_identity_provider.wellKnownConfigUrl").filter(|u| !u.is_empty());
    let mut lines = vec![
        format!("auth.backend = {backend:?}"),
        format!("auth.samlEnabled = {saml}"),
    ];
    if let Some(u) = oidc {
        lines.push(format!(
            "auth.external_identity_provider.wellKnownConfigUrl = {u:?} (OIDC, not LDAP or SAML)"
        ));
    }
    let sources = [CONFIG, "mke/enzi/config-auth", "mke/enzi/config-auth-ldap"];
    if backend != "ldap" && !saml {
        return Outcome::open("Neither LDAP nor SAML is enabled; users are managed by MKE itself.")
            .lines(lines)
            .sources(&sources);
    }
    if saml && backend != "ldap" {
        return Outcome::review("SAML is enabled; its IdP settings (metadata URL, TLS verification, root bundle, MKE host) are not exposed by the API.")
            .lines(lines)
            .step("In MKE Admin Settings > Authentication & Authorization, verify the SAML IdP metadata URL, that TLS verification is on, the root certificate bundle and the MKE host.")
            .sources(&sources);
    }
    let ldap = need!(f.json(
        "mke/enzi/config-auth-ldap",
        "LDAP settings (GET /enzi/v0/config/auth/ldap)"
    ));
    let field = |k: &str| {
        ldap.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let url = field("serverURL");
    let reader = field("readerDN");
    let password_set = !field("readerPassword").is_empty();
    lines.push(format!("LDAP serverURL = {url:?}"));
    lines.push(format!("LDAP readerDN set: {}", !reader.is_empty()));
    lines.push(format!("LDAP readerPassword set: {password_set}"));
    lines.push(format!(
        "LDAP tlsSkipVerify = {}",
        ldap.get("tlsSkipVerify")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    ));
    if url.is_empty() || reader.is_empty() || !password_set {
        return Outcome::open(
            "LDAP is enabled but its server URL, reader DN or reader password is not set.",
        )
        .lines(lines)
        .sources(&sources);
    }
    match &p.idp.expected_url {
        Some(want) if *want == url => Outcome::pass(format!(
            "LDAP authentication against {url}, the provider the site policy names."
        )),
        Some(want) => Outcome::open(format!(
            "LDAP points at {url}, not {want} as the site policy names."
        )),
        None => Outcome::review(format!(
            "LDAP authentication against {url}; whether this is the SSP's provider needs review."
        ))
        .step("Set idp.expected_url in the site policy to the SSP's identity provider."),
    }
    .lines(lines)
    .sources(&sources)
}
