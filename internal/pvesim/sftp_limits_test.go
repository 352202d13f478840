package pvesim

import (
	"os"
	"testing"
)

// A node's files live in memory: a client that writes at a far offset or
// truncates to a huge size gets an error (EFBIG, as a write past the file
// size limit), and the node's SFTP server goes on serving, rather than the
// simulator allocating the whole range or panicking on a negative one.
func TestSFTPFarOffsetsAreRefused(t *testing.T) {
	sim := startSim(t, Options{})
	c := sftpClient(t, sim, "pve1")
	f, err := c.OpenFile("/root/sparse", os.O_WRONLY|os.O_CREATE)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte("x"), 1<<50); err == nil {
		t.Error("a write at 1 PiB succeeded")
	}
	if _, err := f.WriteAt([]byte("x"), -1<<62); err == nil {
		t.Error("a write at a negative offset succeeded")
	}
	_ = f.Close()
	if err := c.Truncate("/root/sparse", 1<<50); err == nil {
		t.Error("a truncate to 1 PiB succeeded")
	}
	sftpWrite(t, c, "/root/after", "still serving\n")
	if got := sftpRead(t, c, "/root/after"); got != "still serving\n" {
		t.Errorf("after the refusals: %q", got)
	}
}
