package netnstest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/nginxrun"
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

// nginxSpec is the nginx WriteNginxConf configured for prefix, run inside
// ns when not nil.
func nginxSpec(ns *NS, conf, prefix string) nginxrun.Spec {
	spec := nginxrun.Spec{Bin: "nginx", Conf: conf, Prefix: prefix}
	if ns != nil {
		spec.Command = ns.Command
	}
	return spec
}

// NginxTest runs `nginx -t` on conf (inside ns when not nil).
func NginxTest(ctx context.Context, ns *NS, conf, prefix string) error {
	return nginxSpec(ns, conf, prefix).Test(ctx)
}

// StartNginx runs nginx in the foreground on conf (inside ns when not
// nil), waits until it has written its pid file (its listeners are then
// bound), and stops it with SIGQUIT when t ends.
func StartNginx(t testing.TB, ns *NS, conf, prefix string) {
	t.Helper()
	Require(t, "nginx")
	spec := nginxSpec(ns, conf, prefix)
	if err := spec.Test(context.Background()); err != nil {
		t.Fatal(err)
	}
	n, err := nginxrun.Start(context.Background(), spec, nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Stop(5 * time.Second) })
}

// NginxErrorLog returns the last lines of the test nginx's error log.
func NginxErrorLog(prefix string) string {
	return nginxrun.TailFrom(nginxrun.Spec{Prefix: prefix}.ErrorLog(), 0, 20)
}
