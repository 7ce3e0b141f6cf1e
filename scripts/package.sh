#!/usr/bin/env bash
# Builds kumoup's Debian package with nfpm (a Go tool of this module, so no
# download beyond the Go module proxy): the binary, its man page, bash, zsh
# and fish completions and the copyright file. Prints the .deb's path.
#
#   scripts/package.sh [OUTDIR]      (default: dist/)
#
# VERSION overrides the package version (default: from git, e.g.
# 0.0~git20261204153000.1a2b3c4d5e6f: the commit time orders builds, so a
# later build upgrades an earlier one); GOARCH picks the architecture.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-dist}
commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
if [ -z "${VERSION:-}" ]; then
  if tag=$(git describe --tags --exact-match 2>/dev/null); then
    VERSION=${tag#v}
  else
    VERSION="0.0~git$(TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S 2>/dev/null || date -u +%Y%m%d%H%M%S).${commit:0:12}"
  fi
fi
ARCH=${GOARCH:-$(go env GOARCH)}
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT
export VERSION ARCH BUILD

echo "building kumoup $VERSION for $ARCH" >&2
CGO_ENABLED=0 GOARCH="$ARCH" go build -trimpath \
  -ldflags "-s -w -X main.version=$VERSION -X main.commit=$commit" \
  -o "$BUILD/kumoup" ./cmd/kumoup

# The man page and completions come from the binary itself (fang's man
# command, cobra's completion), so they always match its flags. When
# cross-compiling, generate them with a native build.
gen="$BUILD/kumoup"
if [ "$ARCH" != "$(go env GOHOSTARCH)" ]; then
  gen="$BUILD/kumoup-host"
  go build -o "$gen" ./cmd/kumoup
fi
"$gen" man | gzip -9n > "$BUILD/kumoup.1.gz"
mkdir -p "$BUILD/completions"
"$gen" completion bash > "$BUILD/completions/kumoup.bash"
"$gen" completion zsh > "$BUILD/completions/_kumoup"
"$gen" completion fish > "$BUILD/completions/kumoup.fish"

cp scripts/package/copyright "$BUILD/copyright"
sed "s#@BUILD@#$BUILD#g" scripts/package/nfpm.yaml > "$BUILD/nfpm.yaml"
mkdir -p "$out"
go tool nfpm package --config "$BUILD/nfpm.yaml" --packager deb --target "$out/" >&2
ls "$out"/kumoup_*"$ARCH".deb | tail -n 1
