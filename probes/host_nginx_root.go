package probes

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// nginxTreeConf is the nginx.conf `nginx -t`/`-T` read under --root when no
// --nginx-conf is given: the system's /etc/nginx/nginx.conf would test the
// system's files, not the tree's. It includes the tree's conf.d (where the
// site file and the mail auth server are) in an http block, the tree's
// mail file at top level when there is one (with Debian's mail module),
// and keeps the pid, logs and temporary files in a directory of its own.
func (t *Target) nginxTreeConf() (conf, prefix string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "kumoup-nginx-t-")
	if err != nil {
		return "", "", nil, fmt.Errorf("a temporary nginx.conf for the tree: %w", err)
	}
	cleanup = func() { os.RemoveAll(dir) }
	var b strings.Builder
	mail := t.Layout.SMTPProxyFile()
	_, mailErr := os.Lstat(mail)
	if mailErr == nil {
		if _, err := os.Stat(writer.MailModulePath); err == nil {
			fmt.Fprintf(&b, "load_module %s;\n", writer.MailModulePath)
		}
	}
	fmt.Fprintf(&b, "# kumoup: nginx -t for the files under %s\npid %s/nginx.pid;\nerror_log %s/error.log;\nevents {}\n", t.Layout.Root, dir, dir)
	fmt.Fprintf(&b, "http {\n    access_log off;\n")
	for _, p := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&b, "    %s_temp_path %s/%s;\n", p, dir, p)
	}
	fmt.Fprintf(&b, "    include %s/*.conf;\n}\n", t.Layout.Path(writer.NginxConfDir))
	if mailErr == nil {
		fmt.Fprintf(&b, "include %s;\n", mail)
	}
	conf = filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(b.String()), 0o600); err != nil {
		cleanup()
		return "", "", nil, fmt.Errorf("write %s: %w", conf, err)
	}
	return conf, t.Layout.Root + "/", cleanup, nil
}

// nginxTestsTree reports whether `nginx -t` reads a temporary nginx.conf
// for the tree (under --root, no --nginx-conf), not an nginx.conf of the
// host's.
func (t *Target) nginxTestsTree() bool { return t.NginxConf == "" && !t.Layout.IsHost() }

// nginxCommand is the arguments of `nginx -t` (or -T, the flag given):
// the target's --nginx-conf and prefix, or under --root without them a
// temporary nginx.conf that reads the tree's files (cleanup removes it).
func (t *Target) nginxCommand(flag string) (args []string, cleanup func(), err error) {
	if !t.nginxTestsTree() {
		return t.nginxArgs(flag), func() {}, nil
	}
	conf, prefix, cleanup, err := t.nginxTreeConf()
	if err != nil {
		return nil, nil, err
	}
	return []string{flag, "-c", conf, "-p", prefix}, cleanup, nil
}
