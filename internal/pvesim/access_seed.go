package pvesim

import (
	"fmt"
	"strings"
)

// The README's setup, which every fresh simulator has made already:
//
//	pveum user add terraform@pve
//	pveum aclmod / -user terraform@pve -role PVEAdmin
//	pveum user token add terraform@pve proximity --privsep 0
const (
	pveAdminUser    = "terraform@pve"
	pveAdminTokenID = "terraform@pve!proximity"
)

// defaultDomains is a fresh cluster's /etc/pve/domains.cfg.
const defaultDomains = "pam: pam\n\tcomment Linux PAM standard authentication\n\npve: pve\n\tcomment Proxmox VE authentication server\n\tdefault 0\n"

// seedAccess gives a cluster without access control files (a fresh one, or
// the state of an older simulator) PVE's defaults, the start-up token
// (root@pam!proximity without privilege separation, as before access
// control existed) and the README's user and token. An explicitly given
// start-up token secret replaces the stored one.
func (s *Simulator) seedAccess() error {
	if s.cfs.Version(domainsPath) == 0 {
		_ = s.cfs.WriteFile(domainsPath, []byte(defaultDomains), 0o640)
	}
	startUser, startToken, ok := strings.Cut(s.sec.TokenID, "!")
	if !ok || !tokenIDRe.MatchString(s.sec.TokenID) {
		return fmt.Errorf("token id %q is not user@realm!name", s.sec.TokenID)
	}
	fresh := s.cfs.Version(userCfgPath) == 0
	if !fresh && s.opts.TokenSecret == "" {
		return nil
	}
	if s.sec.PVEAdminTokenSecret == "" {
		s.sec.PVEAdminTokenSecret = uuidLike(randomBytes(16))
	}
	err := s.changeUserConfig(func(c *userConfig) error {
		ensureUser := func(id string) *userEntry {
			if c.Users[id] == nil {
				c.Users[id] = &userEntry{Enable: true, Groups: map[string]bool{}, Tokens: map[string]*tokenEntry{}}
			}
			return c.Users[id]
		}
		ensureUser(startUser).Tokens[startToken] = &tokenEntry{}
		if startUser != "root@pam" && fresh {
			// Another start-up user keeps the start-up token's old meaning:
			// it may do everything.
			setRole(c.aclNodeAt("/").Users, startUser, "Administrator", true)
		}
		if fresh {
			ensureUser(pveAdminUser)
			setRole(c.aclNodeAt("/").Users, pveAdminUser, "PVEAdmin", true)
			c.Users[pveAdminUser].Tokens["proximity"] = &tokenEntry{}
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.changeTokenSecrets(func(secrets map[string]string) {
		secrets[s.sec.TokenID] = s.sec.TokenSecret
		if fresh {
			secrets[pveAdminTokenID] = s.sec.PVEAdminTokenSecret
		}
	})
	return nil
}
