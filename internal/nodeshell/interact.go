package nodeshell

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/ssh"
)

// Interact runs a script whose input depends on its output, in one session:
// converse reads what the script prints and writes what it should read next
// (closing in when done). Read-modify-write of a file under a lock that only
// lives as long as the session is the use: one session, one lock holder.
func (r *Runner) Interact(ctx context.Context, node, script string, converse func(out *bufio.Reader, in io.WriteCloser) error) (Result, error) {
	c, err := r.client(ctx, node)
	if err != nil {
		return Result{}, err
	}
	sess, err := r.session(ctx, node, c)
	if err != nil {
		return Result{}, err
	}
	defer sess.Close()
	stdout, err := sess.StdoutPipe()
	if err != nil {
		return Result{}, err
	}
	stdin, err := sess.StdinPipe()
	if err != nil {
		return Result{}, err
	}
	var stderr bytes.Buffer
	sess.Stderr = &stderr
	if err := sess.Start(script); err != nil {
		return Result{}, fmt.Errorf("starting a command on node %s: %w", node, err)
	}
	stop := context.AfterFunc(ctx, func() { _ = sess.Signal(ssh.SIGKILL); _ = sess.Close() })
	defer stop()
	out := bufio.NewReader(stdout)
	convErr := converse(out, stdin)
	_ = stdin.Close()
	rest, _ := io.ReadAll(out)
	waitErr := sess.Wait()
	res := Result{Stdout: string(rest), Stderr: stderr.String()}
	var exit *ssh.ExitError
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("command on node %s: %w", node, ctx.Err())
	case errors.As(waitErr, &exit):
		res.ExitCode = exit.ExitStatus()
	case waitErr != nil:
		return res, fmt.Errorf("command on node %s: %w", node, waitErr)
	}
	return res, convErr
}
