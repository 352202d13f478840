package pvesim

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// assignIP gives a started guest its address: the static ip= of net0, or a
// DHCP lease from the simulated bridge's 10.10.0.0/16 pool.
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
	s.ipSeq++
	return fmt.Sprintf("10.10.%d.%d/16", 1+s.ipSeq/250, 2+s.ipSeq%250)
}

// powerOn marks a guest running; the docker engine inside brings back the
// services whose restart policy asks for it.
func (s *Simulator) powerOn(g *guest) {
	g.Running = true
	g.StartedAt = time.Now()
	n := s.nodeByName(g.Node)
	n.pidSeq++
	g.PID = 20000 + n.pidSeq
	g.IP = s.assignIP(g)
	containerBooted(g)
}

func (s *Simulator) powerOff(g *guest) {
	g.Running = false
	g.IP = ""
	g.PID = 0
	containerHalted(g)
}

// guestForPower finds an unlocked guest for a power action.
func (s *Simulator) guestForPower(r *request) (*guest, *node, *apiError) {
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, nil, err
	}
	if !r.bool("skiplock") {
		if err := checkUnlocked(g); err != nil {
			return nil, nil, err
		}
	}
	return g, s.nodeByName(g.Node), nil
}

func (s *Simulator) startGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, n, err := s.guestForPower(r)
	if err != nil {
		return nil, err
	}
	if g.Running {
		return nil, fail("CT %d already running", g.VMID)
	}
	tk := s.startTask(n, "vzstart", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		if err := t.sleep(time.Second); err != nil {
			return err
		}
		if err := s.faults.taskFailure("vzstart"); err != nil {
			return fmt.Errorf("startup for container '%d' failed", g.VMID)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if g.Running {
			return fmt.Errorf("CT %d already running", g.VMID)
		}
		s.powerOn(g)
		return nil
	})
	return tk.UPID, nil
}

func (s *Simulator) stopGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, n, err := s.guestForPower(r)
	if err != nil {
		return nil, err
	}
	if !g.Running {
		return nil, fail("CT %d not running", g.VMID)
	}
	tk := s.startTask(n, "vzstop", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		if err := t.sleep(500 * time.Millisecond); err != nil {
			return err
		}
		if err := s.faults.taskFailure("vzstop"); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.powerOff(g)
		return nil
	})
	return tk.UPID, nil
}

func (s *Simulator) shutdownGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, n, err := s.guestForPower(r)
	if err != nil {
		return nil, err
	}
	if !g.Running {
		return nil, fail("CT %d not running", g.VMID)
	}
	timeout := time.Duration(atoiDefault(r.params["timeout"], 60)) * time.Second
	force := r.bool("forceStop")
	tk := s.startTask(n, "vzshutdown", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		// A clean shutdown takes 2 s; a shutdown fault makes the guest hang
		// until the timeout, as a container ignoring SIGPWR does.
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

func (s *Simulator) rebootGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, n, err := s.guestForPower(r)
	if err != nil {
		return nil, err
	}
	if !g.Running {
		return nil, fail("VM %d not running", g.VMID)
	}
	tk := s.startTask(n, "vzreboot", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		if err := t.sleep(2 * time.Second); err != nil {
			return err
		}
		if err := s.faults.taskFailure("vzreboot"); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.powerOff(g)
		s.powerOn(g)
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
	g.Lock = "destroyed"
	s.writeGuestConf(g)
	tk := s.startTask(n, "vzdestroy", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
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
		vol := propertyDefault(g.Config["rootfs"])
		t.logf("  Logical volume \"%s\" successfully removed.", strings.TrimPrefix(vol, storageOf(vol)+":"))
		s.dropGuestLocked(g)
		return nil
	})
	return tk.UPID, nil
}

// unlockAfter clears a task's guest lock when the task fails, and passes the error on.
func (s *Simulator) unlockAfter(g *guest, err error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	g.Lock = ""
	s.writeGuestConf(g)
	return err
}
