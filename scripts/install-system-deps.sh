#!/usr/bin/env bash
# Debian packages the test suite runs for real (servers are started by the tests themselves,
# on loopback ports, never as system services). Installs only what is missing.
set -euo pipefail

need=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
[ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v prometheus >/dev/null || need+=(prometheus)
command -v victoria-metrics >/dev/null || need+=(victoria-metrics)
command -v influxd >/dev/null || need+=(influxdb)
# The web UI's end-to-end tests drive Debian's Chromium (Playwright never downloads a browser).
[ -x /usr/bin/chromium ] || need+=(chromium)
# The Home Assistant smoke test publishes with mosquitto_pub and lists sockets with ss.
command -v mosquitto_pub >/dev/null || need+=(mosquitto-clients)
command -v ss >/dev/null || need+=(iproute2)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "missing Debian packages: ${need[*]}; install them as root: apt-get install ${need[*]}" >&2
    exit 1
  fi
else
  SUDO=""
fi
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
# policy-rc.d keeps the packages from starting system services; the tests start their own.
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
