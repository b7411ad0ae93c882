#!/usr/bin/env bash
# The browser tests drive a system Chromium (Playwright cannot download its own
# browsers here). Installs Debian's package when neither CHROMIUM_PATH nor
# /usr/bin/chromium is there; does nothing otherwise.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then exit 0; fi
if [ -x /usr/bin/chromium ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "edgeq: Chromium not found. Install it (e.g. 'apt-get install -y chromium') or set CHROMIUM_PATH." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "edgeq: installing Chromium for the browser tests (apt-get install chromium)…" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
