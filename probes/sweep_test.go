package probes

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/model"
)

// The sweep's shared work: each test counts the work itself (handshakes the
// server saw, nginx processes started, opens of the site file) with every
// check doing its own (runSweep with no sweep: the path before the sweep
// existed) and within one Run, and compares the results of both.

func TestSweepSharedDoesTheWorkOncePerSweepErrorsIncluded(t *testing.T) {
	var calls atomic.Int32
	fail := errors.New("refused")
	do := func(context.Context) (int, error) {
		n := calls.Add(1)
		time.Sleep(20 * time.Millisecond) // the others arrive while it runs
		return int(n), fail
	}
	target := (&Target{}).inSweep(newSweep())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			v, err := sweepShared(context.Background(), target, "k", do)
			if v != 1 || err != fail {
				t.Errorf("got %d, %v; want 1, the first call's error", v, err)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Errorf("done %d times in one sweep, want 1", n)
	}
	// Another key is other work; another sweep does it again.
	sweepShared(context.Background(), target, "other", do)
	sweepShared(context.Background(), target.inSweep(newSweep()), "k", do)
	// Outside a sweep every call does it.
	sweepShared(context.Background(), &Target{}, "k", do)
	sweepShared(context.Background(), &Target{}, "k", do)
	if n := calls.Load(); n != 5 {
		t.Errorf("done %d times in all, want 5", n)
	}
}

func TestSweepSharedWaiterStopsAtItsOwnContext(t *testing.T) {
	target := (&Target{}).inSweep(newSweep())
	release := make(chan struct{})
	started := make(chan struct{})
	go sweepShared(context.Background(), target, "k", func(context.Context) (int, error) {
		close(started)
		<-release
		return 1, nil
	})
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := sweepShared(ctx, target, "k", func(context.Context) (int, error) {
		t.Error("a second caller did the work again")
		return 2, nil
	}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter got %v, want its own deadline", err)
	}
	close(release)
	if v, err := sweepShared(context.Background(), target, "k", func(context.Context) (int, error) { return 3, nil }); v != 1 || err != nil {
		t.Errorf("after the work ended: %d, %v; want 1, nil", v, err)
	}
}

func TestSweepSharedPanicReachesTheFirstCallerAndIsToldToTheOthers(t *testing.T) {
	target := (&Target{}).inSweep(newSweep())
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the first caller did not see the panic")
			}
		}()
		sweepShared(context.Background(), target, "k", func(context.Context) (int, error) { panic("boom") })
	}()
	_, err := sweepShared(context.Background(), target, "k", func(context.Context) (int, error) { return 1, nil })
	if err == nil || !strings.Contains(err.Error(), "crashed") {
		t.Errorf("a later caller got %v, want the crash named", err)
	}
}

// sweepSame fails the test unless both runs gave the same verdicts,
// details and remedies, check by check.
func sweepSame(t *testing.T, before, after []Result) {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("%d results before, %d after", len(before), len(after))
	}
	for i := range before {
		b, a := before[i], after[i]
		if b.ID != a.ID || b.Status != a.Status || b.Detail != a.Detail || b.Remedy != a.Remedy || b.BlockedBy != a.BlockedBy {
			t.Errorf("%s changed:\nbefore %s %q remedy %q\nafter  %s %q remedy %q", b.ID, b.Status, b.Detail, b.Remedy, a.Status, a.Detail, a.Remedy)
		}
	}
}

// sweepChecks selects ids from the catalogue.
func sweepChecks(t *testing.T, ids ...string) []Check {
	t.Helper()
	checks, err := Select(Catalogue(), ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != len(ids) {
		t.Fatalf("selected %d checks, want %d", len(checks), len(ids))
	}
	return checks
}

var sweepCertificateChecks = []string{tlsNameID, tlsExpiryID, tlsChainID}

// countingTLSServer is an HTTPS server for name with a certificate from
// ca, counting the handshakes it is asked for (each ClientHello).
func countingTLSServer(t *testing.T, ca *loopback.CA, name string) (addr string, hellos *atomic.Int32) {
	t.Helper()
	certPEM, keyPEM, err := ca.Issue([]string{name}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	hellos = new(atomic.Int32)
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{cert},
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			hellos.Add(1)
			return nil, nil
		},
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), hellos
}

