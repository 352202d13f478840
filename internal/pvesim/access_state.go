package pvesim

import (
	"errors"
	"fmt"
	"sync"
)

// accessState is the access control of the cluster as one request sees it:
// user.cfg, the token secrets and the pve realm's passwords, parsed once per
// version of those files (pmxcfs's cfs_file_version is what lets pvedaemon
// cache them the same way), with the privileges it computed memoised.
type accessState struct {
	cfg      *userConfig
	secrets  map[string]string // full token id -> secret
	shadow   map[string]string // pve realm user name -> crypt hash
	versions [3]uint64

	mu        sync.Mutex
	privs     map[string]privSet                    // authid + "\x00" + path
	poolRoles map[string]map[string]map[string]bool // authid -> /vms/N or /storage/X -> roles
	// vnetZone is the SDN zone of a vnet, "" for another bridge (sdn_node.go).
	vnetZone func(bridge string) string
}

// privSet is the privileges an identity holds on one path: the keys, each
// with whether it propagates below the path (which only ACL changes read).
type privSet map[string]bool

func (s *Simulator) accessVersions() [3]uint64 {
	return [3]uint64{s.cfs.Version(userCfgPath), s.cfs.Version(tokenCfgPath), s.cfs.Version(shadowCfgPath)}
}

// access returns the current access state, parsing the files again only
// when one of them changed since the last request.
func (s *Simulator) access() *accessState {
	v := s.accessVersions()
	s.accessMu.Lock()
	defer s.accessMu.Unlock()
	if cur := s.accessCur; cur != nil && cur.versions == v {
		return cur
	}
	read := func(p string) string { b, _ := s.cfs.ReadFile(p); return string(b) }
	st := &accessState{
		cfg:       parseUserConfig(read(userCfgPath), rolesFor(s.release)),
		secrets:   parseTokenSecrets(read(tokenCfgPath)),
		shadow:    parseShadow(read(shadowCfgPath)),
		versions:  v,
		privs:     map[string]privSet{},
		poolRoles: map[string]map[string]map[string]bool{},
		vnetZone:  s.sdnVnetZone,
	}
	s.accessCur = st
	return st
}

// changeUserConfig is PVE's lock_user_config: read user.cfg fresh, change it
// and write it back, all under the cluster-wide lock of the file. A change
// that fails writes nothing.
func (s *Simulator) changeUserConfig(change func(c *userConfig) error) error {
	s.accessWriteMu.Lock()
	defer s.accessWriteMu.Unlock()
	raw, _ := s.cfs.ReadFile(userCfgPath)
	cfg := parseUserConfig(string(raw), rolesFor(s.release))
	if err := change(cfg); err == errUnchanged {
		return nil
	} else if err != nil {
		return err
	}
	if err := s.cfs.WriteFile(userCfgPath, []byte(cfg.String()), 0o640); err != nil {
		return fmt.Errorf("update user config failed: %w", err)
	}
	s.persistSoon()
	return nil
}

// errUnchanged lets a change of user.cfg say that nothing needs writing.
var errUnchanged = errors.New("unchanged")

// changeTokenSecrets is TokenConfig's generate_token and delete_token.
// token.cfg has a cluster lock of its own, taken inside user.cfg's.
func (s *Simulator) changeTokenSecrets(change func(secrets map[string]string)) {
	s.changeMapFile(&s.tokenCfgMu, tokenCfgPath, parseTokenSecrets, formatTokenSecrets, change)
}

// changeShadow is PVE::Auth::PVE's lock_shadow_config.
func (s *Simulator) changeShadow(change func(shadow map[string]string)) {
	s.changeMapFile(&s.shadowCfgMu, shadowCfgPath, parseShadow, formatShadow, change)
}

// changeMapFile is a read-modify-write of one of the private files (mode
// 0600, root's alone on a node) under that file's lock.
func (s *Simulator) changeMapFile(mu *sync.Mutex, path string, parse func(string) map[string]string, format func(map[string]string) string,
	change func(map[string]string)) {
	mu.Lock()
	defer mu.Unlock()
	raw, _ := s.cfs.ReadFile(path)
	entries := parse(string(raw))
	change(entries)
	_ = s.cfs.WriteFile(path, []byte(format(entries)), 0o600)
	s.persistSoon()
}
