package pvesim

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
)

// startSSH opens one SSH server per node: node i listens on the base port + i
// (each on a random port when the base port is 0).
func (s *Simulator) startSSH() error {
	hostSigner, err := ssh.ParsePrivateKey([]byte(s.sec.SSHHostKeyPEM))
	if err != nil {
		return fmt.Errorf("SSH host key: %w", err)
	}
	userSigner, err := ssh.ParsePrivateKey([]byte(s.sec.SSHUserKeyPEM))
	if err != nil {
		return fmt.Errorf("SSH user key: %w", err)
	}
	rsaSigner, err := s.rsaHostSigner()
	if err != nil {
		return err
	}
	s.writeNodeKnownHosts(rsaSigner.PublicKey())
	host, portText, err := net.SplitHostPort(s.opts.SSHListen)
	if err != nil {
		return fmt.Errorf("-ssh-listen %q: %w", s.opts.SSHListen, err)
	}
	base, err := strconv.Atoi(portText)
	if err != nil {
		return fmt.Errorf("-ssh-listen %q: bad port", s.opts.SSHListen)
	}
	s.sshAddrs = map[string]string{}
	for i, n := range s.nodes {
		ln, err := net.Listen("tcp", s.sshListenAddr(i, n, host, base))
		if err != nil {
			return fmt.Errorf("SSH listen for %s: %w", n.Name, err)
		}
		s.listeners = append(s.listeners, ln)
		s.sshAddrs[n.Name] = ln.Addr().String()
		cfg := s.sshServerConfig(n, userSigner.PublicKey())
		cfg.AddHostKey(hostSigner)
		cfg.AddHostKey(rsaSigner)
		s.wg.Add(1)
		go s.acceptSSH(ln, cfg, n)
	}
	return nil
}

func (s *Simulator) sshServerConfig(n *node, userKey ssh.PublicKey) *ssh.ServerConfig {
	return &ssh.ServerConfig{
		PasswordCallback: func(meta ssh.ConnMetadata, password []byte) (*ssh.Permissions, error) {
			if meta.User() == "root" && subtle.ConstantTimeCompare(password, []byte(s.rootPassword())) == 1 {
				return nil, nil
			}
			return nil, fmt.Errorf("password rejected for %s", meta.User())
		},
		PublicKeyCallback: func(meta ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			if meta.User() != "root" {
				return nil, fmt.Errorf("unknown user %s", meta.User())
			}
			if bytes.Equal(key.Marshal(), userKey.Marshal()) || s.authorizedOnNode(n, key) {
				return nil, nil
			}
			return nil, fmt.Errorf("public key rejected")
		},
		ServerVersion: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u5",
	}
}

// authorizedOnNode accepts keys listed in the node's /root/.ssh/authorized_keys.
func (s *Simulator) authorizedOnNode(n *node, key ssh.PublicKey) bool {
	data, err := n.FS.ReadFile("/root/.ssh/authorized_keys")
	if err != nil {
		return false
	}
	for len(data) > 0 {
		pub, _, _, rest, err := ssh.ParseAuthorizedKey(data)
		if err != nil {
			return false
		}
		if bytes.Equal(pub.Marshal(), key.Marshal()) {
			return true
		}
		data = rest
	}
	return false
}

func (s *Simulator) sshHostKeyLine() string {
	signer, err := ssh.ParsePrivateKey([]byte(s.sec.SSHHostKeyPEM))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
}

func (s *Simulator) acceptSSH(ln net.Listener, cfg *ssh.ServerConfig, n *node) {
	defer s.wg.Done()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			s.serveSSHConn(conn, cfg, n)
		}()
	}
}

func (s *Simulator) serveSSHConn(conn net.Conn, cfg *ssh.ServerConfig, n *node) {
	defer conn.Close()
	stop := context.AfterFunc(s.ctx, func() { conn.Close() })
	defer stop()
	sc, chans, reqs, err := ssh.NewServerConn(conn, cfg)
	if err != nil {
		return
	}
	defer sc.Close()
	go ssh.DiscardRequests(reqs)
	var sessions sync.WaitGroup
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only session channels are supported")
			continue
		}
		ch, chReqs, err := nc.Accept()
		if err != nil {
			continue
		}
		sessions.Add(1)
		go func() {
			defer sessions.Done()
			s.serveSession(ch, chReqs, n)
		}()
	}
	sessions.Wait()
}

// serveSession runs one exec (or shell) request and reports its exit status.
func (s *Simulator) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request, n *node) {
	defer ch.Close()
	var env []string
	for req := range reqs {
		switch req.Type {
		case "env":
			var kv struct{ Name, Value string }
			if ssh.Unmarshal(req.Payload, &kv) == nil {
				env = append(env, kv.Name+"="+kv.Value)
			}
			_ = req.Reply(true, nil)
		case "pty-req", "window-change":
			_ = req.Reply(true, nil)
		case "subsystem":
			// sshd_config on PVE: Subsystem sftp /usr/lib/openssh/sftp-server.
			var p struct{ Name string }
			if err := ssh.Unmarshal(req.Payload, &p); err != nil || p.Name != "sftp" {
				_ = req.Reply(false, nil)
				continue
			}
			_ = req.Reply(true, nil)
			s.stats.countCommand("sftp")
			s.stats.countSession(n.Name)
			go ssh.DiscardRequests(reqs)
			code := 0
			if err := s.serveSFTP(ch, n); err != nil {
				code = 1
			}
			s.persistSoon()
			_ = ch.CloseWrite()
			_, _ = ch.SendRequest("exit-status", false, exitStatus(code))
			return
		case "exec", "shell":
			script := ""
			if req.Type == "exec" {
				var p struct{ Command string }
				if err := ssh.Unmarshal(req.Payload, &p); err != nil {
					_ = req.Reply(false, nil)
					continue
				}
				script = p.Command
			}
			_ = req.Reply(true, nil)
			shellEnv := s.nodeEnv(n)
			shellEnv.Vars = append(shellEnv.Vars, env...)
			shellEnv.FS = s.countingFS(shellEnv.FS, "ssh "+n.Name)
			s.stats.countCommand("ssh")
			s.stats.countSession(n.Name)
			ctx := withWriteOrigin(s.ctx, "ssh "+n.Name)
			var code int
			if req.Type == "exec" {
				code = shellEnv.Run(ctx, script, ch, ch, ch.Stderr(), "/root")
			} else {
				code = shellEnv.Run(ctx, "sh", ch, ch, ch.Stderr(), "/root")
			}
			_ = ch.CloseWrite()
			_, _ = ch.SendRequest("exit-status", false, exitStatus(code))
			return
		default:
			_ = req.Reply(false, nil)
		}
	}
}

// exitStatus is the payload of an "exit-status" request (RFC 4254 6.10).
func exitStatus(code int) []byte {
	status := make([]byte, 4)
	binary.BigEndian.PutUint32(status, uint32(code))
	return status
}
