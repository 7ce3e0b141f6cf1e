package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestSparklineScalesFromZeroToTheLargestValue(t *testing.T) {
	for _, c := range []struct {
		name  string
		vals  []float64
		width int
		want  string
	}{
		{"empty", nil, 10, ""},
		{"flat zero", []float64{0, 0, 0}, 10, "▁▁▁"},
		{"ramp", []float64{0, 1, 2, 3, 4, 5, 6, 7}, 10, "▁▂▃▄▅▆▇█"},
		{"keeps the newest", []float64{7, 0, 7}, 2, "▁█"},
		{"no room", []float64{1, 2}, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := sparkline(c.vals, c.width); got != c.want {
				t.Fatalf("sparkline(%v, %d) = %q, want %q", c.vals, c.width, got, c.want)
			}
		})
	}
}

func TestHumanNumbers(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{humanCount(0), "0"},
		{humanCount(999), "999"},
		{humanCount(1234567), "1,234,567"},
		{humanRate(2.345), "2.3"},
		{humanRate(1234), "1,234"},
		{humanBytes(512), "512 B"},
		{humanBytes(512 << 20), "512.0 MiB"},
		{humanBytes(8 << 30), "8.0 GiB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestPreflightFindsThePrefilledCertificateOrGivesTheCertbotCommand(t *testing.T) {
	dir := t.TempDir()
	d := testDeployment()
	d.TLSCertificate, d.TLSCertificateKey = filepath.Join(dir, "fullchain.pem"), filepath.Join(dir, "privkey.pem")
	opt := Options{Prefill: &d}

	missing := senseHost(context.Background(), opt).Cert
	if !missing.Missing() || missing.CertbotCommand() != "sudo kumoup cert" {
		t.Fatalf("missing certificate not reported with the certbot command: %+v", missing)
	}
	for _, p := range []string{d.TLSCertificate, d.TLSCertificateKey} {
		if err := os.WriteFile(p, []byte("pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if present := senseHost(context.Background(), opt).Cert; present.Missing() {
		t.Fatalf("present certificate reported missing: %+v", present)
	}
	if f := senseHost(context.Background(), Options{}); f.Cert.Checked || f.Root != (os.Geteuid() == 0) {
		t.Fatalf("without a prefill: %+v", f)
	}
}
