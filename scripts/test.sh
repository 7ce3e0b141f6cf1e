#!/usr/bin/env bash
# The one command that passes kumoup's tests on a fresh Debian 12 machine
# with Go: installs the real components the tests start (nginx with its mail
# module, dante-server, nftables, ufw (left inactive: tests run ufw
# --dry-run), swaks, openssh-server, tmux, lua5.4 to check the generated
# policy module, certbot and pebble for the ACME path, prometheus for
# promtool and the scrape test, testssl.sh as the outside TLS judge, man-db
# and time), then runs gofmt, go vet, staticcheck, the whole test suite and
# the Debian package check. Run as root.
#
# It leaves the machine's own services alone: the tests start their own
# nginx, danted, sshd, pebble and prometheus on loopback high ports and stop
# only those. (Debian may start the packaged nginx or danted on install;
# nothing here stops them, and nothing in the tests needs their ports.)
set -euo pipefail
cd "$(dirname "$0")/.."

need=(nginx libnginx-mod-mail dante-server nftables ufw swaks openssh-server openssh-client tmux iproute2 openssl ca-certificates util-linux lua5.4 curl procps systemd certbot pebble prometheus testssl.sh man-db time prometheus-node-exporter)
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Debian starts nginx and danted after install where it can; tests run their own on loopback.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

export PATH="$PATH:$(go env GOPATH)/bin"
echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi
echo "== go vet"
go vet ./...
echo "== staticcheck"
command -v staticcheck >/dev/null || go install honnef.co/go/tools/cmd/staticcheck@latest
staticcheck ./...
echo "== go test"
go test -count=1 -timeout 25m ./... 2>&1 | tee /tmp/kumoup-test.log
echo "== package"
./scripts/package-check.sh
