package pveclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
)

// ContainerConfig is a container's configuration as GET .../lxc/{vmid}/config
// returns it (or as a backup archive holds it). The options the provider
// works with are typed; every other one is kept, as text, in Extra.
type ContainerConfig struct {
	Digest       string // SHA-1 of the config, for an update's optimistic locking
	Hostname     string
	Description  string
	Memory       int  // MiB; 0 when unset
	Swap         *int // MiB
	Cores        int  // 0 when unset (all host cores)
	OSType       string
	Arch         string
	Lock         string
	OnBoot       *bool
	Unprivileged *bool
	Template     *bool
	RootFS       *ContainerMountPoint
	MountPoints  map[int]ContainerMountPoint // mpN
	Networks     map[int]ContainerNetwork    // netN
	Features     *ContainerFeatures
	Tags         Tags
	Extra        map[string]string
}

// UnmarshalJSON reads the API's config object, whose numbers are JSON numbers.
func (c *ContainerConfig) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	options := make(map[string]string, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case nil:
		case string:
			options[k] = v
		case json.Number:
			options[k] = v.String()
		default:
			// Arrays such as raw lxc.* pairs stay JSON, to be kept whole.
			text, err := json.Marshal(v)
			if err != nil {
				return err
			}
			options[k] = string(text)
		}
	}
	cfg, err := parseContainerConfig(options)
	if err != nil {
		return err
	}
	*c = *cfg
	return nil
}

// parseContainerConfig types a config's options, given as text.
func parseContainerConfig(options map[string]string) (*ContainerConfig, error) {
	values := maps.Clone(options)
	c := &ContainerConfig{Digest: take(values, "digest"), Hostname: take(values, "hostname"), Description: take(values, "description"),
		OSType: take(values, "ostype"), Arch: take(values, "arch"), Lock: take(values, "lock"), Tags: ParseTags(take(values, "tags"))}
	var err error
	var n *int
	for key, dst := range map[string]*int{"memory": &c.Memory, "cores": &c.Cores} {
		if n, err = takeInt(values, key); err != nil {
			return nil, err
		} else if n != nil {
			*dst = *n
		}
	}
	if c.Swap, err = takeInt(values, "swap"); err != nil {
		return nil, err
	}
	for key, dst := range map[string]**bool{"onboot": &c.OnBoot, "unprivileged": &c.Unprivileged, "template": &c.Template} {
		if *dst, err = takeBool(values, key); err != nil {
			return nil, err
		}
	}
	if v, ok := values["rootfs"]; ok {
		mp, err := ParseContainerMountPoint(take(values, "rootfs"))
		if err != nil {
			return nil, fmt.Errorf("rootfs %q: %w", v, err)
		}
		c.RootFS = &mp
	}
	if v, ok := values["features"]; ok {
		f, err := ParseContainerFeatures(take(values, "features"))
		if err != nil {
			return nil, fmt.Errorf("features %q: %w", v, err)
		}
		c.Features = &f
	}
	for key, v := range values {
		if i, ok := indexOf(key, "mp"); ok {
			mp, err := ParseContainerMountPoint(v)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", key, v, err)
			}
			c.MountPoints = setIndexed(c.MountPoints, i, mp)
			delete(values, key)
		} else if i, ok := indexOf(key, "net"); ok {
			n, err := ParseContainerNetwork(v)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", key, v, err)
			}
			c.Networks = setIndexed(c.Networks, i, n)
			delete(values, key)
		}
	}
	c.Extra = leftover(values)
	return c, nil
}

// options prints the config back into its options, as PVE prints them.
func (c *ContainerConfig) options() map[string]string {
	values := withExtra(c.Extra)
	for k, v := range map[string]string{"digest": c.Digest, "hostname": c.Hostname, "description": c.Description,
		"ostype": c.OSType, "arch": c.Arch, "lock": c.Lock, "tags": c.Tags.String()} {
		put(values, k, v)
	}
	if c.Memory != 0 {
		values["memory"] = strconv.Itoa(c.Memory)
	}
	if c.Cores != 0 {
		values["cores"] = strconv.Itoa(c.Cores)
	}
	putInt(values, "swap", c.Swap)
	putBool(values, "onboot", c.OnBoot)
	putBool(values, "unprivileged", c.Unprivileged)
	putBool(values, "template", c.Template)
	if c.RootFS != nil {
		values["rootfs"] = c.RootFS.String()
	}
	if c.Features != nil {
		values["features"] = c.Features.String()
	}
	for i, mp := range c.MountPoints {
		values["mp"+strconv.Itoa(i)] = mp.String()
	}
	for i, n := range c.Networks {
		values["net"+strconv.Itoa(i)] = n.String()
	}
	return values
}

// parseConfigText reads a guest's .conf file (a backup's, from
// extractconfig): "key: value" lines up to the first [section] (snapshots),
// with the leading "#" lines as description.
func parseConfigText(text string) (*ContainerConfig, error) {
	options := map[string]string{}
	var description []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "[") {
			break
		}
		if strings.HasPrefix(line, "#") {
			description = append(description, strings.TrimPrefix(line, "#"))
		} else if k, v, ok := strings.Cut(line, ": "); ok {
			options[k] = v
		}
	}
	if len(description) > 0 {
		options["description"] = strings.Join(description, "\n") + "\n"
	}
	return parseContainerConfig(options)
}

// indexOf reads the N of an indexed key (net0, mp3).
func indexOf(key, prefix string) (int, bool) {
	n, ok := strings.CutPrefix(key, prefix)
	if !ok || n == "" {
		return 0, false
	}
	i, err := strconv.Atoi(n)
	return i, err == nil && i >= 0
}

