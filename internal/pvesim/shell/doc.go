// Package shell runs POSIX shell scripts for the simulator with
// mvdan.cc/sh/v3's interpreter, over an in-memory file system, with a fixed
// set of programs. Anything else is "command not found" (exit 127), as in a
// real shell, so a script that relies on a tool a PVE node or a template
// lacks fails here as it would there.
package shell
