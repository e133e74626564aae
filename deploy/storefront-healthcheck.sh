#!/bin/bash
# storefront-healthcheck — the image's HEALTHCHECK: GET /healthz on the server's own port
# must answer 200. bash's /dev/tcp, so the image needs no curl (whose Debian package would
# pull the OpenSSL flavour of libcurl next to the GnuTLS one the server links).
exec 3<>"/dev/tcp/127.0.0.1/${PORT:-8080}" || exit 1
printf 'GET /healthz HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
IFS= read -r -t 4 status <&3 || exit 1
[[ "$status" == HTTP/1.[01]\ 200* ]]
