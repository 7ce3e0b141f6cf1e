package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/writer"
)

func TestPrometheusConfigForNamedHosts(t *testing.T) {
	r := kumoup(t, "prometheus", "--host", "mta1.example.com", "--host", "mta2.example.com", "--ca-file", "/etc/prometheus/ca.pem")
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{`job_name: "kumomta-mta1.example.com"`, `job_name: "kumoup-mta2.example.com"`,
		`credentials_file: "/etc/prometheus/kumoup/mta2.example.com.token"`, `ca_file: "/etc/prometheus/ca.pem"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("config lacks %s:\n%s", want, r.stdout)
		}
	}
}

func TestPrometheusRejectsBadInput(t *testing.T) {
	cases := []struct {
		name string
		args []string
		says string
	}{
		{"two modes", []string{"--rules", "--install-timer"}, "one at a time"},
		{"no host, no deployment", []string{"--root", "/nonexistent/kumoup-root"}, "--host"},
		{"connect-to another host", []string{"--host", "a.example.com", "--connect-to", "b.example.com:443:127.0.0.1:8443"}, "not one of the hosts"},
		{"connect-to another port", []string{"--host", "a.example.com", "--connect-to", "a.example.com:80:127.0.0.1:8080"}, "neither nginx's 443"},
		{"bad host name", []string{"--host", "a.example.com;x"}, "a.example.com;x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := kumoup(t, append([]string{"prometheus"}, c.args...)...)
			if r.code != exitUsage || !strings.Contains(r.stderr, c.says) {
				t.Fatalf("exit %d, stderr does not say %q: %s", r.code, c.says, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("something was printed: %s", r.stdout)
			}
		})
	}
}

func TestPrometheusRulesArePrinted(t *testing.T) {
	r := kumoup(t, "prometheus", "--rules")
	want, err := writer.RenderPrometheusRules()
	if err != nil {
		t.Fatal(err)
	}
	if r.code != exitOK || r.stdout != string(want) {
		t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
}

func TestPrometheusPrintTokenWritesTheTokenAlone(t *testing.T) {
	site := statusSite(t, loopback.Config{})
	r := kumoup(t, "prometheus", "--print-token", "--root", site.Layout.Root)
	if r.code != exitOK || r.stdout != site.Deployment.InjectionToken+"\n" {
		t.Fatalf("exit %d: stdout is not the token alone (%d bytes): %s", r.code, len(r.stdout), r.stderr)
	}
	if strings.Contains(r.stderr, site.Deployment.InjectionToken) {
		t.Fatal("the token reached stderr")
	}
}

func TestPrometheusInstallTimerWritesTheSystemdPair(t *testing.T) {
	root := t.TempDir()
	out := "/var/lib/node-exporter-textfiles/kumoup.prom"
	r := kumoup(t, "prometheus", "--install-timer", "--root", root, "--output", out)
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "systemctl enable --now kumoup-status.timer") || !strings.Contains(r.stderr, "prometheus-node-exporter") {
		t.Errorf("next step or the missing textfile directory not said:\n%s\n%s", r.stdout, r.stderr)
	}
	service := filepath.Join(root, writer.StatusServicePath)
	for _, p := range []string{service, filepath.Join(root, writer.StatusTimerPath)} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: mode %v", p, fi.Mode())
		}
	}
	unit, _ := os.ReadFile(service)
	if !strings.Contains(string(unit), "status --root "+root+" --format prometheus --output "+out+"\n") {
		t.Errorf("ExecStart does not export the checks of this root to %s:\n%s", out, unit)
	}
	dry := kumoup(t, "prometheus", "--install-timer", "--root", t.TempDir(), "--dry-run")
	if dry.code != exitOK || !strings.Contains(dry.stdout, "nothing written") {
		t.Errorf("dry run: exit %d\n%s%s", dry.code, dry.stdout, dry.stderr)
	}
}
