package deploy

import (
	"context"
	"fmt"
	"strings"
)

// apkRepositories is where apk finds its repositories.
const apkRepositories = "/etc/apk/repositories"

// enableAlpineCommunity makes sure apk can see the community repository,
// where Alpine keeps docker and docker-cli-compose: without it `apk add
// docker` fails with "docker (no such package)". The line is derived from
// the main repository's (same mirror, same branch); a file without one
// leaves nothing to derive from, and the error says what to add.
func (d *Service) enableAlpineCommunity(ctx context.Context, node string, vmid int) error {
	repos, err := d.output(ctx, node, vmid, "cat", apkRepositories)
	if err != nil {
		return fmt.Errorf("reading %s: %w", apkRepositories, err)
	}
	line, present, err := communityRepository(repos)
	if err != nil {
		return fmt.Errorf("CT %d: %w", vmid, err)
	}
	if present {
		return nil
	}
	// Idempotent, so that a retry after a lost answer adds it once.
	script := "grep -qxF " + Quote(line) + " " + apkRepositories + " || echo " + Quote(line) + " >> " + apkRepositories
	if err := d.inContainer(ctx, node, vmid, "sh", "-c", script); err != nil {
		return fmt.Errorf("enabling Alpine's community repository (%s) in %s: %w", line, apkRepositories, err)
	}
	return nil
}

// communityRepository reads /etc/apk/repositories: whether an enabled
// community line is there and, if not, the one to add. Comments and tagged
// repositories (@edge ...) do not count: apk installs untagged names only
// from untagged repositories.
func communityRepository(repos string) (line string, present bool, err error) {
	main := ""
	for _, l := range strings.Split(repos, "\n") {
		l = strings.TrimRight(strings.TrimSpace(l), "/")
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "@") {
			continue
		}
		switch {
		case strings.HasSuffix(l, "/community"):
			return l, true, nil
		case strings.HasSuffix(l, "/main") && main == "":
			main = l
		}
	}
	if main == "" {
		return "", false, fmt.Errorf("%s has neither a community nor a main repository line, so Docker cannot be installed with apk; "+
			"add the community repository of the container's Alpine branch "+
			"(for example https://dl-cdn.alpinelinux.org/alpine/v3.22/community) to it, or use a template that has it", apkRepositories)
	}
	return strings.TrimSuffix(main, "/main") + "/community", false, nil
}
