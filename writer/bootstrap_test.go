package writer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// siteOf is the nginx site of a plan.
func siteOf(t *testing.T, p *Plan) string {
	t.Helper()
	for _, c := range p.Changes {
		if c.File.Name == "nginx site" {
			return string(c.File.Content)
		}
	}
	t.Fatal("no nginx site in the plan")
	return ""
}

func TestPlanForRendersTheSiteHTTPOnlyWhileTheCertificateIsMissing(t *testing.T) {
	root := t.TempDir()
	l := Layout{Root: root}
	d := testDeployment()
	d.TLSCertificate = filepath.Join(root, "etc/letsencrypt/live/mta.example.com/fullchain.pem")
	d.TLSCertificateKey = filepath.Join(root, "etc/letsencrypt/live/mta.example.com/privkey.pem")

	p, err := PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	site := siteOf(t, p)
	if !p.HTTPOnly || len(p.Missing) != 2 {
		t.Errorf("plan HTTPOnly=%v missing=%v, want both files missing", p.HTTPOnly, p.Missing)
	}
	if strings.Contains(site, "listen 443") || strings.Contains(site, "ssl_certificate") || !strings.Contains(site, HTTPOnlyNote) {
		t.Errorf("the site is not HTTP only:\n%s", site)
	}
	for _, want := range []string{"listen 80;", "location ^~ /.well-known/acme-challenge/", "return 301 https://mta.example.com$request_uri;"} {
		if !strings.Contains(site, want) {
			t.Errorf("the HTTP-only site lacks %q:\n%s", want, site)
		}
	}
	var b bytes.Buffer
	if err := p.Render(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), HTTPOnlyNote) || !strings.Contains(b.String(), "kumoup cert") {
		t.Errorf("the plan does not say the site is HTTP only:\n%s", b.String())
	}

	for _, f := range []string{d.TLSCertificate, d.TLSCertificateKey} {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, []byte("pem"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p, err = PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	site = siteOf(t, p)
	if p.HTTPOnly || !strings.Contains(site, "ssl_certificate     "+d.TLSCertificate) || strings.Contains(site, HTTPOnlyNote) {
		t.Errorf("with the certificate the full site is not rendered (HTTPOnly=%v):\n%s", p.HTTPOnly, site)
	}
}

func TestCertbotConfigDirOnlyForCertbotsPaths(t *testing.T) {
	d := testDeployment()
	if dir, ok := CertbotConfigDir(d); !ok || dir != "/etc/letsencrypt" {
		t.Errorf("default paths: %q %v, want /etc/letsencrypt", dir, ok)
	}
	d.TLSCertificate = "/etc/ssl/own/fullchain.pem"
	if dir, ok := CertbotConfigDir(d); ok {
		t.Errorf("own CA paths: %q %v, want not certbot's", dir, ok)
	}
	d = testDeployment()
	d.TLSCertificateKey = "/etc/letsencrypt/live/mta.example.com/other.pem"
	if _, ok := CertbotConfigDir(d); ok {
		t.Error("a key outside certbot's name is taken for certbot's")
	}
}

func TestDeployHookIsExecutableAndReloadsNginx(t *testing.T) {
	f, err := RenderDeployHook("/etc/letsencrypt", "")
	if err != nil {
		t.Fatal(err)
	}
	if f.Mode != 0o755 || f.Path != "/etc/letsencrypt/renewal-hooks/deploy/kumoup-reload-nginx" || f.Sensitive() {
		t.Errorf("hook %s mode %04o", f.Path, f.Mode)
	}
	if !strings.HasPrefix(string(f.Content), "#!/bin/sh\n") || !strings.HasSuffix(string(f.Content), "\n"+DefaultReloadCommand+"\n") {
		t.Errorf("hook content:\n%s", f.Content)
	}
	if _, err := RenderDeployHook("/etc/letsencrypt", "true\nrm -rf /"); err == nil {
		t.Error("a multi-line reload command was accepted")
	}
}
