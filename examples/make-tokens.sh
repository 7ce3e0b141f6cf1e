#!/bin/sh
# Creates examples/tokens/{injection,webhook}.token: 256 random bits each,
# base64url (the characters a bearer token allows), in files only their
# owner can read. Existing files are kept.
set -eu
dir="$(dirname "$0")/tokens"
umask 077
mkdir -p "$dir"
for name in injection webhook; do
  f="$dir/$name.token"
  [ -e "$f" ] && { echo "kept $f"; continue; }
  head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' > "$f"
  echo "created $f"
done
