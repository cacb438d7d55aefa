#!/usr/bin/env bash
# Run before `npm start` and `npm test`: Stratus sandboxes every function with bubblewrap and
# refuses to start without it (unless told --sandbox none). On a Debian machine where we are
# root, install it; anywhere else, say what is missing and how to get it.
set -u
command -v bwrap >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "stratus: installing bubblewrap (the function sandbox) with apt-get…" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux >/dev/null) && exit 0
fi
echo "stratus: bubblewrap is not installed. Install it (Debian/Ubuntu: sudo apt-get install bubblewrap) and run as root," >&2
echo "         or start with --sandbox none to run functions WITHOUT isolation." >&2
exit 0
