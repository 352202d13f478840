package pvesim

import (
	"fmt"
	"io"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// haproxyService is `rc-service haproxy ACTION` as aports'
// main/haproxy/haproxy.initd and OpenRC's openrc-run run it:
//   - checkconfig: `haproxy -q -c -f CONFFILE` (quiet: no alert printed);
//   - start: start-stop-daemon runs `haproxy -D -p PIDFILE -f CONFFILE`,
//     which reads the file and fails on an invalid one;
//   - stop: with RC_CMD=restart, checkconfig first, so a restart with an
//     invalid file fails and leaves the old process running;
//   - reload (extra_started_commands: only while started): checkconfig or
//     "Reloading failed, please fix your CONFFILE first" and the old
//     process keeps serving; then a new process takes over (-sf).
func (s *Simulator) haproxyService(c *shell.Call, g *guest, action string) int {
	running := haproxyRunning(g)
	switch action {
	case "checkconfig":
		return haproxyCheckConfig(c, g)
	case "status":
		if running {
			fmt.Fprintln(c.Stdout, " * status: started")
			return 0
		}
		fmt.Fprintln(c.Stdout, " * status: stopped")
		return 3
	case "start":
		if running {
			fmt.Fprintln(c.Stderr, " * WARNING: haproxy has already been started")
			return 0
		}
		return s.haproxyStartAction(c, g)
	case "stop":
		if !running {
			fmt.Fprintln(c.Stderr, " * WARNING: haproxy is already stopped")
			return 0
		}
		fmt.Fprintln(c.Stdout, " * Stopping haproxy ...")
		s.haproxyStop(g)
		fmt.Fprintln(c.Stdout, " [ ok ]")
		return 0
	case "restart":
		if running {
			fmt.Fprintln(c.Stdout, " * Stopping haproxy ...")
			if haproxyCheckConfig(c, g) != 0 {
				fmt.Fprintln(c.Stdout, " [ !! ]")
				fmt.Fprintln(c.Stderr, " * ERROR: haproxy failed to stop")
				return 1
			}
			s.haproxyStop(g)
			fmt.Fprintln(c.Stdout, " [ ok ]")
		}
		return s.haproxyStartAction(c, g)
	case "reload":
		if !running {
			fmt.Fprintln(c.Stderr, " * haproxy: cannot `reload' as it has not been started")
			return 1
		}
		fmt.Fprintln(c.Stdout, " * Reloading haproxy ...")
		if haproxyCheckConfig(c, g) != 0 {
			fmt.Fprintf(c.Stderr, " * Reloading failed, please fix your %s first\n", haproxyConfFile)
			return 1
		}
		if !s.haproxyLoad(c.Stderr, g) {
			fmt.Fprintln(c.Stdout, " [ !! ]")
			return 1
		}
		fmt.Fprintln(c.Stdout, " [ ok ]")
		return 0
	}
	fmt.Fprintf(c.Stderr, " * haproxy: unknown function `%s'\n", action)
	return 1
}

func (s *Simulator) haproxyStartAction(c *shell.Call, g *guest) int {
	fmt.Fprintln(c.Stdout, " * Starting haproxy ...")
	if !s.haproxyLoad(c.Stderr, g) {
		fmt.Fprintf(c.Stderr, " * start-stop-daemon: failed to start `%s'\n", haproxyBinary)
		fmt.Fprintln(c.Stdout, " [ !! ]")
		fmt.Fprintln(c.Stderr, " * ERROR: haproxy failed to start")
		return 1
	}
	fmt.Fprintln(c.Stdout, " [ ok ]")
	return 0
}

// haproxyCheckConfig is the init script's checkconfig.
func haproxyCheckConfig(c *shell.Call, g *guest) int {
	if _, err := g.RootFS.Stat(haproxyConfFile); err != nil {
		fmt.Fprintf(c.Stderr, " * %s does not exist!\n", haproxyConfFile)
		return 1
	}
	fmt.Fprintf(c.Stdout, " * Checking %s ...\n", haproxyConfFile)
	raw, _ := g.RootFS.ReadFile(haproxyConfFile)
	_, _, ok := parseHAProxyConfig(haproxyConfFile, string(raw))
	if !ok {
		fmt.Fprintln(c.Stdout, " [ !! ]")
		return 1
	}
	fmt.Fprintln(c.Stdout, " [ ok ]")
	return 0
}

// haproxyLoad runs a new haproxy process on the configuration file: it
// prints what haproxy prints, and on success becomes the running process
// (its pid file and the configuration it loaded). An invalid file leaves
// whatever ran before untouched.
func (s *Simulator) haproxyLoad(stderr io.Writer, g *guest) bool {
	raw, err := g.RootFS.ReadFile(haproxyConfFile)
	out := haproxyOutput{w: stderr, pid: 1000 + int(haproxyPIDs.Add(1)), version: haproxyPackageVersion(g)}
	if err != nil {
		out.print("ALERT", "config : Could not open configuration file "+haproxyConfFile+" : No such file or directory")
		return false
	}
	cfg, msgs, ok := parseHAProxyConfig(haproxyConfFile, string(raw))
	out.config(msgs)
	if !ok {
		return false
	}
	if len(cfg.listeners()) == 0 {
		// haproxy.c after binding: no proxy listens.
		out.print("ALERT", "[/usr/sbin/haproxy.main()] No enabled listener found (check for 'bind' directives) ! Exiting.")
		return false
	}
	if alerts, ok := s.haproxyBindFailure(g, cfg); !ok {
		for _, a := range alerts {
			out.print("ALERT", a)
		}
		return false
	}
	_ = g.RootFS.MkdirAll("/run/.simulator", 0o755)
	_ = g.RootFS.WriteFile(haproxyLoadedFile, raw, 0o600)
	_ = g.RootFS.WriteFile(haproxyPIDFile, []byte(fmt.Sprintf("%d\n", out.pid)), 0o644)
	s.pokeNetwork()
	return true
}

func (s *Simulator) haproxyStop(g *guest) {
	_ = g.RootFS.Remove(haproxyPIDFile)
	_ = g.RootFS.Remove(haproxyLoadedFile)
	s.pokeNetwork()
}

func haproxyRunning(g *guest) bool {
	_, err := g.RootFS.Stat(haproxyPIDFile)
	return err == nil
}

func haproxyPackageVersion(g *guest) string {
	if d := distroOf(g.RootFS); d != nil {
		return haproxyVersions[d.Branch]
	}
	return ""
}

// haproxyBooted is OpenRC's default runlevel at boot (after docker, which
// has brought its services back): an enabled haproxy starts on the file as
// it is then, and does not on an invalid file or a taken port, with its
// messages in no terminal. The guest's address is set (powerOn).
func haproxyBooted(g *guest) {
	if _, err := g.RootFS.Stat("/etc/runlevels/default/haproxy"); err != nil {
		return
	}
	raw, err := g.RootFS.ReadFile(haproxyConfFile)
	if err != nil {
		return
	}
	cfg, _, ok := parseHAProxyConfig(haproxyConfFile, string(raw))
	if !ok || len(cfg.listeners()) == 0 {
		return
	}
	if _, ok := haproxyBindCheck(cfg, g.IP, composePorts(g)); !ok {
		return
	}
	_ = g.RootFS.MkdirAll("/run/.simulator", 0o755)
	_ = g.RootFS.WriteFile(haproxyLoadedFile, raw, 0o600)
	_ = g.RootFS.WriteFile(haproxyPIDFile, []byte("1001\n"), 0o644)
}
