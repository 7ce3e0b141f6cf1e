package writer_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/writer"
)

// The form for the installed nginx loads in it (every loopback test runs
// that); the newer form does not load in an nginx older than 1.25.1, which
// is why kumoup asks nginx its version before rendering.
func TestNginxOlderThan1251RefusesTheHTTP2DirectiveForm(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real nginx; skipped with -short")
	}
	bin, err := loopback.FindNginx("")
	if err != nil {
		t.Fatalf("%v: this test runs the real nginx", err)
	}
	v, err := writer.NginxVersionOf(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	ok := nginxSite(t)
	if ok.NginxVersion != v {
		t.Fatalf("the loopback site rendered for nginx %v, the running nginx is %v", ok.NginxVersion, v)
	}
	s, err := loopback.Start(context.Background(), loopback.Config{Nginx: writer.NginxVersion{Major: 1, Minor: 26, Patch: 3}})
	if v.HTTP2Directive() {
		if err != nil {
			t.Fatalf("nginx %v refused the http2 on; form: %v", v, err)
		}
		s.Stop()
		return
	}
	if err == nil {
		s.Stop()
		t.Fatalf("nginx %v accepted `http2 on;`; it predates the directive", v)
	}
	if !strings.Contains(err.Error(), `"http2"`) {
		t.Errorf("nginx %v refused the site, but not for the http2 directive: %v", v, err)
	}
}

func TestDetectNginxAsksTheNginxOnPath(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real nginx; skipped with -short")
	}
	if _, err := exec.LookPath("nginx"); err != nil {
		t.Fatalf("%v: apt-get install -y nginx", err)
	}
	v, err := writer.DetectNginx(context.Background())
	if err != nil || v == (writer.NginxVersion{}) {
		t.Fatalf("DetectNginx() = %v, %v", v, err)
	}
	out, _ := exec.Command("nginx", "-v").CombinedOutput()
	if !strings.Contains(string(out), "nginx/"+v.String()) {
		t.Errorf("DetectNginx() = %v, nginx -v says %q", v, out)
	}
}
