#!/usr/bin/env bash
# Prints the path of the Chromium the browser tests drive: Debian's package, installed (with apt-get, as the
# machine's own package manager, non-interactively) when it is missing. No browser is downloaded from anywhere else.
set -euo pipefail
for candidate in "${RUNSTREAM_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "$candidate"
    exit 0
  fi
done
sudo=""
if [ "$(id -u)" != 0 ]; then
  sudo="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get install -y -qq --no-install-recommends chromium > /dev/null 2>&1; then
  $sudo apt-get update -qq > /dev/null 2>&1 || true
  $sudo apt-get install -y -qq --no-install-recommends chromium > /dev/null 2>&1 \
    || { echo "chromium.sh: cannot install Debian's chromium package (apt-get install chromium)" >&2; exit 1; }
fi
echo /usr/bin/chromium
