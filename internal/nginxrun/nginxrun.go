package nginxrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kumoup/kumoup/internal/capbuf"
	"github.com/kumoup/kumoup/internal/childproc"
)

// ErrNoNginx is returned (wrapped) when no nginx binary is found.
var ErrNoNginx = errors.New(`nginx is not installed: install it with "apt-get install -y nginx"`)

// ErrAddrInUse is wrapped by Start's error when nginx exited because a
// listen address was taken (the caller may pick other ports and retry).
var ErrAddrInUse = errors.New("address already in use")

// Find returns the nginx binary to run: bin when given, else nginx in
// PATH, else /usr/sbin/nginx (often outside a non-root PATH). The error
// wraps ErrNoNginx and names the apt-get command.
func Find(bin string) (string, error) {
	if bin != "" {
		p, err := exec.LookPath(bin)
		if err != nil {
			return "", fmt.Errorf("nginx binary %q: %w (%w)", bin, err, ErrNoNginx)
		}
		return p, nil
	}
	if p, err := exec.LookPath("nginx"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("looked in PATH and /usr/sbin: %w", ErrNoNginx)
}

// Spec is an nginx to run: `Bin -c Conf -p Prefix/`.
type Spec struct {
	// Bin is the nginx binary (see Find).
	Bin string
	// Conf is the nginx.conf to run; it must put its pid file at PidFile
	// and its error log at ErrorLog.
	Conf string
	// Prefix is nginx's prefix (-p).
	Prefix string
	// Command, when set, makes the command that runs name with args (for
	// example inside a network namespace); nil runs it directly.
	Command func(ctx context.Context, name string, args ...string) *exec.Cmd
}

// PidFile is where the configuration puts nginx's pid file.
func (s Spec) PidFile() string { return filepath.Join(s.Prefix, "nginx.pid") }

// ErrorLog is where the configuration puts nginx's error log.
func (s Spec) ErrorLog() string { return filepath.Join(s.Prefix, "logs", "error.log") }

func (s Spec) command(ctx context.Context, args ...string) *exec.Cmd {
	args = append([]string{"-c", s.Conf, "-p", s.Prefix + "/"}, args...)
	if s.Command != nil {
		return s.Command(ctx, s.Bin, args...)
	}
	return exec.CommandContext(ctx, s.Bin, args...)
}

// Test runs `nginx -t` on the configuration; the error holds nginx's
// output when it refuses it.
func (s Spec) Test(ctx context.Context) error {
	out, err := s.command(ctx, "-t", "-q").CombinedOutput()
	if err != nil {
		return fmt.Errorf("nginx -t -c %s refused the configuration: %w\n%s", s.Conf, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Nginx is a running nginx master that Start started.
type Nginx struct {
	Spec
	cmd     *exec.Cmd
	out     *capbuf.Buffer
	exited  chan struct{}
	waitErr error
}

// Start runs nginx in the foreground (daemon off) and returns once its pid
// file holds its pid (it then holds every listen socket) and ready, when
// set, reports true; it gives up after timeout, or when ctx is done. The
// configuration is not tested first: call Test. nginx gets SIGTERM when
// the OS thread that started it exits (Linux's parent-death signal is tied
// to the thread, not the process): in Go that is when this process dies
// without Stop, or, rarely, when the runtime retires that thread, so a
// test keeps its nginx until Stop only while the process lives.
func Start(ctx context.Context, s Spec, ready func() bool, timeout time.Duration) (*Nginx, error) {
	n := &Nginx{Spec: s, out: capbuf.New(1 << 20), exited: make(chan struct{})}
	if err := os.Remove(s.PidFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("remove a stale pid file: %w", err)
	}
	// Not tied to ctx: nginx runs until Stop.
	n.cmd = s.command(context.Background(), "-g", "daemon off;")
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	logStart := fileSize(s.ErrorLog())
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.Bin, err)
	}
	go func() {
		n.waitErr = n.cmd.Wait()
		close(n.exited)
	}()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-n.exited:
			msg := strings.TrimSpace(n.out.String() + "\n" + TailFrom(s.ErrorLog(), logStart, 10))
			if strings.Contains(msg, "Address already in use") {
				return nil, fmt.Errorf("nginx exited: %w: %s", ErrAddrInUse, msg)
			}
			return nil, fmt.Errorf("nginx exited at start (%v):\n%s", n.waitErr, msg)
		case <-ctx.Done():
			n.Stop(time.Second)
			return nil, fmt.Errorf("waiting for nginx to start: %w", ctx.Err())
		case <-deadline.C:
			n.Stop(time.Second)
			return nil, fmt.Errorf("nginx did not start within %v:\n%s", timeout, TailFrom(s.ErrorLog(), logStart, 10))
		case <-tick.C:
			if n.pidFileIsOurs() && (ready == nil || ready()) {
				return n, nil
			}
		}
	}
}

// pidFileIs reports whether the pid file holds the master's pid: nginx
// writes it only once it holds every listen socket.
func (n *Nginx) pidFileIsOurs() bool {
	data, err := os.ReadFile(n.PidFile())
	return err == nil && strings.TrimSpace(string(data)) == strconv.Itoa(n.Pid())
}

// Pid is the master's process id.
func (n *Nginx) Pid() int { return n.cmd.Process.Pid }

// Exited is closed when the master exits, by Stop or on its own.
func (n *Nginx) Exited() <-chan struct{} { return n.exited }

// Output is what nginx wrote on stdout and stderr.
func (n *Nginx) Output() string { return n.out.String() }

// Stop shuts nginx down gracefully (SIGQUIT to its master) and kills it
// when it has not exited after grace. It is safe to call more than once.
func (n *Nginx) Stop(grace time.Duration) error {
	killed, err := childproc.Stop(n.cmd.Process, n.exited, syscall.SIGQUIT, grace)
	switch {
	case err != nil:
		return fmt.Errorf("signal nginx %d: %w", n.Pid(), err)
	case killed:
		return fmt.Errorf("nginx %d ignored SIGQUIT for %v and was killed", n.Pid(), grace)
	}
	return nil
}
