#!/usr/bin/env bash
# Generates docs/ with tfplugindocs from the provider's schema and examples/.
# tfplugindocs cannot drive OpenTofu itself (nor a CLI without network), so
# the schema is exported through a local plugin directory, as the README of
# the GUIDE explains, and handed to tfplugindocs with --providers-schema.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
cli="$(bash scripts/ensure-tofu.sh)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The plugin directory is laid out for the machine running this script, so
# the CLI finds the provider on any OS and architecture.
platform="$(go env GOOS)_$(go env GOARCH)"
plugins="$work/plugins/registry.terraform.io/proximity-project/proximity/0.0.1/$platform"
mkdir -p "$plugins" "$work/config"
go build -o "$plugins/terraform-provider-proximity_v0.0.1$(go env GOEXE)" .
cat > "$work/config/main.tf" <<'TF'
terraform {
  required_providers {
    proximity = { source = "registry.terraform.io/proximity-project/proximity" }
  }
}
TF
: > "$work/empty.tfrc"
export TF_CLI_CONFIG_FILE="$work/empty.tfrc" CHECKPOINT_DISABLE=1
(cd "$work/config" && "$cli" init -input=false -no-color -plugin-dir="$work/plugins" >/dev/null)
(cd "$work/config" && "$cli" providers schema -json) |
  sed 's#"registry.terraform.io/proximity-project/proximity"#"proximity"#' > "$work/schema.json"

# tfplugindocs runs at the version pinned in tools/go.mod.
go -C tools run github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs generate \
  --provider-dir "$root" --provider-name proximity --providers-schema "$work/schema.json"
