package main

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/probes/checkmetrics"
)

// statusMetrics parses a --format prometheus file into check → value.
func statusMetrics(t *testing.T, path string) (map[string]float64, map[string]float64) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("the --output file does not parse: %v", err)
	}
	checks := map[string]float64{}
	for _, m := range families[checkmetrics.CheckStatus].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "check" {
				checks[l.GetValue()] = m.GetGauge().GetValue()
			}
		}
	}
	single := map[string]float64{}
	for name, mf := range families {
		if name != checkmetrics.CheckStatus && len(mf.GetMetric()) == 1 {
			single[name] = mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return checks, single
}

func TestStatusPrometheusOutputIsAPublicFileOfCheckMetrics(t *testing.T) {
	site := statusSite(t, loopback.Config{})
	out := filepath.Join(t.TempDir(), "kumoup.prom")
	r := kumoup(t, statusArgs(site, "edge,tls", "--format", "prometheus", "--output", out)...)
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("--output still printed the report: %s", r.stdout)
	}
	fi, err := os.Lstat(out)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o644 {
		t.Errorf("mode %v, want -rw-r--r-- (node_exporter reads it)", fi.Mode())
	}
	content, _ := os.ReadFile(out)
	for _, secret := range []string{site.Deployment.InjectionToken, site.Deployment.WebhookToken} {
		if strings.Contains(string(content), secret) {
			t.Fatal("the exposition holds a token")
		}
	}
	checks, single := statusMetrics(t, out)
	for _, id := range []string{"edge.hsts", "edge.metrics.authenticated", "tls.certificate.expiry", "tls.protocols"} {
		if v, ok := checks[id]; !ok || v != checkmetrics.ValuePass {
			t.Errorf("%s = %v (present %v), want 0 (pass)", id, v, ok)
		}
	}
	block, _ := pem.Decode(mustRead(t, site.CertFile))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if got := single[checkmetrics.CertificateExpiry]; got != float64(cert.NotAfter.Unix()) {
		t.Errorf("certificate expiry %v, want %d", got, cert.NotAfter.Unix())
	}
	if single[checkmetrics.LastSweep] == 0 || single[checkmetrics.BuildInfo] != 1 {
		t.Errorf("sweep time or build info missing: %v", single)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".kumoup-tmp-*")); len(leftovers) > 0 {
		t.Errorf("temp files left behind: %v", leftovers)
	}
}

func TestStatusPrometheusExportsAFailingCheckAsTwo(t *testing.T) {
	site := statusSite(t, loopback.Config{Mutate: loopback.BreakNoHSTS})
	out := filepath.Join(t.TempDir(), "kumoup.prom")
	r := kumoup(t, statusArgs(site, "edge.hsts", "--format", "prometheus", "--output", out)...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want %d (a check failed)\n%s%s", r.code, exitFailure, r.stdout, r.stderr)
	}
	checks, _ := statusMetrics(t, out)
	if checks["edge.hsts"] != checkmetrics.ValueFail || len(checks) != 1 {
		t.Fatalf("checks %v, want edge.hsts = 2 alone", checks)
	}
}

func TestStatusRejectsAnUnknownFormat(t *testing.T) {
	r := kumoup(t, "status", "--format", "xml", "--list")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--format") || !strings.Contains(r.stderr, "prometheus") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	r = kumoup(t, "status", "--json", "--format", "prometheus", "--list")
	if r.code != exitUsage || !strings.Contains(r.stderr, "--json") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func TestStatusOutputIntoAMissingDirectoryNamesIt(t *testing.T) {
	site := statusSite(t, loopback.Config{})
	out := filepath.Join(t.TempDir(), "nope", "kumoup.prom")
	r := kumoup(t, statusArgs(site, "edge.hsts", "--format", "prometheus", "--output", out)...)
	if r.code == exitOK || !strings.Contains(r.stderr, "--output") || !strings.Contains(r.stderr, "create it first") {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
