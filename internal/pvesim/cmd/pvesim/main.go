// Command pvesim runs the Proxmox VE simulator: a small PVE 8.4 or 9.1 cluster with
// its HTTPS API and one SSH server per node, for trying the provider and for
// testing Terraform configurations without a Proxmox host.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run returns the exit status: 0 after a clean stop, 2 for bad input
// (flags, fault spec, state file), 1 when the simulator cannot start.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pvesim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8006", "API address (HTTPS)")
	sshListen := fs.String("ssh-listen", "127.0.0.1:2222", "first node's SSH address; node i listens on port+i")
	nodes := fs.String("nodes", "3", "number of nodes (pve1, pve2, ...) or their names as a list (pve,pve2)")
	nodeAddresses := fs.String("node-addresses", "",
		"one IP per node (127.0.0.2,127.0.0.3): its SSH listens there on -ssh-listen's port,\n"+
			"and /cluster/status reports it (default: all nodes on 127.0.0.1, SSH ports counting up)")
	pveVersion := fs.String("pve-version", "", "Proxmox VE release to answer as: 8.4 or 9.1 (default 8.4, or the -state file's release)")
	lxcPveVersion := fs.String("lxc-pve-version", "",
		"the nodes' lxc-pve package version (default 6.0.5-2; older ones break Docker in unprivileged containers with a patched runc)")
	token := fs.String("token", "", "API token as ID=SECRET (default root@pam!proximity=<random>)")
	password := fs.String("password", "", "password of root@pam (default random)")
	state := fs.String("state", "", "file that keeps the cluster across restarts (default: in memory)")
	seed := fs.Int64("seed", 1, "seed for fault injection")
	faults := fs.String("faults", "", "fault injection rules:\n"+pvesim.FaultSpecHelp)
	timeScale := fs.Float64("time-scale", 1, "multiplies every simulated duration (0.01: a 2 s task takes 20 ms)")
	guestNetwork := fs.String("guest-network", "",
		"IPv4 range (127.10.0.0/16) guests lease addresses from and serve their apps on, on real sockets\n"+
			"(default: the 10.10.0.0/16 pool, nothing served)")
	info := fs.String("info", "", "write connection details as JSON to this file once listening")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "pvesim: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	opts := pvesim.Options{
		Listen: *listen, SSHListen: *sshListen, Password: *password, PVEVersion: *pveVersion, LXCPveVersion: *lxcPveVersion,
		StatePath: *state, Seed: *seed, Faults: *faults, TimeScale: *timeScale, GuestNetwork: *guestNetwork,
		Logf: func(f string, a ...any) { fmt.Fprintf(stderr, f+"\n", a...) },
	}
	if err := parseNodes(*nodes, *nodeAddresses, &opts); err != nil {
		fmt.Fprintf(stderr, "pvesim: %v\n", err)
		return 2
	}
	if *pveVersion != "" && *pveVersion != "8.4" && *pveVersion != "9.1" {
		fmt.Fprintf(stderr, "pvesim: -pve-version must be 8.4 or 9.1, got %q\n", *pveVersion)
		return 2
	}
	if *token != "" {
		id, secret, ok := strings.Cut(*token, "=")
		if !ok || !strings.Contains(id, "!") || !strings.Contains(id, "@") || secret == "" {
			fmt.Fprintf(stderr, "pvesim: -token must look like USER@REALM!TOKENID=SECRET, got %q\n", *token)
			return 2
		}
		opts.TokenID, opts.TokenSecret = id, secret
	}
	if _, err := pvesim.ParseFaults(*faults); err != nil {
		fmt.Fprintf(stderr, "pvesim: invalid -faults: %v\n", err)
		return 2
	}
	if *guestNetwork != "" {
		if _, err := pvesim.ParseGuestNetwork(*guestNetwork); err != nil {
			fmt.Fprintf(stderr, "pvesim: -guest-network: %v\n", err)
			return 2
		}
	}
	if *timeScale <= 0 {
		fmt.Fprintf(stderr, "pvesim: -time-scale must be greater than 0, got %g\n", *timeScale)
		return 2
	}
	// Listen for signals before anything is announced: a script may send
	// SIGTERM as soon as the -info file appears.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(signals)

	sim, err := pvesim.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "pvesim: %v\n", err)
		return 2
	}
	if err := sim.Start(); err != nil {
		fmt.Fprintf(stderr, "pvesim: %v\n", err)
		return 1
	}
	details := sim.Info()
	if *info != "" {
		if err := writeInfo(*info, details); err != nil {
			fmt.Fprintf(stderr, "pvesim: %v\n", err)
			_ = sim.Close()
			return 1
		}
	}
	printSummary(stdout, details, *state)
	<-signals
	fmt.Fprintln(stdout, "pvesim: stopping")
	if err := sim.Close(); err != nil {
		fmt.Fprintf(stderr, "pvesim: %v\n", err)
		return 1
	}
	return 0
}

// parseNodes reads -nodes (a count, or node names separated by commas) and
// -node-addresses (one IP per node) into the options; New checks the names
// and addresses themselves.
func parseNodes(nodes, addresses string, opts *pvesim.Options) error {
	if n, err := strconv.Atoi(nodes); err == nil {
		if n < 1 {
			return fmt.Errorf("-nodes must be at least 1, got %d", n)
		}
		opts.Nodes = n
	} else {
		for _, name := range strings.Split(nodes, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				return fmt.Errorf("-nodes %q: an empty node name", nodes)
			}
			opts.NodeNames = append(opts.NodeNames, name)
		}
	}
	if addresses != "" {
		for _, addr := range strings.Split(addresses, ",") {
			opts.NodeAddresses = append(opts.NodeAddresses, strings.TrimSpace(addr))
		}
	}
	return nil
}

// writeInfo writes the connection details atomically with mode 0600: they hold secrets.
func writeInfo(path string, details pvesim.Info) error {
	raw, err := json.MarshalIndent(details, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pvesim-info-*")
	if err != nil {
		return fmt.Errorf("writing -info file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing -info file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing -info file: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

func printSummary(w io.Writer, d pvesim.Info, state string) {
	fmt.Fprintf(w, "pvesim: Proxmox VE %s simulator (%s) with %d nodes (%s)\n", d.PVEVersion, d.PVEManager, len(d.Nodes), strings.Join(d.Nodes, ", "))
	fmt.Fprintf(w, "  API       %s/api2/json (self-signed CA, see ca_cert_pem in -info)\n", d.Endpoint)
	fmt.Fprintf(w, "  token     %s (api_token in -info)\n", strings.SplitN(d.APIToken, "=", 2)[0])
	fmt.Fprintf(w, "  token     %s, PVEAdmin on / as the README sets up (pveadmin_api_token in -info)\n", strings.SplitN(d.PVEAdminAPIToken, "=", 2)[0])
	for _, n := range d.Nodes {
		fmt.Fprintf(w, "  ssh       %s (%s) -> %s (user root)\n", n, d.NodeAddresses[n], d.SSHNodes[n])
	}
	if d.GuestNetwork != "" {
		fmt.Fprintf(w, "  guests    %s (their apps answer on real sockets there)\n", d.GuestNetwork)
	}
	if state != "" {
		fmt.Fprintf(w, "  state     %s\n", state)
	}
	fmt.Fprintln(w, "  stop with Ctrl-C")
}
