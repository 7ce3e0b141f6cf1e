package netnstest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// NginxConf describes a standalone nginx.conf for a test prefix.
type NginxConf struct {
	// Mail loads Debian's mail module (libnginx-mod-mail).
	Mail bool
	// MainIncludes are files included at the top level (a mail {} block).
	MainIncludes []string
	// HTTPIncludes are files included inside http {} (conf.d files).
	HTTPIncludes []string
}

// MailModule is Debian's nginx mail module.
const MailModule = "/usr/lib/nginx/modules/ngx_mail_module.so"

// WriteNginxConf writes prefix/nginx.conf: its own pid, logs and temp
// paths inside prefix (so nothing under /run or /var/lib/nginx is used),
// workers running as root so they read test files in 0700 temp dirs.
func WriteNginxConf(t testing.TB, prefix string, c NginxConf) string {
	t.Helper()
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var b strings.Builder
	if c.Mail {
		if _, err := os.Stat(MailModule); err != nil {
			t.Fatalf("nginx mail module missing: install it with `apt-get install -y libnginx-mod-mail` (%v)", err)
		}
		fmt.Fprintf(&b, "load_module %s;\n", MailModule)
	}
	fmt.Fprintf(&b, "user root root;\nworker_processes 1;\npid %s/nginx.pid;\nerror_log %s/logs/error.log info;\nevents { worker_connections 64; }\n", prefix, prefix)
	fmt.Fprintf(&b, "http {\n    access_log %s/logs/access.log;\n", prefix)
	for _, tp := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, "    %s_temp_path %s/tmp/%s;\n", tp, prefix, tp)
	}
	for _, inc := range c.HTTPIncludes {
		fmt.Fprintf(&b, "    include %s;\n", inc)
	}
	b.WriteString("}\n")
	for _, inc := range c.MainIncludes {
		fmt.Fprintf(&b, "include %s;\n", inc)
	}
	conf := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return conf
}

func nginxCommand(ctx context.Context, ns *NS, args ...string) *exec.Cmd {
	if ns != nil {
		return ns.Command(ctx, "nginx", args...)
	}
	return exec.CommandContext(ctx, "nginx", args...)
}

// NginxTest runs `nginx -t` on conf (inside ns when not nil).
func NginxTest(ctx context.Context, ns *NS, conf, prefix string) error {
	out, err := nginxCommand(ctx, ns, "-t", "-q", "-c", conf, "-p", prefix+"/").CombinedOutput()
	if err != nil {
		return fmt.Errorf("nginx -t -c %s: %w\n%s", conf, err, bytes.TrimSpace(out))
	}
	return nil
}

// StartNginx runs nginx in the foreground on conf (inside ns when not
// nil), waits until it has written its pid file (its listeners are then
// bound), and stops it with SIGQUIT when t ends.
func StartNginx(t testing.TB, ns *NS, conf, prefix string) {
	t.Helper()
	Require(t, "nginx")
	if err := NginxTest(context.Background(), ns, conf, prefix); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := nginxCommand(context.Background(), ns, "-c", conf, "-p", prefix+"/", "-g", "daemon off;")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	pid := filepath.Join(prefix, "nginx.pid")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(pid); err == nil && len(bytes.TrimSpace(b)) > 0 {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("nginx exited: %v\n%s\n%s", err, out.String(), tailFile(filepath.Join(prefix, "logs", "error.log")))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx did not start within 10s\n%s", tailFile(filepath.Join(prefix, "logs", "error.log")))
		}
	}
}

// NginxErrorLog returns the last lines of the test nginx's error log.
func NginxErrorLog(prefix string) string { return tailFile(filepath.Join(prefix, "logs", "error.log")) }

func tailFile(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}
