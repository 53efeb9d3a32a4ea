#!/usr/bin/env bash
# Debian packages the integration and browser tests run for real: redis-server (a real Celery
# broker, started by the tests on a free loopback port) and chromium (driven by Playwright).
# Installs only what is missing; needs root or sudo on a fresh machine.
# Arguments name other packages whose command has the package's name (bench/ asks for wrk).
set -euo pipefail
wanted=("$@")
[ ${#wanted[@]} -gt 0 ] || wanted=(redis-server chromium)
missing=()
for package in "${wanted[@]}"; do
  command -v "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing ${missing[*]} (Debian packages)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
