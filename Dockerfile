# stigkit as a minimal image: the statically linked binary and the CA
# certificates, nothing else (no shell, no package manager), and no
# registry pull. Build it with .ci/image.sh, or by hand:
#   cargo build --locked --profile dist --target x86_64-unknown-linux-musl
#   cp /etc/ssl/certs/ca-certificates.crt target/ca-certificates.crt
#   docker build -t stigkit:0.1.0 .
FROM scratch
COPY target/x86_64-unknown-linux-musl/dist/stigkit /stigkit
COPY target/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# Temporary files go to TMPDIR, a volume, since the root file system is
# mounted read-only.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    TMPDIR=/tmp
# A numeric non-root user, so Kubernetes can check runAsNonRoot.
USER 65532:65532
ENTRYPOINT ["/stigkit"]
