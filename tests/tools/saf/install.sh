#!/usr/bin/env bash
# Installs MITRE SAF CLI as pinned by package-lock.json beside this script
# (@mitre/saf 1.5.3) and prints the folder it is in; its `saf` is
# node_modules/.bin/saf there. tests/poam.rs runs it; .ci/run calls it
# first so the tests find it installed.
#
# The folder is $STIGKIT_SAF_HOME, or one under $TMPDIR (/tmp). A stamp file
# keyed by the lock file's hash says the install is complete and current;
# parallel tests on a fresh machine take a lock, so one installs and the
# others wait.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
home=${STIGKIT_SAF_HOME:-${TMPDIR:-/tmp}/stigkit-saf}
stamp=$(cat "$here/package.json" "$here/package-lock.json" | sha256sum | cut -c1-16)
if [[ ! -f $home/.stamp-$stamp ]]; then
  command -v npm >/dev/null || { echo "saf: npm is required to install @mitre/saf" >&2; exit 2; }
  mkdir -p "$home"
  exec 9>"$home.lock"
  flock 9
  if [[ ! -f $home/.stamp-$stamp ]]; then
    rm -f "$home"/.stamp-*
    cp -f "$here/package.json" "$here/package-lock.json" "$home/"
    (cd "$home" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) \
      || { echo "saf: npm ci failed in $home" >&2; exit 2; }
    touch "$home/.stamp-$stamp"
  fi
  flock -u 9
  exec 9>&-
fi
echo "$home"
