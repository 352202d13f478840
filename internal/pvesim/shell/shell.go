package shell

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// FS is the file system a script sees.
type FS interface {
	Stat(p string) (fs.FileInfo, error)
	ReadFile(p string) ([]byte, error)
	WriteFile(p string, data []byte, perm fs.FileMode) error
	Mkdir(p string, perm fs.FileMode) error
	MkdirAll(p string, perm fs.FileMode) error
	Remove(p string) error
	RemoveAll(p string) error
	Rename(from, to string) error
	Chtimes(p string, mtime time.Time) error
	ReadDir(p string) ([]fs.DirEntry, error)
	Open(p string, flag int, perm fs.FileMode) (io.ReadWriteCloser, error)
}

// Call is one program invocation.
type Call struct {
	Args   []string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Dir    string
	Env    *Env
	Ctx    context.Context
	// Environ is the process environment the program gets: the shell's
	// exported variables, NAME=value.
	Environ []string
	// exhausted is set when the program's input passed maxInputBytes.
	exhausted bool
}

// Abs resolves a path argument against the working directory.
func (c *Call) Abs(p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(c.Dir, p)
}

// Errorf prints "prog: message" to stderr and returns exit status 1.
func (c *Call) Errorf(format string, args ...any) int {
	fmt.Fprintf(c.Stderr, c.Args[0]+": "+format+"\n", args...)
	return 1
}

// Program is a command implementation; it returns the exit status.
type Program func(c *Call) int

// Env is one machine's shell environment: its files and programs.
type Env struct {
	FS       FS
	Programs map[string]Program
	Vars     []string
	Home     string
	// Sleep waits a simulated duration (the simulator scales it).
	Sleep func(ctx context.Context, d time.Duration) error
	// Locks backs flock(1); it is per machine, as kernel file locks are.
	Locks *LockTable
	// OnCommand, when set, observes every program run (for statistics and faults).
	// A non-nil Program it returns replaces the one that would run.
	OnCommand func(name string) Program
}

// Run executes a script and returns its exit status.
func (e *Env) Run(ctx context.Context, script string, stdin io.Reader, stdout, stderr io.Writer, dir string) int {
	file, err := syntax.NewParser().Parse(strings.NewReader(script), "")
	if err != nil {
		fmt.Fprintf(stderr, "sh: %v\n", err)
		return 2
	}
	return e.runFile(ctx, file, nil, stdin, stdout, stderr, dir)
}

func (e *Env) runFile(ctx context.Context, file *syntax.File, params []string, stdin io.Reader, stdout, stderr io.Writer, dir string) int {
	if dir == "" {
		dir = e.Home
	}
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	vars := append([]string{"HOME=" + e.Home, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SHELL=/bin/sh"}, e.Vars...)
	opts := []interp.RunnerOption{
		interp.StdIO(stdin, stdout, stderr),
		interp.Dir(dir),
		interp.Env(expand.ListEnviron(vars...)),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc { return e.exec }),
		interp.OpenHandler(func(ctx context.Context, p string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
			if dev, ok := deviceFile(ctx, p); ok {
				return dev, nil
			}
			return e.FS.Open(absFrom(interp.HandlerCtx(ctx).Dir, p), flag, perm)
		}),
		interp.StatHandler(func(ctx context.Context, name string, _ bool) (fs.FileInfo, error) {
			return e.FS.Stat(absFrom(interp.HandlerCtx(ctx).Dir, name))
		}),
		interp.ReadDirHandler2(func(ctx context.Context, p string) ([]fs.DirEntry, error) {
			return e.FS.ReadDir(absFrom(interp.HandlerCtx(ctx).Dir, p))
		}),
		interp.AccessHandler(func(ctx context.Context, p string, _ interp.AccessMode) error {
			_, err := e.FS.Stat(p)
			return err
		}),
	}
	if len(params) > 0 {
		opts = append(opts, interp.Params(append([]string{"--"}, params...)...))
	}
	runner, err := interp.New(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "sh: %v\n", err)
		return 2
	}
	err = runner.Run(ctx, file)
	if err == nil {
		return 0
	}
	if status, ok := errors.AsType[interp.ExitStatus](err); ok {
		return int(status)
	}
	if ctx.Err() != nil {
		return 130
	}
	fmt.Fprintf(stderr, "sh: %v\n", err)
	return 2
}

func absFrom(dir, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(dir, p)
}

