#!/usr/bin/env bash
# docker.sh - a real Docker Engine for stigkit's tests: Debian's docker.io on
# a unix socket, an image built locally (no registry), the fixture containers
# the MKE STIG cares about, and a single-node swarm with a service and a
# secret. Adapted from the shared tools/docker/setup_docker.sh so the project
# stands on its own.
#
#   .ci/docker.sh all      # install start seed
#   .ci/docker.sh install  # apt packages + runc wrapper (no daemon)
#   .ci/docker.sh start    # start dockerd unless it already answers
#   .ci/docker.sh seed     # image, fixtures and swarm objects (idempotent)
#   .ci/docker.sh unseed   # remove the fixture containers (not the swarm)
#   .ci/docker.sh stop     # stop the dockerd this script started
#
# dockerd also serves mutual TLS on tcp://127.0.0.1:${DOCKER_TLS_PORT:-2376};
# the client certificate folder (ca.pem, cert.pem, key.pem) is
# $DOCKER_STATE_DIR/tls/client.
#
# Env: DOCKER_SOCK (default /var/run/docker.sock), DOCKER_STATE_DIR (default
# /var/tmp/stigkit-docker), DOCKER_TLS_PORT (default 2376),
# DOCKER_READY_TIMEOUT (seconds, default 60).
set -euo pipefail

SOCK=${DOCKER_SOCK:-/var/run/docker.sock}
STATE=${DOCKER_STATE_DIR:-/var/tmp/stigkit-docker}
TLS_PORT=${DOCKER_TLS_PORT:-2376}
SHIM=/opt/stigkit-runc/bin
IMAGE=stigkit/busybox:local
LABEL=stigkit.fixture=1
export DOCKER_HOST=unix://$SOCK

log() { printf '[docker.sh] %s\n' "$*" >&2; }
ping() { curl -sf --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; }

