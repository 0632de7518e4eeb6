#!/usr/bin/env bash
# Installs the Debian packages Homeostat's tests and demo use. Safe to run twice.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
PKGS=(prometheus prometheus-alertmanager docker.io docker-compose chromium python3-sklearn sqlite3 postgresql procps iproute2 ca-certificates)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# kubectl (only `kubectl kustomize`, no cluster) assembles the k8s/ overlays for the offline manifest checks.
# It ships with this machine image; on other Debian machines it comes from the Kubernetes apt repository.
if ! command -v kubectl >/dev/null 2>&1; then
  apt-get install -y -qq kubectl >/dev/null 2>&1 || apt-get install -y -qq kubernetes-client >/dev/null 2>&1 ||
    echo "warning: kubectl not found; the k8s manifest checks will fail" >&2
fi
# The Debian packages may start their own daemons where an init system runs. Tests start their own
# instances on random ports with temp data dirs, so they do not need these; stop the packaged units
# through the init system (the demo's 9090/9093 stay free), never by process name: that would also
# end a developer's own Prometheus or another test run's.
for unit in prometheus prometheus-alertmanager; do
  if command -v service >/dev/null 2>&1 && { [ -x "/etc/init.d/$unit" ] || [ -f "/lib/systemd/system/$unit.service" ]; }; then
    service "$unit" stop >/dev/null 2>&1 || true
  fi
done
echo "system packages ready: ${PKGS[*]}"
