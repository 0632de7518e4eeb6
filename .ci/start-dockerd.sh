#!/usr/bin/env bash
# Starts a Docker engine when none answers. No bridge and no iptables: this machine allows only
# host networking, and nothing can be pulled (test images are built with `docker import`).
set -euo pipefail
if docker info >/dev/null 2>&1; then echo "dockerd already running"; exit 0; fi
nohup dockerd --iptables=false --ip-forward=false --bridge=none >/tmp/homeostat-dockerd.log 2>&1 &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then echo "dockerd ready"; exit 0; fi
  sleep 1
done
echo "dockerd did not start; see /tmp/homeostat-dockerd.log" >&2
tail -20 /tmp/homeostat-dockerd.log >&2 || true
exit 1
