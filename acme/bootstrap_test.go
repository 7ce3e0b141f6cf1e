package acme_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kumoup/kumoup/acme"
	"github.com/kumoup/kumoup/internal/dnstest"
	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/pebbletest"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// The certificate bootstrap, for real and without the network: Debian's
// nginx on loopback ports serving kumoup's rendered site, Debian's pebble
// as the ACME server (its DNS is the in-process dnstest server, its http-01
// port the nginx's plain HTTP port), and Debian's certbot as the client.

// need fails the test when a real component is missing (scripts/test.sh
// installs them), and skips it under -short.
func need(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs nginx, pebble and certbot: not a unit test (-short)")
	}
	if _, err := loopback.FindNginx(""); err != nil {
		t.Fatal(err)
	}
	if _, err := acme.FindCertbot(""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(pebbletest.Binary); err != nil {
		t.Fatal(pebbletest.ErrNoPebble)
	}
}

// fresh is a host without a certificate: kumoup's files applied (the site
// HTTP only), nginx started on them.
type fresh struct {
	site *loopback.Site
	dns  *dnstest.Server
}

func newFresh(t *testing.T, zone func(domain string) dnstest.Zone) fresh {
	t.Helper()
	site, err := loopback.Start(context.WithoutCancel(t.Context()), loopback.Config{Dir: t.TempDir(), NoCertificate: true})
	if err != nil {
		t.Fatalf("start nginx on the HTTP-only site: %v", err)
	}
	t.Cleanup(func() { _ = site.Stop() })
	d := site.Deployment.Domain
	if zone == nil {
		zone = func(d string) dnstest.Zone { return dnstest.Zone{d: {"A 127.0.0.1"}} }
	}
	return fresh{site: site, dns: dnstest.New(t, zone(d))}
}

// assertHTTPOnly checks that the site on disk is the bootstrap form and
// that nginx accepts it.
func (f fresh) assertHTTPOnly(t *testing.T) {
	t.Helper()
	site := f.site
	data, err := os.ReadFile(site.Layout.SiteFile(site.Deployment.Domain))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if strings.Contains(text, " ssl") || strings.Contains(text, "ssl_certificate") || !strings.Contains(text, writer.HTTPOnlyNote) {
		t.Errorf("the site file is not the HTTP-only form:\n%s", text)
	}
	if !strings.Contains(text, "location ^~ /.well-known/acme-challenge/") {
		t.Errorf("the HTTP-only site has no ACME location:\n%s", text)
	}
	if err := loopback.TestConfig(t.Context(), site.NginxBinary, site.NginxConf, site.NginxPrefix); err != nil {
		t.Errorf("nginx -t refuses the HTTP-only site: %v", err)
	}
	if missing := writer.CertificateMissing(site.Deployment); len(missing) != 2 {
		t.Errorf("certificate files left behind: missing only %v", missing)
	}
}

func (f fresh) target() *probes.Target {
	return &probes.Target{Deployment: f.site.Deployment, Layout: f.site.Layout, ConnectTo: f.site.ConnectTo, Resolver: f.dns.Addr()}
}

// hookReload is the deploy hook's command for the test nginx.
func (f fresh) hookReload() string {
	s := f.site
	return fmt.Sprintf("%s -t -q -c %s -p %s/ && %s -c %s -p %s/ -s reload", s.NginxBinary, s.NginxConf, s.NginxPrefix, s.NginxBinary, s.NginxConf, s.NginxPrefix)
}

func (f fresh) config(server string, env []string, events *[]acme.Event) acme.Config {
	var mu sync.Mutex
	return acme.Config{
		Deployment: f.site.Deployment,
		Layout:     f.site.Layout,
		Apply:      f.site.Reload,
		Target:     f.target(),
		Server:     server,
		Env:        env,
		HookReload: f.hookReload(),
		Progress: func(e acme.Event) {
			mu.Lock()
			defer mu.Unlock()
			*events = append(*events, e)
		},
	}
}

