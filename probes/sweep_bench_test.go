package probes

import (
	"io"
	"maps"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/dnstest"
	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/socks5test"
	"github.com/kumoup/kumoup/model"
)

// BenchmarkStatusSweep runs the whole catalogue, as `kumoup status` does,
// against a deployment on loopback: real nginx with kumoup's files in front
// of the stand-in kumod, Debian's danted as the KumoProxy SOCKS5 egress, an
// in-process DNS server as --resolver and an HTTPS webhook endpoint. Nothing
// leaves the machine. It reports the sweep's wall time next to the sum of
// the checks' own durations: their ratio is what running them concurrently
// buys only in part: concurrent checks contend for the CPU, so each one's
// own duration grows. The honest comparison is sequential-ms/op, the same
// checks run one at a time right after each sweep, and speedup, the ratio.
func BenchmarkStatusSweep(b *testing.B) {
	target, checks := sweepBenchTarget(b)
	d := target.Deployment

	b.Run("loopback", func(b *testing.B) { sweepMeasure(b, target, checks) })
	// The public name 20 ms away (10 ms each way), as from an app in
	// another data centre: every connection and every answer of the edge
	// and tls checks waits on the network, the rest stays local.
	far := *target
	far.ConnectTo = maps.Clone(target.ConnectTo)
	for _, port := range []string{"443", "80"} {
		key := net.JoinHostPort(d.Domain, port)
		far.ConnectTo[key] = sweepLatency(b, target.ConnectTo[key], 10*time.Millisecond)
	}
	b.Run("rtt=20ms", func(b *testing.B) { sweepMeasure(b, &far, checks) })
}

// sweepBenchTarget starts the loopback deployment BenchmarkStatusSweep
// describes and returns the Target for it and the catalogue, after one
// sweep that must find every edge and tls check passing.
func sweepBenchTarget(b *testing.B) (*Target, []Check) {
	ca, err := loopback.NewCA()
	if err != nil {
		b.Fatal(err)
	}
	proxy := socks5test.New(b)
	const publicIP = loopback.DefaultProxyIP
	site := edgeSite(b, loopback.Config{
		CA: ca,
		Deployment: model.Deployment{
			ProxyHost:     proxy.Host(),
			ProxyPort:     proxy.Port(),
			ProxyPublicIP: publicIP,
		},
	})
	d := site.Deployment
	dns := dnstest.New(b, dnstest.Zone{
		d.Domain: {"A 127.0.0.1", "A " + publicIP, `TXT "v=spf1 ip4:` + publicIP + ` -all"`},
		publicIP: {"PTR " + d.HELO + "."},
	})
	webhook := sweepWebhook(b, ca)

	target := edgeTarget(site)
	target.Resolver = dns.Addr()
	target.ConnectTo["app.example.com:443"] = webhook
	target.NginxBinary, target.NginxConf, target.NginxPrefix = site.NginxBinary, site.NginxConf, site.NginxPrefix+"/"
	target.HomeDirs = []string{b.TempDir()}
	target.Timeout = DefaultTimeout

	checks := Catalogue()
	first := Run(b.Context(), target, checks)
	for _, r := range first {
		if strings.HasPrefix(r.ID, "edge.") || strings.HasPrefix(r.ID, "tls.") {
			if r.Status != StatusPass {
				b.Fatalf("%s: %s: %s: the sweep would measure a broken setup", r.ID, r.Status, r.Detail)
			}
		}
		b.Logf("%-28s %-4s %4dms  %s", r.ID, r.Status, r.Duration.Milliseconds(), r.Detail)
	}
	return target, checks
}

// BenchmarkStatusSweepSharedWork measures one sweep of the catalogue (the
// loopback setup of BenchmarkStatusSweep) with every check doing its own
// work ("before": runSweep without a sweep, as before the checks shared
// the certificate handshake, nginx -t/-T and the site file) and as Run
// does it now ("after"). Each op runs both, in alternating order, so that
// they are paired under the same machine load and the same state (the
// sockets left in TIME_WAIT, which the listener checks read, grow with
// every sweep). Per sweep of each: wall-ms; cpu-ms, the CPU time of this
// process (the in-process stand-in kumod, DNS and webhook servers
// included) and of the children it waited for (nginx -t); conns-443, the
// connections opened to the HTTPS port (a counting forwarder sits in
// front of nginx's); KiB and allocs, the heap allocations of this process
// (the stand-in kumod's included).
func BenchmarkStatusSweepSharedWork(b *testing.B) {
	target, checks := sweepBenchTarget(b)
	key := net.JoinHostPort(target.Deployment.Domain, "443")
	counted := *target
	counted.ConnectTo = maps.Clone(target.ConnectTo)
	var conns atomic.Int64
	counted.ConnectTo[key] = sweepCountingForwarder(b, target.ConnectTo[key], &conns)
	sweepMeasurePaired(b, &counted, checks, &conns)
}

