#!/usr/bin/env bash
# apt-install.sh "what for" [--no-install-recommends] package...: installs Debian
# packages a test needs, with sudo when not root; fails with a clear message where
# there is no apt-get. The ensure-*.sh scripts decide what is missing, this installs it.
set -euo pipefail
purpose="$1"
shift
if ! command -v apt-get >/dev/null 2>&1; then
  echo "edgeq: missing for $purpose: $* (Debian/Ubuntu package names). Install them, or see the README." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "edgeq: installing for $purpose: apt-get install $*" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
