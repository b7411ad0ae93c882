#!/usr/bin/env bash
# The metrics test (packages/worker/test-node/prometheus.test.ts) starts a real
# Prometheus that scrapes the local broker. Installs Debian's package when
# neither PROMETHEUS_PATH nor /usr/bin/prometheus is there; does nothing otherwise.
set -euo pipefail
if [ -n "${PROMETHEUS_PATH:-}" ] && [ -x "${PROMETHEUS_PATH}" ]; then exit 0; fi
if [ -x /usr/bin/prometheus ]; then exit 0; fi
# --no-install-recommends: the server binary alone, without the exporters Debian recommends.
exec "$(dirname "$0")/apt-install.sh" "the metrics test (or set PROMETHEUS_PATH)" \
  --no-install-recommends prometheus
