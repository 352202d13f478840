package pvesim

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/GehirnInc/crypt/sha512_crypt"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// lockedShadow is a template's /etc/shadow: root has no password until the
// create's password parameter (or chpasswd) sets one.
const lockedShadow = "root:*:20000:0:99999:7:::\n"

// setPassword writes a user's password into a container's /etc/shadow as a
// SHA-512 crypt hash, as PVE's create does with its password parameter and
// chpasswd does inside the container.
func setPassword(fs shell.FS, user, password string) error {
	hash, err := sha512_crypt.New().Generate([]byte(password), nil)
	if err != nil {
		return err
	}
	data, _ := fs.ReadFile("/etc/shadow")
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	found := false
	for i, line := range lines {
		fields := strings.Split(line, ":")
		if len(fields) > 1 && fields[0] == user {
			fields[1] = hash
			lines[i] = strings.Join(fields, ":")
			found = true
		}
	}
	if !found {
		return fmt.Errorf("user '%s' does not exist", user)
	}
	return fs.WriteFile("/etc/shadow", []byte(strings.Join(lines, "\n")+"\n"), 0o640)
}

// chpasswdProgram reads user:password lines from stdin.
func chpasswdProgram(c *shell.Call) int {
	scanner := bufio.NewScanner(c.Stdin)
	line := 0
	for scanner.Scan() {
		line++
		user, password, ok := strings.Cut(scanner.Text(), ":")
		if !ok {
			return c.Errorf("line %d: missing new password", line)
		}
		if err := setPassword(c.Env.FS, user, password); err != nil {
			return c.Errorf("line %d: %v", line, err)
		}
	}
	return 0
}