func setIndexed[T any](m map[int]T, i int, v T) map[int]T {
	if m == nil {
		m = map[int]T{}
	}
	m[i] = v
	return m
}

// ContainerSettings are the options a create and a restore share. Zero
// values are left out, so that PVE's defaults apply.
type ContainerSettings struct {
	Hostname      string
	Description   string
	Memory        int  // MiB
	Swap          *int // MiB
	Cores         int
	Networks      map[int]ContainerNetwork
	DNS           DNSOptions
	Features      *ContainerFeatures
	Unprivileged  *bool
	OnBoot        *bool
	Startup       string // PVE's startup property string; "" leaves it out
	Pool          string // the resource pool a create or restore adds the guest to
	Protection    *bool  // a restore keeps the archive's flag unless told
	Tags          Tags
	Password      string
	SSHPublicKeys string
}

func (s ContainerSettings) put(body map[string]any) {
	for k, v := range map[string]string{"hostname": s.Hostname, "description": s.Description, "tags": s.Tags.String(),
		"password": s.Password, "ssh-public-keys": s.SSHPublicKeys, "startup": s.Startup, "pool": s.Pool} {
		if v != "" {
			body[k] = v
		}
	}
	for k, v := range map[string]int{"memory": s.Memory, "cores": s.Cores} {
		if v != 0 {
			body[k] = v
		}
	}
	if s.Swap != nil {
		body["swap"] = *s.Swap
	}
	putFlag(body, "unprivileged", s.Unprivileged)
	putFlag(body, "onboot", s.OnBoot)
	putFlag(body, "protection", s.Protection)
	s.DNS.put(body)
	if s.Features != nil {
		body["features"] = s.Features.String()
	}
	for i, n := range s.Networks {
		body["net"+strconv.Itoa(i)] = n.String()
	}
}

// putFlag writes a boolean parameter as PVE's API takes it: 1 or 0.
func putFlag(body map[string]any, key string, b *bool) {
	if b != nil {
		if *b {
			body[key] = 1
		} else {
			body[key] = 0
		}
	}
}

// A ContainerCreation is the body of POST /nodes/{node}/lxc: a
// ContainerCreateRequest or a ContainerRestoreRequest.
type ContainerCreation interface {
	createBody(vmid int) map[string]any
}

// ContainerCreateRequest creates a container from a template.
type ContainerCreateRequest struct {
	OSTemplate string              // local:vztmpl/...
	RootFS     ContainerMountPoint // its Volume "STORAGE:GiB" allocates the disk
	Start      bool                // start the container once created
	ContainerSettings
}

func (r ContainerCreateRequest) createBody(vmid int) map[string]any {
	body := map[string]any{"vmid": vmid, "ostemplate": r.OSTemplate}
	if r.RootFS.Volume != "" {
		body["rootfs"] = r.RootFS.String()
	}
	if r.Start {
		body["start"] = 1
	}
	r.put(body)
	return body
}

// ContainerRestoreRequest restores a container from a vzdump archive.
type ContainerRestoreRequest struct {
	Archive string // the backup's volume id, sent as ostemplate
	Storage string // where the restored disks go
	Force   bool   // overwrite an existing container of that VMID
	Unique  bool   // give it new MAC addresses
	ContainerSettings
}

func (r ContainerRestoreRequest) createBody(vmid int) map[string]any {
	body := map[string]any{"vmid": vmid, "ostemplate": r.Archive, "restore": 1}
	if r.Storage != "" {
		body["storage"] = r.Storage
	}
	if r.Force {
		body["force"] = 1
	}
	if r.Unique {
		body["unique"] = 1
	}
	r.put(body)
	return body
}

// ContainerConfigUpdate is a PUT of .../lxc/{vmid}/config: the options it
// sets, those it deletes and, when given, the digest the config must still
// have.
type ContainerConfigUpdate struct {
	Hostname    string // "" leaves it as it is
	Memory      *int
	Cores       *int
	Description *string
	Tags        Tags // nil leaves the tags as they are
	Features    *ContainerFeatures
	Networks    map[int]ContainerNetwork
	DNS         DNSOptions
	MountPoints map[int]ContainerMountPoint // a Volume "STORAGE:GiB" allocates a new one
	Boot        BootOptions
	Delete      []string
	Digest      string
}

func (u ContainerConfigUpdate) body() map[string]any {
	body := map[string]any{}
	if u.Hostname != "" {
		body["hostname"] = u.Hostname
	}
	if u.Memory != nil {
		body["memory"] = *u.Memory
	}
	if u.Cores != nil {
		body["cores"] = *u.Cores
	}
	if u.Description != nil {
		body["description"] = *u.Description
	}
	if u.Tags != nil {
		body["tags"] = u.Tags.String()
	}
	if u.Features != nil {
		body["features"] = u.Features.String()
	}
	for i, n := range u.Networks {
		body["net"+strconv.Itoa(i)] = n.String()
	}
	for i, mp := range u.MountPoints {
		body["mp"+strconv.Itoa(i)] = mp.String()
	}
	u.DNS.put(body)
	u.Boot.put(body)
	if len(u.Delete) > 0 {
		body["delete"] = strings.Join(u.Delete, ",")
	}
	if u.Digest != "" {
		body["digest"] = u.Digest
	}
	return body
}

// Changes counts the options the update sets or deletes.
func (u ContainerConfigUpdate) Changes() int {
	b := u.body()
	delete(b, "digest")
	delete(b, "delete")
	return len(b) + len(u.Delete)
}