func TestBootstrapObtainsTheCertificateFromPebbleAndTheStatusChecksPass(t *testing.T) {
	need(t)
	f := newFresh(t, nil)
	f.assertHTTPOnly(t)
	if accepts(f.site.HTTPSAddr) {
		t.Fatalf("the HTTP-only site accepts on the HTTPS port %s", f.site.HTTPSAddr)
	}
	peb := pebbletest.New(t, pebbletest.Config{HTTPPort: f.site.HTTPPort, DNSServer: f.dns.Addr()})

	var events []acme.Event
	res, err := acme.Bootstrap(t.Context(), f.config(peb.DirURL, peb.Env(), &events))
	if err != nil {
		t.Fatalf("bootstrap: %v\n%s", err, eventLog(events))
	}
	if res.Already || !res.NoEmail {
		t.Errorf("result = %+v, want a new certificate registered without e-mail", res)
	}
	for _, s := range acme.Steps() {
		if !stepDone(events, s) {
			t.Errorf("no successful end of step %q:\n%s", s, eventLog(events))
		}
	}
	if !strings.Contains(eventLog(events), "Successfully received certificate") {
		t.Errorf("certbot's progress was not streamed:\n%s", eventLog(events))
	}

	// The full site is written and nginx serves it.
	data, _ := os.ReadFile(f.site.Layout.SiteFile(f.site.Deployment.Domain))
	if strings.Contains(string(data), writer.HTTPOnlyNote) || !strings.Contains(string(data), "ssl_certificate     "+f.site.Deployment.TLSCertificate) {
		t.Errorf("the full site was not written:\n%s", data)
	}
	hook, err := os.Stat(res.Hook)
	if err != nil || hook.Mode().Perm() != 0o755 {
		t.Errorf("deploy hook %s: %v, mode %v (want 0755)", res.Hook, err, hook)
	}

	// kumoup status: the edge and tls checks pass against the pebble
	// certificate, trusted through pebble's root as --ca-file.
	roots, err := peb.Roots(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "pebble-root.pem")
	if err := os.WriteFile(caFile, roots, 0o644); err != nil {
		t.Fatal(err)
	}
	d := f.site.Deployment.Domain
	target, _, err := probes.NewTarget(probes.TargetOptions{
		Root: f.site.Layout.Root, CAFile: caFile, Timeout: probes.DefaultTimeout,
		ConnectTo: []string{d + ":443:" + f.site.HTTPSAddr, d + ":80:" + f.site.HTTPAddr},
	})
	if err != nil {
		t.Fatal(err)
	}
	checks, err := probes.Select(probes.Catalogue(), []string{"edge", "tls"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range probes.Run(t.Context(), target, checks) {
		if r.Status != probes.StatusPass {
			t.Errorf("%s: %s: %s (remedy: %s)", r.ID, r.Status, r.Detail, r.Remedy)
		}
	}

	// Renewal: certbot renews through the same webroot and runs the
	// deploy hook, which reloads the test nginx.
	req, err := acme.NewRequest(f.site.Deployment, f.site.Layout)
	if err != nil {
		t.Fatal(err)
	}
	before := nginxWorkers(t, f.site)
	out, err := certbotRenew(t, req, peb)
	if err != nil {
		t.Fatalf("certbot renew --force-renewal: %v\n%s", err, out)
	}
	if log, _ := os.ReadFile(filepath.Join(req.LogsDir, "letsencrypt.log")); !strings.Contains(string(log), res.Hook) {
		t.Errorf("certbot renew did not run the deploy hook %s:\n%s", res.Hook, out)
	}
	if after := nginxWorkers(t, f.site); after == before {
		t.Errorf("nginx was not reloaded by the deploy hook (workers still %s)", after)
	}
}

func TestBootstrapStopsBeforeTheACMEServerWhenTheNameResolvesElsewhere(t *testing.T) {
	need(t)
	f := newFresh(t, func(d string) dnstest.Zone { return dnstest.Zone{d: {"A 192.0.2.44"}} })
	var events []acme.Event
	_, err := acme.Bootstrap(t.Context(), f.config("https://127.0.0.1:1/dir", nil, &events))
	fail := asFailure(t, err, acme.KindName)
	if !strings.Contains(fail.Cause, "192.0.2.44") || !strings.Contains(fail.Cause, "not an address of this host") || !strings.Contains(fail.Fix, "--behind-nat") {
		t.Errorf("failure does not name the address and the fix: %v", fail)
	}
	if stepStarted(events, acme.StepCertbot) {
		t.Errorf("certbot ran although the pre-check failed:\n%s", eventLog(events))
	}
	f.assertHTTPOnly(t)
}

func TestBootstrapStopsBeforeTheACMEServerWhenPort80DoesNotServeTheWebroot(t *testing.T) {
	need(t)
	f := newFresh(t, nil)
	// Port 80 of the name reaches something else (Debian's default site,
	// another host): it answers 404 for the probe file.
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	cfg := f.config("https://127.0.0.1:1/dir", nil, new([]acme.Event))
	cfg.Target.ConnectTo = map[string]string{net.JoinHostPort(f.site.Deployment.Domain, "80"): other.Listener.Addr().String()}
	_, err := acme.Bootstrap(t.Context(), cfg)
	fail := asFailure(t, err, acme.KindPort80)
	if !strings.Contains(fail.Cause, "404") || !strings.Contains(fail.Fix, "acme-challenge") {
		t.Errorf("failure does not say what port 80 answered and the fix: %v", fail)
	}
	f.assertHTTPOnly(t)
}

func TestBootstrapSaysTheACMEServerIsDownAndKeepsTheHTTPOnlySite(t *testing.T) {
	need(t)
	f := newFresh(t, nil)
	peb := pebbletest.New(t, pebbletest.Config{HTTPPort: f.site.HTTPPort, DNSServer: f.dns.Addr()})
	server, env := peb.DirURL, peb.Env()
	if err := peb.Close(); err != nil {
		t.Fatal(err)
	}
	var events []acme.Event
	_, err := acme.Bootstrap(t.Context(), f.config(server, env, &events))
	fail := asFailure(t, err, acme.KindServer)
	if !strings.Contains(fail.Cause, peb.Addr) {
		t.Errorf("the cause does not name the server: %v", fail)
	}
	if !stepStarted(events, acme.StepCertbot) {
		t.Errorf("certbot did not run:\n%s", eventLog(events))
	}
	f.assertHTTPOnly(t)
}

// TestCertbotFailuresAreNamedFromPebblesAnswers runs certbot without the
// pre-checks, so that pebble itself refuses: the name does not resolve for
// it, or its validation gets a 404.
func TestCertbotFailuresAreNamedFromPebblesAnswers(t *testing.T) {
	need(t)
	f := newFresh(t, nil)
	t.Run("name does not resolve", func(t *testing.T) {
		empty := dnstest.New(t, dnstest.Zone{"other.example.com": {"A 127.0.0.1"}})
		peb := pebbletest.New(t, pebbletest.Config{HTTPPort: f.site.HTTPPort, DNSServer: empty.Addr()})
		err := obtain(t, f, peb)
		fail := asFailure(t, err, acme.KindName)
		if !strings.Contains(fail.Cause, "does not resolve") {
			t.Errorf("cause: %v", fail)
		}
	})
	t.Run("webroot not served", func(t *testing.T) {
		other := httptest.NewServer(http.NotFoundHandler())
		defer other.Close()
		peb := pebbletest.New(t, pebbletest.Config{HTTPPort: other.Listener.Addr().(*net.TCPAddr).Port, DNSServer: f.dns.Addr()})
		err := obtain(t, f, peb)
		fail := asFailure(t, err, acme.KindPort80)
		if !strings.Contains(fail.Cause, "404") {
			t.Errorf("cause: %v", fail)
		}
	})
	f.assertHTTPOnly(t)
}

func obtain(t *testing.T, f fresh, peb *pebbletest.Server) error {
	t.Helper()
	req, err := acme.NewRequest(f.site.Deployment, f.site.Layout)
	if err != nil {
		t.Fatal(err)
	}
	req.Server, req.Env = peb.DirURL, peb.Env()
	return acme.Obtain(t.Context(), req, nil)
}

func asFailure(t *testing.T, err error, kind acme.Kind) *acme.Failure {
	t.Helper()
	var f *acme.Failure
	if !errors.As(err, &f) {
		t.Fatalf("error %v is not an *acme.Failure", err)
	}
	if f.Kind != kind {
		t.Fatalf("failure kind %d, want %d: %v\n%s", f.Kind, kind, f, strings.Join(f.Output, "\n"))
	}
	return f
}

func stepDone(events []acme.Event, s acme.Step) bool {
	for _, e := range events {
		if e.Step == s && e.Done && e.Err == nil {
			return true
		}
	}
	return false
}

func stepStarted(events []acme.Event, s acme.Step) bool {
	for _, e := range events {
		if e.Step == s {
			return true
		}
	}
	return false
}

func eventLog(events []acme.Event) string {
	var b strings.Builder
	for _, e := range events {
		switch {
		case e.Done && e.Err != nil:
			fmt.Fprintf(&b, "✗ %s: %v\n", e.Step, e.Err)
		case e.Done:
			fmt.Fprintf(&b, "✓ %s\n", e.Step)
		case e.Line != "":
			fmt.Fprintf(&b, "    %s\n", e.Line)
		default:
			fmt.Fprintf(&b, "… %s\n", e.Step)
		}
	}
	return b.String()
}

func accepts(addr string) bool {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// certbotRenew forces a renewal of req's certificate from pebble.
func certbotRenew(t *testing.T, req acme.Request, peb *pebbletest.Server) (string, error) {
	t.Helper()
	bin, err := acme.FindCertbot("")
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(t.Context(), bin, "renew", "--force-renewal", "--non-interactive", "--no-random-sleep-on-renew",
		"--config-dir", req.ConfigDir, "--work-dir", req.WorkDir, "--logs-dir", req.LogsDir)
	cmd.Env = append(os.Environ(), peb.Env()...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// nginxWorkers lists the site's nginx worker pids (the master's children).
func nginxWorkers(t *testing.T, s *loopback.Site) string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		rest := string(data)
		if i := strings.LastIndexByte(rest, ')'); i >= 0 {
			rest = rest[i+1:]
		}
		if fields := strings.Fields(rest); len(fields) >= 2 && fields[1] == strconv.Itoa(s.Pid()) {
			pids = append(pids, e.Name())
		}
	}
	return strings.Join(pids, ",")
}
