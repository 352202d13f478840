package pveclient

import (
	"bytes"
	"strconv"
)

// NetworkMTU is an interface's mtu option as GET /nodes/{node}/network
// lists it: PVE answers the options as read from /etc/network/interfaces,
// a string ("9000"); a number is taken too. 0 when none is set.
type NetworkMTU int

// UnmarshalJSON reads "9000" or 9000.
func (m *NetworkMTU) UnmarshalJSON(b []byte) error {
	b = bytes.Trim(b, `"`)
	if len(b) == 0 || string(b) == "null" {
		*m = 0
		return nil
	}
	v, err := strconv.Atoi(string(b))
	if err != nil {
		return err
	}
	*m = NetworkMTU(v)
	return nil
}
