#!/usr/bin/env bash
# Chromium for the widget's browser tests (tests/server/widget), from Debian's packages, for
# Playwright to drive (executable_path=/usr/bin/chromium): Playwright's own browser download is
# never used. Idempotent: does nothing when chromium is installed.
set -euo pipefail

if command -v chromium >/dev/null; then
    exit 0
fi
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "browser.sh: need root (or sudo) to run: $*" >&2; return 1; fi
}
echo "browser.sh: installing chromium from Debian packages" >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
