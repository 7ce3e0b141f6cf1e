package probes

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/dnstest"
	"github.com/kumoup/kumoup/internal/socks5test"
	"github.com/kumoup/kumoup/internal/standin"
)

// TestHostNetworkAndDNSFamiliesAllPassOnAHealthyLoopbackSetup runs the three
// families concurrently, as `kumoup status` does, against a healthy
// deployment built from real parts: files rendered by the writer, kumod's
// listener on 127.0.0.1, a kumod process started after its files changed,
// dante as KumoProxy, a TLS webhook endpoint and a DNS server.
func TestHostNetworkAndDNSFamiliesAllPassOnAHealthyLoopbackSetup(t *testing.T) {
	hostNeed(t, socks5test.Binary, "dante-server")
	f := newHostFixture(t)
	target := f.target
	target.Timeout = 3 * time.Second

	// kumod's listener: the stand-in, with max_body as its limit.
	k, err := standin.Start(context.Background(), standin.Config{Addr: "127.0.0.1:0", BodyLimit: target.Deployment.MaxBodyBytes()})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	target.Deployment.Listener = k.Addr()
	_, portText, _ := net.SplitHostPort(k.Addr())

	hour := time.Now().Add(-time.Hour)
	setMtime(t, target.Layout.EnvFile(), hour)
	setMtime(t, target.Layout.SystemdDropIn(), hour)
	startKumodStandIn(t)
	fakeKumod(t, f, "2024.06.10-84e84b89") // what `kumod --version` prints

	proxy := socks5test.New(t)
	target.Deployment.ProxyHost = proxy.Host()
	target.Deployment.ProxyPort = proxy.Port()

	hook := newWebhookServer(t)
	target.Deployment.WebhookURL = "https://example.com/hooks/kumomta"
	target.RootCAs = trusted(hook)
	target.ConnectTo = map[string]string{"example.com:443": hook.Listener.Addr().String()}

	const egress = "9.9.9.9" // public, so dns.egress.documentation passes; only this zone knows it
	target.Deployment.ProxyPublicIP = egress
	zone := dnsZone()
	zone["out.example.com"] = []string{"A " + egress, `TXT "v=spf1 include:_spf.example.net -all"`}
	zone["_spf.example.net"] = []string{`TXT "v=spf1 ip4:` + egress + ` -all"`}
	zone[egress] = []string{"PTR out.example.com."}
	delete(zone, "203.0.113.7")
	dns := dnstest.New(t, zone)
	target.Resolver = dns.Addr()
	target.Deployment.SendingDomains = []string{"example.org"}

	// host.files.drift compares with the state file an apply records; the
	// fixture's files are written by hand (see host_drift_test.go).
	checks, err := Select(Catalogue(), []string{"host", "proxy", "webhook", "dns"}, []string{"host.nginx.config", "host.certificate.renewal", "host.files.drift"})
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 18 {
		t.Fatalf("selected %d checks, want 18", len(checks))
	}
	start := time.Now()
	results := runUnmasked(context.Background(), target, checks)
	wall := time.Since(start)
	var sum time.Duration
	for _, r := range results {
		sum += r.Duration
		hostAssertNoSecret(t, r)
		want := StatusPass
		if r.ID == "host.envfile.permissions" || r.ID == "host.tokenfile.permissions" {
			if !isRoot() {
				want = StatusFail // owned by the test user, not root
			}
		}
		if r.Status != want {
			t.Errorf("%s: %s: %s (remedy: %s)", r.ID, r.Status, r.Detail, r.Remedy)
		}
	}
	t.Logf("%d checks in %s wall time, %s summed", len(results), wall.Round(time.Millisecond), sum.Round(time.Millisecond))
	if !strings.Contains(results[0].Detail, "port "+portText) {
		t.Errorf("listener check did not look at port %s: %s", portText, results[0].Detail)
	}
}
