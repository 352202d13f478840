package nodeshell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
	"github.com/skeema/knownhosts"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

const logSubsystem = "ssh"

// Config is the provider's ssh block, resolved.
type Config struct {
	User                  string
	PrivateKey            string
	Password              string
	Agent                 bool
	Port                  int
	HostKey               string // one authorized_keys line
	KnownHostsFile        string // default ~/.ssh/known_hosts when HostKey is empty
	InsecureIgnoreHostKey bool
	Nodes                 map[string]string // node name -> host:port, overriding Resolve
	// Resolve returns a node's address from the cluster (/cluster/status).
	Resolve     func(ctx context.Context, node string) (string, error)
	DialTimeout time.Duration // dial and handshake; default 15 s
	// KeepaliveInterval is how often a connection is checked (default
	// 15 s); a node that does not answer within two intervals is dropped,
	// so the next command dials again instead of waiting on a dead link.
	KeepaliveInterval time.Duration
}

// Result is a finished command.
type Result struct {
	Stdout   string
	Stderr   string
	ExitCode int
}

// Runner keeps one SSH connection per node. Nodes are dialled
// independently: a node that never answers holds up only its own callers,
// and every step (dial, handshake, session, command) gives up when its
// context ends.
type Runner struct {
	cfg       Config
	auth      []ssh.AuthMethod // key and password; the agent is asked per connection
	agentSock string
	hostKeys  *hostKeys
	mu        sync.Mutex // guards nodes
	nodes     map[string]*nodeConn
}

// nodeConn is one node's connection; dial is a one-slot semaphore, so that
// a caller waiting for another's dial can still give up.
type nodeConn struct {
	dial   chan struct{}
	mu     sync.Mutex // guards client
	client *ssh.Client
}

// New checks the configuration and prepares authentication; it does not connect.
func New(cfg Config) (*Runner, error) {
	if cfg.User == "" {
		cfg.User = "root"
	}
	if cfg.Port == 0 {
		cfg.Port = 22
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = 15 * time.Second
	}
	if cfg.KeepaliveInterval == 0 {
		cfg.KeepaliveInterval = 15 * time.Second
	}
	r := &Runner{cfg: cfg, nodes: map[string]*nodeConn{}}
	if cfg.PrivateKey != "" {
		signer, err := ssh.ParsePrivateKey([]byte(cfg.PrivateKey))
		if err != nil {
			return nil, &ConfigError{Field: "PrivateKey", Err: fmt.Errorf("the private key does not parse: %w", err)}
		}
		r.auth = append(r.auth, ssh.PublicKeys(signer))
	}
	if cfg.Agent {
		r.agentSock = os.Getenv("SSH_AUTH_SOCK")
		if r.agentSock == "" {
			return nil, &ConfigError{Field: "Agent", Err: errors.New("the ssh-agent is to be used but SSH_AUTH_SOCK is not set")}
		}
	}
	if cfg.Password != "" {
		r.auth = append(r.auth, ssh.Password(cfg.Password))
	}
	if len(r.auth) == 0 && r.agentSock == "" {
		return nil, &ConfigError{Err: errors.New("no SSH credentials: no private key, password or ssh-agent")}
	}
	keys, err := newHostKeys(cfg)
	if err != nil {
		return nil, err
	}
	r.hostKeys = keys
	return r, nil
}

// authMethods are the methods of one handshake; the agent's connection is
// opened for it and closed by done, once the handshake is over.
func (r *Runner) authMethods() (methods []ssh.AuthMethod, done func()) {
	if r.agentSock == "" {
		return r.auth, func() {}
	}
	var agentAuth ssh.AuthMethod
	// The key comes first: methods of one kind are tried once each, so an
	// agent without the key must not stand in front of it.
	var conns []net.Conn
	agentAuth = ssh.PublicKeysCallback(func() ([]ssh.Signer, error) {
		c, err := net.Dial("unix", r.agentSock)
		if err != nil {
			return nil, fmt.Errorf("ssh-agent at %s: %w", r.agentSock, err)
		}
		conns = append(conns, c)
		return agent.NewClient(c).Signers()
	})
	methods = append(append([]ssh.AuthMethod{}, r.auth...), agentAuth)
	return methods, func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}
}

// address finds where a node's SSH server listens.
func (r *Runner) address(ctx context.Context, node string) (string, error) {
	if addr, ok := r.cfg.Nodes[node]; ok {
		return addr, nil
	}
	if r.cfg.Resolve == nil {
		return "", &AddressError{Node: node}
	}
	host, err := r.cfg.Resolve(ctx, node)
	if err != nil {
		return "", &AddressError{Node: node, Err: err}
	}
	return net.JoinHostPort(host, strconv.Itoa(r.cfg.Port)), nil
}