install() {
  local need=()
  for p in docker.io containerd runc iptables busybox-static curl ca-certificates openssl; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  if ((${#need[@]})); then
    log "apt-get install ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
      || { apt-get update >/dev/null && apt-get install -y --no-install-recommends "${need[@]}" >/dev/null; }
  fi
  # Some VMs (this CI kind among them) lack CAP_SYS_RESOURCE in the bounding
  # set, so runc fails --privileged. dockerd finds "runc" on its PATH; this
  # wrapper drops that one capability from the OCI config and is a no-op
  # elsewhere. Inspect still reports Privileged=true.
  mkdir -p "$SHIM"
  cat >"$SHIM/runc.new" <<'SH'
#!/bin/sh
bnd=$(awk '/^CapBnd/{print $2}' /proc/self/status)
if [ $(( (0x$bnd >> 24) & 1 )) -eq 0 ]; then
  bundle=""; prev=""
  for a in "$@"; do
    case "$prev" in --bundle|-b) bundle="$a";; esac
    case "$a" in --bundle=*) bundle="${a#--bundle=}";; esac
    prev="$a"
  done
  if [ -n "$bundle" ] && [ -f "$bundle/config.json" ]; then
    sed -i -e 's/"CAP_SYS_RESOURCE",//g' -e 's/,"CAP_SYS_RESOURCE"//g' -e 's/"CAP_SYS_RESOURCE"//g' "$bundle/config.json"
  fi
fi
exec /usr/sbin/runc "$@"
SH
  chmod +x "$SHIM/runc.new" && mv -f "$SHIM/runc.new" "$SHIM/runc"
}

# A CA, a server certificate for 127.0.0.1 and a client certificate, like
# an engine set up for remote TLS access.
tls() {
  local d=$STATE/tls
  [[ -f $d/client/key.pem ]] && return 0
  mkdir -p "$d/client"
  (
    cd "$d"
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=stigkit-docker-ca -keyout ca-key.pem -out ca.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout server-key.pem -out server.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 -extfile server.ext -out server-cert.pem 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj /CN=stigkit-auditor -keyout client/key.pem -out client.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 30 -extfile client.ext -out client/cert.pem 2>/dev/null
    cp ca.pem client/ca.pem
    rm -f ./*.csr ./*.ext
  )
}

start() {
  if ping; then log "dockerd answers on $SOCK"; return 0; fi
  mkdir -p "$STATE"
  tls
  launch() {
    PATH=$SHIM:$PATH setsid nohup dockerd --host "unix://$SOCK" --pidfile "$STATE/dockerd.pid" \
      --host "tcp://127.0.0.1:$TLS_PORT" --tlsverify --tlscacert "$STATE/tls/ca.pem" \
      --tlscert "$STATE/tls/server-cert.pem" --tlskey "$STATE/tls/server-key.pem" "$@" \
      >"$STATE/dockerd.log" 2>&1 </dev/null &
    local deadline=$((SECONDS + ${DOCKER_READY_TIMEOUT:-60}))
    while ((SECONDS < deadline)); do ping && return 0; sleep 0.2; done
    return 1
  }
  if launch; then log "dockerd ready"; return 0; fi
  log "dockerd did not start; retrying with vfs storage and no iptables"
  [[ -f $STATE/dockerd.pid ]] && kill "$(cat "$STATE/dockerd.pid")" 2>/dev/null || true
  sleep 1
  launch --storage-driver=vfs --iptables=false --bridge=none || { tail -20 "$STATE/dockerd.log" >&2; exit 1; }
  log "dockerd ready (fallback mode)"
}

image() {
  docker image inspect "$IMAGE" >/dev/null 2>&1 && return 0
  local root; root=$(mktemp -d)
  mkdir -p "$root"/{bin,etc,tmp,proc,sys,dev,root,var/run,usr/sbin}
  cp "$(command -v busybox)" "$root/bin/busybox"
  for a in sh ls cat sleep echo id ps httpd true false env mkdir chmod printf; do ln -sf busybox "$root/bin/$a"; done
  # A process named sshd (V-260910): a script, so the process's name is sshd.
  printf '#!/bin/sh\nwhile :; do sleep 3600; done\n' >"$root/usr/sbin/sshd"
  chmod +x "$root/usr/sbin/sshd"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -c . | docker import --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin:/usr/sbin' - "$IMAGE" >/dev/null
  rm -rf "$root"
  log "built $IMAGE"
}

# Fixture containers: name, then docker run arguments. Each carries exactly
# the setting its name says; stigkit-fx-clean has none of them.
FIXTURES=(
  "stigkit-fx-clean|--read-only --security-opt no-new-privileges --cpu-shares 512 --memory 64m $IMAGE sleep 1d"
  "stigkit-fx-privileged|--privileged $IMAGE sleep 1d"
  "stigkit-fx-nethost|--network host $IMAGE sleep 1d"
  "stigkit-fx-pidhost|--pid host $IMAGE sleep 1d"
  "stigkit-fx-ipchost|--ipc host $IMAGE sleep 1d"
  "stigkit-fx-usernshost|--userns host $IMAGE sleep 1d"
  "stigkit-fx-capadd|--cap-add SYS_ADMIN --cap-add NET_ADMIN --cap-drop CHOWN $IMAGE sleep 1d"
  "stigkit-fx-seccomp|--security-opt seccomp=unconfined $IMAGE sleep 1d"
  "stigkit-fx-dockersock|-v /var/run/docker.sock:/var/run/docker.sock $IMAGE sleep 1d"
  "stigkit-fx-port80|-p 127.0.0.1:80:80 $IMAGE httpd -f -p 80"
  "stigkit-fx-cpushares|--cpu-shares 1024 $IMAGE sleep 1d"
  "stigkit-fx-sshd|$IMAGE /usr/sbin/sshd -D"
)

seed() {
  image
  for f in "${FIXTURES[@]}"; do
    local name=${f%%|*} args=${f#*|}
    if docker container inspect "$name" >/dev/null 2>&1; then
      [[ $(docker container inspect -f '{{.State.Running}}' "$name") == true ]] || docker start "$name" >/dev/null
      continue
    fi
    # shellcheck disable=SC2086 # the arguments are meant to split
    docker run -d --name "$name" --label "$LABEL" $args >/dev/null
  done
  if [[ $(docker info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null
    log "swarm initialised"
  fi
  docker secret inspect stigkit-fx-secret >/dev/null 2>&1 \
    || printf 'fixture-secret-value' | docker secret create --label "$LABEL" stigkit-fx-secret - >/dev/null
  docker service inspect stigkit-fx-svc >/dev/null 2>&1 \
    || docker service create --detach --name stigkit-fx-svc --label "$LABEL" --secret stigkit-fx-secret \
         --publish 8082:80 "$IMAGE" httpd -f -p 80 >/dev/null 2>>"$STATE/service.log"
  local deadline=$((SECONDS + 60))
  until [[ $(docker service ls --filter name=stigkit-fx-svc --format '{{.Replicas}}') == 1/1 ]]; do
    ((SECONDS < deadline)) || { log "service did not start"; exit 1; }
    sleep 1
  done
  log "seeded: $(docker ps -q --filter label=$LABEL | wc -l) fixture containers running, 1 service, 1 secret"
}

unseed() {
  for f in "${FIXTURES[@]}"; do docker rm -f "${f%%|*}" >/dev/null 2>&1 || true; done
}

stop() {
  [[ -f $STATE/dockerd.pid ]] || return 0
  local pid; pid=$(cat "$STATE/dockerd.pid")
  docker ps -q | xargs -r docker stop -t 1 >/dev/null 2>&1 || true
  kill "$pid" 2>/dev/null || true
  # A new dockerd cannot start while the old one still holds its files.
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
}

case ${1:-all} in
  install) install ;;
  start) start ;;
  seed) mkdir -p "$STATE"; seed ;;
  unseed) unseed ;;
  stop) stop ;;
  all) install; start; mkdir -p "$STATE"; seed ;;
  *) echo "usage: $0 {all|install|start|seed|unseed|stop}" >&2; exit 2 ;;
esac
