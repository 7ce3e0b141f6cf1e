#!/usr/bin/env bash
# Builds the Debian package and checks what it installs: the binary answers
# --version with its version, commit and Go release, man finds its page,
# and the completions and copyright file are where Debian looks for them.
#
# On CI (CI=true) the package is installed with dpkg -i on the machine, as
# an operator would. Elsewhere it is unpacked into a temporary directory,
# so a developer's machine is left as it was.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
deb=$(./scripts/package.sh "$out")
echo "built $deb"
dpkg-deb --info "$deb" | grep -E '^ (Package|Version|Depends|Recommends):'

files=(usr/bin/kumoup usr/share/man/man1/kumoup.1.gz
  usr/share/bash-completion/completions/kumoup
  usr/share/zsh/vendor-completions/_kumoup
  usr/share/fish/vendor_completions.d/kumoup.fish
  usr/share/doc/kumoup/copyright)

if [ "${CI:-}" = true ]; then
  dpkg -i "$deb"
  root=/
  bin=/usr/bin/kumoup
  manpage=$(man -w kumoup)
else
  root="$out/root"
  dpkg-deb -x "$deb" "$root"
  bin="$root/usr/bin/kumoup"
  manpage=$(man -M "$root/usr/share/man" -w kumoup)
fi
for f in "${files[@]}"; do
  [ -f "$root/$f" ] || { echo "package lacks /$f"; exit 1; }
done
ver=$("$bin" --version)
echo "$ver"
commit=$(git rev-parse HEAD 2>/dev/null | cut -c1-12)
case "$ver" in
  *"commit $commit"*"go1."*) ;;
  *) echo "kumoup --version should name the commit $commit and the Go release: $ver"; exit 1 ;;
esac
echo "man page: $manpage"
zcat "$manpage" | grep -q '^\.TH KUMOUP 1' || { echo "$manpage is not kumoup's man page"; exit 1; }
grep -q 'complete -o default -F __start_kumoup kumoup' "$root/usr/share/bash-completion/completions/kumoup" ||
  grep -q '__start_kumoup' "$root/usr/share/bash-completion/completions/kumoup" ||
  { echo "bash completion does not register kumoup"; exit 1; }
echo "package: ok"
