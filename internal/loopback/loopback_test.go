package loopback_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"
	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/model"
)

func TestSiteAnswersThroughRealNginxInFrontOfTheStandin(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	a := get(t, s, "GET", "/metrics", "", "")
	if a.status != 401 || !strings.Contains(a.body, "unauthorized") {
		t.Errorf("without token: %d %q, want 401", a.status, a.body)
	}
	if n := len(s.Kumod.Requests()); n != 0 {
		t.Errorf("the stand-in saw %d requests for an unauthenticated one", n)
	}
	a = get(t, s, "GET", "/metrics", bearer(s), "")
	if a.status != 200 || a.body != string(standin.FixtureMetrics()) {
		t.Errorf("with token: %d, want 200 and the fixture", a.status)
	}
	reqs := s.Kumod.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/metrics" || reqs[0].Authorization {
		t.Errorf("stand-in saw %+v, want one GET /metrics without Authorization", reqs)
	}
}

func TestSiteDeploymentIsCompleteAndPointsAtTheStandin(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{Deployment: model.Deployment{MaxBody: "30m"}})
	d := s.Deployment
	if err := d.Validate().Err(); err != nil {
		t.Fatalf("final deployment does not validate: %v", err)
	}
	if d.Domain != loopback.DefaultDomain || d.Listener != s.Kumod.Addr() || d.MaxBody != "30m" {
		t.Errorf("deployment domain %q listener %q max_body %q", d.Domain, d.Listener, d.MaxBody)
	}
	if s.Kumod.BodyLimit() != 30<<20 || s.Kumod.BodyLimit() != d.MaxBodyBytes() {
		t.Errorf("stand-in body limit %d, want MaxBodyBytes %d", s.Kumod.BodyLimit(), d.MaxBodyBytes())
	}
	root := s.Layout.Root
	for _, p := range []string{d.TLSCertificate, d.TLSCertificateKey, d.ACMEWebroot, s.NginxConf, s.NginxPrefix, s.CAFile} {
		if !strings.HasPrefix(p, s.Dir+"/") {
			t.Errorf("%s is outside the site's directory %s", p, s.Dir)
		}
	}
	if !strings.HasPrefix(root, s.Dir) || s.CertFile != d.TLSCertificate || s.KeyFile != d.TLSCertificateKey {
		t.Errorf("root %s cert %s key %s", root, s.CertFile, s.KeyFile)
	}
	if len(s.Files) == 0 {
		t.Fatal("no files")
	}
	for _, f := range s.Files {
		fi, err := os.Stat(f.Path)
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		if fi.Mode().Perm() != f.Mode {
			t.Errorf("%s: mode %v, want %v", f.Path, fi.Mode().Perm(), f.Mode)
		}
		if f.DirMode != 0 {
			di, _ := os.Stat(filepath.Dir(f.Path))
			if di.Mode().Perm() != f.DirMode {
				t.Errorf("%s: mode %v, want %v", filepath.Dir(f.Path), di.Mode().Perm(), f.DirMode)
			}
		}
	}
	if fi, _ := os.Stat(s.KeyFile); fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestSuppliedAnswersAreKept(t *testing.T) {
	nginxTest(t)
	const tok = "kumoup-test-injection-token-0123456789abcdef"
	s := loopbacktest.Start(t, loopback.Config{Deployment: model.Deployment{Domain: "mail.kumoup.test", InjectionToken: tok}})
	if s.Deployment.Domain != "mail.kumoup.test" || s.Deployment.InjectionToken != tok {
		t.Fatalf("deployment %q token kept %v", s.Deployment.Domain, s.Deployment.InjectionToken == tok)
	}
	if a := get(t, s, "GET", "/metrics", "Bearer "+tok, ""); a.status != 200 {
		t.Errorf("with the supplied token: %d", a.status)
	}
}

