#!/usr/bin/env bash
# The metrics test (packages/worker/test-node/prometheus.test.ts) starts a real
# Prometheus that scrapes the local broker. Installs Debian's package when
# neither PROMETHEUS_PATH nor /usr/bin/prometheus is there; does nothing otherwise.
set -euo pipefail
if [ -n "${PROMETHEUS_PATH:-}" ] && [ -x "${PROMETHEUS_PATH}" ]; then exit 0; fi
if [ -x /usr/bin/prometheus ]; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "edgeq: Prometheus not found. Install it (e.g. 'apt-get install -y prometheus') or set PROMETHEUS_PATH." >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "edgeq: installing Prometheus for the metrics test (apt-get install prometheus)…" >&2
$SUDO apt-get update -qq
# --no-install-recommends: the server binary alone, without the exporters Debian recommends.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
