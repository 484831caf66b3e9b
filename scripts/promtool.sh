#!/usr/bin/env bash
# Prints the path of a promtool for the build's rule tests: the one on PATH, else the one in Debian's prometheus
# package, unpacked (not installed: no service is set up or started) into ~/.cache/runstream/promtool and reused.
set -euo pipefail
if command -v promtool > /dev/null; then
  command -v promtool
  exit 0
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/runstream/promtool
if [ ! -x "$cache/usr/bin/promtool" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  if ! (cd "$work" && apt-get download prometheus > /dev/null 2>&1); then
    apt-get update -qq > /dev/null 2>&1 || true
    (cd "$work" && apt-get download prometheus > /dev/null 2>&1) \
      || { echo "promtool.sh: cannot fetch Debian's prometheus package (apt-get download prometheus)" >&2; exit 1; }
  fi
  mkdir -p "$cache"
  dpkg-deb -x "$work"/prometheus_*.deb "$cache"
fi
echo "$cache/usr/bin/promtool"
