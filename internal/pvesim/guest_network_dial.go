package pvesim

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"
)

// dialGuest is how one guest reaches another guest's port (a gateway's
// proxy reaching an app): the listener sources are asked what the guest
// at that address serves, and its handler answers over an in-memory
// connection. It needs no real socket, so it works for a port that could
// not be bound and for addresses outside the guest network (an SDN vnet's
// 10.20.0.x, the 10.10 pool without the option). Anything else is refused
// as a connect to a closed port is.
func (s *Simulator) dialGuest(ctx context.Context, network, addr string) (net.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		host, _, _ := net.SplitHostPort(addr)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
	}
	for _, ga := range s.runningGuestAddrs() {
		if ga.addr != ap.Addr().Unmap() {
			continue
		}
		for _, spec := range s.guestListenerSpecs(ga.g) {
			if spec.Port == int(ap.Port()) && spec.Handler != nil {
				return servePipe(spec.Handler), nil
			}
		}
	}
	return nil, &net.OpError{Op: "dial", Net: network, Addr: net.TCPAddrFromAddrPort(ap),
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
}

// DialGuest is dialGuest for a test's HTTP client (its Transport's
// DialContext): it reaches what a guest serves even where the real socket
// could not be bound, as for a user who is not root and an app on a port
// under 1024.
func (s *Simulator) DialGuest(ctx context.Context, network, addr string) (net.Conn, error) {
	return s.dialGuest(ctx, network, addr)
}

// servePipe serves one connection with h and returns the client's end.
// An idle connection is closed after a while, so a client that forgets
// one leaks nothing.
func servePipe(h http.Handler) net.Conn {
	client, server := net.Pipe()
	ln := &oneConnListener{conn: server, done: make(chan struct{})}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute, ErrorLog: nullLogger(),
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateClosed || st == http.StateHijacked {
				_ = ln.Close()
			}
		}}
	go func() { _ = srv.Serve(ln) }()
	return client
}

// oneConnListener accepts its one connection, then blocks until closed,
// which ends the server's Serve.
type oneConnListener struct {
	mu   sync.Mutex
	conn net.Conn
	done chan struct{}
	once sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	c := l.conn
	l.conn = nil
	l.mu.Unlock()
	if c != nil {
		return c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }
