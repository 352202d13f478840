package pvesim

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// assignIP gives a started guest its address: the static ip= of net0, or a
// DHCP lease (leaseIP).
func (s *Simulator) assignIP(g *guest) string {
	ip := propertyValue(g.Config["net0"], "ip")
	switch {
	case ip == "" || ip == "manual":
		return ""
	case ip != "dhcp":
		if _, err := netip.ParsePrefix(ip); err == nil {
			return ip
		}
		return ""
	}
	return s.leaseIP(g) // guest_network.go
}

// powerOn marks a guest running; the docker engine inside brings back the
// services whose restart policy asks for it.
func (s *Simulator) powerOn(g *guest) {
	g.Running = true
	g.StartedAt = time.Now()
	n := s.nodeByName(g.Node)
	n.pidSeq++
	g.PID = 20000 + n.pidSeq
	s.sdnMapGuest(g) // sdn_dhcp.go: the prestart hook's DHCP mappings
	g.IP = s.assignIP(g)
	g.IP6 = s.assignIP6(g) // net_ipv6.go
	setHostname(g)
	s.setDNS(g) // net_dns.go
	containerBooted(g)
	s.pokeNetwork() // its ports now serve (guest_network_serve.go)
}

func (s *Simulator) powerOff(g *guest) {
	g.Running = false
	g.IP, g.IP6 = "", ""
	g.PID = 0
	containerHalted(g)
	s.pokeNetwork()
}

// unlockedGuest finds an unlocked guest for an action (skiplock=1 skips the lock check).
func (s *Simulator) unlockedGuest(r *request) (*guest, *apiError) {
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	if r.bool("skiplock") && r.authid != "root@pam" {
		return nil, paramFail("skiplock", "Only root may use this option.")
	}
	if !r.bool("skiplock") {
		if err := checkUnlocked(g); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// powerTask is the shape of start, stop and reboot: find the guest, check
// its state synchronously (PVE's 500s), then run a task that takes the
// config lock (vm_start, vm_stop and vm_reboot all run inside lock_config),
// checks the config's 'lock:' there, waits, may fail by fault injection,
// and changes the guest.
type powerTask struct {
	typ      string
	duration time.Duration
	check    func(g *guest) *apiError
	// workerCheck runs in the worker under lock_config, before the lock
	// check (vm_start refuses a template first).
	workerCheck func(g *guest) error
	failWith    func(g *guest, injected error) error
	apply       func(g *guest) error
}

// powerGuest finds the guest of a power action. As Status.pm's handlers,
// the request only refuses skiplock for anyone but root@pam; the config's
// 'lock:' is checked by the worker (see checkPowerLock).
func (s *Simulator) powerGuest(r *request) (*guest, *node, *apiError) {
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, nil, err
	}
	if r.bool("skiplock") && r.authid != "root@pam" {
		return nil, nil, paramFail("skiplock", "Only root may use this option.")
	}
	return g, s.nodeByName(g.Node), nil
}

// checkPowerLock is the worker's check of the config's 'lock:' once it holds
// lock_config: vm_start and vm_stop skip it with skiplock or for a 'mounted'
// lock (Status.pm: !$skiplock && !has_lock($conf, 'mounted')); vm_shutdown
// always checks. The caller holds s.mu.
func checkPowerLock(g *guest, skiplock, allowMounted bool) error {
	if skiplock || (allowMounted && g.Lock == "mounted") || g.Lock == "" {
		return nil
	}
	return fmt.Errorf("CT is locked (%s)", g.Lock)
}

// lockPowerWorker takes the config lock in a power worker and checks the
// config there; it returns the lock's release.
func (s *Simulator) lockPowerWorker(t *taskCtx, n *node, g *guest, pre func(g *guest) error, skiplock, allowMounted bool) (func(), error) {
	release, err := t.lockConfig(n.Name, g.VMID)
	if err != nil {
		return release, err
	}
	s.mu.Lock()
	s.loadGuestConf(g)
	if pre != nil {
		err = pre(g)
	}
	if err == nil {
		err = checkPowerLock(g, skiplock, allowMounted)
	}
	s.mu.Unlock()
	if err != nil {
		release()
		return func() {}, err
	}
	return release, nil
}

func (s *Simulator) runPowerTask(r *request, p powerTask) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, n, err := s.powerGuest(r)
	if err != nil {
		return nil, err
	}
	if err := p.check(g); err != nil {
		return nil, err
	}
	skiplock := r.bool("skiplock")
	tk := s.startTask(n, p.typ, strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		release, err := s.lockPowerWorker(t, n, g, p.workerCheck, skiplock, true)
		if err != nil {
			return err
		}
		defer release()
		if err := t.sleep(p.duration); err != nil {
			return err
		}
		if err := s.faults.taskFailure(p.typ); err != nil {
			if p.failWith != nil {
				return p.failWith(g, err)
			}
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		return p.apply(g)
	})
	return tk.UPID, nil
}

