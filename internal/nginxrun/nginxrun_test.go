package nginxrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// site writes prefix/nginx.conf answering body on port and returns its
// spec (the real nginx).
func site(t *testing.T, prefix string, port int, body string) Spec {
	t.Helper()
	bin, err := Find("")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := Spec{Bin: bin, Conf: filepath.Join(prefix, "nginx.conf"), Prefix: prefix}
	writeConf(t, s, port, fmt.Sprintf("return 200 %q;", body))
	return s
}

func writeConf(t *testing.T, s Spec, port int, location string) {
	t.Helper()
	conf := fmt.Sprintf(`worker_processes 1;
pid %[1]s;
error_log %[2]s notice;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path %[3]s/tmp/client_body;
    proxy_temp_path %[3]s/tmp/proxy;
    fastcgi_temp_path %[3]s/tmp/fastcgi;
    uwsgi_temp_path %[3]s/tmp/uwsgi;
    scgi_temp_path %[3]s/tmp/scgi;
    server {
        listen 127.0.0.1:%[4]d;
        location / { %[5]s }
    }
}
`, s.PidFile(), s.ErrorLog(), s.Prefix, port, location)
	if err := os.WriteFile(s.Conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func get(t *testing.T, port int) string {
	t.Helper()
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	resp, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStartReloadStop(t *testing.T) {
	ctx := context.Background()
	port := freePort(t)
	s := site(t, t.TempDir(), port, "first")
	if err := s.Test(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := Start(ctx, s, nil, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Stop(5 * time.Second)
	if got := get(t, port); got != "first" {
		t.Fatalf("served %q, want first", got)
	}

	writeConf(t, s, port, `return 200 "second";`)
	if err := n.Reload(ctx, 10*time.Second); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if got := get(t, port); got != "second" {
		t.Errorf("after Reload served %q, want second", got)
	}

	// A configuration nginx refuses: Test says why; a HUP anyway keeps
	// the previous configuration and Reload says so.
	writeConf(t, s, port, `proxy_pass http://no-such-upstream.invalid.;`)
	if err := s.Test(ctx); err == nil || !strings.Contains(err.Error(), "no-such-upstream") {
		t.Errorf("Test on a broken configuration: %v, want nginx's message naming the upstream", err)
	}
	if err := n.Reload(ctx, 10*time.Second); err == nil || !strings.Contains(err.Error(), "keeps the previous one") {
		t.Errorf("Reload of a broken configuration: %v, want the refusal", err)
	}
	if got := get(t, port); got != "second" {
		t.Errorf("after a refused reload served %q, want second", got)
	}

	if err := n.Stop(5 * time.Second); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-n.Exited():
	default:
		t.Error("Exited not closed after Stop")
	}
	if err := n.Stop(5 * time.Second); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func TestStartOnATakenPortSaysSo(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	s := site(t, t.TempDir(), taken.Addr().(*net.TCPAddr).Port, "x")
	n, err := Start(context.Background(), s, nil, 10*time.Second)
	if err == nil {
		n.Stop(5 * time.Second)
		t.Fatal("nginx started on a taken port")
	}
	if !errors.Is(err, ErrAddrInUse) {
		t.Errorf("err = %v, want ErrAddrInUse", err)
	}
}

func TestStartWaitsForReady(t *testing.T) {
	port := freePort(t)
	s := site(t, t.TempDir(), port, "x")
	n, err := Start(context.Background(), s, func() bool { return false }, 500*time.Millisecond)
	if err == nil {
		n.Stop(5 * time.Second)
		t.Fatal("Start returned though ready never said so")
	}
	if !strings.Contains(err.Error(), "did not start within") {
		t.Errorf("err = %v, want the timeout", err)
	}
	// Start stopped the nginx it gave up on: the port is free again.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			ln.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("port %d still taken after Start gave up: %v", port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestFindNamesTheMissingBinary(t *testing.T) {
	_, err := Find("/nonexistent/nginx")
	if !errors.Is(err, ErrNoNginx) || !strings.Contains(err.Error(), "apt-get install -y nginx") {
		t.Errorf("err = %v, want ErrNoNginx with the apt-get command", err)
	}
}
