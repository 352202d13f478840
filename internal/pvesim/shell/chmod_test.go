package shell

import (
	"strings"
	"testing"
)

// chmod changes modes as coreutils' chmod does (modechange.c): octal, and
// symbolic clauses with who (u, g, o, a, or none: then the umask's bits are
// left alone), + - =, r w x X s t and copies (g=u); stat -c %a and %A and
// ls -l show the result.
func TestChmodOctalAndSymbolic(t *testing.T) {
	tests := []struct {
		start, mode, want string
	}{
		{"644", "755", "755 -rwxr-xr-x"},
		{"644", "u+x", "744 -rwxr--r--"},
		{"777", "go-w", "755 -rwxr-xr-x"},
		{"600", "a=r", "444 -r--r--r--"},
		{"644", "+x", "755 -rwxr-xr-x"},
		{"644", "+w", "644 -rw-r--r--"},
		{"640", "o=g", "644 -rw-r--r--"},
		{"750", "g=u,o=", "770 -rwxrwx---"},
		{"755", "u+s", "4755 -rwsr-xr-x"},
		{"644", "u+s", "4644 -rwSr--r--"},
		{"644", "a+X", "644 -rw-r--r--"},
		{"744", "a+X", "755 -rwxr-xr-x"},
		{"644", "-w", "444 -r--r--r--"},
		{"644", "0400", "400 -r--------"},
		{"644", "2755", "2755 -rwxr-sr-x"},
	}
	for _, tc := range tests {
		t.Run(tc.start+" "+tc.mode, func(t *testing.T) {
			e := newEnv()
			code, out, errOut := run(t, e, "touch /tmp/f && chmod "+tc.start+" /tmp/f && chmod "+tc.mode+" /tmp/f && stat -c '%a %A' /tmp/f", "")
			if code != 0 || strings.TrimSpace(out) != tc.want {
				t.Errorf("got %d %q %q, want %q", code, out, errOut, tc.want)
			}
		})
	}
}

// A directory: X gives search permission, t the sticky bit that ls shows as
// t, -R reaches the files below, and an octal mode keeps the setgid bit
// (chmod(1): "preserves a directory's set-user-ID and set-group-ID bits").
func TestChmodDirectories(t *testing.T) {
	e := newEnv()
	script := `mkdir -p /tmp/d/sub && touch /tmp/d/f && chmod 600 /tmp/d/f && chmod -R go-rwx /tmp/d &&
stat -c '%a' /tmp/d /tmp/d/sub /tmp/d/f && chmod a+rX /tmp/d && chmod 1777 /tmp/d && ls -ld /tmp/d &&
chmod g+s /tmp/d && chmod 755 /tmp/d && stat -c %a /tmp/d`
	code, out, errOut := run(t, e, script, "")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 5 {
		t.Fatalf("got %d %q %q", code, out, errOut)
	}
	if strings.Join(lines[:3], " ") != "700 700 600" {
		t.Errorf("after chmod -R go-rwx: %q", lines[:3])
	}
	if !strings.HasPrefix(lines[3], "drwxrwxrwt ") {
		t.Errorf("ls -ld after chmod 1777: %q", lines[3])
	}
	if lines[4] != "2755" {
		t.Errorf("octal chmod of a setgid directory: %q, want 2755", lines[4])
	}
}

// Errors are coreutils' own: an invalid mode, a missing operand, a missing
// file; each is exit status 1. pmxcfs takes only its own modes (pmxcfs.c
// cfs_fuse_chmod: 0640, 0600 under priv), a file system without modes none.
func TestChmodErrors(t *testing.T) {
	e := newEnv()
	tests := []struct{ script, errText string }{
		{"chmod 8 /tmp", "chmod: invalid mode: '8'"},
		{"chmod u+q /tmp", "chmod: invalid mode: 'u+q'"},
		{"chmod", "chmod: missing operand"},
		{"chmod 755", "chmod: missing operand after '755'"},
		{"chmod 755 /nothere", "chmod: cannot access '/nothere': No such file or directory"},
	}
	for _, tc := range tests {
		code, _, errOut := run(t, e, tc.script, "")
		if code != 1 || !strings.Contains(errOut, tc.errText) {
			t.Errorf("%s: got %d %q, want 1 %q", tc.script, code, errOut, tc.errText)
		}
	}
}
