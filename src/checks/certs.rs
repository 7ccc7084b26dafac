//! Rules about the certificates MKE and MSR present.

use super::facts::Facts;
use super::{Outcome, Policy};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::Arc;

/// What a certificate says about itself.
struct Described {
    subject: String,
    issuer: String,
    not_after: String,
    self_signed: bool,
}

fn describe(der: &[u8]) -> Option<Described> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(Described {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_after: cert.validity().not_after.to_string(),
        self_signed: cert.subject() == cert.issuer(),
    })
}

/// The issuer looks like the root MKE (UCP) generates for itself.
fn mke_generated(issuer: &str) -> bool {
    let upper = issuer.to_ascii_uppercase();
    (upper.contains("MKE") || upper.contains("UCP")) && upper.contains("ROOT CA")
}

/// Verifies a server certificate for `host` against a PEM bundle of
/// trusted CAs, as a client would at connection time.
fn verify(der: &[u8], trusted_pem: &[u8], host: &str) -> Result<(), String> {
    let roots = crate::pki::roots_from_pem(trusted_pem)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| e.to_string())?;
    let name = ServerName::try_from(host.to_string()).map_err(|e| e.to_string())?;
    let intermediates: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(trusted_pem)
        .filter_map(Result::ok)
        .collect();
    verifier
        .verify_server_cert(
            &CertificateDer::from(der.to_vec()),
            &intermediates,
            &name,
            &[],
            UnixTime::now(),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn host_of(url: &str) -> String {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()))
        .unwrap_or_default()
}

/// Shared by V-260927 (MKE) and V-260916 (MSR).
fn trusted_certificate(
    f: &Facts,
    p: &Policy,
    product: &str,
    cert_key: &str,
    ca_key: &str,
    url: Option<&str>,
) -> Outcome {
    let pem = match f.text(
        cert_key,
        &format!("{product}'s server certificate (TLS handshake)"),
    ) {
        Ok(p) => p,
        Err(m) => return Outcome::missing(&m),
    };
    let Some(der) = CertificateDer::from_pem_slice(pem.as_bytes()).ok() else {
        return Outcome::review(format!(
            "{product}'s stored server certificate cannot be read."
        ));
    };
    let Some(d) = describe(&der) else {
        return Outcome::review(format!("{product}'s server certificate cannot be parsed."));
    };
    let mut lines = vec![
        format!("server certificate subject: {}", d.subject),
        format!("server certificate issuer: {}", d.issuer),
        format!("server certificate valid until {}", d.not_after),
        format!(
            "server certificate sha256: {}",
            crate::evidence::sha256_hex(&der)
        ),
    ];
    if let Ok(ca) = f.text(ca_key, "CA") {
        for c in CertificateDer::pem_slice_iter(ca.as_bytes()).filter_map(Result::ok) {
            if let Some(cd) = describe(&c) {
                lines.push(format!("GET /ca: {}", cd.subject));
            }
        }
    }
    let sources = [cert_key, ca_key];
    let host = url.map(host_of).unwrap_or_default();
    if let Some(trusted) = &p.trusted_ca_pem {
        return match verify(&der, trusted, &host) {
            Ok(()) => Outcome::pass(format!(
                "{product}'s certificate chains to a CA the site policy trusts."
            )),
            Err(e) => Outcome::open(format!(
                "{product}'s certificate does not verify against the site's trusted CAs: {e}."
            )),
        }
        .lines(lines)
        .sources(&sources);
    }
    if d.self_signed || mke_generated(&d.issuer) {
        let why = if d.self_signed {
            "is self-signed"
        } else {
            "is issued by the root MKE generates for itself"
        };
        return Outcome::open(format!(
            "{product}'s certificate {why}, not by a DoD-trusted CA."
        ))
        .lines(lines)
        .sources(&sources);
    }
    Outcome::review(format!(
        "{product}'s certificate is issued by {}; whether that CA is DoD-trusted needs review.",
        d.issuer
    ))
    .lines(lines)
    .step("Give the DoD CA bundle as trusted_ca_bundle in the site policy.")
    .sources(&sources)
}

/// V-260927: MKE presents a DoD-trusted certificate.
pub fn mke_certificate(f: &Facts, p: &Policy) -> Outcome {
    if f.cfg("cluster_config.ingress_controller.enabled")
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        return Outcome::not_applicable(
            "Kubernetes ingress serves MKE (cluster_config.ingress_controller.enabled = true).",
        )
        .source("mke/config-toml");
    }
    trusted_certificate(
        f,
        p,
        "MKE",
        "mke/tls/server-certificate",
        "mke/ca",
        f.target.mke_url.as_deref(),
    )
}

/// V-260916: MSR presents a DoD-trusted certificate.
pub fn msr_certificate(f: &Facts, p: &Policy) -> Outcome {
    if !f.msr_used() {
        return Outcome::not_applicable(
            "MSR is not used: no MSR was given to the collection and MKE lists no registry.",
        )
        .source("mke/config-toml");
    }
    if !f.has_msr() {
        return Outcome::review("MKE lists an MSR, but it was not part of the collection.")
            .step("Collect again with --msr-url and --msr-username.");
    }
    trusted_certificate(
        f,
        p,
        "MSR",
        "msr/tls/server-certificate",
        "msr/ca",
        f.target.msr_url.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn recognises_the_mke_generated_root() {
        assert!(super::mke_generated("CN=MKE Root CA, O=Mirantis"));
        assert!(super::mke_generated("CN=UCP Client Root CA"));
        assert!(!super::mke_generated(
            "CN=DOD TEST ROOT CA 7, O=U.S. Government"
        ));
    }
}
