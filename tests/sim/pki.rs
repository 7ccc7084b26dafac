//! Certificates and keys (generated at start, never stored in the repo) and
//! the client bundle files, laid out like MKE's (spec §1.3).

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::Datelike;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, date_time_ymd,
};
use rustls::pki_types::CertificateDer;
use sha2::Digest;

/// A server certificate with the chain it presents.
pub(super) struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    /// PKCS#8 DER.
    pub key_der: Vec<u8>,
    pub cert_pem: String,
}

pub(super) struct Pki {
    pub ca_pem: String,
    pub ca_der: CertificateDer<'static>,
    pub mke: Leaf,
    pub kube: Leaf,
    pub msr: Leaf,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    pub client_pub_pem: String,
    pub client_cert_der: Vec<u8>,
    pub foreign_ca_pem: String,
    pub foreign_cert_pem: String,
    pub foreign_key_pem: String,
}

/// Where [`Pki::write_files`] put things.
pub(super) struct Files {
    pub ca_pem: PathBuf,
    pub bundle_dir: PathBuf,
    pub bundle_zip: PathBuf,
    pub foreign_ca_pem: PathBuf,
    pub foreign_bundle_dir: PathBuf,
}

fn err(what: &str) -> impl Fn(rcgen::Error) -> String + '_ {
    move |e| format!("generating {what}: {e}")
}

/// A CA with its own key, able to sign leaves.
struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pem: String,
    der: CertificateDer<'static>,
}

impl Ca {
    fn new(common_name: &str, org: &str) -> Result<Ca, String> {
        let key = KeyPair::generate().map_err(err("a CA key"))?;
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, org);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        set_validity(&mut params);
        let cert = params.self_signed(&key).map_err(err("a CA"))?;
        Ok(Ca {
            pem: cert.pem(),
            der: cert.der().clone(),
            params,
            key,
        })
    }

    /// Signs a new leaf; returns (cert DER, cert PEM, key).
    fn sign(
        &self,
        common_name: &str,
        sans: &[&str],
        eku: ExtendedKeyUsagePurpose,
        expired: bool,
    ) -> Result<(CertificateDer<'static>, String, KeyPair), String> {
        let key = KeyPair::generate().map_err(err("a leaf key"))?;
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map_err(err("leaf parameters"))?;
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![eku];
        params.use_authority_key_identifier_extension = true;
        if expired {
            // Long expired, but otherwise valid and signed by the right CA.
            params.not_before = date_time_ymd(2020, 1, 1);
            params.not_after = date_time_ymd(2021, 1, 1);
        } else {
            set_validity(&mut params);
        }
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer).map_err(err(common_name))?;
        Ok((cert.der().clone(), cert.pem(), key))
    }

    fn server_leaf(&self, common_name: &str, expired: bool) -> Result<Leaf, String> {
        let (der, pem, key) = self.sign(
            common_name,
            &["127.0.0.1", "localhost"],
            ExtendedKeyUsagePurpose::ServerAuth,
            expired,
        )?;
        Ok(Leaf {
            chain: vec![der, self.der.clone()],
            key_der: key.serialize_der(),
            cert_pem: pem,
        })
    }
}

/// From the start of last year to the start of the year after next: valid
/// now, with room for clock skew, and a plausible lifetime.
fn set_validity(params: &mut CertificateParams) {
    let year = chrono::Utc::now().year();
    params.not_before = date_time_ymd(year - 1, 1, 1);
    params.not_after = date_time_ymd(year + 2, 1, 1);
}

/// Subject of the simulator CA: MKE's generated root unless the scenario's
/// optional `pki.json` names another, e.g. a DoD-issued one:
/// `{"ca_common_name": "DOD TEST ROOT CA 7", "ca_organization": "U.S. Government"}`.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct CaSubject {
    pub common_name: String,
    pub organization: String,
}

impl Default for CaSubject {
    fn default() -> Self {
        CaSubject {
            common_name: "MKE Root CA".into(),
            organization: "Mirantis Kubernetes Engine (simulator)".into(),
        }
    }
}

impl CaSubject {
    /// Reads `<scenario>/pki.json` when there is one; both keys are
    /// optional, any other key is an error (a misspelt key must not
    /// silently leave the MKE-generated CA in place).
    pub fn of_scenario(dir: &Path) -> Result<CaSubject, String> {
        let path = dir.join("pki.json");
        let mut subject = CaSubject::default();
        if !path.exists() {
            return Ok(subject);
        }
        let bad = |why: &str| format!("{}: {why}", path.display());
        let raw = std::fs::read(&path).map_err(|e| bad(&e.to_string()))?;
        let v: serde_json::Value =
            serde_json::from_slice(&raw).map_err(|e| bad(&format!("not JSON: {e}")))?;
        let obj = v.as_object().ok_or_else(|| bad("expected an object"))?;
        for (key, value) in obj {
            let text = value
                .as_str()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| bad(&format!("{key} must be a non-empty string")))?
                .to_string();
            match key.as_str() {
                "ca_common_name" => subject.common_name = text,
                "ca_organization" => subject.organization = text,
                _ => return Err(bad(&format!("unknown key {key}"))),
            }
        }
        Ok(subject)
    }
}

