package pvesim

import (
	"regexp"
	"strings"
)

// The simulated registry and images. The registry knows every image
// reference except one whose tag is "doesnotexist" or ends in
// "-doesnotexist" (nginx:doesnotexist, ghcr.io/acme/app:1.2-doesnotexist):
// pulling it fails as a registry's "manifest unknown" does, so tests can
// exercise a wrong tag without a network.

var imageRefRe = regexp.MustCompile(`^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*` +
	`(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)

func validImageRef(ref string) bool { return imageRefRe.MatchString(ref) }

// imageTag is the tag of a reference ("latest" when none is given).
func imageTag(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	slash := strings.LastIndex(ref, "/")
	if colon := strings.LastIndex(ref, ":"); colon > slash {
		return ref[colon+1:]
	}
	return "latest"
}

// imageWithTag is the reference as the daemon names it in errors.
func imageWithTag(ref string) string {
	if strings.Contains(ref, "@") || imageTag(ref) != "latest" || strings.HasSuffix(ref, ":latest") {
		return ref
	}
	return ref + ":latest"
}

func imageKnown(ref string) bool {
	tag := imageTag(ref)
	return tag != "doesnotexist" && !strings.HasSuffix(tag, "-doesnotexist")
}

// manifestUnknown is the daemon's answer to a pull of an unknown tag.
func manifestUnknown(ref string) string {
	return "manifest for " + imageWithTag(ref) + " not found: manifest unknown: manifest unknown"
}

// imageEntrypoint is what an official image's entrypoint needs from the
// environment to start: the images' docker-entrypoint.sh scripts exit 1
// with these messages when a database has no password configured.
type imageEntrypoint struct {
	command string
	// anyOf lists variables of which one must be set and non-empty.
	anyOf   []string
	failure string
}

var imageEntrypoints = map[string]imageEntrypoint{
	"mariadb": {command: "docker-entrypoint.sh mariadbd",
		anyOf: []string{"MARIADB_ROOT_PASSWORD", "MYSQL_ROOT_PASSWORD", "MARIADB_ROOT_PASSWORD_HASH", "MARIADB_ALLOW_EMPTY_ROOT_PASSWORD",
			"MYSQL_ALLOW_EMPTY_PASSWORD", "MARIADB_RANDOM_ROOT_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"},
		failure: "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified\n\tYou need to specify one of " +
			"MARIADB_ROOT_PASSWORD, MARIADB_ROOT_PASSWORD_HASH, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD"},
	"mysql": {command: "docker-entrypoint.sh mysqld",
		anyOf: []string{"MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"},
		failure: "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified\n    You need to specify one of the following as " +
			"an environment variable:\n    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD"},
	"postgres": {command: "docker-entrypoint.sh postgres",
		anyOf: []string{"POSTGRES_PASSWORD", "POSTGRES_HOST_AUTH_METHOD"},
		failure: "Error: Database is uninitialized and superuser password is not specified.\n       You must specify POSTGRES_PASSWORD to a non-empty " +
			"value for the\n       superuser. For example, \"-e POSTGRES_PASSWORD=password\" on \"docker run\"."},
	"nginx": {command: "/docker-entrypoint.sh nginx -g 'daemon off;'"},
	"redis": {command: "docker-entrypoint.sh redis-server"},
}

// imageRepository is a reference's repository name without registry,
// namespace or tag ("docker.io/library/mariadb:11" is "mariadb").
func imageRepository(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if colon := strings.LastIndex(ref, ":"); colon > strings.LastIndex(ref, "/") {
		ref = ref[:colon]
	}
	return ref[strings.LastIndex(ref, "/")+1:]
}

// entrypointFailure is the error a container of the image prints before it
// exits 1 with this environment, or "" when it starts.
func entrypointFailure(image string, env map[string]string) string {
	ep, ok := imageEntrypoints[imageRepository(image)]
	if !ok || len(ep.anyOf) == 0 {
		return ""
	}
	for _, name := range ep.anyOf {
		if env[name] != "" {
			return ""
		}
	}
	return ep.failure
}

// imageCommand is the container's command as ps shows it.
func imageCommand(image string) string {
	if ep, ok := imageEntrypoints[imageRepository(image)]; ok {
		return ep.command
	}
	return "/entrypoint.sh"
}
