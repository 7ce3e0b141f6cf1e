package main

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/probes/checkmetrics"
)

// helloCountingForwarder forwards connections to upstream and counts the
// TLS ClientHellos clients send through it (a record of type handshake,
// 0x16, whose message is a ClientHello, 0x01).
func helloCountingForwarder(t *testing.T, upstream string) (addr string, hellos *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	hellos = new(atomic.Int32)
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer client.Close()
				server, err := net.Dial("tcp", upstream)
				if err != nil {
					return
				}
				defer server.Close()
				head := make([]byte, 6)
				if _, err := io.ReadFull(client, head); err != nil {
					return
				}
				if head[0] == 0x16 && head[5] == 0x01 {
					hellos.Add(1)
				}
				go func() {
					io.Copy(server, io.MultiReader(bytes.NewReader(head), client))
					server.(*net.TCPConn).CloseWrite()
				}()
				io.Copy(client, server)
			}()
		}
	}()
	return ln.Addr().String(), hellos
}

func TestStatusPrometheusShakesHandsOnceForTheChecksAndTheExpiry(t *testing.T) {
	site := statusSite(t, loopback.Config{})
	addr, hellos := helloCountingForwarder(t, site.HTTPSAddr)
	// statusArgs with --connect-to NAME:443 through the counter.
	args := func(only string, extra ...string) []string {
		a := statusArgs(site, only, extra...)
		for i := range a {
			if a[i] == site.Deployment.Domain+":443:"+site.HTTPSAddr {
				a[i] = site.Deployment.Domain + ":443:" + addr
			}
		}
		return a
	}
	block, _ := pem.Decode(mustRead(t, site.CertFile))
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}

	for _, only := range []string{"tls.certificate.name,tls.certificate.expiry,tls.certificate.chain", "tls.certificate.expiry"} {
		out := filepath.Join(t.TempDir(), "kumoup.prom")
		hellos.Store(0)
		r := kumoup(t, args(only, "--format", "prometheus", "--output", out)...)
		if r.code != exitOK {
			t.Fatalf("--only %s: exit %d\n%s%s", only, r.code, r.stdout, r.stderr)
		}
		if n := hellos.Load(); n != 1 {
			t.Errorf("--only %s --format prometheus: %d TLS handshakes, want 1 (the sweep's, read for the expiry too)", only, n)
		}
		checks, single := statusMetrics(t, out)
		if checks["tls.certificate.expiry"] != checkmetrics.ValuePass {
			t.Errorf("--only %s: checks %v", only, checks)
		}
		if got := single[checkmetrics.CertificateExpiry]; got != float64(cert.NotAfter.Unix()) {
			t.Errorf("--only %s: certificate expiry %v, want %d", only, got, cert.NotAfter.Unix())
		}
	}

	// A check that shakes no hand of its own: the expiry still costs just
	// the one handshake.
	out := filepath.Join(t.TempDir(), "kumoup.prom")
	hellos.Store(0)
	r := kumoup(t, args("host.tokens.distinct", "--format", "prometheus", "--output", out)...)
	if n := hellos.Load(); n != 1 {
		t.Errorf("--only host.tokens.distinct --format prometheus: %d TLS handshakes, want 1 (exit %d)\n%s", n, r.code, r.stderr)
	}
	if _, single := statusMetrics(t, out); single[checkmetrics.CertificateExpiry] != float64(cert.NotAfter.Unix()) {
		t.Errorf("--only host.tokens.distinct: certificate expiry %v, want %d", single[checkmetrics.CertificateExpiry], cert.NotAfter.Unix())
	}
}
