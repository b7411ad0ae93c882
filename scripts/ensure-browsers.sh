#!/usr/bin/env bash
# The browser suites run in Chromium, Firefox and WebKit (see
# packages/browser/test/setup/engines). Playwright cannot download its own
# browsers here, so they come from Debian: chromium, firefox-esr, and
# WebKitGTK's WebKitWebDriver + MiniBrowser (webkit2gtk-driver), run under
# xvfb-run (MiniBrowser has no headless mode). Installs whichever is missing
# with apt-get; does nothing when all are there. EDGEQ_BROWSERS=firefox,webkit
# (comma-separated) narrows what is needed.
set -euo pipefail
wanted="${EDGEQ_BROWSERS:-chromium,firefox,webkit}"
packages=()
needs() { [[ ",${wanted}," == *",$1,"* ]]; }

if needs chromium; then
  if ! { [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; } && [ ! -x /usr/bin/chromium ]; then
    packages+=(chromium)
  fi
fi
if needs firefox && [ ! -x /usr/bin/firefox-esr ]; then packages+=(firefox-esr); fi
if needs webkit; then
  if [ ! -x /usr/bin/WebKitWebDriver ] || [ ! -x /usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser ]; then
    packages+=(webkit2gtk-driver)
  fi
  if ! command -v xvfb-run >/dev/null 2>&1; then packages+=(xvfb xauth); fi
fi

if [ ${#packages[@]} -eq 0 ]; then exit 0; fi
exec "$(dirname "$0")/apt-install.sh" "the browser tests (or narrow EDGEQ_BROWSERS)" "${packages[@]}"
