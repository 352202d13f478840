package e2e

import (
	"regexp"
	"strings"
)

// refusedUnrecorded is the refusal a create meets when its app's container
// was finished by a run killed before Terraform recorded it: the create
// took its deploying mark off as its last write, and an unmarked app is
// never taken over (it could be another workspace's); the error names the
// container to import.
var refusedUnrecorded = regexp.MustCompile(`deploying \S+ as (\S+): the hostname "\S+" is already the application \S+ of CT (\d+) on ([^;\s]+);`)

// applyAfterKill applies again after a kill, as a user does: every app the
// apply refuses that way is imported into its resource (address gives it
// from the hostname), as the error says, and the apply is run again. It
// returns the hostnames imported; any other failure fails the test.
func (c *cli) applyAfterKill(address func(hostname string) string) []string {
	c.t.Helper()
	code, out := c.run("apply", "-auto-approve", "-input=false", "-no-color")
	if code == 0 {
		return nil
	}
	found := refusedUnrecorded.FindAllStringSubmatch(strings.Join(strings.Fields(out), " "), -1)
	if len(found) == 0 {
		c.t.Fatalf("the apply after the kill exited %d:\n%s", code, out)
	}
	var imported []string
	for _, m := range found {
		c.must("import", "-input=false", "-no-color", address(m[1]), m[3]+"/"+m[2])
		imported = append(imported, m[1])
	}
	c.apply()
	return imported
}
