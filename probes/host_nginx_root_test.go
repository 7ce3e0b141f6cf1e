package probes

import (
	"os"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
)

// TestNginxConfigUnderRootTestsTheTreesFiles: under --root (no
// --nginx-conf) nginx -t reads the tree's site file through a temporary
// nginx.conf, not the system's /etc/nginx: kumoup's rendered files pass,
// and a mistake in the tree's site file fails naming that file.
func TestNginxConfigUnderRootTestsTheTreesFiles(t *testing.T) {
	site := edgeSite(t, loopback.Config{})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where the temporary nginx.conf goes
	target := &Target{Deployment: site.Deployment, Layout: site.Layout, NginxBinary: site.NginxBinary}
	r := hostRun(t, target, "host.nginx.config")
	wantResult(t, r, StatusPass, "-p "+site.Layout.Root+"/", "test is successful")

	file := site.Layout.SiteFile(site.Deployment.Domain)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(b), "ssl_reject_handshake on;", "ssl_reject_handshake on;\n    bogus_directive on;", 1)
	if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	r = hostRun(t, target, "host.nginx.config")
	wantResult(t, r, StatusFail, `unknown directive "bogus_directive" in `+file, "the files under "+site.Layout.Root)
	if strings.Contains(r.Remedy, "/etc/nginx") && !strings.Contains(r.Remedy, site.Layout.Root) {
		t.Errorf("the remedy names the system's files: %s", r.Remedy)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the temporary nginx.conf is left behind in %s: %v", tmp, left)
	}
}
