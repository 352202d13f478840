package nodeshell

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"slices"
	"testing"
)

// TestCheckShakesHandsOnce: Check proves a node's address, host key and
// credentials with a handshake and no command, and the commands after it
// use that connection; a key the node does not know is an AuthError that
// says the private key was offered, and a port where nothing listens an
// UnreachableError that is no timeout.
func TestCheckShakesHandsOnce(t *testing.T) {
	sim := startSim(t)
	info := sim.Info()
	r, err := New(Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Check(context.Background(), "pve1"); err != nil {
		t.Fatal(err)
	}
	first := r.nodeConn("pve1").current()
	if first == nil {
		t.Fatal("Check left no connection")
	}
	if res, err := r.Run(context.Background(), "pve1", "true", nil); err != nil || res.ExitCode != 0 || r.nodeConn("pve1").current() != first {
		t.Fatalf("the command after Check did not use its connection: %+v %v", res, err)
	}

	der, err := x509.MarshalPKCS8PrivateKey(mustKey(t))
	if err != nil {
		t.Fatal(err)
	}
	stranger := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	refused, err := New(Config{PrivateKey: stranger, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	if err != nil {
		t.Fatal(err)
	}
	err = refused.Check(context.Background(), "pve2")
	var auth *AuthError
	if !errors.As(err, &auth) || auth.Node != "pve2" || !slices.Equal(auth.Offered, []string{"PrivateKey"}) {
		t.Fatalf("a stranger's key: %v", err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	nowhere, err := New(Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: map[string]string{"pve3": closed}})
	if err != nil {
		t.Fatal(err)
	}
	err = nowhere.Check(context.Background(), "pve3")
	var unreachable *UnreachableError
	if !errors.As(err, &unreachable) || unreachable.Timeout || unreachable.Addr != closed {
		t.Fatalf("a closed port: %v", err)
	}
}
