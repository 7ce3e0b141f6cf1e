package probes

import (
	"maps"
	"net"
	"net/http"
	"strings"
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
