#!/usr/bin/env bash
# Runs govulncheck on the module. It needs the Go vulnerability database
# (vuln.go.dev); when that cannot be reached it says so and succeeds, so a
# machine without that network never fails on it. Found vulnerabilities fail.
set -uo pipefail
cd "$(dirname "$0")/.."
out="$(go run golang.org/x/vuln/cmd/govulncheck@v1.9.0 ./... 2>&1)"
status=$?
if [ $status -ne 0 ] && grep -qiE 'fetching vulnerabilities|dial tcp|no such host|connection refused|i/o timeout|TLS handshake|vuln\.go\.dev' <<<"$out" && ! grep -q 'Vulnerability #' <<<"$out"; then
  echo "govulncheck skipped: the vulnerability database (vuln.go.dev) cannot be reached from here"
  exit 0
fi
printf '%s\n' "$out"
exit $status