func TestSweepShakesHandsOnceForTheNameExpiryAndChainChecks(t *testing.T) {
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	const name = "mta.example.com"
	addr, hellos := countingTLSServer(t, ca, name)
	target := &Target{
		Deployment: model.Deployment{Domain: name},
		ConnectTo:  map[string]string{name + ":443": addr},
		RootCAs:    ca.Pool(),
		Timeout:    5 * time.Second,
	}
	checks := sweepChecks(t, sweepCertificateChecks...)

	before := runSweep(context.Background(), target, checks, nil)
	if n := hellos.Swap(0); n != 3 {
		t.Errorf("every check on its own: %d handshakes, want 3", n)
	}
	after := Run(context.Background(), target, checks)
	if n := hellos.Swap(0); n != 1 {
		t.Errorf("one sweep: %d handshakes, want 1", n)
	}
	for _, r := range after {
		wantResult(t, r, StatusPass)
	}
	sweepSame(t, before, after)

	// The next sweep (the next refresh) shakes hands again: the
	// certificate may have been renewed in between.
	Run(context.Background(), target, checks)
	if n := hellos.Load(); n != 1 {
		t.Errorf("the next sweep: %d handshakes, want 1 (its own)", n)
	}
	// Now the name is served another certificate: the next sweep says so.
	other, _ := countingTLSServer(t, ca, "other.example.com")
	target.ConnectTo[name+":443"] = other
	next := Run(context.Background(), target, checks)
	wantResult(t, next[0], StatusFail, "covers other.example.com, not "+name)
}

func TestSweepPaysAHandshakeThatTimesOutOnce(t *testing.T) {
	// A name that accepts and never answers the ClientHello.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var accepted atomic.Int32
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	const name = "mta.example.com"
	const timeout = 400 * time.Millisecond
	target := &Target{
		Deployment: model.Deployment{Domain: name},
		ConnectTo:  map[string]string{name + ":443": ln.Addr().String()},
		Timeout:    timeout,
	}
	checks := sweepChecks(t, sweepCertificateChecks...)

	before := runSweep(context.Background(), target, checks, nil)
	if n := accepted.Swap(0); n != 3 {
		t.Errorf("every check on its own: %d connections, want 3", n)
	}
	after := Run(context.Background(), target, checks)
	if n := accepted.Load(); n != 1 {
		t.Errorf("one sweep: %d connections, want 1 (the timeout paid once)", n)
	}
	for i, r := range after {
		wantResult(t, r, StatusFail, "TLS handshake with "+name+":443")
		if r.Remedy != before[i].Remedy || r.Status != before[i].Status {
			t.Errorf("%s changed: before %s remedy %q, after %s remedy %q", r.ID, before[i].Status, before[i].Remedy, r.Status, r.Remedy)
		}
	}
}

// countingNginx is an nginx for Target.NginxBinary that records each
// run's flag in a file, then runs the real nginx with the same arguments.
// runs returns the flags recorded since the last call.
func countingNginx(t *testing.T) (bin string, runs func() []string) {
	t.Helper()
	realNginx := "/usr/sbin/nginx"
	hostNeed(t, realNginx, "nginx")
	dir := t.TempDir()
	record := filepath.Join(dir, "runs")
	bin = filepath.Join(dir, "nginx")
	script := fmt.Sprintf("#!/bin/sh\necho \"$1\" >> '%s'\nexec '%s' \"$@\"\n", record, realNginx)
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, func() []string {
		b, _ := os.ReadFile(record)
		os.Remove(record)
		return strings.Fields(string(b))
	}
}

