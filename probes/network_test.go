package probes

import (
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/dnstest"
	"github.com/kumoup/kumoup/internal/socks5test"
)

// proxyTarget points KUMOPROXY_HOST/PORT at addr.
func proxyTarget(t *testing.T, addr string) *Target {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	d := hostTestDeployment()
	d.ProxyHost = host
	d.ProxyPort, _ = strconv.Atoi(port)
	return &Target{Deployment: d, Timeout: 2 * time.Second}
}

func TestRealSOCKS5ServerPasses(t *testing.T) {
	hostNeed(t, socks5test.Binary, "dante-server")
	s := socks5test.New(t)
	r := hostRun(t, proxyTarget(t, s.Addr()), "proxy.socks5")
	wantResult(t, r, StatusPass, "SOCKS5 greeting to "+s.Addr(), "method 'no auth' accepted")
}

func TestSOCKS5ProxyGivenByHostNameWarns(t *testing.T) {
	hostNeed(t, socks5test.Binary, "dante-server")
	s := socks5test.New(t)
	target := proxyTarget(t, s.Addr())
	target.Deployment.ProxyHost = "kumoproxy.internal.test"
	target.ConnectTo = map[string]string{target.Deployment.ProxyAddress(): s.Addr()}
	r := hostRun(t, target, "proxy.socks5")
	wantResult(t, r, StatusWarn, `host name "kumoproxy.internal.test"`, "only an IP literal", "KUMOPROXY_HOST=127.0.0.1")
}

// closeEachConn closes ln when the test ends and, until then, accepts
// and at once closes every connection: a port that is open and says
// nothing.
func closeEachConn(t *testing.T, ln net.Listener) {
	t.Helper()
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
}

// plainListener accepts connections on loopback and answers each with
// reply (nothing when empty) before closing it.
func plainListener(t *testing.T, reply string, hold time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if reply != "" {
				_, _ = c.Write([]byte(reply))
			}
			time.Sleep(hold)
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func TestPortThatIsOpenButNotSOCKS5Fails(t *testing.T) {
	for _, tc := range []struct {
		name, reply string
		hold        time.Duration
		want        string
	}{
		{"an SMTP banner", "220 relay.example.com ESMTP\r\n", 0, `answered "220 relay.example.com ESMTP`},
		{"closes without a word", "", 0, "closed the connection without answering a SOCKS5 greeting"},
		{"says nothing", "", 1500 * time.Millisecond, "no answer to a SOCKS5 greeting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := plainListener(t, tc.reply, tc.hold)
			target := proxyTarget(t, addr)
			target.Timeout = 500 * time.Millisecond
			r := hostRun(t, target, "proxy.socks5")
			wantResult(t, r, StatusFail, addr+" is open but not SOCKS5", tc.want, "KUMOPROXY_HOST/KUMOPROXY_PORT")
		})
	}
}

func TestSOCKS5PortWithNothingListeningFails(t *testing.T) {
	ln, _ := net.Listen("tcp4", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	wantResult(t, hostRun(t, proxyTarget(t, addr), "proxy.socks5"), StatusFail, "connect to "+addr, "connection refused", "start KumoProxy")
}

// webhookServer is a TLS endpoint for app.example.com that records what
// reached it.
type webhookServer struct {
	*httptest.Server
	mu      sync.Mutex
	methods []string
	auth    []string
}

func newWebhookServer(t *testing.T) *webhookServer {
	w := &webhookServer{}
	w.Server = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.methods = append(w.methods, r.Method)
		w.auth = append(w.auth, r.Header.Get("Authorization"))
		w.mu.Unlock()
		rw.WriteHeader(http.StatusMethodNotAllowed)
	}))
	t.Cleanup(w.Close)
	return w
}

// webhookTarget sends app.example.com:443 (the webhook URL's host) to the
// test server; roots are the CAs trusted (nil: the system's).
func webhookTarget(w *webhookServer, url string, roots *x509.CertPool) *Target {
	d := hostTestDeployment()
	d.WebhookURL = url
	return &Target{
		Deployment: d,
		RootCAs:    roots,
		ConnectTo:  map[string]string{"example.com:443": w.Listener.Addr().String()},
		Timeout:    3 * time.Second,
	}
}

func trusted(w *webhookServer) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(w.Certificate())
	return p
}

