package writer

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/kumoup/kumoup/internal/fsread"
)

// ServiceHost says how a host runs its services: through systemd when it
// runs there, else by hand (a container, a namespace, a host booted
// without systemd), where systemctl cannot work. Its paths are fields so
// that tests can point them at a temporary directory.
type ServiceHost struct {
	// SystemdDir exists while systemd is the host's init, as
	// sd_booted(3) tells it: /run/systemd/system.
	SystemdDir string
	// NginxPidFile is where nginx.conf puts the master's pid: Debian's
	// /run/nginx.pid.
	NginxPidFile string
}

// ThisHost is the host kumoup runs on, with Debian's paths.
var ThisHost = ServiceHost{SystemdDir: "/run/systemd/system", NginxPidFile: "/run/nginx.pid"}

// Systemd reports whether systemd runs the host's services.
func (h ServiceHost) Systemd() bool {
	fi, err := os.Stat(h.SystemdDir)
	return err == nil && fi.IsDir()
}

// NginxReload is the command that makes nginx serve the files on disk, as
// the host runs now: `systemctl reload-or-restart nginx` under systemd
// (which starts nginx when it is stopped), else `nginx -s reload` to the
// running master, else `nginx` to start it.
func (h ServiceHost) NginxReload(ctx context.Context) []string {
	if h.Systemd() {
		return []string{"systemctl", "reload-or-restart", "nginx"}
	}
	if h.NginxRunning(ctx) {
		return []string{"nginx", "-s", "reload"}
	}
	return []string{"nginx"}
}

// NginxRunning reports whether the pid file names a running process. The
// file alone says nothing: `nginx -t`, run as root while nginx is
// stopped, leaves an empty one behind, on which `nginx -s reload` fails.
func (h ServiceHost) NginxRunning(ctx context.Context) bool {
	data, err := fsread.Read(ctx, h.NginxPidFile, 64)
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || pid <= 1 {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