func mustBeRunning(format string) func(g *guest) *apiError {
	return func(g *guest) *apiError {
		if !g.Running {
			return fail(format, g.VMID)
		}
		return nil
	}
}

func (s *Simulator) startGuest(r *request) (any, error) {
	return s.runPowerTask(r, powerTask{
		typ: "vzstart", duration: time.Second,
		check: func(g *guest) *apiError {
			if g.Running {
				return fail("CT %d already running", g.VMID)
			}
			return nil
		},
		workerCheck: func(g *guest) error {
			// API2/LXC/Status.pm vm_start: the worker refuses a template.
			if g.Config["template"] == "1" {
				return fmt.Errorf("you can't start a CT if it's a template")
			}
			return nil
		},
		failWith: func(g *guest, _ error) error { return fmt.Errorf("startup for container '%d' failed", g.VMID) },
		apply: func(g *guest) error {
			// API2/LXC/Status.pm vm_start: the worker refuses a template.
			if g.Config["template"] == "1" {
				return fmt.Errorf("you can't start a CT if it's a template")
			}
			if g.Running {
				return fmt.Errorf("CT %d already running", g.VMID)
			}
			// PVE::LXC::vm_start applies pending changes first.
			s.applyAllPending(g)
			if err := s.checkStartBridges(g); err != nil {
				return err
			}
			if err := s.checkStartBindMounts(g); err != nil { // mountpoints.go
				return err
			}
			s.powerOn(g)
			return nil
		},
	})
}

func (s *Simulator) stopGuest(r *request) (any, error) {
	return s.runPowerTask(r, powerTask{
		typ: "vzstop", duration: 500 * time.Millisecond, check: mustBeRunning("CT %d not running"),
		apply: func(g *guest) error { s.powerOff(g); return nil },
	})
}

func (s *Simulator) rebootGuest(r *request) (any, error) {
	return s.runPowerTask(r, powerTask{
		typ: "vzreboot", duration: 2 * time.Second, check: mustBeRunning("VM %d not running"),
		apply: func(g *guest) error { s.powerOff(g); s.applyAllPending(g); s.powerOn(g); return nil },
	})
}

// shutdownGuest differs from the others: a guest that ignores the request
// hangs until the timeout, then fails unless forceStop is set. The whole
// shutdown runs inside lock_config (Status.pm vm_shutdown), so a config
// change sent meanwhile waits for it.
func (s *Simulator) shutdownGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, n, err := s.powerGuest(r)
	if err != nil {
		return nil, err
	}
	if err := mustBeRunning("CT %d not running")(g); err != nil {
		return nil, err
	}
	timeout := time.Duration(atoiDefault(r.params["timeout"], 60)) * time.Second
	force := r.bool("forceStop")
	tk := s.startTask(n, "vzshutdown", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		release, err := s.lockPowerWorker(t, n, g, nil, false, false)
		if err != nil {
			return err
		}
		defer release()
		hang := s.faults.taskFailure("vzshutdown") != nil
		wait := 2 * time.Second
		if hang {
			wait = timeout
		}
		if err := t.sleep(wait); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if hang && !force {
			return fmt.Errorf("command 'lxc-stop -n %d --nokill --timeout %d' failed: exit code 1", g.VMID, int(timeout.Seconds()))
		}
		s.powerOff(g)
		return nil
	})
	return tk.UPID, nil
}