func TestWebhookWithVerifiedTLSPassesWithoutPostingOrToken(t *testing.T) {
	w := newWebhookServer(t)
	// httptest's certificate covers example.com.
	r := hostRun(t, webhookTarget(w, "https://example.com/hooks/kumomta?secret=abc", trusted(w)), "webhook.reachable")
	wantResult(t, r, StatusPass, "HEAD https://example.com/hooks/kumomta: 405 Method Not Allowed", "certificate for example.com verified")
	if strings.Contains(r.Detail, "secret=abc") {
		t.Errorf("detail shows the URL's query: %s", r.Detail)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for i, m := range w.methods {
		if m != http.MethodHead || w.auth[i] != "" {
			t.Errorf("request %d: %s with Authorization %q; want HEAD with none", i, m, w.auth[i])
		}
	}
	if len(w.methods) == 0 {
		t.Error("the webhook server saw no request")
	}
}

func TestWebhookWhoseCertificateDoesNotVerifyFails(t *testing.T) {
	w := newWebhookServer(t)
	t.Run("unknown authority", func(t *testing.T) {
		r := hostRun(t, webhookTarget(w, "https://example.com/hooks/kumomta", nil), "webhook.reachable")
		wantResult(t, r, StatusFail, "TLS certificate does not verify", "unknown authority", "public CA")
	})
	t.Run("another name", func(t *testing.T) {
		target := webhookTarget(w, "https://app.kumoup.test/hooks", trusted(w))
		target.ConnectTo = map[string]string{"app.kumoup.test:443": w.Listener.Addr().String()}
		r := hostRun(t, target, "webhook.reachable")
		wantResult(t, r, StatusFail, "TLS certificate does not verify", "app.kumoup.test")
	})
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.methods) != 0 {
		t.Errorf("an HTTP request was sent over an unverified connection: %v", w.methods)
	}
}

func TestWebhookInsecureWarnsThatItDidNotVerify(t *testing.T) {
	w := newWebhookServer(t)
	target := webhookTarget(w, "https://example.com/hooks/kumomta", nil)
	target.Insecure = true
	wantResult(t, hostRun(t, target, "webhook.reachable"), StatusWarn, "NOT verified (--insecure)")
}

func TestWebhookThatDoesNotSpeakTLSFails(t *testing.T) {
	addr := plainListener(t, "HTTP/1.0 200 OK\r\n\r\n", 0)
	d := hostTestDeployment()
	d.WebhookURL = "https://example.com/hook"
	target := &Target{Deployment: d, ConnectTo: map[string]string{"example.com:443": addr}, Timeout: 2 * time.Second}
	wantResult(t, hostRun(t, target, "webhook.reachable"), StatusFail, "HEAD https://example.com/hook", "reachable from this host")
}

func TestWebhookThatNeverAnswersFailsBeforeTheTimeout(t *testing.T) {
	addr := plainListener(t, "", 1500*time.Millisecond)
	d := hostTestDeployment()
	d.WebhookURL = "https://example.com/hook"
	target := &Target{Deployment: d, ConnectTo: map[string]string{"example.com:443": addr}, Timeout: time.Second}
	wantResult(t, hostRun(t, target, "webhook.reachable"), StatusFail, "HEAD https://example.com/hook: no answer before the timeout")
}

func TestSOCKS5ServerRefusingNoAuthFails(t *testing.T) {
	addr := plainListener(t, "\x05\xff", 0) // SOCKS5, "no acceptable methods"
	r := hostRun(t, proxyTarget(t, addr), "proxy.socks5")
	wantResult(t, r, StatusFail, "speaks SOCKS5 but refuses method 'no auth'", "accept unauthenticated SOCKS5 clients")
}

// TestWebhookResolvesItsNameThroughTheResolverGiven: with --resolver the
// webhook's name is looked up there (not in /etc/hosts or the system's
// resolver), and a name that resolver does not know fails naming it.
func TestWebhookResolvesItsNameThroughTheResolverGiven(t *testing.T) {
	w := newWebhookServer(t)
	_, port, _ := net.SplitHostPort(w.Listener.Addr().String())
	// httptest's certificate covers example.com; the system resolver does
	// not send it to 127.0.0.1, the test's DNS server does.
	s := dnstest.New(t, dnstest.Zone{"example.com": {"A 127.0.0.1"}})
	target := webhookTarget(w, "https://example.com:"+port+"/hooks", trusted(w))
	target.ConnectTo, target.Resolver = nil, s.Addr()
	r := hostRun(t, target, "webhook.reachable")
	wantResult(t, r, StatusPass, "405", "via resolver "+s.Addr())
	if asked := s.Asked(); len(asked) == 0 {
		t.Error("the resolver given was never asked")
	}

	empty := dnstest.New(t, dnstest.Zone{"other.example": {"A 127.0.0.1"}})
	target.Resolver = empty.Addr()
	wantResult(t, hostRun(t, target, "webhook.reachable"), StatusFail, "via resolver "+empty.Addr(), "no such host", "DNS")
}
