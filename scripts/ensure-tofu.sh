#!/usr/bin/env bash
# Prints the path of a Terraform-compatible CLI: `terraform` or `tofu` from
# PATH, or OpenTofu built once from the Go module proxy into a cache.
# Building takes about five minutes on two cores; later calls are instant.
set -euo pipefail

version="${TOFU_VERSION:-v1.12.6}"
cache="${PROXIMITY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/proximity}"
dest="$cache/tofu-$version/tofu"

for cli in terraform tofu; do
  if path="$(command -v "$cli" 2>/dev/null)"; then
    echo "$path"
    exit 0
  fi
done
if [ -x "$dest" ]; then
  echo "$dest"
  exit 0
fi

echo "ensure-tofu: building OpenTofu $version into $dest (once, about 5 minutes)" >&2
mkdir -p "$(dirname "$dest")"
dir="$(go mod download -json "github.com/opentofu/opentofu@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
if [ -z "$dir" ]; then
  echo "ensure-tofu: could not download github.com/opentofu/opentofu@$version from the Go module proxy" >&2
  exit 1
fi
tmp="$dest.tmp.$$"
# The module's go.mod has replace directives, so `go install pkg@version` refuses it; build in place.
(cd "$dir" && GOFLAGS=-mod=mod go build -trimpath -ldflags "-X github.com/opentofu/opentofu/version.dev=no" -o "$tmp" ./cmd/tofu)
mv "$tmp" "$dest"
echo "$dest"
