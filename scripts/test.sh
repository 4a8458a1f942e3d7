#!/usr/bin/env bash
# Install everything the tests need, then run them.
#   - Debian's auditd + audispd-plugins: the reference tools (the oracle of the
#     differential tests); strace for the autrace comparisons; the libaudit,
#     libauparse and libdrm headers that the table generator reads (its
#     regeneration test); iproute2 (network namespaces) and openssl.
#   - audix itself, editable, with its test extra.
# Run as root on a machine with a kernel audit subsystem; tests that need the
# kernel or the reference skip with a reason where they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=()
  for pkg in auditd audispd-plugins strace iproute2 openssl libaudit-dev libauparse-dev libdrm-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  fi
  # Installing auditd may start nothing here, but if a service manager started
  # the reference daemon, stop it: tests register their own daemons.
  if command -v systemctl >/dev/null && systemctl is-active --quiet auditd 2>/dev/null; then
    systemctl stop auditd || true
  fi
fi

python3 -m pip install -q --disable-pip-version-check -e '.[test]'
exec python3 -m pytest -q "$@"
