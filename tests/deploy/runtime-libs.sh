#!/usr/bin/env bash
# runtime-libs.sh — the Dockerfile's runtime stage provides every shared library the
# server links: for each library `ldd build/storefront` resolves, the Debian package that
# owns it must be one the runtime stage installs, or one of their (recursive) Depends, or
# part of the base image (Priority required, as in every Debian image). Also checks that
# each listed package exists in Debian 12 and that the Dockerfile's RUNTIME_PACKAGES
# comment matches its install line.
#
# Usage: tests/deploy/runtime-libs.sh BINARY   (ctest: deploy/runtime-libs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bin="${1:-$root/build/storefront}"
[[ -x "$bin" ]] || { echo "runtime-libs: $bin is not built" >&2; exit 1; }

# The runtime stage's install line: the packages between "install" and "&&" after
# "FROM ... AS runtime".
mapfile -t wanted < <(awk '/^FROM .* AS runtime/{r=1} r && /apt-get install/{i=1} i{print} i && /&&/ && !/apt-get install/{exit}' "$root/Dockerfile" |
    sed 's/[[:space:]\\]\+/\n/g' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|RUN|DEBIAN_FRONTEND=.*)$' | sort -u)
((${#wanted[@]} > 0)) || { echo "runtime-libs: no runtime packages found in the Dockerfile" >&2; exit 1; }
mapfile -t commented < <(sed -n 's/^# RUNTIME_PACKAGES: //p' "$root/Dockerfile" | tr ' ' '\n' | sort -u)
if [[ "${wanted[*]}" != "${commented[*]}" ]]; then
    echo "runtime-libs: the RUNTIME_PACKAGES comment (${commented[*]}) differs from the install line (${wanted[*]})" >&2
    exit 1
fi
for p in "${wanted[@]}"; do
    apt-cache show --no-all-versions "$p" >/dev/null 2>&1 || { echo "runtime-libs: $p is not a Debian package here" >&2; exit 1; }
done

# Everything the runtime stage ends up with: the listed packages and their dependencies.
provided="$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances "${wanted[@]}" 2>/dev/null | grep -E '^[a-z0-9]' | sed 's/:.*//' | sort -u)"
fail=0 n=0
while read -r lib path; do
    [[ "$path" == /* ]] || continue
    n=$((n + 1))
    # The path ldd printed, else the file it links to (usrmerge: /lib vs /usr/lib).
    pkg="$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "${path#/usr}" 2>/dev/null || true)"
    pkg="$(head -1 <<<"$pkg" | cut -d: -f1)"
    if [[ -z "$pkg" ]]; then
        echo "runtime-libs: no Debian package owns $lib ($path)" >&2
        fail=1
        continue
    fi
    if grep -qx "$pkg" <<<"$provided"; then
        continue
    fi
    prio="$(dpkg-query -W -f='${Priority}' "$pkg" 2>/dev/null || true)"
    if [[ "$prio" == required ]]; then
        continue
    fi
    echo "runtime-libs: $lib comes from $pkg, which the Dockerfile's runtime stage does not install" >&2
    fail=1
done < <(ldd "$bin" | awk '$2 == "=>" {print $1, $3}')
((n > 0)) || { echo "runtime-libs: ldd listed no libraries for $bin" >&2; exit 1; }
((fail == 0)) || exit 1
echo "runtime-libs: all $n libraries of $(basename "$bin") are provided by: ${wanted[*]}"
