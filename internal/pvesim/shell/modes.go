package shell

import (
	"errors"
	"io/fs"
	"strconv"
	"strings"
)

// Chmoder is a file system whose entries have modes that chmod(2) changes.
// A file system without it refuses chmod with EPERM, as a mount that keeps
// no modes does.
type Chmoder interface {
	Chmod(p string, mode fs.FileMode) error
}

// umask is root's default file creation mask on PVE nodes and in the
// templates (login.defs and /etc/profile: 022).
const umask fs.FileMode = 0o022

// specialBits are the mode bits above the permissions: setuid, setgid, sticky.
const specialBits = fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

var errInvalidMode = errors.New("invalid mode")

// unixMode is a mode as the kernel has it (0o4755), for stat %a.
func unixMode(m fs.FileMode) uint32 {
	u := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		u |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		u |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		u |= 0o1000
	}
	return u
}

// FromUnixMode is the inverse of unixMode for the 12 chmod bits: a Unix
// st_mode (as chmod(1) and SFTP's permissions attribute carry it) to the
// permissions, setuid, setgid and sticky bits of an fs.FileMode.
func FromUnixMode(u uint32) fs.FileMode {
	m := fs.FileMode(u & 0o777)
	if u&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if u&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if u&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// modeString is the mode as ls -l and stat %A print it (filemode.c):
// "drwxrwxrwt", "-rwsr-xr-x"; Go's FileMode.String spells these differently.
func modeString(m fs.FileMode) string {
	b := []byte("-rwxrwxrwx")
	switch {
	case m.IsDir():
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		b[0] = 'l'
	case m&fs.ModeNamedPipe != 0:
		b[0] = 'p'
	case m&fs.ModeSocket != 0:
		b[0] = 's'
	case m&fs.ModeCharDevice != 0:
		b[0] = 'c'
	case m&fs.ModeDevice != 0:
		b[0] = 'b'
	}
	for i := 0; i < 9; i++ {
		if m.Perm()&(1<<(8-i)) == 0 {
			b[i+1] = '-'
		}
	}
	special := func(i int, set bool, lower, upper byte) {
		if !set {
			return
		}
		if b[i] == '-' {
			b[i] = upper
		} else {
			b[i] = lower
		}
	}
	special(3, m&fs.ModeSetuid != 0, 's', 'S')
	special(6, m&fs.ModeSetgid != 0, 's', 'S')
	special(9, m&fs.ModeSticky != 0, 't', 'T')
	return string(b)
}

// applyMode computes the new mode of an entry whose mode is old, for a chmod
// MODE argument as coreutils' modechange.c reads it: an octal number, or a
// comma-separated list of [ugoa]*([-+=]([rwxXst]*|[ugo]))+. Without a "who",
// the umask's bits are left alone, as there. An octal mode keeps a
// directory's setuid and setgid bits, which only a symbolic mode clears.
func applyMode(spec string, old fs.FileMode, isDir bool) (fs.FileMode, error) {
	if spec == "" {
		return 0, errInvalidMode
	}
	if spec[0] >= '0' && spec[0] <= '7' {
		v, err := strconv.ParseUint(spec, 8, 32)
		if err != nil || v > 0o7777 {
			return 0, errInvalidMode
		}
		mode := FromUnixMode(uint32(v))
		if isDir {
			mode |= old & (fs.ModeSetuid | fs.ModeSetgid)
		}
		return mode, nil
	}
	cur := unixMode(old)
	for _, clause := range strings.Split(spec, ",") {
		var err error
		if cur, err = applyClause(clause, cur, isDir); err != nil {
			return 0, err
		}
	}
	return FromUnixMode(cur), nil
}

// applyClause applies one [ugoa]*([-+=]...)+ clause to the kernel mode cur.
func applyClause(clause string, cur uint32, isDir bool) (uint32, error) {
	i := 0
	var who uint32
	for ; i < len(clause) && strings.IndexByte("ugoa", clause[i]) >= 0; i++ {
		who |= map[byte]uint32{'u': 0o4700, 'g': 0o2070, 'o': 0o1007, 'a': 0o7777}[clause[i]]
	}
	mask := who
	if who == 0 {
		who, mask = 0o7777, 0o7777&^uint32(umask)
	}
	if i == len(clause) {
		return 0, errInvalidMode
	}
	for i < len(clause) {
		op := clause[i]
		if op != '+' && op != '-' && op != '=' {
			return 0, errInvalidMode
		}
		i++
		var bits uint32
		if i < len(clause) && strings.IndexByte("ugo", clause[i]) >= 0 {
			// Copy another class's permissions ("g=u").
			shift := map[byte]uint{'u': 6, 'g': 3, 'o': 0}[clause[i]]
			p := (cur >> shift) & 7
			bits = p<<6 | p<<3 | p
			i++
		} else {
			for ; i < len(clause) && strings.IndexByte("rwxXst", clause[i]) >= 0; i++ {
				switch clause[i] {
				case 'r':
					bits |= 0o444
				case 'w':
					bits |= 0o222
				case 'x':
					bits |= 0o111
				case 'X':
					if isDir || cur&0o111 != 0 {
						bits |= 0o111
					}
				case 's':
					bits |= 0o6000
				case 't':
					bits |= 0o1000
				}
			}
		}
		bits &= who & mask
		switch op {
		case '+':
			cur |= bits
		case '-':
			cur &^= bits
		case '=':
			keep := ^who
			if isDir {
				// "=" leaves a directory's setuid/setgid alone unless named.
				keep |= 0o6000 &^ bits
			}
			cur = cur&keep | bits
		}
	}
	return cur, nil
}

// byteCount reads a coreutils size such as head -c takes (xstrtoumax with
// its suffixes): 10, 512b, 4K or 4KiB (1024s), 4KB (1000s), M, G, T, P, E.
func byteCount(s string) (int, bool) {
	digits := strings.TrimRight(s, "bBkKmMgGtTpPeEiI")
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	suffix := s[len(digits):]
	mult := int64(1)
	switch {
	case suffix == "":
	case suffix == "b":
		mult = 512
	case len(suffix) >= 1 && strings.IndexByte("KMGTPE", upper(suffix[0])) >= 0:
		power := strings.IndexByte("KMGTPE", upper(suffix[0])) + 1
		base := int64(1024)
		switch suffix[1:] {
		case "", "iB":
		case "B":
			base = 1000
		default:
			return 0, false
		}
		for range power {
			if mult > (1<<62)/base {
				return 0, false
			}
			mult *= base
		}
	default:
		return 0, false
	}
	if n > (1<<62)/mult {
		return 0, false
	}
	return int(n * mult), true
}

func upper(b byte) byte {
	if b >= 'a' && b <= 'z' {
		return b - 'a' + 'A'
	}
	return b
}