// exec runs a program by name (a path prefix such as /usr/bin/ is ignored).
func (e *Env) exec(ctx context.Context, args []string) error {
	hc := interp.HandlerCtx(ctx)
	name := path.Base(args[0])
	prog, ok := e.Programs[name]
	if e.OnCommand != nil && ok {
		if replaced := e.OnCommand(name); replaced != nil {
			prog = replaced
		}
	}
	if !ok {
		// Root's shell on a PVE node is bash; say what bash says.
		fmt.Fprintf(hc.Stderr, "bash: line %d: %s: command not found\n", max(1, hc.Pos.Line()), args[0])
		return interp.ExitStatus(127)
	}
	stdin := hc.Stdin
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var environ []string
	hc.Env.Each(func(name string, vr expand.Variable) bool {
		if vr.Exported && vr.IsSet() {
			environ = append(environ, name+"="+vr.String())
		}
		return true
	})
	out := &outputWatch{w: hc.Stdout}
	call := &Call{Args: append([]string{name}, args[1:]...), Stdin: stdin, Stdout: out, Stderr: hc.Stderr, Dir: hc.Dir, Env: e, Ctx: ctx,
		Environ: environ}
	code := prog(call)
	if code == 0 && call.exhausted {
		code = 1
	}
	if code == 0 && name != "sh" && name != "bash" {
		// A shell reports nothing itself: its programs did.
		code = reportWriteError(hc.Stderr, name, out.failure())
	}
	if code != 0 {
		return interp.ExitStatus(uint8(code))
	}
	return nil
}

// shProgram is sh/bash: -c SCRIPT [NAME ARGS...], a script file, or stdin.
func shProgram(c *Call) int {
	args := c.Args[1:]
	for len(args) > 0 && (args[0] == "-e" || args[0] == "-eu" || args[0] == "-eux" || args[0] == "-x" || args[0] == "-l" || args[0] == "-s") {
		args = args[1:]
	}
	var script string
	var params []string
	switch {
	case len(args) >= 2 && args[0] == "-c":
		script = args[1]
		if len(args) > 3 {
			params = args[3:]
		}
	case len(args) >= 1 && args[0] != "-c":
		data, err := c.Env.FS.ReadFile(c.Abs(args[0]))
		if err != nil {
			fmt.Fprintf(c.Stderr, "%s: 0: cannot open %s: No such file\n", c.Args[0], args[0])
			return 2
		}
		script, params = string(data), args[1:]
	case len(args) == 0:
		data, _ := readAll(c, c.Stdin)
		script = string(data)
	default:
		fmt.Fprintf(c.Stderr, "%s: 0: -c requires an argument\n", c.Args[0])
		return 2
	}
	file, err := syntax.NewParser().Parse(strings.NewReader(script), "")
	if err != nil {
		fmt.Fprintf(c.Stderr, "%s: %v\n", c.Args[0], err)
		return 2
	}
	return c.Env.runFile(c.Ctx, file, params, c.Stdin, c.Stdout, c.Stderr, c.Dir)
}

type devNull struct{}

// deviceFile answers the character devices scripts read and write:
// /dev/null, and /dev/urandom, /dev/random and /dev/zero, which never end.
// An endless device stops giving bytes when the command's context ends,
// which is what kills a pipeline such as wc -c </dev/zero on a real node;
// without it the program would run, and grow, after its caller gave up.
func deviceFile(ctx context.Context, p string) (io.ReadWriteCloser, bool) {
	switch p {
	case "/dev/null":
		return devNull{}, true
	case "/dev/urandom", "/dev/random":
		return endlessDevice{ctx: ctx, fill: func(p []byte) { _, _ = rand.Read(p) }}, true
	case "/dev/zero":
		return endlessDevice{ctx: ctx, fill: func(p []byte) { clear(p) }}, true
	}
	return nil, false
}

// endlessDevice reads as /dev/zero or /dev/urandom until its context ends.
type endlessDevice struct {
	devNull
	ctx  context.Context
	fill func([]byte)
}

func (d endlessDevice) Read(p []byte) (int, error) {
	if err := d.ctx.Err(); err != nil {
		return 0, err
	}
	d.fill(p)
	return len(p), nil
}

func (devNull) Read([]byte) (int, error)    { return 0, io.EOF }
func (devNull) Write(p []byte) (int, error) { return len(p), nil }
func (devNull) Close() error                { return nil }

// errText is how coreutils prints an error cause.
func errText(err error) string {
	// An errno says itself, as strerror does (ENOTEMPTY is no "File exists").
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg := errno.Error()
		return strings.ToUpper(msg[:1]) + msg[1:]
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrExist):
		return "File exists"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		return strings.ToUpper(msg[:1]) + msg[1:]
	}
	return err.Error()
}
