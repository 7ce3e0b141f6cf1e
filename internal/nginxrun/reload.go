package nginxrun

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Reload makes the master read its configuration again, as `systemctl
// reload nginx` does (HUP), and returns once none of the previous
// configuration's workers is left and a new one runs, so that every new
// connection gets the new configuration. An [emerg] in the error log
// since the HUP means the master refused the configuration and keeps the
// previous one: that is the error. Test the configuration first.
func (n *Nginx) Reload(ctx context.Context, timeout time.Duration) error {
	pid := n.Pid()
	old := children(pid)
	logStart := fileSize(n.ErrorLog())
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return fmt.Errorf("signal HUP to nginx %d: %w", pid, err)
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-n.exited:
			return fmt.Errorf("nginx exited:\n%s", TailFrom(n.ErrorLog(), logStart, 10))
		case <-ctx.Done():
			return fmt.Errorf("waiting for nginx to serve the new configuration: %w", ctx.Err())
		case <-deadline.C:
			return fmt.Errorf("nginx %d still ran workers of the previous configuration after %v:\n%s", pid, timeout, TailFrom(n.ErrorLog(), logStart, 10))
		case <-tick.C:
			if log := TailFrom(n.ErrorLog(), logStart, 10); strings.Contains(log, "[emerg]") {
				return fmt.Errorf("nginx refused the new configuration and keeps the previous one:\n%s", log)
			}
			now := children(pid)
			if len(now) > 0 && !slices.ContainsFunc(now, func(p int) bool { return slices.Contains(old, p) }) {
				return nil
			}
		}
	}
}

// children lists the processes whose parent is pid (an nginx master's
// workers), from /proc.
func children(pid int) []int {
	var out []int
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces and parentheses.
		rest := string(data)
		if i := strings.LastIndexByte(rest, ')'); i >= 0 {
			rest = rest[i+1:]
		}
		fields := strings.Fields(rest)
		if len(fields) >= 2 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// TailFrom returns the last n lines of path written after its first from
// bytes ("" when it cannot be read), for error messages.
func TailFrom(path string, from int64, n int) string {
	data, err := os.ReadFile(path)
	if err != nil || int64(len(data)) < from {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data[from:]), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
