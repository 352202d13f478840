package pvesim

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"

	"golang.org/x/crypto/ssh"
)

// secrets are the cluster's keys, kept in the state file so that a restarted
// simulator presents the same CA, host key and client key.
type secrets struct {
	CACertPEM     string `json:"ca_cert_pem"`
	CAKeyPEM      string `json:"ca_key_pem"`
	ServerCertPEM string `json:"server_cert_pem"`
	ServerKeyPEM  string `json:"server_key_pem"`
	SSHHostKeyPEM string `json:"ssh_host_key_pem"`
	SSHUserKeyPEM string `json:"ssh_user_key_pem"`
	TicketKey     []byte `json:"ticket_key"`
	TokenID       string `json:"token_id"`
	TokenSecret   string `json:"token_secret"`
	// PVEAdminTokenSecret is the secret of terraform@pve!proximity, made at
	// the first start; token.cfg holds it too.
	PVEAdminTokenSecret string `json:"pveadmin_token_secret,omitempty"`
	Password            string `json:"password"`
	// SSHHostRSAKeyPEM is the nodes' RSA host key, the one pvecm
	// updatecerts lists (ssh_rsa.go); made at the first start.
	SSHHostRSAKeyPEM string `json:"ssh_host_rsa_key_pem,omitempty"`
}

func newSecrets(hosts []string) (*secrets, error) {
	s := &secrets{TicketKey: randomBytes(32)}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Proxmox Virtual Environment (simulator)", Organization: []string{"PVE Cluster Manager CA"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		IsCA:                  true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: hosts[0] + ".proxmox.sim", Organization: []string{"PVE Cluster Node"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().AddDate(2, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     append([]string{"localhost"}, hosts...),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	s.CACertPEM = pemString("CERTIFICATE", caDER)
	s.ServerCertPEM = pemString("CERTIFICATE", srvDER)
	if s.CAKeyPEM, err = ecKeyPEM(caKey); err != nil {
		return nil, err
	}
	if s.ServerKeyPEM, err = ecKeyPEM(srvKey); err != nil {
		return nil, err
	}
	if s.SSHHostKeyPEM, err = ed25519PEM(); err != nil {
		return nil, err
	}
	if s.SSHUserKeyPEM, err = ed25519PEM(); err != nil {
		return nil, err
	}
	return s, nil
}

func pemString(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func ecKeyPEM(k *ecdsa.PrivateKey) (string, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return "", err
	}
	return pemString("EC PRIVATE KEY", der), nil
}

// ed25519PEM makes an OpenSSH-format private key, as ssh-keygen writes.
func ed25519PEM() (string, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(block)), nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return b
}
