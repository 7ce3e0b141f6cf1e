package probes

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/netnstest"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// The outside checks run in a "public" network namespace against real
// nginx (the rendered site file) in an "MTA" namespace, with KumoProxy's
// port in a "proxy" namespace. Addresses: a benchmarking range that exists
// only inside the namespaces.
const (
	outsidePubIP, outsideMTAIP, outsideProxyIP, outsideNobodyIP = "198.18.1.1", "198.18.1.2", "198.18.1.3", "198.18.1.99"
	outsideDomain                                               = "mta.example.com"
)

// outsideHelperEnv makes the test binary, re-executed inside the public
// namespace, run the outside checks and print their results as JSON.
const outsideHelperEnv = "KUMOUP_OUTSIDE_HELPER"

type outsideHelperInput struct {
	Deployment model.Deployment
	ConnectTo  map[string]string
	CAFile     string
	Only       []string
}

func init() {
	spec := os.Getenv(outsideHelperEnv)
	if spec == "" {
		return
	}
	var in outsideHelperInput
	if err := json.Unmarshal([]byte(spec), &in); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	target := &Target{Deployment: in.Deployment, ConnectTo: in.ConnectTo}
	pem, err := os.ReadFile(in.CAFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	target.RootCAs = x509Pool(pem)
	checks, err := Select(OutsideCatalogue(), in.Only, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	json.NewEncoder(os.Stdout).Encode(runUnmasked(context.Background(), target, checks))
	os.Exit(0)
}

type outsideLab struct {
	pub, mta, proxy *netnstest.NS
	d               model.Deployment
	caFile          string
}

func newOutsideLab(t *testing.T) *outsideLab {
	netnstest.Require(t, "nft", "nginx")
	lan := netnstest.NewLAN(t)
	lab := &outsideLab{pub: netnstest.New(t), mta: netnstest.New(t), proxy: netnstest.New(t)}
	lan.Attach(t, lab.pub, outsidePubIP+"/24")
	lan.Attach(t, lab.mta, outsideMTAIP+"/24")
	lan.Attach(t, lab.proxy, outsideProxyIP+"/24")
	lab.d = model.Deployment{
		Domain: outsideDomain, InjectionToken: "inj_" + strings.Repeat("A", 39), WebhookToken: "whk_" + strings.Repeat("B", 39),
		WebhookURL: "https://app.example.com/e", ProxyHost: outsideProxyIP, ProxyPublicIP: outsideProxyIP, HELO: "mail.example.com",
	}.WithDefaults()
	lab.d.Firewall.MTAAddresses = []string{outsideMTAIP}

	// A stand-in kumod bound to every address of the MTA namespace, and a
	// KumoProxy stand-in on every address of the proxy namespace: only the
	// firewall keeps them from the public namespace.
	kumod, err := lab.mta.Listen("tcp", "0.0.0.0:8000")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"kumod":"stand-in"}`)
	})}
	go srv.Serve(kumod)
	t.Cleanup(func() { srv.Close() })
	socks, err := lab.proxy.Listen("tcp", "0.0.0.0:5000")
	if err != nil {
		t.Fatal(err)
	}
	closeEachConn(t, socks)

	dir := t.TempDir()
	lab.d.TLSCertificate, lab.d.TLSCertificateKey, _ = netnstest.SelfSigned(t, dir, outsideDomain)
	lab.caFile = lab.d.TLSCertificate
	lab.d.ACMEWebroot = filepath.Join(dir, "acme")
	os.MkdirAll(filepath.Join(lab.d.ACMEWebroot, ".well-known/acme-challenge"), 0o755)
	return lab
}

// startNginx renders the real site file (listening on the MTA address),
// applies edit to it, and runs nginx in the MTA namespace until t ends.
func (lab *outsideLab) startNginx(t *testing.T, edit func(site string) string) {
	t.Helper()
	root := t.TempDir()
	files, err := writer.Render(lab.d, writer.Options{Layout: writer.Layout{Root: root}, ListenAddrs: []string{outsideMTAIP}})
	if err != nil {
		t.Fatal(err)
	}
	var site string
	for _, f := range files {
		if f.Name != "nginx site" && f.Name != "nginx token include" {
			continue
		}
		os.MkdirAll(filepath.Dir(f.Path), 0o700)
		content := f.Content
		if f.Name == "nginx site" {
			site = f.Path
			if edit != nil {
				content = []byte(edit(string(content)))
			}
		}
		if err := os.WriteFile(f.Path, content, f.Mode); err != nil {
			t.Fatal(err)
		}
	}
	prefix := filepath.Join(root, "nginx")
	conf := netnstest.WriteNginxConf(t, prefix, netnstest.NginxConf{HTTPIncludes: []string{site}})
	netnstest.StartNginx(t, lab.mta, conf, prefix)
}

func (lab *outsideLab) firewall(t *testing.T, on bool) {
	t.Helper()
	for _, h := range []struct {
		ns   *netnstest.NS
		host writer.Host
	}{{lab.mta, writer.HostMTA}, {lab.proxy, writer.HostProxy}} {
		if !on {
			h.ns.Run("nft", "delete", "table", "inet", "kumoup")
			continue
		}
		f, err := writer.RenderFirewall(lab.d, h.host, writer.Layout{})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "rules.nft")
		os.WriteFile(p, f.Content, 0o644)
		h.ns.MustRun(t, "nft", "-f", p)
	}
}

// run re-executes the test binary in the public namespace to run the
// outside checks (all, or only those named) against the MTA namespace.
func (lab *outsideLab) run(t *testing.T, mtaAddr string, only ...string) map[string]Result {
	t.Helper()
	connect := map[string]string{}
	for _, port := range []string{"443", "80", "8000", "5000"} {
		connect[net.JoinHostPort(outsideDomain, port)] = net.JoinHostPort(mtaAddr, port)
	}
	spec, _ := json.Marshal(outsideHelperInput{Deployment: lab.d, ConnectTo: connect, CAFile: lab.caFile, Only: only})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := lab.pub.Command(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), outsideHelperEnv+"="+string(spec))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("outside checks in %s: %v\n%s", lab.pub.Name, err, stderr.String())
	}
	var results []Result
	if err := json.Unmarshal(stdout.Bytes(), &results); err != nil {
		t.Fatalf("helper output: %v\n%s", err, stdout.String())
	}
	out := map[string]Result{}
	for _, r := range results {
		if strings.Contains(r.Detail+r.Remedy, lab.d.InjectionToken) {
			t.Errorf("%s leaks the token", r.ID)
		}
		out[r.ID] = r
	}
	return out
}

var (
	outsideAuthCheck = regexp.MustCompile(`(?s)if \(\$kumoup_auth_\w+ = 0\) \{.*?\n        \}\n`)
	outsideCatchAll  = regexp.MustCompile(`(?s)(# Everything else.*?location / \{).*?\n    \}`)
	outsidePort80    = regexp.MustCompile(`(?s)location \^~ /\.well-known/acme-challenge/ \{.*?\n    \}\n\n    location / \{\n        return 301 [^\n]*\n    \}`)
)

func TestOutsideChecksFromAnotherNetwork(t *testing.T) {
	if testing.Short() {
		t.Skip("needs root, network namespaces and nginx")
	}
	lab := newOutsideLab(t)
	all := []string{"outside.inject.unauthenticated", "outside.metrics.unauthenticated", "outside.unknown.paths", "outside.admin.api",
		"outside.port.listener", "outside.port.proxy", "outside.http.redirect", "outside.http.acme"}

	t.Run("the hardened deployment passes every check", func(t *testing.T) {
		lab.startNginx(t, nil)
		lab.firewall(t, true)
		got := lab.run(t, outsideMTAIP)
		if len(got) != len(all) {
			t.Fatalf("ran %d checks, want %d", len(got), len(all))
		}
		edgeWant(t, got, "outside.inject.unauthenticated", StatusPass, "401")
		edgeWant(t, got, "outside.metrics.unauthenticated", StatusPass, "401")
		edgeWant(t, got, "outside.unknown.paths", StatusPass, "404")
		edgeWant(t, got, "outside.admin.api", StatusPass, "404 for all 3 paths", "kumod's admin API", "/api/admin/ready-q-states/v1")
		edgeWant(t, got, "outside.port.listener", StatusPass, "mta.example.com:8000 timed out (filtered)")
		edgeWant(t, got, "outside.port.proxy", StatusPass, "mta.example.com:5000", outsideProxyIP+":5000 timed out (filtered)")
		edgeWant(t, got, "outside.http.redirect", StatusPass, "301")
		edgeWant(t, got, "outside.http.acme", StatusPass, "404")
	})

	t.Run("without the firewall kumod's port and KumoProxy are reachable", func(t *testing.T) {
		lab.startNginx(t, nil)
		lab.firewall(t, false)
		got := lab.run(t, outsideMTAIP, "outside.port.listener", "outside.port.proxy")
		edgeWant(t, got, "outside.port.listener", StatusFail, "mta.example.com:8000 accepted", "kumoup firewall --host mta --apply")
		edgeWant(t, got, "outside.port.proxy", StatusFail, outsideProxyIP+":5000 accepted", "kumoup firewall --host proxy --apply")
	})

	t.Run("a site that proxies without the token check fails the 401 and 404 checks", func(t *testing.T) {
		lab.startNginx(t, func(site string) string {
			site = outsideAuthCheck.ReplaceAllString(site, "")
			return outsideCatchAll.ReplaceAllString(site, "$1\n        proxy_pass http://127.0.0.1:8000;\n    }")
		})
		lab.firewall(t, true)
		got := lab.run(t, outsideMTAIP, "outside.inject.unauthenticated", "outside.metrics.unauthenticated", "outside.unknown.paths", "outside.admin.api")
		edgeWant(t, got, "outside.inject.unauthenticated", StatusFail, "without a token: 200", "(expected 401): the request got past nginx", "return 401")
		edgeWant(t, got, "outside.metrics.unauthenticated", StatusFail, "without a token: 200", "(expected 401): the request got past nginx", "return 401")
		edgeWant(t, got, "outside.unknown.paths", StatusFail, "not 404", "location / { return 404; }")
		edgeWant(t, got, "outside.admin.api", StatusFail, "kumod's admin API: /api/admin/ready-q-states/v1: 200")
	})

	t.Run("port 80 that proxies instead of redirecting fails the port-80 checks", func(t *testing.T) {
		lab.startNginx(t, func(site string) string {
			return outsidePort80.ReplaceAllString(site, "location / {\n        proxy_pass http://127.0.0.1:8000;\n    }")
		})
		lab.firewall(t, true)
		got := lab.run(t, outsideMTAIP, "outside.http.redirect", "outside.http.acme")
		edgeWant(t, got, "outside.http.redirect", StatusFail, "no redirect (expected 301")
		edgeWant(t, got, "outside.http.acme", StatusFail, "want 404")
	})

	t.Run("an unreachable host is a warning, not a pass", func(t *testing.T) {
		got := lab.run(t, outsideNobodyIP, "outside.port.listener")
		edgeWant(t, got, "outside.port.listener", StatusWarn, "not reachable either")
	})
}

func x509Pool(pem []byte) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(pem)
	return p
}

func TestOutsideProxyPortSaysWhatItCouldNotProbe(t *testing.T) {
	https, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer https.Close()
	closed := fmt.Sprintf("127.0.0.1:%d", netnstest.FreePort(t))
	target := &Target{
		Deployment: model.Deployment{Domain: outsideDomain}.WithDefaults(),
		ConnectTo:  map[string]string{outsideDomain + ":443": https.Addr().String(), outsideDomain + ":5000": closed},
	}
	checks, _ := Select(OutsideCatalogue(), []string{"outside.port.proxy"}, nil)
	r := Run(context.Background(), target, checks)[0]
	if r.Status != StatusPass || !strings.Contains(r.Detail, "mta.example.com:5000 refused") || !strings.Contains(r.Detail, "public address is unknown") {
		t.Fatalf("%s: %s", r.Status, r.Detail)
	}
	// Nothing reachable at all: cannot tell a firewall from a dead host.
	https.Close()
	target.ConnectTo[outsideDomain+":443"] = closed
	if r := Run(context.Background(), target, checks)[0]; r.Status != StatusWarn {
		t.Fatalf("unreachable host: %s: %s", r.Status, r.Detail)
	}
}

// A port whose name does not resolve was never probed: that is no
// evidence it is closed.
func TestOutsidePortWhoseNameDoesNotResolveWarnsInsteadOfPassing(t *testing.T) {
	https, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer https.Close()
	target := &Target{
		Deployment: model.Deployment{Domain: outsideDomain}.WithDefaults(),
		// "a..b" fails name resolution locally, without asking any server.
		ConnectTo: map[string]string{outsideDomain + ":443": https.Addr().String(), outsideDomain + ":8000": "unresolvable..name:8000"},
	}
	checks, _ := Select(OutsideCatalogue(), []string{"outside.port.listener"}, nil)
	r := Run(context.Background(), target, checks)[0]
	if r.Status != StatusWarn || !strings.Contains(r.Detail, "name error") || !strings.Contains(r.Detail, "not probed") {
		t.Fatalf("%s: %s, want a warning that the port was not probed", r.Status, r.Detail)
	}
	// The same port refused: evidence, so a pass.
	target.ConnectTo[outsideDomain+":8000"] = fmt.Sprintf("127.0.0.1:%d", netnstest.FreePort(t))
	if r := Run(context.Background(), target, checks)[0]; r.Status != StatusPass || !strings.Contains(r.Detail, "refused") {
		t.Fatalf("refused port: %s: %s, want a pass", r.Status, r.Detail)
	}
}

// Port 80 must send clients to the HTTPS site itself: the same name on
// the HTTPS port (or, on a loopback test setup, the port --connect-to
// maps it to), never to another port of the name.
func TestOutsideRedirectToAnotherPortOfTheNameFails(t *testing.T) {
	https, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer https.Close()
	_, httpsPort, _ := net.SplitHostPort(https.Addr().String())
	var redirectPort atomic.Value
	redirectPort.Store(httpsPort)
	plain := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+outsideDomain+":"+redirectPort.Load().(string)+r.URL.RequestURI(), http.StatusMovedPermanently)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go plain.Serve(ln)
	defer plain.Close()
	target := &Target{
		Deployment: model.Deployment{Domain: outsideDomain}.WithDefaults(),
		ConnectTo:  map[string]string{outsideDomain + ":443": https.Addr().String(), outsideDomain + ":80": ln.Addr().String()},
	}
	checks, _ := Select(OutsideCatalogue(), []string{"outside.http.redirect"}, nil)
	if r := Run(context.Background(), target, checks)[0]; r.Status != StatusPass {
		t.Fatalf("redirect to the port --connect-to maps 443 to: %s: %s, want a pass", r.Status, r.Detail)
	}
	redirectPort.Store("8443")
	if r := Run(context.Background(), target, checks)[0]; r.Status != StatusFail || !strings.Contains(r.Detail, ":8443/") {
		t.Fatalf("redirect to :8443: %s: %s, want a failure naming the Location", r.Status, r.Detail)
	}
}
