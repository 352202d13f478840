package pveschema

import (
	"strings"
	"testing"
)

func TestSchemaCoversServedPaths(t *testing.T) {
	for _, release := range Releases {
		s, err := Load(release)
		if err != nil {
			t.Fatal(err)
		}
		checkServed(t, release, s)
	}
	if _, err := Load("7.4"); err == nil || !strings.Contains(err.Error(), "known: 8.4, 9.1") {
		t.Errorf("an unknown release must name the known ones, got %v", err)
	}
}

func checkServed(t *testing.T, release string, s Schema) {
	t.Helper()
	for path, method := range map[string]string{
		"/nodes/{node}/lxc": "POST", "/nodes/{node}/lxc/{vmid}/config": "PUT", "/nodes/{node}/vzdump": "POST",
		"/cluster/nextid": "GET", "/access/ticket": "POST", "/nodes/{node}/storage/{storage}/content/{volume}": "DELETE",
		"/nodes/{node}/lxc/{vmid}/clone": "POST", "/storage": "POST", "/nodes/{node}/network": "PUT",
	} {
		if s[path][method] == nil {
			t.Errorf("%s %s missing from the embedded %s schema", method, path, release)
		}
	}
}

func TestValidate(t *testing.T) {
	s := MustLoad("8.4")
	create := s["/nodes/{node}/lxc"]["POST"]
	base := func(extra Params) Params {
		p := Params{"node": "pve1", "vmid": "100", "ostemplate": "local:vztmpl/x.tar.zst"}
		for k, v := range extra {
			p[k] = v
		}
		return p
	}
	tests := []struct {
		name  string
		extra Params
		field string
		want  string
	}{
		{"valid", Params{"memory": "1024", "net0": "name=eth0,bridge=vmbr0,ip=dhcp", "tags": "a;b", "unprivileged": "1"}, "", ""},
		{"indexed name beyond range", Params{"net32": "name=eth0"}, "net32", "property is not defined in schema"},
		{"indexed name with leading zero", Params{"net01": "name=eth0"}, "net01", "property is not defined in schema"},
		{"number as boolean", Params{"unprivileged": "2"}, "unprivileged", "type check ('boolean') failed - got '2'"},
		{"maximum", Params{"cores": "9000"}, "cores", "value must have a maximum value of 8192"},
		{"min length", Params{"password": "abc"}, "password", "value must be at least 5 characters long"},
		{"max length", Params{"ostemplate": strings.Repeat("x", 256)}, "ostemplate", "value may only be 255 characters long"},
		{"dns name", Params{"hostname": "bad_name"}, "hostname", "invalid format - value does not look like a valid DNS name"},
		{"ip config", Params{"net0": "name=eth0,ip=10.0.0.5"}, "net0",
			"net0.ip: invalid format - value does not look like a valid IPv4 network configuration"},
		{"mac", Params{"net0": "name=eth0,hwaddr=01:00:00:00:00:01"}, "net0",
			"net0.hwaddr: invalid format - value does not look like a valid unicast MAC address"},
		{"duplicate key", Params{"features": "nesting=1,nesting=0"}, "features",
			"invalid format - duplicate key in comma-separated list property: nesting"},
		{"tag", Params{"tags": "ok;not ok!"}, "tags", "invalid format - invalid tag 'ok!'"},
		{"rootfs default key", Params{"rootfs": "local-lvm:8,size=8G"}, "", ""},
		{"node format", Params{"node": "-bad"}, "node", "invalid format - value does not look like a valid node name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := create.Validate(base(tc.extra))
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors %v", errs)
				}
				return
			}
			if !strings.Contains(errs[tc.field], tc.want) {
				t.Fatalf("errors %v, want %s: %q", errs, tc.field, tc.want)
			}
		})
	}
}

// TestValidateRequires follows pve-common src/PVE/JSONSchema.pm check_object:
// a given parameter whose schema says `requires => 'other'` needs the other
// one too, and the error sits on the missing one ("missing property required
// by '<given>'"); a second message for the same key is joined after a
// literal '\n' (add_error). download-url's checksum and checksum-algorithm
// require each other in both releases (pve-storage API2/Storage/Status.pm).
func TestValidateRequires(t *testing.T) {
	for _, release := range Releases {
		dl := MustLoad(release)["/nodes/{node}/storage/{storage}/download-url"]["POST"]
		base := Params{"node": "pve1", "storage": "local", "url": "http://example.com/a.iso", "content": "iso", "filename": "a.iso"}
		with := func(extra Params) Params {
			p := Params{}
			for k, v := range base {
				p[k] = v
			}
			for k, v := range extra {
				p[k] = v
			}
			return p
		}
		if errs := dl.Validate(with(Params{"checksum": "abc"})); errs["checksum-algorithm"] != "missing property required by 'checksum'" || len(errs) != 1 {
			t.Errorf("%s checksum alone: %v", release, errs)
		}
		if errs := dl.Validate(with(Params{"checksum-algorithm": "sha256"})); errs["checksum"] != "missing property required by 'checksum-algorithm'" ||
			len(errs) != 1 {
			t.Errorf("%s algorithm alone: %v", release, errs)
		}
		if errs := dl.Validate(with(Params{"checksum": "abc", "checksum-algorithm": "sha256"})); len(errs) != 0 {
			t.Errorf("%s both: %v", release, errs)
		}
	}
	// A required partner that is itself invalid keeps both messages.
	schema := &Prop{Properties: map[string]*Prop{
		"a": {Type: "string", Optional: true, Requires: "b"},
		"b": {Type: "integer"},
	}}
	errs := map[string]string{}
	checkObject("", schema, Params{"a": "x"}, errs)
	if errs["b"] != `property is missing and it is not optional\nmissing property required by 'a'` {
		t.Errorf("joined messages: %q", errs["b"])
	}
	// Network addresses: pve-manager API2/Network.pm, netmask requires address.
	net := MustLoad("9.1")["/nodes/{node}/network"]["POST"]
	errs = net.Validate(Params{"node": "pve1", "iface": "vmbr1", "type": "bridge", "netmask": "255.255.255.0"})
	if errs["address"] != "missing property required by 'netmask'" {
		t.Errorf("network netmask without address: %v", errs)
	}
}

// TestReleaseOnlyPaths: oci-registry-pull exists from pve-storage 9.x on
// (master Status.pm oci_registry_pull); gen leaves it out of the 8.4 subset.
func TestReleaseOnlyPaths(t *testing.T) {
	const path = "/nodes/{node}/storage/{storage}/oci-registry-pull"
	if MustLoad("9.1")[path]["POST"] == nil {
		t.Errorf("9.1 lacks %s", path)
	}
	if MustLoad("8.4")[path] != nil {
		t.Errorf("8.4 has %s", path)
	}
}