func TestSweepRunsNginxOnceForTheConfigAndSMTPProxyChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("runs nginx")
	}
	f := smtpProxyStart(t, nil, true)
	bin, runs := countingNginx(t)
	target := f.target
	target.NginxBinary = bin
	checks := sweepChecks(t, "host.nginx.config", "smtp.proxy")

	before := runSweep(context.Background(), target, checks, nil)
	if got := runs(); strings.Join(got, " ") != "-t -T" && strings.Join(got, " ") != "-T -t" {
		t.Errorf("every check on its own ran nginx %v, want -t and -T", got)
	}
	after := Run(context.Background(), target, checks)
	if got := runs(); len(got) != 1 || got[0] != "-T" {
		t.Errorf("one sweep ran nginx %v, want -T once", got)
	}
	wantResult(t, after[0], StatusPass, "nginx -t -c "+f.conf, "test is successful")
	wantResult(t, after[1], StatusPass, "reached the back-end")
	sweepSame(t, before, after)

	Run(context.Background(), target, checks)
	if got := runs(); len(got) != 1 {
		t.Errorf("the next sweep ran nginx %v, want once (its own)", got)
	}

	// Without smtp_proxy the one run is -t: no dump of the secrets.
	target.Deployment.SMTPProxy.Enabled = false
	Run(context.Background(), target, checks)
	if got := runs(); len(got) != 1 || got[0] != "-t" {
		t.Errorf("without smtp_proxy one sweep ran nginx %v, want -t once", got)
	}
}

func TestSweepRunsAFailingNginxOnce(t *testing.T) {
	bin, runs := countingNginx(t)
	conf, prefix := nginxTestConf(t, "    bogus_directive on;\n")
	d := hostTestDeployment()
	d.SMTPProxy = model.SMTPProxy{Enabled: true, Backend: "127.0.0.1:2525"}
	target := &Target{Deployment: d, NginxBinary: bin, NginxConf: conf, NginxPrefix: prefix + "/"}
	checks := sweepChecks(t, "host.nginx.config", "smtp.proxy")

	before := runSweep(context.Background(), target, checks, nil)
	if got := runs(); len(got) != 2 {
		t.Errorf("every check on its own ran nginx %v, want twice", got)
	}
	after := Run(context.Background(), target, checks)
	if got := runs(); len(got) != 1 {
		t.Errorf("one sweep ran nginx %v, want once", got)
	}
	wantResult(t, after[0], StatusFail, `[emerg] unknown directive "bogus_directive"`)
	wantResult(t, after[1], StatusFail, `nginx -t fails: [emerg] unknown directive "bogus_directive"`)
	sweepSame(t, before, after)
}