func (r *Runner) nodeConn(node string) *nodeConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	nc, ok := r.nodes[node]
	if !ok {
		nc = &nodeConn{dial: make(chan struct{}, 1)}
		r.nodes[node] = nc
	}
	return nc
}

func (nc *nodeConn) current() *ssh.Client {
	nc.mu.Lock()
	defer nc.mu.Unlock()
	return nc.client
}

// client returns the node's connection, dialling it when there is none.
func (r *Runner) client(ctx context.Context, node string) (*ssh.Client, error) {
	nc := r.nodeConn(node)
	if c := nc.current(); c != nil {
		return c, nil
	}
	select {
	case nc.dial <- struct{}{}:
		defer func() { <-nc.dial }()
	case <-ctx.Done():
		return nil, fmt.Errorf("ssh to node %s: %w", node, ctx.Err())
	}
	if c := nc.current(); c != nil {
		return c, nil
	}
	c, err := r.dial(ctx, node)
	if err != nil {
		return nil, err
	}
	nc.mu.Lock()
	nc.client = c
	nc.mu.Unlock()
	go r.keepalive(nc, c)
	return c, nil
}

// dial connects and shakes hands within DialTimeout and the context: a
// node that accepts TCP and never speaks is given up on, not waited for.
func (r *Runner) dial(ctx context.Context, node string) (*ssh.Client, error) {
	addr, err := r.address(ctx, node)
	if err != nil {
		return nil, err
	}
	dialer := net.Dialer{Timeout: r.cfg.DialTimeout}
	conn, err := dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh to node %s (%s): %w", node, addr, ctx.Err())
		}
		if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
			// The dialer gives up at the context's deadline itself, and the
			// context's own timer may not have fired yet on a busy machine:
			// it is still the caller's time that ran out, not the node.
			return nil, fmt.Errorf("ssh to node %s (%s): %w", node, addr, context.DeadlineExceeded)
		}
		var netErr net.Error
		return nil, &UnreachableError{Node: node, Addr: addr, Timeout: errors.As(err, &netErr) && netErr.Timeout(), Err: err}
	}
	_ = conn.SetDeadline(time.Now().Add(r.cfg.DialTimeout))
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	auth, authDone := r.authMethods()
	cc, chans, reqs, err := ssh.NewClientConn(conn, addr, &ssh.ClientConfig{
		User: r.cfg.User, Auth: auth, Timeout: r.cfg.DialTimeout,
		HostKeyCallback: r.hostKeys.callback(node, addr), HostKeyAlgorithms: r.hostKeys.algorithms(node, addr),
	})
	authDone()
	stopped := stop()
	if err != nil || !stopped {
		_ = conn.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("ssh to node %s (%s): %w", node, addr, ctx.Err())
		}
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			return nil, &UnreachableError{Node: node, Addr: addr, Timeout: true, Err: fmt.Errorf("no SSH handshake within %s", r.cfg.DialTimeout)}
		}
		return nil, r.explainHandshake(node, addr, err)
	}
	_ = conn.SetDeadline(time.Time{})
	return ssh.NewClient(cc, chans, reqs), nil
}

// keepalive checks a connection every KeepaliveInterval and drops it
// when the node stops answering or the connection ends.
func (r *Runner) keepalive(nc *nodeConn, c *ssh.Client) {
	closed := make(chan struct{})
	go func() { _ = c.Wait(); close(closed) }()
	ticker := time.NewTicker(r.cfg.KeepaliveInterval)
	defer ticker.Stop()
	defer r.drop(nc, c)
	for {
		select {
		case <-closed:
			return
		case <-ticker.C:
		}
		answered := make(chan error, 1)
		go func() { _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); answered <- err }()
		select {
		case err := <-answered:
			if err == nil {
				continue
			}
		case <-time.After(2 * r.cfg.KeepaliveInterval):
		case <-closed:
		}
		return
	}
}

// drop closes a connection and forgets it, unless it was replaced already.
func (r *Runner) drop(nc *nodeConn, c *ssh.Client) {
	nc.mu.Lock()
	if nc.client == c {
		nc.client = nil
	}
	nc.mu.Unlock()
	_ = c.Close()
}

