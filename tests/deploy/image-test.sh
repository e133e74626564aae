#!/usr/bin/env bash
# image-test.sh — build the Dockerfile with podman and run the image against the test
# PostgreSQL: `storefront migrate` must exit 0 and `serve` must answer /readyz 200 and be
# reported healthy by the image's own HEALTHCHECK.
#
# Why these flags: Docker Hub is unreachable here, so the base is a Debian 12 made by
# mmdebstrap from the Debian mirror and imported (localhost/storefront-base:bookworm, made
# once and reused). The OCI runtime (crun) cannot start containers on this machine: with
# cgroups it says "cgroups in hybrid mode not supported", with --cgroups=disabled
# "setrlimit RLIMIT_NOFILE/RLIMIT_NPROC: Operation not permitted" (the sandbox forbids
# raising rlimits). So the image is built and run with buildah's chroot isolation: the
# image's own file system, user (checked non-root) and environment, the host's network
# (so it reaches the test PostgreSQL and the emulators on loopback), no namespaces or
# cgroups of its own.
#
# The database settings go in as the deploy gives them (deploy/lib/storefront-stack.ts):
# DATABASE_URL without credentials, libpq taking host, port, user, password and database
# from PG* variables.
#
# `--format docker`: the OCI image format has no HEALTHCHECK (podman drops it with a warning).
#
# Env (from localstack/test.sh): STOREFRONT_SERVER_DATABASE_URL, COGNITO_*.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
base=localhost/storefront-base:bookworm
image=localhost/storefront:deploy-test
ctr=""
pid=""

die() { echo "image-test: $*" >&2; exit 1; }
[[ -n "${STOREFRONT_SERVER_DATABASE_URL:-}" ]] || die "STOREFRONT_SERVER_DATABASE_URL is not set (run through make test)"
url="$STOREFRONT_SERVER_DATABASE_URL"
re='^postgres(ql)?://([^:@/]+)(:([^@/]*))?@([^:/]+)(:([0-9]+))?/([^?]+)'
[[ "$url" =~ $re ]] || die "cannot split $url into PG* variables"

cleanup() {
    [[ -n "$pid" ]] && kill -TERM -- "-$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [[ -n "$ctr" ]] && buildah rm "$ctr" >/dev/null 2>&1
    return 0
}
trap cleanup EXIT

if ! podman image exists "$base"; then
    echo "image-test: making $base with mmdebstrap (once)"
    tmp="$(mktemp -d)"
    mmdebstrap --variant=apt --quiet bookworm "$tmp/base.tar" http://deb.debian.org/debian || die "mmdebstrap failed"
    podman import "$tmp/base.tar" "$base" >/dev/null || die "podman import failed"
    rm -rf "$tmp"
fi

echo "image-test: building $image"
podman build --quiet --format docker --isolation chroot --network host --build-arg BASE_IMAGE="$base" \
    -t "$image" -f "$root/Dockerfile" "$root" >/dev/null || die "podman build failed"

user="$(podman image inspect -f '{{.Config.User}}' "$image")"
[[ -n "$user" && "$user" != root && "$user" != 0* ]] || die "the image runs as '$user', not a non-root user"
hc="$(podman image inspect -f '{{json .Config.Healthcheck}}' "$image" 2>/dev/null || true)"
[[ "$hc" == *storefront-healthcheck* ]] || die "the image has no HEALTHCHECK (got $hc)"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
ctr="$(buildah from --quiet "$image")" || die "buildah from $image failed"
buildah config --env PGUSER="${BASH_REMATCH[2]}" --env PGPASSWORD="${BASH_REMATCH[4]}" \
    --env PGHOST="${BASH_REMATCH[5]}" --env PGPORT="${BASH_REMATCH[7]:-5432}" \
    --env PGDATABASE="${BASH_REMATCH[8]}" --env DATABASE_URL=sslmode=disable \
    --env LISTEN_ADDR=127.0.0.1 --env PORT="$port" \
    --env COGNITO_ISSUER="${COGNITO_ISSUER:-}" --env COGNITO_JWKS_URL="${COGNITO_JWKS_URL:-}" \
    --env COGNITO_CLIENT_IDS="${COGNITO_CLIENT_IDS:-}" --env COGNITO_ALLOW_HTTP="${COGNITO_ALLOW_HTTP:-}" \
    "$ctr" || die "buildah config failed"
[[ "$(buildah run --isolation chroot "$ctr" -- id -u)" != 0 ]] || die "the container runs as root"

echo "image-test: storefront migrate (DATABASE_URL without credentials, PG* from the environment)"
buildah run --isolation chroot "$ctr" -- /usr/local/bin/storefront migrate || die "storefront migrate in the image failed"

echo "image-test: storefront serve on 127.0.0.1:$port"
setsid buildah run --isolation chroot "$ctr" -- /usr/local/bin/storefront serve &
pid=$!
ok=0 code=""
for ((i = 0; i < 150; i++)); do
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)"
    [[ "$code" == 200 ]] && { ok=1; break; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
done
((ok)) || die "/readyz never answered 200 (last: ${code:-none})"
echo "image-test: /readyz 200 $(curl -s "http://127.0.0.1:$port/readyz")"
buildah run --isolation chroot "$ctr" -- /usr/local/bin/storefront-healthcheck ||
    die "the image's HEALTHCHECK command failed against the running server"
echo "image-test: HEALTHCHECK passes"
kill -TERM -- "-$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
pid=""
# And fails when nothing listens: the check is not always true.
if buildah run --isolation chroot "$ctr" -- /usr/local/bin/storefront-healthcheck 2>/dev/null; then
    die "the HEALTHCHECK passes with the server stopped"
fi
echo "image-test: HEALTHCHECK fails with the server stopped, as it must"
