# shellcheck shell=bash
# Headless Chromium for the console's browser tests: Debian's chromium package, driven by
# playwright-core (which brings no browser of its own). CHROMIUM_PATH overrides where it is.

browser_path() {
  local p
  for p in "${CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    [[ -n $p && -x $p ]] && { echo "$p"; return 0; }
  done
  return 1
}

browser_ensure_installed() {
  browser_path >/dev/null || apt_install chromium
  CHROMIUM_PATH=$(browser_path) || die "chromium not found (set CHROMIUM_PATH)"
  export CHROMIUM_PATH
}
