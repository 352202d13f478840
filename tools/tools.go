//go:build generate

// Package tools pins the versions of the programs that generate this
// repository's files. It is its own module so that their dependencies stay
// out of the provider's go.mod, and the build tag keeps it out of every
// build: only `go generate` (which sets the "generate" tag) and `go run`
// from this directory see it.
package tools

import (
	_ "github.com/hashicorp/terraform-plugin-docs/cmd/tfplugindocs"
)

// Generate docs/ from the provider's schema, examples/ and templates/.
// scripts/docs.sh exports the schema through a Terraform-compatible CLI
// first (see the script) and then runs tfplugindocs from this module.
//go:generate bash ../scripts/docs.sh