impl Pki {
    pub fn generate(expired_mke_cert: bool, subject: &CaSubject) -> Result<Pki, String> {
        let ca = Ca::new(&subject.common_name, &subject.organization)?;
        let mke = ca.server_leaf("ucp-controller", expired_mke_cert)?;
        let kube = ca.server_leaf("kube-apiserver", false)?;
        let msr = ca.server_leaf("msr.example.mil", false)?;
        let (client_der, client_cert_pem, client_key) =
            ca.sign("admin", &[], ExtendedKeyUsagePurpose::ClientAuth, false)?;

        let foreign = Ca::new("Foreign Root CA", "Not The Cluster")?;
        let (_, foreign_cert_pem, foreign_key) =
            foreign.sign("admin", &[], ExtendedKeyUsagePurpose::ClientAuth, false)?;

        Ok(Pki {
            ca_pem: ca.pem.clone(),
            ca_der: ca.der.clone(),
            mke,
            kube,
            msr,
            client_cert_pem,
            client_key_pem: client_key.serialize_pem(),
            client_pub_pem: client_key.public_key_pem(),
            client_cert_der: client_der.to_vec(),
            foreign_ca_pem: foreign.pem.clone(),
            foreign_cert_pem,
            foreign_key_pem: foreign_key.serialize_pem(),
        })
    }

    /// Grep-able forms of the client private keys: the first base64 line of
    /// each PEM body (survives any re-wrapping or JSON escaping of the PEM),
    /// and the bundle key as kube.yml carries it (base64 of the PEM).
    pub fn client_key_secrets(&self) -> Vec<String> {
        let mut out = Vec::new();
        for pem in [&self.client_key_pem, &self.foreign_key_pem] {
            if let Some(line) = pem.lines().find(|l| !l.starts_with("-----")) {
                out.push(line.to_string());
            }
        }
        out.push(B64.encode(&self.client_key_pem));
        out
    }

    /// Writes ca.pem, the bundle (folder and zip) and the foreign bundle.
    pub fn write_files(&self, root: &Path, mke_url: &str, kube_url: &str) -> Result<Files, String> {
        let io = |what: &Path| {
            let what = what.display().to_string();
            move |e: std::io::Error| format!("writing {what}: {e}")
        };
        let mke_hostport = mke_url.trim_start_matches("https://");

        let ca_pem = root.join("ca.pem");
        std::fs::write(&ca_pem, &self.ca_pem).map_err(io(&ca_pem))?;

        let bundle = self.bundle_files(mke_hostport, kube_url)?;
        let bundle_dir = root.join("bundle");
        std::fs::create_dir_all(&bundle_dir).map_err(io(&bundle_dir))?;
        for (name, body) in &bundle {
            let path = bundle_dir.join(name);
            std::fs::write(&path, body).map_err(io(&path))?;
        }
        restrict(&bundle_dir.join("key.pem"))?;
        let bundle_zip = root.join(format!("ucp-bundle-{}.zip", "admin"));
        std::fs::write(&bundle_zip, zip_files(&bundle)?).map_err(io(&bundle_zip))?;

        let foreign_ca_pem = root.join("foreign-ca.pem");
        std::fs::write(&foreign_ca_pem, &self.foreign_ca_pem).map_err(io(&foreign_ca_pem))?;
        let foreign_bundle_dir = root.join("foreign-bundle");
        std::fs::create_dir_all(&foreign_bundle_dir).map_err(io(&foreign_bundle_dir))?;
        for (name, body) in [
            ("ca.pem", &self.foreign_ca_pem),
            ("cert.pem", &self.foreign_cert_pem),
            ("key.pem", &self.foreign_key_pem),
        ] {
            let path = foreign_bundle_dir.join(name);
            std::fs::write(&path, body).map_err(io(&path))?;
        }
        restrict(&foreign_bundle_dir.join("key.pem"))?;

        Ok(Files {
            ca_pem,
            bundle_dir,
            bundle_zip,
            foreign_ca_pem,
            foreign_bundle_dir,
        })
    }

