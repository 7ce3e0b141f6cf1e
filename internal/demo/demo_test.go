package demo

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"
)

func start(t *testing.T, ctx context.Context, cfg Config) *Env {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	env, err := Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Close() })
	return env
}

func get(t *testing.T, c *http.Client, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// deliveredLine is the smtp_client rollup of delivered messages.
func deliveredLine(t *testing.T, exposition string) string {
	t.Helper()
	for _, l := range strings.Split(exposition, "\n") {
		if strings.HasPrefix(l, `total_messages_delivered{service="smtp_client"}`) {
			return l
		}
	}
	t.Fatalf("no smtp_client delivered counter in the metrics:\n%.500s", exposition)
	return ""
}

func TestDemoServesEvolvingMetricsThroughRealNginxWithTheToken(t *testing.T) {
	loopbacktest.NeedNginx(t)
	env := start(t, t.Context(), Config{})
	if !env.Nginx() {
		t.Fatalf("nginx is installed but the demo did not start it: %v", env.Notes)
	}
	c := env.Site.Client()
	url := env.Site.URL("/metrics")
	if code, _ := get(t, c, url, ""); code != http.StatusUnauthorized {
		t.Errorf("GET /metrics without the token through nginx: %d, want 401", code)
	}
	code, first := get(t, c, url, env.Deployment.InjectionToken)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics with the token through nginx: %d, want 200", code)
	}
	// The counter moves as simulated time passes: poll until it does.
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, second := get(t, c, url, env.Deployment.InjectionToken)
		if deliveredLine(t, first) != deliveredLine(t, second) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delivered counter did not move in 10 s: %s", deliveredLine(t, second))
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, f := range []string{env.Deployment.TLSCertificate, env.Deployment.TLSCertificateKey} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("the certificate nginx serves is not in the pretend host: %v", err)
		}
	}
}

func TestDemoWithoutNginxSaysSoAndServesTheStandinDirectly(t *testing.T) {
	for name, cfg := range map[string]Config{
		"refused":   {NoNginx: true},
		"not found": {NginxBinary: "/nonexistent/nginx"},
	} {
		t.Run(name, func(t *testing.T) {
			env := start(t, t.Context(), cfg)
			if env.Nginx() {
				t.Fatal("nginx started")
			}
			if !strings.Contains(strings.Join(env.Notes, "\n"), "nginx") {
				t.Errorf("the notes do not say nginx is not running: %q", env.Notes)
			}
			code, body := get(t, httpClient, env.Kumod.URL()+"/metrics", "")
			if code != http.StatusOK {
				t.Fatalf("GET the stand-in's /metrics: %d", code)
			}
			deliveredLine(t, body)
			for _, f := range []string{env.Deployment.TLSCertificate, env.Deployment.TLSCertificateKey} {
				if _, err := os.Stat(f); err != nil {
					t.Errorf("without nginx the demo has no certificate for the wizard's preflight: %v", err)
				}
			}
		})
	}
}

func TestDemoAnswersValidateAndAreFresh(t *testing.T) {
	a := start(t, t.Context(), Config{NoNginx: true})
	b := start(t, t.Context(), Config{NoNginx: true})
	if err := a.Deployment.Validate().Err(); err != nil {
		t.Fatal(err)
	}
	if a.Deployment.InjectionToken == b.Deployment.InjectionToken || a.Deployment.InjectionToken == a.Deployment.WebhookToken {
		t.Error("demo tokens are reused: each demo must generate its own")
	}
	if a.Deployment.Listener != a.Kumod.Addr() {
		t.Errorf("listener %s is not the stand-in's %s", a.Deployment.Listener, a.Kumod.Addr())
	}
	for _, n := range a.Notes {
		if strings.Contains(n, a.Deployment.InjectionToken) || strings.Contains(n, a.Deployment.WebhookToken) {
			t.Errorf("a note shows a token: %q", n)
		}
	}
}

func TestDemoPrewriteWritesTheHostFiles(t *testing.T) {
	env := start(t, t.Context(), Config{NoNginx: true, Prewrite: true})
	for _, p := range []string{env.Layout.EnvFile(), env.Layout.SiteFile(Domain), env.Layout.TokenFile(Domain)} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("prewrite: %v", err)
		}
	}
}

// gone waits until pid no longer exists (it is reaped by its parent).
func gone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := syscall.Kill(pid, 0)
		if errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			out, _ := exec.Command("ps", "-o", "pid,stat,cmd", "-p", strconv.Itoa(pid)).CombinedOutput()
			t.Fatalf("process %d is still running after the demo stopped:\n%s", pid, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func refuses(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after the demo stopped", addr)
	}
}

func TestDemoStopsNginxAndTheStandinOnCloseAndOnCancel(t *testing.T) {
	loopbacktest.NeedNginx(t)
	for _, how := range []string{"Close", "context cancel"} {
		t.Run(how, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			env := start(t, ctx, Config{})
			pid, kumod, https := env.Site.Pid(), env.Kumod.Addr(), env.Site.HTTPSAddr
			if pid == 0 {
				t.Fatal("no nginx pid")
			}
			if how == "Close" {
				if err := env.Close(); err != nil {
					t.Fatal(err)
				}
			} else {
				cancel()
				select {
				case <-env.Done():
				case <-time.After(15 * time.Second):
					t.Fatal("the demo did not stop within 15s of its context being cancelled")
				}
			}
			gone(t, pid)
			refuses(t, kumod)
			refuses(t, https)
			if _, err := os.Stat(env.Dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the demo directory %s is still there: %v", env.Dir, err)
			}
		})
	}
}

func TestDemoKeepLeavesTheDirectoryButStopsTheServers(t *testing.T) {
	env := start(t, t.Context(), Config{NoNginx: true, Keep: true, Prewrite: true})
	kumod := env.Kumod.Addr()
	if err := env.Close(); err != nil {
		t.Fatal(err)
	}
	refuses(t, kumod)
	if _, err := os.Stat(filepath.Join(env.Layout.EnvFile())); err != nil {
		t.Errorf("--keep: the written files are gone: %v", err)
	}
}

func TestDemoThatCannotStartNginxSaysWhyAndLeavesNothing(t *testing.T) {
	loopbacktest.NeedNginx(t)
	parent := t.TempDir()
	// An nginx that refuses every configuration.
	fake := filepath.Join(parent, "nginx")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'nginx: [emerg] refused for the test' >&2\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), Config{Dir: parent, NginxBinary: fake})
	if err == nil || !strings.Contains(err.Error(), "refused for the test") || !strings.Contains(err.Error(), "--no-nginx") {
		t.Fatalf("Start with a failing nginx: %v, want nginx's message and the --no-nginx way out", err)
	}
	left, _ := filepath.Glob(filepath.Join(parent, "kumoup-demo-*"))
	if len(left) != 0 {
		t.Errorf("a failed Start left %v behind", left)
	}
}

var httpClient = &http.Client{Timeout: 10 * time.Second}

func TestDemoUnderAnUnusablePathSaysToChangeTMPDIR(t *testing.T) {
	parent := filepath.Join(t.TempDir(), "has;semicolon")
	if err := os.Mkdir(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Start(t.Context(), Config{Dir: parent, NoNginx: true})
	if err == nil || !strings.Contains(err.Error(), "TMPDIR") {
		t.Fatalf("Start under %s: %v, want an error pointing to TMPDIR", parent, err)
	}
	if left, _ := filepath.Glob(filepath.Join(parent, "kumoup-demo-*")); len(left) != 0 {
		t.Errorf("a failed Start left %v", left)
	}
}
