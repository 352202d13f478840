package pvesim

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pveschema"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// Options configure a simulator. The zero value is a three-node cluster on
// random loopback ports, in memory, at full simulated durations.
type Options struct {
	Listen    string // API address; default 127.0.0.1:0
	SSHListen string // first node's SSH address; node i listens on port+i (port 0: random ports)
	Nodes     int    // default 3: pve1, pve2, pve3

	// NodeNames names the nodes (PVE node names, as pve-node validates
	// them); when set, Nodes is its length or zero.
	NodeNames []string
	// NodeAddresses gives each node its own IP, one per node (127.0.0.2,
	// 127.0.0.3: Linux routes all of 127/8 to lo). The node's SSH listens
	// there on SSHListen's port, and /cluster/status reports it. Empty: every
	// node is 127.0.0.1 and SSH ports count up from SSHListen's.
	NodeAddresses []string
	namesGiven    bool // NodeNames came from the caller, not the default

	// PVEVersion is the release answered: "8.4" (default) or "9.1". It picks
	// the schema, the built-in roles and the appliance index.
	PVEVersion string

	// LXCPveVersion is the nodes' lxc-pve package (default 6.0.5-2, with
	// the fix that runc's CVE-2025-52881 patch needs; an older one makes
	// Docker fail in unprivileged containers whose runc has the patch,
	// host_runc.go).
	LXCPveVersion string

	TokenID     string // default root@pam!proximity
	TokenSecret string // default random (or the state file's)
	Password    string // root@pam's password; default random (or the state file's)

	StatePath string  // keep the cluster across restarts; empty: in memory
	Seed      int64   // seeds fault injection and generated values
	Faults    string  // fault spec, see FaultSpecHelp
	TimeScale float64 // multiplies every simulated duration; default 1

	// LockLifetime is how old a pmxcfs lock must be before a requester may
	// break it; default 120 s as on PVE. It is not scaled.
	LockLifetime time.Duration

	// GuestNetwork is an IPv4 range (127.10.0.0/16) guests lease their
	// DHCP addresses from and serve their apps on, on real sockets
	// (guest_network.go); empty: the 10.10.0.0/16 pool, nothing bound.
	GuestNetwork string

	Logf func(format string, args ...any)
}

// Simulator is a running simulated cluster.
type Simulator struct {
	opts   Options
	schema pveschema.Schema
	routes *router
	clock  clock
	faults *faults
	stats  *stats
	sec    *secrets

	// release is the PVE release answered ("8.4" or "9.1").
	release string

	// accessMu guards accessCur, the parsed user.cfg of the last request;
	// accessWriteMu serialises changes of the access files (lock_user_config).
	accessMu      sync.Mutex
	accessCur     *accessState
	accessWriteMu sync.Mutex
	tokenCfgMu    sync.Mutex // priv/token.cfg's own lock
	shadowCfgMu   sync.Mutex // priv/shadow.cfg's own lock

	cfsLocks cfsLockTable // pmxcfs's lock records (cfs_view.go)
	noQuorum atomic.Bool  // the cluster lost quorum (quorum.go)

	mu          sync.Mutex // guards everything below
	clusterName string
	nodes       []*node
	guests      map[int]*guest
	cfs         *vfs.Tree
	ipSeq       int
	gnet        *guestNetwork // guest_network.go
	// storages ties storage.cfg to every storage's volumes (storage_sync.go).
	storages storageRegistry

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	httpSrv   *http.Server
	endpoint  string
	sshAddrs  map[string]string
	listeners []net.Listener
	persistCh chan struct{}
	closeOnce sync.Once
}

