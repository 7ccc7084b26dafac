//! The asset a checklist is about, when the user did not name it: MKE's
//! URL gives the FQDN (and short host name) or the IP address; the
//! engine's node name stands in for a host name an IP cannot give.

use crate::checks::Facts;
use crate::evidence::Evidence;
use crate::model::Asset;

/// `given` with what it lacks taken from the evidence: the host name
/// (unless `host_name` names it), the IP address and the FQDN.
pub fn asset_from(given: &Asset, host_name: Option<&str>, ev: &Evidence) -> Asset {
    let url_host = ev
        .manifest
        .target
        .mke_url
        .as_deref()
        .and_then(|u| reqwest::Url::parse(u).ok())
        .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_string()));
    let node_name = || {
        Facts::new(ev)
            .info
            .ok()
            .and_then(|i| i.get("Name").and_then(|n| n.as_str()).map(str::to_string))
    };
    let (mut name, mut ip, mut fqdn) = (None, String::new(), String::new());
    match url_host {
        Some(h) if h.parse::<std::net::IpAddr>().is_ok() => ip = h,
        Some(h) => {
            name = h.split('.').next().map(str::to_string);
            if h.contains('.') {
                fqdn = h;
            }
        }
        None => {}
    }
    let mut asset = given.clone();
    asset.host_name = match host_name {
        Some(h) => h.to_string(),
        None => name
            .or_else(node_name)
            .unwrap_or_else(|| "docker-host".into()),
    };
    if asset.host_ip.is_empty() {
        asset.host_ip = ip;
    }
    if asset.host_fqdn.is_empty() {
        asset.host_fqdn = fqdn;
    }
    asset
}
