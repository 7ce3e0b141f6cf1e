package writer_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// TestNginxAcceptsTheTreeAfterADomainChange: re-applying with a new domain
// leaves nginx a configuration it accepts. Without retiring the old site,
// both sites declare map_hash_bucket_size and a default 443 server, and
// `nginx -t` (the first next step apply prints) fails.
func TestNginxAcceptsTheTreeAfterADomainChange(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real nginx -t; skipped with -short")
	}
	bin, err := loopback.FindNginx("")
	if err != nil {
		t.Fatalf("%v: this test runs the real nginx -t", err)
	}
	t.Parallel()
	dir := t.TempDir()
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue([]string{"mta.example.com", "mta2.example.com"}, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, certPEM, 0o644)
	os.WriteFile(key, keyPEM, 0o600)

	deployment := func(domain string) model.Deployment {
		return model.Deployment{
			Domain: domain, TLSCertificate: cert, TLSCertificateKey: key, ACMEWebroot: filepath.Join(dir, "acme"),
			InjectionToken: "inj_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", WebhookToken: "whk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB",
			WebhookURL: "https://app.example.com/kumo/events", ProxyHost: "10.0.0.5", ProxyPublicIP: "8.8.4.4", HELO: "mail.example.com",
		}.WithDefaults()
	}
	apply := func(p *writer.Plan, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.Apply(context.Background(), writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
			t.Fatal(err)
		}
	}
	// tree is a fresh root with the first domain applied, and its nginx -t.
	tree := func(name string) (writer.Layout, func() error) {
		l := writer.Layout{Root: filepath.Join(dir, name, "root")}
		prefix := filepath.Join(dir, name, "prefix")
		os.MkdirAll(filepath.Join(prefix, "logs"), 0o755)
		conf := filepath.Join(prefix, "nginx.conf")
		os.WriteFile(conf, []byte("pid "+prefix+"/nginx.pid;\nerror_log "+prefix+"/logs/error.log;\nevents {}\nhttp {\n    include "+filepath.Dir(l.SiteFile("x"))+"/*.conf;\n}\n"), 0o644)
		nginxT := func() error { return loopback.TestConfig(context.Background(), bin, conf, prefix) }
		apply(writer.PlanFor(deployment("mta.example.com"), l))
		if err := nginxT(); err != nil {
			t.Fatalf("first domain: %v", err)
		}
		return l, nginxT
	}

	// The failure this guards against: the new site written next to the old.
	l, nginxT := tree("without-retiring")
	files, err := writer.Render(deployment("mta2.example.com"), writer.Options{Layout: l})
	if err != nil {
		t.Fatal(err)
	}
	apply(writer.NewPlan(files))
	if err := nginxT(); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Fatalf("both sites loaded: nginx -t = %v, want a duplicate directive error", err)
	}

	l, nginxT = tree("apply")
	apply(writer.PlanFor(deployment("mta2.example.com"), l))
	if err := nginxT(); err != nil {
		t.Fatalf("after the domain change: %v", err)
	}
}
