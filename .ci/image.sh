#!/usr/bin/env bash
# image.sh - the container image: a statically linked stigkit (musl) and the
# CA certificates in an image FROM scratch, built by the real dockerd that
# .ci/docker.sh starts. tests/image.rs runs it.
#
#   .ci/image.sh [TAG]     # default stigkit:ci
set -euo pipefail
cd "$(dirname "$0")/.."
tag=${1:-stigkit:ci}
target=x86_64-unknown-linux-musl
rustup target list --installed | grep -qx "$target" || rustup target add "$target"
# mimalloc's C code needs musl's compiler wrapper.
command -v musl-gcc >/dev/null || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends musl-tools >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends musl-tools >/dev/null; }
}
cargo build --locked --profile dist --target "$target" --bin stigkit
cp /etc/ssl/certs/ca-certificates.crt target/ca-certificates.crt
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
# The legacy builder needs no buildx plugin; FROM scratch pulls nothing.
DOCKER_BUILDKIT=0 docker build --quiet -t "$tag" . >/dev/null 2>&1 \
  || { DOCKER_BUILDKIT=0 docker build -t "$tag" .; exit 1; }
docker image inspect "$tag" --format '{{.Size}}' | awk -v t="$tag" '{printf "image %s: %.1f MB\n", t, $1/1e6}'
