// Package e2e drives the real Terraform or OpenTofu CLI against the built
// provider binary, run as the CLI runs it (a plugin process of its own, found
// through dev_overrides), for what in-process acceptance tests cannot show:
// a run killed with SIGKILL, wall time against the simulated ideal, and the
// provider process's peak memory.
package e2e
