package pvesim

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"
)

// guestListener is one real socket of the guest network. Its handler is
// swapped in place when the source's answer changes on the same port (a
// proxy reload with new routes), so clients see no gap.
type guestListener struct {
	ln      net.Listener
	srv     *http.Server
	handler atomic.Pointer[http.Handler]
}

func (l *guestListener) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*l.handler.Load()).ServeHTTP(w, r)
}

// close stops the socket and the connections on it, as a stopped guest's
// sockets vanish.
func (l *guestListener) close() {
	_ = l.srv.Close()
}

// networkTick is how often the guest network reconciles without a poke:
// it catches what no poke announces (a restart policy, a state loaded).
const networkTick = time.Second

// startGuestNetwork runs the reconciler until Close when the option is
// on. It is part of s.wg, and closes every socket before it returns.
func (s *Simulator) startGuestNetwork() {
	if s.gnet == nil || !s.gnet.prefix.IsValid() {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(networkTick)
		defer tick.Stop()
		for {
			s.reconcileNetwork()
			select {
			case <-s.ctx.Done():
				s.closeGuestNetwork()
				return
			case <-tick.C:
			case <-s.gnet.poke:
			}
		}
	}()
}

// reconcileNetwork binds the listeners the running guests want and closes
// those no longer wanted (a stopped or deleted guest, a stopped service, a
// changed address, a port a reload dropped).
func (s *Simulator) reconcileNetwork() {
	// The whole pass holds n.mu, so two passes (a tick and a test's) never
	// apply an older view after a newer one.
	n := s.gnet
	n.mu.Lock()
	defer n.mu.Unlock()
	want := s.wantedListeners()
	for ap, l := range n.bound {
		if _, ok := want[ap]; !ok {
			l.close()
			delete(n.bound, ap)
		}
	}
	for ap, spec := range want {
		if l := n.bound[ap]; l != nil {
			l.handler.Store(&spec.Handler)
			continue
		}
		l, err := s.listenGuest(ap, spec.Handler)
		if err != nil {
			// Never fatal: the port is skipped (other guests can still
			// reach it through dialGuest), and tried again next time
			// silently, in case whatever held it lets go.
			if !n.reported[ap] {
				n.reported[ap] = true
				s.opts.Logf("guest network: %s cannot listen on %s, skipped: %v", spec.What, ap, err)
			}
			continue
		}
		n.bound[ap] = l
	}
}

// wantedListeners asks every source what each running guest inside the
// guest network serves. Two specs on one port: the first wins.
func (s *Simulator) wantedListeners() map[netip.AddrPort]listenerSpec {
	want := map[netip.AddrPort]listenerSpec{}
	for _, ga := range s.runningGuestAddrs() {
		if !s.gnet.prefix.Contains(ga.addr) {
			continue
		}
		for _, spec := range s.guestListenerSpecs(ga.g) {
			if spec.Port <= 0 || spec.Port > 65535 || spec.Handler == nil {
				continue
			}
			ap := netip.AddrPortFrom(ga.addr, uint16(spec.Port))
			if _, dup := want[ap]; !dup {
				want[ap] = spec
			}
		}
	}
	return want
}

type guestAddr struct {
	g    *guest
	addr netip.Addr
}

// runningGuestAddrs are the running guests with an IPv4 address, read
// under s.mu; the sources are then asked without it.
func (s *Simulator) runningGuestAddrs() []guestAddr {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []guestAddr
	for _, g := range s.guests {
		if p, err := netip.ParsePrefix(g.IP); err == nil && g.Running {
			out = append(out, guestAddr{g: g, addr: p.Addr()})
		}
	}
	return out
}

func (s *Simulator) guestListenerSpecs(g *guest) []listenerSpec {
	var out []listenerSpec
	for _, src := range listenerSources {
		out = append(out, src(s, g)...)
	}
	return out
}

func (s *Simulator) listenGuest(ap netip.AddrPort, h http.Handler) (*guestListener, error) {
	ln, err := net.Listen("tcp4", ap.String())
	if err != nil {
		return nil, err
	}
	l := &guestListener{ln: ln}
	l.handler.Store(&h)
	l.srv = &http.Server{Handler: l, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nullLogger()}
	go func() {
		if err := l.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logf("guest network: serving %s: %v", ap, err)
		}
	}()
	return l, nil
}

func (s *Simulator) closeGuestNetwork() {
	n := s.gnet
	n.mu.Lock()
	defer n.mu.Unlock()
	for ap, l := range n.bound {
		l.close()
		delete(n.bound, ap)
	}
}
