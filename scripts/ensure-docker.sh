#!/usr/bin/env bash
# Makes sure a Docker engine answers on this machine, for development and CI:
# installs Debian's docker.io (+ iptables) when dockerd is missing and we are root on a
# Debian-like system, then starts dockerd in the background when no engine answers.
# End users do not need this: they run Docker Desktop or their distribution's engine.
set -euo pipefail

main() {
  if docker info >/dev/null 2>&1; then
    return 0
  fi
  if ! command -v dockerd >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "No Docker engine found. Install Docker (https://docs.docker.com/engine/install/) and start it." >&2
      return 3
    fi
    echo "installing docker.io and iptables with apt-get" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io iptables >/dev/null
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "dockerd is installed but not running; start it (e.g. sudo systemctl start docker)." >&2
    return 3
  fi
  echo "starting dockerd (log: /tmp/dockerd.log)" >&2
  (dockerd >/tmp/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then
      return 0
    fi
    sleep 1
  done
  tail -n 30 /tmp/dockerd.log >&2 || true
  echo "dockerd did not answer within 60 s" >&2
  return 3
}

main "$@"