// session opens a session within the context; a node that never answers
// the channel request has its connection closed, which ends the wait.
func (r *Runner) session(ctx context.Context, node string, c *ssh.Client) (*ssh.Session, error) {
	type opened struct {
		s   *ssh.Session
		err error
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("ssh session on node %s: %w", node, err)
	}
	ch := make(chan opened, 1)
	go func() { s, err := c.NewSession(); ch <- opened{s, err} }()
	select {
	case o := <-ch:
		if o.err != nil {
			r.drop(r.nodeConn(node), c)
			return nil, fmt.Errorf("ssh session on node %s: %w", node, o.err)
		}
		return o.s, nil
	case <-ctx.Done():
		// The connection is shared: it is dropped only when the node does
		// not open the session even after a grace period (a deaf node),
		// not because this caller gave up.
		nc := r.nodeConn(node)
		go func() {
			select {
			case o := <-ch:
				if o.s != nil {
					_ = o.s.Close()
				}
			case <-time.After(r.cfg.DialTimeout):
				r.drop(nc, c)
			}
		}()
		return nil, fmt.Errorf("ssh session on node %s: %w", node, ctx.Err())
	}
}

func (r *Runner) explainHandshake(node, addr string, err error) error {
	var hostKey *HostKeyError
	switch {
	case errors.As(err, &hostKey):
		return hostKey
	case knownhosts.IsHostUnknown(err):
		return &HostKeyError{Node: node, Addr: addr, Problem: HostKeyUnknown, Err: err}
	case knownhosts.IsHostKeyChanged(err):
		return &HostKeyError{Node: node, Addr: addr, Problem: HostKeyChanged, Err: err}
	case strings.Contains(err.Error(), "host key mismatch"):
		return &HostKeyError{Node: node, Addr: addr, Problem: HostKeyMismatch, Err: err}
	case strings.Contains(err.Error(), "unable to authenticate"):
		return &AuthError{Node: node, Addr: addr, User: r.cfg.User, Offered: r.offered(), Err: err}
	}
	return fmt.Errorf("ssh to node %s (%s): %w", node, addr, err)
}

// Run runs a shell script on a node. A non-zero exit status is a Result, not
// an error; errors are for connections and sessions. The script is never
// logged: it may carry an app's secrets.
func (r *Runner) Run(ctx context.Context, node, script string, stdin io.Reader) (Result, error) {
	start := time.Now()
	// Kept whole so that a retry sends the same input again, not what a
	// failed attempt left unread.
	var input []byte
	if stdin != nil {
		var err error
		if input, err = io.ReadAll(stdin); err != nil {
			return Result{}, fmt.Errorf("reading the input for node %s: %w", node, err)
		}
	}
	res, used, err := r.run(ctx, node, script, input)
	if err != nil && used != nil && ctx.Err() == nil {
		// A dropped connection is reopened once; only the connection this
		// command used is closed, not one another caller dialled meanwhile.
		r.drop(r.nodeConn(node), used)
		res, _, err = r.run(ctx, node, script, input)
	}
	program, _, _ := strings.Cut(strings.TrimSpace(script), " ")
	tflog.SubsystemTrace(tflog.NewSubsystem(ctx, logSubsystem), logSubsystem, "node command", map[string]any{
		"node": node, "program": program, "exit_code": res.ExitCode, "duration_ms": time.Since(start).Milliseconds(),
	})
	return res, err
}

func (r *Runner) run(ctx context.Context, node, script string, stdin []byte) (Result, *ssh.Client, error) {
	c, err := r.client(ctx, node)
	if err != nil {
		return Result{}, nil, err
	}
	sess, err := r.session(ctx, node, c)
	if err != nil {
		return Result{}, c, err
	}
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr = &stdout, &stderr
	if stdin != nil {
		sess.Stdin = bytes.NewReader(stdin)
	}
	done := make(chan error, 1)
	go func() { done <- sess.Run(script) }()
	select {
	case <-ctx.Done():
		// OpenSSH ignores signals for sessions without a terminal; closing
		// the channel closes the command's stdin and output, which ends it.
		_ = sess.Signal(ssh.SIGKILL)
		_ = sess.Close()
		return Result{}, c, fmt.Errorf("command on node %s: %w", node, ctx.Err())
	case err := <-done:
		res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
		var exit *ssh.ExitError
		switch {
		case err == nil:
			return res, c, nil
		case errors.As(err, &exit):
			res.ExitCode = exit.ExitStatus()
			return res, c, nil
		}
		return res, c, fmt.Errorf("command on node %s: %w", node, err)
	}
}

// Close ends every connection.
func (r *Runner) Close() {
	r.mu.Lock()
	nodes := make([]*nodeConn, 0, len(r.nodes))
	for _, nc := range r.nodes {
		nodes = append(nodes, nc)
	}
	r.mu.Unlock()
	for _, nc := range nodes {
		if c := nc.current(); c != nil {
			r.drop(nc, c)
		}
	}
}

// offered names the credentials a handshake offers, in Config's words.
func (r *Runner) offered() []string {
	var out []string
	if r.cfg.PrivateKey != "" {
		out = append(out, "PrivateKey")
	}
	if r.cfg.Password != "" {
		out = append(out, "Password")
	}
	if r.agentSock != "" {
		out = append(out, "Agent")
	}
	return out
}
