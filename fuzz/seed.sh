#!/usr/bin/env bash
# Seeds each fuzz target's corpus from the shared test corpus and samples/.
# Usage: fuzz/seed.sh   (STIGKIT_CORPUS defaults to ../shared/data)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
data="${STIGKIT_CORPUS:-$repo/../shared/data}"
[ -d "$data" ] || { echo "seed.sh: corpus not found at $data (set STIGKIT_CORPUS)" >&2; exit 2; }
out="$here/corpus"
mkdir -p "$out"/{xccdf,disa_zip,ckl,cklb,xccdf_results,evidence_manifest,policy,answers,kubeconfig,client_bundle,api_responses}

# Large files slow every execution; the fuzzer truncates to -max_len anyway.
cp "$data"/xccdf/*.xml "$data"/mke/*.xml "$out/xccdf/"
cp "$data"/xccdf/zips/*.zip "$data"/mke/*.zip "$out/disa_zip/"
find "$data/ckl" -type f -exec cp {} "$out/ckl/" \;
find "$data/cklb" -type f -exec cp {} "$out/cklb/" \;
cp "$data"/xccdf-results/* "$out/xccdf_results/"
cp "$repo/samples/evidence/manifest.json" "$out/evidence_manifest/"
cp "$repo/samples/policy.toml" "$repo/samples/stigkit.toml" "$out/policy/"
cp "$repo/samples/answers.toml" "$out/answers/"

python3 - "$repo" "$out" <<'PY'
import base64, io, json, os, subprocess, sys, tempfile, zipfile
repo, out = sys.argv[1], sys.argv[2]
ev = os.path.join(repo, "samples", "evidence")

# api_responses: first byte picks the answer (among calls with a file).
calls = [c for c in json.load(open(os.path.join(ev, "manifest.json")))["calls"] if c.get("file")]
for i, c in enumerate(calls):
    body = open(os.path.join(ev, c["file"]), "rb").read()
    with open(os.path.join(out, "api_responses", f"{i:03d}"), "wb") as f:
        f.write(bytes([i % 256]) + body)

# A client bundle shaped like MKE's, with a throwaway self-signed key.
with tempfile.TemporaryDirectory() as t:
    key, cert = os.path.join(t, "key.pem"), os.path.join(t, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=fuzz"],
                   check=True, capture_output=True)
    k, c = open(key, "rb").read(), open(cert, "rb").read()
b64 = lambda b: base64.b64encode(b).decode()
kube = f"""apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: {b64(c)}
    server: https://mke.example:6443
  name: ucp_mke.example:443_admin
contexts:
- context:
    cluster: ucp_mke.example:443_admin
    user: ucp_mke.example:443_admin
  name: ucp_mke.example:443_admin
current-context: ucp_mke.example:443_admin
kind: Config
users:
- name: ucp_mke.example:443_admin
  user:
    client-certificate-data: {b64(c)}
    client-key-data: {b64(k)}
"""
open(os.path.join(out, "kubeconfig", "kube.yml"), "w").write(kube)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("ca.pem", c); z.writestr("cert.pem", c); z.writestr("key.pem", k)
    z.writestr("kube.yml", kube)
    z.writestr("env.sh", "export DOCKER_HOST=tcp://mke.example:443\n")
open(os.path.join(out, "client_bundle", "bundle.zip"), "wb").write(buf.getvalue())
PY
for d in "$out"/*/; do printf '%-18s %s seeds\n' "$(basename "$d")" "$(ls "$d" | wc -l)"; done