// New builds the cluster, loading it from opts.StatePath when that file exists.
// A corrupt state file is an error and is left untouched.
func New(opts Options) (*Simulator, error) {
	if opts.Listen == "" {
		opts.Listen = "127.0.0.1:0"
	}
	if opts.SSHListen == "" {
		opts.SSHListen = "127.0.0.1:0"
	}
	if err := resolveTopology(&opts); err != nil {
		return nil, err
	}
	if opts.TimeScale == 0 {
		opts.TimeScale = 1
	}
	if opts.TimeScale < 0 {
		return nil, fmt.Errorf("time scale must be positive, got %g", opts.TimeScale)
	}
	if opts.TokenID == "" {
		opts.TokenID = "root@pam!proximity"
	}
	if opts.LockLifetime == 0 {
		opts.LockLifetime = 120 * time.Second
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.PVEVersion != "" {
		if err := checkRelease(opts.PVEVersion); err != nil {
			return nil, err
		}
	}
	s := &Simulator{
		opts: opts, clock: clock{scale: opts.TimeScale},
		faults: newFaults(opts.Seed), stats: newStats(), guests: map[int]*guest{},
		persistCh: make(chan struct{}, 1), release: opts.PVEVersion,
	}
	if err := s.faults.set(opts.Faults); err != nil {
		return nil, err
	}
	gnet, err := newGuestNetwork(opts.GuestNetwork)
	if err != nil {
		return nil, err
	}
	s.gnet = gnet
	s.ctx, s.cancel = context.WithCancel(context.Background())
	// The state file, when there is one, holds the release it was made
	// with; an empty PVEVersion takes it (else 8.4), another one is an error.
	loaded, err := s.loadState()
	if err != nil {
		return nil, err
	}
	if s.release == "" {
		s.release = release84
	}
	s.opts.PVEVersion = s.release
	if s.schema, err = pveschema.Load(s.release); err != nil {
		return nil, err
	}
	if !loaded {
		if err := s.initCluster(); err != nil {
			return nil, err
		}
	}
	if opts.TokenSecret != "" {
		s.sec.TokenSecret = opts.TokenSecret
	}
	if opts.Password != "" {
		s.sec.Password = opts.Password
	}
	s.sec.TokenID = opts.TokenID
	if err := s.seedAccess(); err != nil {
		return nil, err
	}
	s.routes = s.buildRoutes()
	return s, nil
}

// Start listens on the API and SSH addresses and serves until Close.
func (s *Simulator) Start() error {
	tlsCfg, err := s.tlsConfig()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("API listen %s: %w", s.opts.Listen, err)
	}
	s.listeners = append(s.listeners, ln)
	s.endpoint = "https://" + ln.Addr().String()
	s.httpSrv = &http.Server{
		Handler:           s,
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 10 * time.Second,
		// PVE's API server speaks HTTP/1.1 only; disabling HTTP/2 also lets
		// error answers carry PVE's message as the reason phrase.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:     nullLogger(),
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.httpSrv.ServeTLS(ln, "", "")
	}()
	if err := s.startSSH(); err != nil {
		s.Close()
		return err
	}
	if s.opts.StatePath != "" {
		s.wg.Add(1)
		go s.persistLoop()
	}
	s.startGuestNetwork() // guest_network_serve.go
	return nil
}

// Close stops serving, ends running tasks and saves the state file.
func (s *Simulator) Close() error {
	var saveErr error
	s.closeOnce.Do(func() {
		if s.httpSrv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = s.httpSrv.Shutdown(ctx)
			cancel()
		}
		for _, ln := range s.listeners {
			_ = ln.Close()
		}
		s.cancel()
		s.wg.Wait()
		if s.opts.StatePath != "" {
			saveErr = s.saveState()
		}
	})
	return saveErr
}

// Endpoint is the API base URL (https://127.0.0.1:PORT).
func (s *Simulator) Endpoint() string { return s.endpoint }

// Info is what scripts and tests need to connect; the -info file holds it.
type Info struct {
	Endpoint string `json:"endpoint"`
	APIToken string `json:"api_token"` // root@pam!proximity, without privilege separation
	// PVEAdminAPIToken is terraform@pve!proximity: the README's user with
	// PVEAdmin on / and a token without privilege separation.
	PVEAdminAPIToken string            `json:"pveadmin_api_token"`
	Username         string            `json:"username"`
	Password         string            `json:"password"`
	CACertPEM        string            `json:"ca_cert_pem"`
	SSHUser          string            `json:"ssh_user"`
	SSHPrivateKey    string            `json:"ssh_private_key"`
	SSHHostKey       string            `json:"ssh_host_key"`
	SSHNodes         map[string]string `json:"ssh_nodes"`
	Nodes            []string          `json:"nodes"`
	// NodeAddresses is each node's IP, as /cluster/status reports it.
	NodeAddresses map[string]string `json:"node_addresses"`
	// PVEVersion is the release answered ("8.4" or "9.1"), PVEManager the
	// pve-manager build (pve-manager/9.1.2/9d436f37a0ac4172).
	PVEVersion string `json:"pve_version"`
	PVEManager string `json:"pve_manager"`
	// GuestNetwork is the range guests serve on ("" when off).
	GuestNetwork string `json:"guest_network,omitempty"`
}

// Info describes the running simulator.
func (s *Simulator) Info() Info {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := make([]string, len(s.nodes))
	addrs := make(map[string]string, len(s.nodes))
	for i, n := range s.nodes {
		names[i] = n.Name
		addrs[n.Name] = n.IP
	}
	return Info{
		Endpoint: s.endpoint, APIToken: s.sec.TokenID + "=" + s.sec.TokenSecret,
		PVEAdminAPIToken: pveAdminTokenID + "=" + s.sec.PVEAdminTokenSecret,
		Username:         "root@pam", Password: s.sec.Password, CACertPEM: s.sec.CACertPEM,
		SSHUser: "root", SSHPrivateKey: s.sec.SSHUserKeyPEM, SSHHostKey: s.sshHostKeyLine(),
		SSHNodes: s.sshAddrs, Nodes: names, NodeAddresses: addrs,
		PVEVersion: s.release, PVEManager: s.rel().pveversion(), GuestNetwork: s.GuestNetwork(),
	}
}

// Stats returns the request, task and command counters.
func (s *Simulator) Stats() Stats { return s.stats.snapshot() }

// ResetStats zeroes the counters.
func (s *Simulator) ResetStats() { s.stats.reset() }

// SetFaults replaces the fault rules at runtime.
func (s *Simulator) SetFaults(spec string) error { return s.faults.set(spec) }

func (s *Simulator) nodeByName(name string) *node {
	for _, n := range s.nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}
