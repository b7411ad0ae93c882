#!/usr/bin/env bash
# The browser tests drive a system Chromium (Playwright cannot download its own
# browsers here). Installs Debian's package when neither CHROMIUM_PATH nor
# /usr/bin/chromium is there; does nothing otherwise.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then exit 0; fi
if [ -x /usr/bin/chromium ]; then exit 0; fi
exec "$(dirname "$0")/apt-install.sh" "the browser tests (or set CHROMIUM_PATH)" chromium