func (s *Simulator) deleteGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	if g.Config["protection"] == "1" {
		return nil, fail("can't remove CT %d - protection mode enabled", g.VMID)
	}
	if err := checkUnlocked(g); err != nil {
		return nil, err
	}
	force := r.bool("force")
	if g.Running && !force {
		return nil, fail("unable to destroy CT %d - container is running", g.VMID)
	}
	n := s.nodeByName(g.Node)
	// destroy_vm forks without check_cfs_quorum: without quorum the
	// simulator's early 'destroyed' mark cannot be written either.
	if s.quorate() {
		g.Lock = "destroyed"
		s.writeGuestConf(g)
	}
	tk := s.startTask(n, "vzdestroy", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		return s.destroyWorker(t, n, g, force)
	})
	return tk.UPID, nil
}

// destroyWorker is destroy_vm's worker: its whole $code runs under
// lock_config, a local flock that needs no quorum (AbstractConfig.pm
// lock_config_full; LXC/Config.pm config_file_lock is under /run/lock/lxc).
func (s *Simulator) destroyWorker(t *taskCtx, n *node, g *guest, force bool) error {
	release, err := t.lockConfig(n.Name, g.VMID)
	if err != nil {
		return s.unlockAfter(g, err)
	}
	defer release()
	if force && g.Running {
		t.logf("stopping running container %d", g.VMID)
	}
	if err := t.sleep(time.Second); err != nil {
		return s.unlockAfter(g, err)
	}
	if err := s.faults.taskFailure("vzdestroy"); err != nil {
		return s.unlockAfter(g, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if g.Running {
		s.powerOff(g)
	}
	for _, volid := range s.guestVolumes(g.Config) {
		if err := s.checkBaseUnused(n, volid); err != nil {
			g.Lock = ""
			s.writeGuestConf(g)
			return err
		}
	}
	for _, volid := range s.guestVolumes(g.Config) {
		// LvmThinPlugin.pm free_image runs lvremove only for a volume that
		// exists (one a destroy without quorum freed is gone).
		if s.volumeOf(n, volid) != nil {
			t.logf("  Logical volume \"%s\" successfully removed.", strings.TrimPrefix(volid, storageOf(volid)+":"))
		}
	}
	if !s.quorate() {
		return s.destroyWithoutQuorum(t, n, g)
	}
	s.sdnReleaseGuest(g) // sdn_dhcp.go
	s.dropGuestLocked(g)
	s.removeVMAccess(g.VMID)
	return nil
}

// destroyWithoutQuorum ends destroy_lxc_container (pve-container
// src/PVE/LXC.pm) on a read-only pmxcfs: the volumes are freed first
// (delete_mountpoint_volume), then writing the config with 'lock: destroyed'
// (write_config -> cfs_write_file -> PVE::File::file_set_contents) cannot
// open its temporary file, so the task dies there. The config stays as it
// was, naming volumes that no longer exist; the ACLs and the config's
// removal (remove_vm_access, destroy_config) are never reached. The caller
// holds s.mu.
func (s *Simulator) destroyWithoutQuorum(t *taskCtx, n *node, g *guest) error {
	for _, volid := range s.guestVolumes(g.Config) {
		s.freeVolume(n, volid)
	}
	g.RootFS = vfs.New()
	if g.Lock != "" {
		// The simulator's early mark, written while the cluster had
		// quorum; PVE has no such mark, so its config is as it was.
		g.Lock = ""
		s.writeGuestConf(g)
	}
	return fmt.Errorf("unable to open file '/etc/pve%s.tmp.%d' - Permission denied", guestConfPath(n.Name, g.VMID), t.task.PID)
}

// unlockAfter clears a task's guest lock when the task fails, and passes the error on.
func (s *Simulator) unlockAfter(g *guest, err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g.Lock = ""
	s.writeGuestConf(g)
	return err
}
