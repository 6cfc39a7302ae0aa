#!/bin/sh
# Writes deploy/varnish/default.vcl to stdout with the deploy's origin and purgers in place of the defaults:
#
#   EDGE_ORIGIN_HOST=nginx EDGE_ORIGIN_PORT=80 EDGE_PURGERS="worker web 10.0.0.0/8" \
#     deploy/varnish/configure.sh > /etc/varnish/default.vcl && varnishreload
#
# EDGE_ORIGIN_HOST, EDGE_ORIGIN_PORT: the one backend (nginx in front of gunicorn; a name is resolved when
# the VCL loads). EDGE_PURGERS: the addresses, names or networks (a.b.c.d/nn) allowed to purge, separated
# by spaces: the hosts of the web and worker processes. Loopback is always allowed.
set -eu
vcl="${1:-$(dirname "$0")/default.vcl}"
host="${EDGE_ORIGIN_HOST:-127.0.0.1}"
port="${EDGE_ORIGIN_PORT:-8000}"
entries=""
for purger in ${EDGE_PURGERS:-}; do
  case "$purger" in
    */*) entries="$entries\\n    \"${purger%/*}\"/${purger#*/};" ;;
    *[!0-9.:]*) entries="$entries\\n    (\"$purger\");" ;;  # a name: skipped if it does not resolve
    *) entries="$entries\\n    \"$purger\";" ;;
  esac
done
sed -e "s|^    \.host = \"127\.0\.0\.1\";|    .host = \"$host\";|" \
    -e "s|^    \.port = \"8000\";|    .port = \"$port\";|" \
    -e "s|^    \"::1\";|    \"::1\";$entries|" \
    "$vcl"