    /// The files of the client bundle, in the order MKE zips them.
    fn bundle_files(
        &self,
        mke_hostport: &str,
        kube_url: &str,
    ) -> Result<Vec<(String, Vec<u8>)>, String> {
        let id: String = sha2::Sha256::digest(&self.client_cert_der)
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect();
        let ctx_name = format!("ucp_{mke_hostport}_admin");
        let kube_yml = format!(
            "apiVersion: v1\n\
             clusters:\n\
             - cluster:\n    certificate-authority-data: {ca}\n    server: {kube_url}\n  name: {ctx_name}\n\
             contexts:\n\
             - context:\n    cluster: {ctx_name}\n    user: {ctx_name}\n  name: {ctx_name}\n\
             current-context: {ctx_name}\n\
             kind: Config\n\
             preferences: {{}}\n\
             users:\n\
             - name: {ctx_name}\n  user:\n    client-certificate-data: {cert}\n    client-key-data: {key}\n",
            ca = B64.encode(&self.ca_pem),
            cert = B64.encode(&self.client_cert_pem),
            key = B64.encode(&self.client_key_pem),
        );
        let env_sh = format!(
            "export DOCKER_TLS_VERIFY=1\n\
             export COMPOSE_TLS_VERSION=TLSv1_2\n\
             export DOCKER_CERT_PATH=\"$(pwd)\"\n\
             export DOCKER_HOST=tcp://{mke_hostport}\n\
             export KUBECONFIG=\"$(pwd)/kube.yml\"\n"
        );
        let env_ps1 = format!(
            "$env:DOCKER_TLS_VERIFY = \"1\"\r\n\
             $env:COMPOSE_TLS_VERSION = \"TLSv1_2\"\r\n\
             $env:DOCKER_CERT_PATH = $(Split-Path -Parent $MyInvocation.MyCommand.Path)\r\n\
             $env:DOCKER_HOST = \"tcp://{mke_hostport}\"\r\n\
             $env:KUBECONFIG = Join-Path $(Split-Path -Parent $MyInvocation.MyCommand.Path) \"kube.yml\"\r\n"
        );
        let env_cmd = format!(
            "@echo off\r\n\
             set DOCKER_TLS_VERIFY=1\r\n\
             set COMPOSE_TLS_VERSION=TLSv1_2\r\n\
             set DOCKER_CERT_PATH=%~dp0\r\n\
             set DOCKER_HOST=tcp://{mke_hostport}\r\n\
             set KUBECONFIG=%~dp0kube.yml\r\n"
        );
        let meta = serde_json::json!({
            "Name": format!("ucp_admin_{id}"),
            "Metadata": {"Description": "MKE bundle", "StackOrchestrator": "swarm"},
            "Endpoints": {
                "docker": {"Host": format!("tcp://{mke_hostport}"), "SkipTLSVerify": false},
                "kubernetes": {"Host": kube_url, "SkipTLSVerify": false, "DefaultNamespace": "default"}
            }
        });
        let meta = serde_json::to_vec_pretty(&meta).map_err(|e| e.to_string())?;
        // A docker-context export: meta.json plus tls/<endpoint>/ PEMs.
        let mut nested = vec![("meta.json".to_string(), meta)];
        for endpoint in ["docker", "kubernetes"] {
            for (name, body) in [
                ("ca.pem", &self.ca_pem),
                ("cert.pem", &self.client_cert_pem),
                ("key.pem", &self.client_key_pem),
            ] {
                nested.push((format!("tls/{endpoint}/{name}"), body.clone().into_bytes()));
            }
        }
        Ok(vec![
            ("ca.pem".into(), self.ca_pem.clone().into_bytes()),
            ("cert.pem".into(), self.client_cert_pem.clone().into_bytes()),
            ("key.pem".into(), self.client_key_pem.clone().into_bytes()),
            ("cert.pub".into(), self.client_pub_pem.clone().into_bytes()),
            ("kube.yml".into(), kube_yml.into_bytes()),
            ("env.sh".into(), env_sh.into_bytes()),
            ("env.ps1".into(), env_ps1.into_bytes()),
            ("env.cmd".into(), env_cmd.into_bytes()),
            ("ucp-docker-bundle.zip".into(), zip_files(&nested)?),
        ])
    }
}

fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, body) in files {
        zip.start_file(name.as_str(), opts)
            .map_err(|e| format!("zipping {name}: {e}"))?;
        zip.write_all(body)
            .map_err(|e| format!("zipping {name}: {e}"))?;
    }
    let cursor = zip.finish().map_err(|e| format!("finishing a zip: {e}"))?;
    Ok(cursor.into_inner())
}

/// Private keys are owner-only, as a careful user would keep them.
fn restrict(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("chmod {}: {e}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