// BenchmarkNginxChecksSharedWork is BenchmarkStatusSweepSharedWork for the
// two checks that run nginx, host.nginx.config and smtp.proxy, with
// smtp_proxy enabled: real nginx with the mail module relaying to an SMTP
// sink on loopback. Before, each ran nginx (-t, then -T); now the sweep
// runs -T once. cpu-ms includes the nginx processes.
func BenchmarkNginxChecksSharedWork(b *testing.B) {
	if testing.Short() {
		b.Skip("runs nginx")
	}
	f := smtpProxyStart(b, nil, true)
	checks, err := Select(Catalogue(), []string{"host.nginx.config", "smtp.proxy"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range Run(b.Context(), f.target, checks) {
		if r.Status != StatusPass {
			b.Fatalf("%s: %s: %s: the benchmark would measure a broken setup", r.ID, r.Status, r.Detail)
		}
	}
	sweepMeasurePaired(b, f.target, checks, nil)
}

// sweepMeasurePaired runs checks against target with every check doing its
// own work (before) and sharing it as Run does (after), both in each op,
// in alternating order, and reports each one's per-sweep figures (see
// BenchmarkStatusSweepSharedWork). conns, when not nil, counts the
// connections to the HTTPS port.
func sweepMeasurePaired(b *testing.B, target *Target, checks []Check, conns *atomic.Int64) {
	tokens := []string{target.Deployment.InjectionToken, target.Deployment.WebhookToken}
	type total struct {
		wall, cpu             time.Duration
		conns, bytes, mallocs uint64
	}
	connsNow := func() int64 {
		if conns == nil {
			return 0
		}
		return conns.Load()
	}
	var before, after total
	measure := func(into *total, sweep func()) {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		c0, cpu0, start := connsNow(), sweepCPU(), time.Now()
		sweep()
		into.wall += time.Since(start)
		into.cpu += sweepCPU() - cpu0
		into.conns += uint64(connsNow() - c0)
		runtime.ReadMemStats(&m1)
		into.bytes += m1.TotalAlloc - m0.TotalAlloc
		into.mallocs += m1.Mallocs - m0.Mallocs
	}
	unshared := func() { Redact(runSweep(b.Context(), target, checks, nil), tokens...) }
	shared := func() { Run(b.Context(), target, checks) }
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			measure(&before, unshared)
			measure(&after, shared)
		} else {
			measure(&after, shared)
			measure(&before, unshared)
		}
		i++
	}
	n := float64(i)
	for _, v := range []struct {
		name string
		t    total
	}{{"before", before}, {"after", after}} {
		b.ReportMetric(float64(v.t.wall)/float64(time.Millisecond)/n, v.name+"-wall-ms/op")
		b.ReportMetric(float64(v.t.cpu)/float64(time.Millisecond)/n, v.name+"-cpu-ms/op")
		if conns != nil {
			b.ReportMetric(float64(v.t.conns)/n, v.name+"-conns-443/op")
		}
		b.ReportMetric(float64(v.t.bytes)/1024/n, v.name+"-KiB/op")
		b.ReportMetric(float64(v.t.mallocs)/n, v.name+"-allocs/op")
	}
}

// sweepCPU is the CPU time (user and system) of this process and of its
// children that ended and were waited for.
func sweepCPU() time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return total
}

// sweepCountingForwarder forwards connections to upstream, counting them
// in n. It returns its loopback address.
func sweepCountingForwarder(b *testing.B, upstream string, n *atomic.Int64) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			go func() {
				defer client.Close()
				server, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer server.Close()
				go func() {
					io.Copy(server, client)
					server.(*net.TCPConn).CloseWrite()
				}()
				io.Copy(client, server)
			}()
		}
	}()
	return ln.Addr().String()
}

// sweepMeasure runs the sweep b.N times and reports its wall time and the
// sum of the checks' own durations. After each sweep, with the timer
// stopped, it runs the same checks one at a time (each check's own
// requests still go out together): a paired comparison under the same
// machine load.
func sweepMeasure(b *testing.B, target *Target, checks []Check) {
	var wall, sum, sequential time.Duration
	n := 0
	for b.Loop() {
		start := time.Now()
		results := Run(b.Context(), target, checks)
		wall += time.Since(start)
		for _, r := range results {
			sum += r.Duration
		}
		n++

		b.StopTimer()
		start = time.Now()
		for _, c := range checks {
			Run(b.Context(), target, []Check{c})
		}
		sequential += time.Since(start)
		b.StartTimer()
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(n) }
	b.ReportMetric(ms(wall), "wall-ms/op")
	b.ReportMetric(ms(sum), "sum-of-checks-ms/op")
	b.ReportMetric(ms(sequential), "sequential-ms/op")
	b.ReportMetric(float64(sequential)/float64(wall), "speedup")
	b.ReportMetric(float64(len(checks)), "checks")
}

// sweepLatency forwards connections to upstream, delaying every chunk by
// oneWay in each direction. It returns its loopback address.
func sweepLatency(b *testing.B, upstream string, oneWay time.Duration) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	delayed := func(dst, src net.Conn) {
		type chunk struct {
			at   time.Time
			data []byte
		}
		q := make(chan chunk, 64)
		go func() {
			defer close(q)
			for {
				buf := make([]byte, 32<<10)
				n, err := src.Read(buf)
				if n > 0 {
					q <- chunk{time.Now().Add(oneWay), buf[:n]}
				}
				if err != nil {
					return
				}
			}
		}()
		for c := range q {
			time.Sleep(time.Until(c.at))
			if _, err := dst.Write(c.data); err != nil {
				break
			}
		}
		dst.Close()
		src.Close()
	}
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				time.Sleep(2 * oneWay) // the TCP handshake's round trip
				server, err := net.Dial("tcp", upstream)
				if err != nil {
					client.Close()
					return
				}
				go delayed(server, client)
				go delayed(client, server)
			}()
		}
	}()
	return ln.Addr().String()
}

// sweepWebhook is the app's webhook endpoint for app.example.com: HTTPS on
// loopback with a certificate from ca, answering 405 to everything (the
// check sends HEAD and accepts any status). It returns its address.
func sweepWebhook(b *testing.B, ca *loopback.CA) string {
	return httpsTestServer(b, ca, "app.example.com", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusMethodNotAllowed)
	}))
}