func TestConnectToMapsTheDomainsPortsToLoopback(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	dom := s.Deployment.Domain
	want := map[string]string{
		dom + ":443":                          s.HTTPSAddr,
		dom + ":80":                           s.HTTPAddr,
		dom + ":" + strconv.Itoa(s.HTTPSPort): s.HTTPSAddr,
		dom + ":" + strconv.Itoa(s.HTTPPort):  s.HTTPAddr,
	}
	if len(s.ConnectTo) != len(want) {
		t.Errorf("ConnectTo = %v, want %v", s.ConnectTo, want)
	}
	for k, v := range want {
		if s.ConnectTo[k] != v {
			t.Errorf("ConnectTo[%q] = %q, want %q", k, s.ConnectTo[k], v)
		}
	}
	if s.HTTPSAddr != "127.0.0.1:"+strconv.Itoa(s.HTTPSPort) || s.HTTPAddr != "127.0.0.1:"+strconv.Itoa(s.HTTPPort) {
		t.Errorf("addrs %s %s ports %d %d", s.HTTPSAddr, s.HTTPAddr, s.HTTPSPort, s.HTTPPort)
	}
}

func TestCurlReachesTheSiteWithCurlConnectTo(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Fatalf("curl: %v (apt-get install -y curl)", err)
	}
	args := append(s.CurlConnectTo(), "-s", "-o", "/dev/null", "-w", "%{http_code}", s.URL("/metrics"))
	out, err := exec.Command(curl, args...).Output()
	if err != nil || string(out) != "401" {
		t.Errorf("curl %v: %q %v, want 401", args, out, err)
	}
}

func TestClientDoesNotFollowRedirects(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	req, _ := http.NewRequest("GET", s.HTTPURL("/metrics"), nil)
	a := send(t, s.Client(), req)
	if a.status != http.StatusMovedPermanently {
		t.Fatalf("port 80: %d, want 301", a.status)
	}
	if loc := a.header.Get("Location"); !strings.HasPrefix(loc, "https://"+s.Deployment.Domain) || !strings.HasSuffix(loc, "/metrics") {
		t.Errorf("Location %q", loc)
	}
}

func TestClientWithoutTheCAIsRefused(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	c := s.Client()
	c.Transport.(*http.Transport).TLSClientConfig = &tls.Config{} // system roots
	_, err := c.Get(s.URL("/metrics"))
	var ua x509.UnknownAuthorityError
	if !errors.As(err, &ua) {
		t.Fatalf("system roots: err %v, want unknown authority", err)
	}
}

func TestPutChallengeIsServedOnPort80(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	p, err := s.PutChallenge("tok-123", []byte("tok-123.thumbprint"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", s.HTTPURL(p), nil)
	if a := send(t, s.Client(), req); a.status != 200 || a.body != "tok-123.thumbprint" {
		t.Errorf("GET %s: %d %q", p, a.status, a.body)
	}
	if _, err := s.PutChallenge("../escape", nil); err == nil {
		t.Errorf("PutChallenge accepted a path")
	}
}

func TestManySitesRunInParallel(t *testing.T) {
	loopbacktest.NeedNginx(t)
	t.Parallel()
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	const n = 4
	sites := make([]*loopback.Site, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			sites[i], errs[i] = loopback.Start(context.Background(), loopback.Config{Dir: t.TempDir(), CA: ca})
		})
	}
	wg.Wait()
	for i, s := range sites {
		if errs[i] != nil {
			t.Fatalf("site %d: %v", i, errs[i])
		}
		t.Cleanup(func() { _ = s.Stop() })
	}
	seen := map[string]bool{}
	for _, s := range sites {
		for _, x := range []string{s.HTTPSAddr, s.HTTPAddr, s.NginxPrefix, s.Kumod.Addr()} {
			if seen[x] {
				t.Errorf("%s shared between sites", x)
			}
			seen[x] = true
		}
		if a := get(t, s, "GET", "/metrics", bearer(s), ""); a.status != 200 || len(s.Kumod.Requests()) != 1 {
			t.Errorf("site %s: %d, its stand-in saw %d", s.HTTPSAddr, a.status, len(s.Kumod.Requests()))
		}
	}
}