// siteOpens watches path with inotify and returns how many times it was
// opened since the last call. Opens and closes are both watched, so
// successive opens are never merged into one event.
func siteOpens(t *testing.T, path string) func() int {
	t.Helper()
	fd, err := syscall.InotifyInit1(syscall.IN_NONBLOCK | syscall.IN_CLOEXEC)
	if err != nil {
		t.Fatalf("inotify: %v", err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if _, err := syscall.InotifyAddWatch(fd, path, syscall.IN_OPEN|syscall.IN_CLOSE_NOWRITE); err != nil {
		t.Fatalf("inotify watch %s: %v", path, err)
	}
	return func() int {
		opens := 0
		buf := make([]byte, 64<<10)
		for {
			n, err := syscall.Read(fd, buf)
			if n <= 0 || err != nil {
				return opens
			}
			for off := 0; off+syscall.SizeofInotifyEvent <= n; {
				ev := (*syscall.InotifyEvent)(unsafe.Pointer(&buf[off]))
				if ev.Mask&syscall.IN_OPEN != 0 {
					opens++
				}
				off += syscall.SizeofInotifyEvent + int(ev.Len)
			}
		}
	}
}

func TestSweepReadsTheSiteFileOnce(t *testing.T) {
	site := edgeSite(t, loopback.Config{})
	target := edgeTarget(site)
	// edge.body.limit, edge.acme.webroot and host.tokenfile.permissions
	// each read the site file.
	checks := sweepChecks(t, "edge.body.limit", "edge.acme.webroot", "host.tokenfile.permissions")
	opens := siteOpens(t, target.edgeSiteFile())

	// One at a time, so that no two opens are ever pending together.
	var before []Result
	for _, c := range checks {
		before = append(before, runSweep(context.Background(), target, []Check{c}, nil)...)
	}
	if n := opens(); n != 3 {
		t.Errorf("every check on its own: %d opens of the site file, want 3", n)
	}
	s := newSweep()
	var shared []Result
	for _, c := range checks {
		shared = append(shared, runSweep(context.Background(), target, []Check{c}, s)...)
	}
	if n := opens(); n != 1 {
		t.Errorf("one sweep, one check at a time: %d opens, want 1", n)
	}
	sweepSame(t, before, shared)

	after := Run(context.Background(), target, checks)
	if n := opens(); n != 1 {
		t.Errorf("one sweep: %d opens, want 1", n)
	}
	for _, r := range after {
		switch r.ID {
		case "edge.body.limit":
			wantResult(t, r, StatusPass, "client_max_body_size")
		case "edge.acme.webroot":
			wantResult(t, r, StatusPass, "with the probe file placed in "+site.Deployment.ACMEWebroot)
		}
	}
	sweepSame(t, before, after)
}

func TestSweepSharesAFailedSiteFileRead(t *testing.T) {
	f := newHostFixture(t)
	target := f.target
	site := target.edgeSiteFile()
	if err := os.Remove(site); err != nil {
		t.Fatal(err)
	}
	// A directory where the site file should be: refused (not a regular
	// file) by every check that reads it.
	if err := os.Mkdir(site, 0o755); err != nil {
		t.Fatal(err)
	}
	s := newSweep()
	shared := runSweep(context.Background(), target, sweepChecks(t, "host.tokenfile.permissions"), s)
	before := runSweep(context.Background(), target, sweepChecks(t, "host.tokenfile.permissions"), nil)
	sweepSame(t, before, shared)
	wantResult(t, shared[0], StatusSkip, "cannot read "+site)
	// The failure is what the sweep keeps: the body limit check gets it
	// without reading again.
	if _, err := os.Stat(site); err != nil {
		t.Fatal(err)
	}
	os.Remove(site)
	hostWriteFile(t, site, "client_max_body_size 1m;\n", 0o644)
	got := checkBodyLimitFiles(context.Background(), target.inSweep(s))
	wantResult(t, got, StatusFail, "cannot read the nginx site")
	if got := checkBodyLimitFiles(context.Background(), target.inSweep(newSweep())); got.Status == StatusFail && strings.Contains(got.Detail, "cannot read") {
		t.Errorf("a new sweep kept the old failure: %s", got.Detail)
	}
}

func TestSweepShakesHandsOnceToKnowWhetherTheTokenMayBeSent(t *testing.T) {
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	const name = "mta.example.com"
	addr, hellos := countingTLSServer(t, ca, name)
	target := &Target{
		Deployment: model.Deployment{Domain: name, InjectionToken: "kumoup-test-token"},
		ConnectTo:  map[string]string{name + ":443": addr},
		RootCAs:    ca.Pool(),
		Timeout:    5 * time.Second,
	}
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		target *Target
		want   int32
	}{
		{"every check on its own", target, 2},
		{"one sweep", target.inSweep(newSweep()), 1},
	} {
		for range 2 { // edge.hsts and edge.upstream
			if ok, why := tt.target.edgeTokenUsable(ctx); !ok {
				t.Errorf("%s: token not usable over a certificate that verifies: %s", tt.name, why)
			}
		}
		if n := hellos.Swap(0); n != tt.want {
			t.Errorf("%s: %d handshakes, want %d", tt.name, n, tt.want)
		}
	}

	// A certificate for another name: neither asker sends the token.
	other, _ := countingTLSServer(t, ca, "other.example.com")
	target.ConnectTo[name+":443"] = other
	swept := target.inSweep(newSweep())
	for range 2 {
		if ok, why := swept.edgeTokenUsable(ctx); ok || !strings.Contains(why, tlsNameID) {
			t.Errorf("certificate for another name: usable %v (%q), want not usable, see %s", ok, why, tlsNameID)
		}
	}
}
