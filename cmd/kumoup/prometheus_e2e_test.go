package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/promtest"
	"github.com/kumoup/kumoup/probes"
)

// promE2E is one loopback host watched the way the README says: kumoup's
// checks exported to node_exporter's textfile directory, and a real
// Prometheus running the config and rules `kumoup prometheus` renders.
type promE2E struct {
	site *loopback.Site
	prom *promtest.Prometheus
}

// startPromE2E exports the checks of site (the whole catalogue), starts
// node_exporter on them, writes token into a 0600 credentials file and
// starts Prometheus with the rendered config (1 s scrapes).
func startPromE2E(t *testing.T, site *loopback.Site, token string) promE2E {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	d := site.Deployment.Domain
	textfiles := filepath.Join(dir, "textfile")
	creds := filepath.Join(dir, "credentials")
	for _, p := range []string{textfiles, creds} {
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	r := kumoup(t, "status", "--root", site.Layout.Root, "--ca-file", site.CAFile,
		"--connect-to", fmt.Sprintf("%s:443:%s", d, site.HTTPSAddr),
		"--connect-to", fmt.Sprintf("%s:80:%s", d, site.HTTPAddr),
		"--timeout", "3s", "--format", "prometheus", "--output", filepath.Join(textfiles, "kumoup.prom"))
	if r.code != exitOK && r.code != exitFailure {
		t.Fatalf("kumoup status --format prometheus: exit %d\n%s", r.code, r.stderr)
	}
	ne, err := promtest.StartNodeExporter(ctx, textfiles)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ne.Stop)
	if err := os.WriteFile(filepath.Join(creds, d+".token"), []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rules := kumoup(t, "prometheus", "--rules")
	if rules.code != exitOK {
		t.Fatalf("kumoup prometheus --rules: %s", rules.stderr)
	}
	rulesFile := filepath.Join(dir, "kumoup.rules.yml")
	if err := os.WriteFile(rulesFile, []byte(rules.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	// No --host: the name comes from the deployment under --root.
	cfg := kumoup(t, "prometheus", "--root", site.Layout.Root,
		"--connect-to", fmt.Sprintf("%s:443:%s:%d", d, d, site.HTTPSPort),
		"--connect-to", fmt.Sprintf("%s:9100:%s", d, ne.Addr),
		"--ca-file", site.CAFile, "--credentials-dir", creds, "--rules-file", rulesFile, "--scrape-interval", "1s")
	if cfg.code != exitOK {
		t.Fatalf("kumoup prometheus: %s", cfg.stderr)
	}
	if strings.Contains(cfg.stdout, token) {
		t.Fatal("the scrape config holds the token itself, not a credentials file")
	}
	prom, err := promtest.StartPrometheus(ctx, dir, []byte(cfg.stdout), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prom.Stop)
	return promE2E{site: site, prom: prom}
}

func needPrometheus(t *testing.T) {
	t.Helper()
	for _, bin := range []string{promtest.PrometheusBinary, promtest.NodeExporterBinary} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%v: this test runs the real one (apt-get install prometheus prometheus-node-exporter)", err)
		}
	}
}

func TestPrometheusScrapesKumodThroughNginxAndTheExportedChecks(t *testing.T) {
	site := statusSite(t, loopback.Config{})
	needPrometheus(t)
	e := startPromE2E(t, site, site.Deployment.InjectionToken)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	inst := fmt.Sprintf("instance=%q", site.Deployment.Domain)
	for _, q := range []string{
		`up{job="kumomta",` + inst + `} == 1`,
		`up{job="kumoup",` + inst + `} == 1`,
		// kumod's own series, through nginx with the token.
		`disk_free_percent{job="kumomta",` + inst + `}`,
		`memory_usage{job="kumomta",` + inst + `}`,
	} {
		if _, err := e.prom.WaitFor(ctx, q, 1); err != nil {
			t.Fatal(err)
		}
	}
	catalogue := probes.Catalogue()
	vec, err := e.prom.WaitFor(ctx, `kumoup_check_status{job="kumoup",`+inst+`}`, len(catalogue))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, s := range vec {
		got[string(s.Metric["check"])] = true
	}
	for _, c := range catalogue {
		if !got[c.ID] {
			t.Errorf("kumoup_check_status has no series for %s", c.ID)
		}
	}
	if _, err := e.prom.WaitFor(ctx, `kumoup_certificate_expiry_timestamp_seconds{`+inst+`} > time()`, 1); err != nil {
		t.Error(err)
	}
	// The rules file the config names is loaded, every alert in it.
	rules, err := e.prom.API.Rules(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules.Groups) != 1 || len(rules.Groups[0].Rules) != 6 {
		t.Errorf("rules loaded: %+v", rules.Groups)
	}
	// The token stops at nginx: kumod never saw an Authorization header.
	for _, req := range site.Kumod.Requests() {
		if req.Path == "/metrics" && req.Authorization {
			t.Fatalf("kumod received the Authorization header of a scrape: %+v", req)
		}
	}
}

func TestPrometheusWithAWrongTokenMarksTheKumomtaScrapeDown(t *testing.T) {
	site := statusSite(t, loopback.Config{})
	needPrometheus(t)
	e := startPromE2E(t, site, "kumoup_wrong_"+strings.Repeat("x", 40))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := e.prom.WaitFor(ctx, `up{job="kumomta"} == 0`, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.prom.WaitFor(ctx, `up{job="kumoup"} == 1`, 1); err != nil {
		t.Fatal(err)
	}
	targets, err := e.prom.API.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range targets.Active {
		if a.Labels["job"] == model.LabelValue("kumomta") && !strings.Contains(a.LastError, "401") {
			t.Errorf("the kumomta target's error does not say 401: %q", a.LastError)
		}
	}
}
