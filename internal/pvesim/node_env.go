package pvesim

import (
	"context"
	"fmt"
	"io"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// nodeEnv is the shell world of a node: its own root with pmxcfs mounted at
// /etc/pve (shared by all nodes), the file and text tools, and PVE's
// pct, pvesm, pveam and pveum.
func (s *Simulator) nodeEnv(n *node) *shell.Env {
	progs := shell.CoreUtils()
	progs["hostname"] = s.nodeHostnameProgram(n)
	progs["uname"] = unameProgram(n.Name, s.rel())
	progs["pveversion"] = s.pveversionProgram()
	progs["pct"] = s.pctProgram(n)
	progs["pvesm"] = s.pvesmProgram(n)
	progs["pveam"] = s.pveamProgram(n)
	progs["ip"] = s.nodeIPProgram(n)
	progs["pvesh"] = s.pveshProgram()
	progs["pveum"] = s.pveumProgram()
	progs["apt"], progs["apt-get"] = nodeAptProgram(n), nodeAptProgram(n) // node_packages.go
	progs["systemctl"] = nodeSystemctlProgram(n)
	return &shell.Env{
		FS:       s.nodeFS(n),
		Programs: progs, Home: "/root", Locks: n.locks(),
		Vars:      []string{"HOSTNAME=" + n.Name, "LANG=C.UTF-8"},
		Sleep:     s.clock.sleep,
		OnCommand: func(name string) shell.Program { s.stats.countCommand("node:" + name); return nil },
	}
}

// locks is the node's flock table, made with the node; kernel locks do not
// survive a restart, so it is not saved.
func (n *node) locks() *shell.LockTable {
	return n.flocks
}

// RunOnNode runs a script on a node as its SSH server would, for tests.
func (s *Simulator) RunOnNode(ctx context.Context, nodeName, script string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	s.mu.Lock()
	n := s.nodeByName(nodeName)
	s.mu.Unlock()
	if n == nil {
		return 0, fmt.Errorf("no node %q", nodeName)
	}
	return s.nodeEnv(n).Run(ctx, script, stdin, stdout, stderr, "/root"), nil
}
