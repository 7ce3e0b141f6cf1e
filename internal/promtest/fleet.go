package promtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/checkmetrics"
	"github.com/kumoup/kumoup/writer"
)

// FleetHost is one loopback MTA host of a fleet.
type FleetHost struct {
	// Domain is its name (and instance label).
	Domain string
	// Mutate breaks its configuration (see loopback's Break* mutations).
	Mutate func(path string, content []byte) []byte
	// Certificate is the certificate nginx serves.
	Certificate loopback.CertKind
	// Metrics is its kumod's /metrics (the idle capture when nil).
	Metrics func() []byte
}

// Fleet is several loopback MTA hosts watched by one real Prometheus.
type Fleet struct {
	Sites         []*loopback.Site
	NodeExporters []*NodeExporter
	Prometheus    *Prometheus
}

// FleetChecks are the checks a fleet host exports: the ones that look at
// the site (edge and tls), not at this machine.
var FleetChecks = []string{"edge", "tls"}

// StartFleet starts, under dir, one loopback site per host (one CA for
// all), runs FleetChecks against each and writes them with
// checkmetrics into the host's textfile directory, starts a node_exporter
// per host on it, and one Prometheus (1 s scrapes) with the configuration
// and rules writer renders, the tokens in 0600 credentials files. It
// returns once Prometheus has every host's check series. Stop ends all.
func StartFleet(ctx context.Context, dir string, hosts []FleetHost) (_ *Fleet, err error) {
	// f is not the named result: a failure returns nil, and the deferred
	// Stop must still see what was started.
	f := &Fleet{}
	defer func() {
		if err != nil {
			f.Stop()
		}
	}()
	ca, err := loopback.NewCA()
	if err != nil {
		return nil, err
	}
	creds := filepath.Join(dir, "credentials")
	if err := os.MkdirAll(creds, 0o700); err != nil {
		return nil, err
	}
	var scrape []writer.PrometheusHost
	var names []string
	for i, h := range hosts {
		hostDir := filepath.Join(dir, fmt.Sprintf("host%d", i+1))
		// The sites live until Stop, not until ctx (which bounds the start).
		site, err := loopback.Start(context.WithoutCancel(ctx), loopback.Config{
			Dir: filepath.Join(hostDir, "site"), CA: ca, Certificate: h.Certificate, Mutate: h.Mutate,
			Deployment: model.Deployment{Domain: h.Domain},
			Kumod:      standin.Config{Metrics: h.Metrics},
		})
		if err != nil {
			return nil, err
		}
		f.Sites = append(f.Sites, site)
		textfiles := filepath.Join(hostDir, "textfile")
		if err := os.MkdirAll(textfiles, 0o755); err != nil {
			return nil, err
		}
		if err := ExportChecks(ctx, site, filepath.Join(textfiles, writer.TextfileName)); err != nil {
			return nil, err
		}
		ne, err := StartNodeExporter(ctx, textfiles)
		if err != nil {
			return nil, err
		}
		f.NodeExporters = append(f.NodeExporters, ne)
		cred := filepath.Join(creds, h.Domain+".token")
		if err := os.WriteFile(cred, []byte(site.Deployment.InjectionToken+"\n"), 0o600); err != nil {
			return nil, err
		}
		scrape = append(scrape, writer.PrometheusHost{Domain: h.Domain, HTTPSPort: site.HTTPSPort, TextfileAddress: ne.Addr, CredentialsFile: cred})
		names = append(names, h.Domain)
	}
	rules, err := writer.RenderPrometheusRules()
	if err != nil {
		return nil, err
	}
	rulesFile := filepath.Join(dir, "kumoup.rules.yml")
	if err := os.WriteFile(rulesFile, rules, 0o644); err != nil {
		return nil, err
	}
	cfg, err := writer.RenderPrometheusConfig(scrape, writer.PrometheusOptions{CAFile: f.Sites[0].CAFile, RulesFile: rulesFile, ScrapeInterval: "1s"})
	if err != nil {
		return nil, err
	}
	promDir := filepath.Join(dir, "prometheus")
	if err := os.MkdirAll(promDir, 0o755); err != nil {
		return nil, err
	}
	f.Prometheus, err = StartPrometheus(ctx, promDir, cfg, names...)
	if err != nil {
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := f.Prometheus.WaitFor(wctx, `count by (instance) (`+checkmetrics.CheckStatus+`)`, len(hosts)); err != nil {
		return nil, err
	}
	if _, err := f.Prometheus.WaitFor(wctx, `up{job="kumomta"} == 1`, 1); err != nil {
		return nil, err
	}
	return f, nil
}

// ExportChecks runs FleetChecks against site and writes them as metrics
// to path, as `kumoup status --format prometheus --output path` does.
func ExportChecks(ctx context.Context, site *loopback.Site, path string) error {
	d := site.Deployment.Domain
	target, _, err := probes.NewTarget(probes.TargetOptions{
		Root: site.Layout.Root, CAFile: site.CAFile, Timeout: 3 * time.Second,
		ConnectTo: []string{fmt.Sprintf("%s:443:%s", d, site.HTTPSAddr), fmt.Sprintf("%s:80:%s", d, site.HTTPAddr)},
	})
	if err != nil {
		return err
	}
	checks, err := probes.Select(probes.Catalogue(), FleetChecks, nil)
	if err != nil {
		return err
	}
	start := time.Now()
	results, expiry := probes.RunWithCertificateExpiry(ctx, target, checks)
	sweep := checkmetrics.Sweep{Results: results, Finished: time.Now(), Elapsed: time.Since(start), Domain: d, CertificateExpiry: expiry}
	var b bytes.Buffer
	if err := checkmetrics.Write(&b, sweep); err != nil {
		return err
	}
	return writer.Publish(path, b.Bytes(), 0o644)
}

// Stop ends Prometheus, the node_exporters and the sites.
func (f *Fleet) Stop() {
	if f.Prometheus != nil {
		f.Prometheus.Stop()
	}
	for _, n := range f.NodeExporters {
		n.Stop()
	}
	for _, s := range f.Sites {
		_ = s.Stop()
	}
}