func TestStopEndsNginxAndTheStandinAndRemovesItsOwnDir(t *testing.T) {
	loopbacktest.NeedNginx(t)
	t.Parallel()
	s, err := loopback.Start(context.Background(), loopback.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pid, dir, addrs := s.Pid(), s.Dir, []string{s.HTTPSAddr, s.HTTPAddr, s.Kumod.Addr()}
	if pid == 0 {
		t.Fatal("no pid")
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	assertGone(t, pid, addrs)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("temporary dir %s left behind (%v)", dir, err)
	}
}

func TestCancellingTheContextStopsEverything(t *testing.T) {
	loopbacktest.NeedNginx(t)
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := loopback.Start(ctx, loopback.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	pid, addrs := s.Pid(), []string{s.HTTPSAddr, s.HTTPAddr, s.Kumod.Addr()}
	cancel()
	assertGone(t, pid, addrs)
}

func TestStopLeavesAGivenStandinAndDirAlone(t *testing.T) {
	loopbacktest.NeedNginx(t)
	t.Parallel()
	k, err := standin.Start(context.Background(), standin.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	dir := t.TempDir()
	s, err := loopback.Start(context.Background(), loopback.Config{Dir: dir, UseKumod: k})
	if err != nil {
		t.Fatal(err)
	}
	if s.Kumod != k || s.Deployment.Listener != k.Addr() {
		t.Fatalf("site does not use the given stand-in")
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(k.URL() + "/api/check-liveness/v1")
	if err != nil {
		t.Fatalf("given stand-in stopped with the site: %v", err)
	}
	resp.Body.Close()
	if _, err := os.Stat(filepath.Join(dir, "nginx", "nginx.conf")); err != nil {
		t.Errorf("given Dir was cleaned: %v", err)
	}
}

func assertGone(t *testing.T, pid int, addrs []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		alive := processAlive(pid)
		var open []string
		for _, a := range addrs {
			if c, err := net.DialTimeout("tcp", a, 200*time.Millisecond); err == nil {
				c.Close()
				open = append(open, a)
			}
		}
		if !alive && len(open) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after stop: nginx %d alive %v, still accepting %v", pid, alive, open)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processAlive reports whether pid exists and is not a zombie.
func processAlive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

func TestMissingNginxIsAnErrorNamingTheInstallCommand(t *testing.T) {
	_, err := loopback.Start(context.Background(), loopback.Config{NginxBinary: "/nonexistent/nginx"})
	if !errors.Is(err, loopback.ErrNoNginx) || !strings.Contains(err.Error(), "apt-get install -y nginx") {
		t.Fatalf("err %v, want ErrNoNginx naming apt-get install -y nginx", err)
	}
	if _, err := loopback.FindNginx("/nonexistent/nginx"); !errors.Is(err, loopback.ErrNoNginx) {
		t.Errorf("FindNginx: %v", err)
	}
}

func TestARefusedConfigurationReturnsNginxsMessage(t *testing.T) {
	loopbacktest.NeedNginx(t)
	t.Parallel()
	_, err := loopback.Start(context.Background(), loopback.Config{
		Dir: t.TempDir(),
		Mutate: func(path string, content []byte) []byte {
			if strings.HasSuffix(path, ".conf") && strings.Contains(path, "conf.d") {
				return append(content, []byte("\nbogus_directive on;\n")...)
			}
			return content
		},
	})
	if err == nil || !strings.Contains(err.Error(), "nginx -t") || !strings.Contains(err.Error(), `unknown directive "bogus_directive"`) {
		t.Fatalf("err %v, want nginx -t's message", err)
	}
}

func TestAnInvalidDeploymentIsRefusedNamingTheField(t *testing.T) {
	loopbacktest.NeedNginx(t)
	_, err := loopback.Start(context.Background(), loopback.Config{Dir: t.TempDir(), Deployment: model.Deployment{Domain: "bad domain"}})
	if err == nil || !strings.Contains(err.Error(), "domain") {
		t.Fatalf("err %v, want a domain error", err)
	}
}

func TestMutateSeesEveryFileAndTheNginxConf(t *testing.T) {
	nginxTest(t)
	var mu sync.Mutex
	var seen []string
	s := loopbacktest.Start(t, loopback.Config{Mutate: func(path string, content []byte) []byte {
		mu.Lock()
		seen = append(seen, path)
		mu.Unlock()
		return content
	}})
	want := []string{}
	for _, f := range s.Files {
		want = append(want, f.Path)
	}
	want = append(want, s.NginxConf)
	if strings.Join(seen, "\n") != strings.Join(want, "\n") {
		t.Errorf("Mutate saw\n%s\nwant\n%s", strings.Join(seen, "\n"), strings.Join(want, "\n"))
	}
}

func TestNginxConfKeepsEveryPathInThePrefix(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	data, err := os.ReadFile(s.NginxConf)
	if err != nil {
		t.Fatal(err)
	}
	conf := string(data)
	for _, d := range []string{"pid", "error_log", "access_log", "client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"} {
		if !strings.Contains(conf, d+" "+s.NginxPrefix+"/") {
			t.Errorf("nginx.conf: %s is not inside %s", d, s.NginxPrefix)
		}
	}
	if !strings.Contains(conf, "ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;") {
		t.Errorf("nginx.conf does not carry Debian's permissive http-level ssl_protocols")
	}
	if _, err := os.Stat(s.ErrorLog); err != nil {
		t.Errorf("error log: %v", err)
	}
}

func TestCAIssuesVerifiableCertificates(t *testing.T) {
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	certPEM, keyPEM, err := ca.Issue([]string{"mta.example.com", "127.0.0.1"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatalf("key pair: %v", err)
	}
	leaf := firstCert(t, certPEM)
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "mta.example.com", Roots: ca.Pool()}); err != nil {
		t.Errorf("verify: %v", err)
	}
	if len(leaf.IPAddresses) != 1 || leaf.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("IPs %v algorithm %v", leaf.IPAddresses, leaf.PublicKeyAlgorithm)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "other.example.com", Roots: ca.Pool()}); err == nil {
		t.Errorf("verified for a name it does not carry")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{DNSName: "mta.example.com"}); err == nil {
		t.Errorf("verified against the system roots")
	}
	if b, _ := pem.Decode(ca.PEM); b == nil || b.Type != "CERTIFICATE" {
		t.Errorf("CA PEM is not a certificate")
	}
	if _, _, err := ca.Issue(nil, now, now.Add(time.Hour)); err == nil {
		t.Errorf("issued without names")
	}
	if _, _, err := ca.Issue([]string{"a.example"}, now, now); err == nil {
		t.Errorf("issued with notAfter == notBefore")
	}
}

func TestCertificateKinds(t *testing.T) {
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, tc := range []struct {
		kind   loopback.CertKind
		verify bool
		check  func(*x509.Certificate) bool
	}{
		{loopback.CertValid, true, func(c *x509.Certificate) bool { return c.NotAfter.Sub(now) > 80*24*time.Hour }},
		{loopback.CertExpired, false, func(c *x509.Certificate) bool { return c.NotAfter.Before(now) }},
		{loopback.CertExpiringSoon, true, func(c *x509.Certificate) bool {
			left := c.NotAfter.Sub(now)
			return left > 71*time.Hour && left <= 72*time.Hour
		}},
		{loopback.CertWrongName, false, func(c *x509.Certificate) bool { return c.DNSNames[0] == loopback.WrongName }},
	} {
		certPEM, _, err := ca.IssueKind(tc.kind, "mta.example.com", now)
		if err != nil {
			t.Fatalf("%v: %v", tc.kind, err)
		}
		leaf := firstCert(t, certPEM)
		_, verr := leaf.Verify(x509.VerifyOptions{DNSName: "mta.example.com", Roots: ca.Pool(), CurrentTime: now})
		if (verr == nil) != tc.verify || !tc.check(leaf) {
			t.Errorf("%v: verify err %v, NotAfter %v, names %v", tc.kind, verr, leaf.NotAfter, leaf.DNSNames)
		}
	}
	if _, _, err := ca.IssueKind(loopback.CertKind(99), "mta.example.com", now); err == nil {
		t.Errorf("unknown kind issued")
	}
}

func firstCert(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode(certPEM)
	if b == nil {
		t.Fatal("no PEM block")
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSitesServeTheChosenCertificate(t *testing.T) {
	nginxTest(t)
	for _, tc := range []struct {
		kind loopback.CertKind
		want string // in the client's error; "" means success
	}{
		{loopback.CertValid, ""},
		{loopback.CertExpired, "expired"},
		{loopback.CertExpiringSoon, ""},
		{loopback.CertWrongName, "not " + loopback.DefaultDomain},
	} {
		t.Run(tc.kind.String(), func(t *testing.T) {
			t.Parallel()
			s := loopbacktest.Start(t, loopback.Config{Certificate: tc.kind})
			resp, err := s.Client().Get(s.URL("/metrics"))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("GET: %v", err)
				}
				resp.Body.Close()
				return
			}
			if err == nil {
				resp.Body.Close()
				t.Fatalf("GET succeeded with a %v certificate", tc.kind)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestSuppliedCertificateIsServed(t *testing.T) {
	nginxTest(t)
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.Issue([]string{loopback.DefaultDomain, "extra.example.com"}, time.Now().Add(-time.Hour), time.Now().Add(48*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	s := loopbacktest.Start(t, loopback.Config{CA: ca, CertPEM: certPEM, KeyPEM: keyPEM})
	c, err := tls.Dial("tcp", s.HTTPSAddr, s.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if names := c.ConnectionState().PeerCertificates[0].DNSNames; len(names) != 2 || names[1] != "extra.example.com" {
		t.Errorf("served names %v", names)
	}
}

func TestHTTP1ClientSpeaksHTTP11AndClientHTTP2(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	for c, want := range map[*http.Client]string{s.Client(): "HTTP/2.0", s.HTTP1Client(): "HTTP/1.1"} {
		resp, err := c.Get(s.URL("/metrics"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Proto != want || resp.StatusCode != 401 {
			t.Errorf("proto %s status %d, want %s 401", resp.Proto, resp.StatusCode, want)
		}
	}
}

func TestExitedClosesWhenNginxDies(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{})
	select {
	case <-s.Exited():
		t.Fatal("Exited closed while nginx runs")
	default:
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Exited():
	case <-time.After(10 * time.Second):
		t.Fatal("Exited not closed after Stop")
	}
}

func TestDebianDefaultSiteAnswersOtherNamesOnPort80(t *testing.T) {
	nginxTest(t)
	s := loopbacktest.Start(t, loopback.Config{DebianDefaultSite: true})
	req, _ := http.NewRequest("GET", "http://"+s.HTTPAddr+"/", nil)
	if a := send(t, s.Client(), req); a.status != 200 || a.body != loopback.DebianWelcome {
		t.Errorf("port 80 by IP: %d %q, want Debian's welcome page", a.status, a.body)
	}
	req, _ = http.NewRequest("GET", s.HTTPURL("/"), nil)
	if a := send(t, s.Client(), req); a.status != 301 {
		t.Errorf("port 80 for the domain: %d, want the site's 301", a.status)
	}
}
