package probes

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/hostpaths"
	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/model"
)

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// brokenTree renders the test deployment under a fresh root, then breaks
// what the checks judge: loose secret modes, a site file without the
// limit, a module without request_body_limit, no drop-in, no init.lua
// wiring, a token in a shell history, the webhook token equal to the
// injection token; missing selects a second tree where the rendered files
// are absent altogether.
func brokenTree(t *testing.T, missing bool) *Target {
	t.Helper()
	f := newHostFixture(t)
	l := f.target.Layout
	d := f.target.Deployment
	// The certificate paths are answers, used as written by the site file
	// and every check: a tree's answers put them in the tree.
	d.TLSCertificate = l.Path(model.CertificatePath(d.Domain))
	d.TLSCertificateKey = l.Path(model.CertificateKeyPath(d.Domain))
	if missing {
		for _, p := range []string{l.EnvFile(), l.SiteFile(d.Domain), l.TokenFile(d.Domain), l.LuaModule(), l.PolicyInit(), l.SystemdDropIn(), l.AnswersFile()} {
			_ = os.Remove(p)
		}
	} else {
		hostWriteFile(t, l.EnvFile(), "KUMOUP_DOMAIN=\n", 0o644)
		_ = os.Chmod(l.TokenFile(d.Domain), 0o644)
		_ = os.Chmod(l.TokenDir(), 0o755)
		hostWriteFile(t, l.SiteFile(d.Domain), "server { listen 443 ssl; server_name "+d.Domain+"; }\n", 0o644)
		hostWriteFile(t, l.LuaModule(), "kumo.start_http_listener { listen = '0.0.0.0:8000' }\n", 0o644)
		hostWriteFile(t, l.PolicyInit(), "-- nothing\n", 0o644)
		_ = os.Remove(l.SystemdDropIn())
		hostWriteFile(t, filepath.Join(f.root, "home/alice/.bash_history"), "curl -H 'Authorization: Bearer "+hostTestInjectionToken+"'\n", 0o644)
		hostWriteFile(t, l.AnswersFile(), "domain: "+d.Domain+"\ninjection_token: "+hostTestInjectionToken+"\n", 0o644)
		d.WebhookToken = d.InjectionToken
		hostWriteFile(t, d.TLSCertificate, "not a certificate", 0o644)
		hostWriteFile(t, d.TLSCertificateKey, "not a key", 0o644)
	}
	// Everything the checks reach over the network is a closed loopback
	// port: they fail fast, in their own words.
	dead := closedAddr(t)
	host, portText, _ := net.SplitHostPort(dead)
	port, _ := strconv.Atoi(portText)
	d.ProxyHost, d.ProxyPort = host, port
	d.WebhookURL = "https://" + dead + "/hooks"
	d.SMTPProxy.Enabled = true
	d.Listener = dead
	target := &Target{
		Deployment: d, Layout: l,
		HTTPSPort: port, HTTPPort: port,
		ConnectTo: map[string]string{net.JoinHostPort(d.Domain, portText): dead},
		Resolver:  dead,
		Timeout:   2 * time.Second,
	}
	return target
}

// TestEveryRemedyUnderRootNamesTheTreesPaths runs the whole catalogue on
// broken trees under --root: no detail or remedy may send the operator to
// a host path (/etc/..., /var/..., /opt/...) instead of the tree's.
func TestEveryRemedyUnderRootNamesTheTreesPaths(t *testing.T) {
	judged := map[string]bool{}
	for _, missing := range []bool{false, true} {
		name := "broken files"
		if missing {
			name = "missing files"
		}
		t.Run(name, func(t *testing.T) {
			target := brokenTree(t, missing)
			// The KumoProxy host's checks too: no table loaded, no MX.
			proxy := ProxyHostCatalogue(ProxyHostOptions{
				TestMX: target.ConnectTo[net.JoinHostPort(target.Deployment.Domain, strconv.Itoa(target.HTTPSPort))],
				Nft:    []string{"sh", "-c", "echo 'Error: No such file or directory' >&2; exit 1", "nft"},
			})
			for _, r := range Run(context.Background(), target, append(Catalogue(), proxy...)) {
				if r.Status == StatusFail || r.Status == StatusWarn {
					judged[r.ID] = true
				}
				for what, text := range map[string]string{"detail": r.Detail, "remedy": r.Remedy} {
					if bad := hostpaths.Outside(text, target.Layout.Root); len(bad) > 0 {
						t.Errorf("%s (%s) %s names host paths %q outside --root %s:\n%s", r.ID, r.Status, what, bad, target.Layout.Root, text)
					}
					if bad := commandsWithoutRoot(text, target.Layout.Root); len(bad) > 0 {
						t.Errorf("%s (%s) %s gives commands %q without --root %s:\n%s", r.ID, r.Status, what, bad, target.Layout.Root, text)
					}
				}
			}
		})
	}
	// The remedies are only judged where a check fails or warns.
	var quiet []string
	all := append(Catalogue(), ProxyHostCatalogue(ProxyHostOptions{})...)
	for _, c := range all {
		if !judged[c.ID] {
			quiet = append(quiet, c.ID)
		}
	}
	t.Logf("%d of %d checks fail or warn on one of the trees; never: %v", len(all)-len(quiet), len(all), quiet)
	if len(quiet) > len(all)/4 {
		t.Errorf("%d checks never fail or warn (%v): the trees are not broken enough to judge their remedies", len(quiet), quiet)
	}
}

// TestEveryRemedyOnALiveBrokenSiteNamesTheTreesPaths: the same on a real
// nginx serving a tree (a loopback site is a --root tree) with a mistake in
// every place the edge and tls checks look, and kumod at its 2 MiB default.
func TestEveryRemedyOnALiveBrokenSiteNamesTheTreesPaths(t *testing.T) {
	t.Parallel()
	site := edgeSite(t, loopback.Config{
		Mutate: loopback.Chain(loopback.BreakForwardAuthorization, loopback.BreakCaseInsensitiveToken, loopback.BreakAdminProxied,
			loopback.BreakNoHSTS, loopback.BreakLegacyTLS, loopback.BreakClientMaxBodySize("100m")),
		Kumod: standin.Config{BodyLimit: standin.DefaultBodyLimit},
	})
	target := edgeTarget(site)
	target.Timeout = 5 * time.Second
	dead := closedAddr(t)
	target.Resolver = dead
	failed := 0
	for _, r := range Run(context.Background(), target, Catalogue()) {
		if r.Status == StatusFail || r.Status == StatusWarn {
			failed++
			t.Logf("%s: %s", r.ID, r.Status)
		}
		for what, text := range map[string]string{"detail": r.Detail, "remedy": r.Remedy} {
			if bad := hostpaths.Outside(text, target.Layout.Root); len(bad) > 0 {
				t.Errorf("%s (%s) %s names host paths %q outside the tree %s:\n%s", r.ID, r.Status, what, bad, target.Layout.Root, text)
			}
			if bad := commandsWithoutRoot(text, target.Layout.Root); len(bad) > 0 {
				t.Errorf("%s (%s) %s gives commands %q without --root %s:\n%s", r.ID, r.Status, what, bad, target.Layout.Root, text)
			}
		}
	}
	if failed < 10 {
		t.Errorf("only %d checks fail or warn on the broken site", failed)
	}
}

// kumoupVerbs are the commands that take --root: a remedy judged on a tree
// must name the tree when it gives one of them.
var kumoupVerbs = []string{"apply", "cert", "diff", "rotate", "firewall", "proxy"}

// commandsWithoutRoot returns each `kumoup VERB` in text that is not
// followed by `--root root`, except the one a remedy explicitly runs "on
// the host itself" (loading a firewall, which a tree cannot do).
func commandsWithoutRoot(text, root string) []string {
	var bad []string
	for _, verb := range kumoupVerbs {
		cmd := "kumoup " + verb
		for i := 0; ; {
			j := strings.Index(text[i:], cmd)
			if j < 0 {
				break
			}
			at := i + j
			i = at + len(cmd)
			if i < len(text) && text[i] != ' ' && text[i] != '`' && text[i] != ',' && text[i] != ')' {
				continue // a longer word
			}
			if strings.HasSuffix(text[:at], "on the host itself ") {
				continue
			}
			if !strings.HasPrefix(text[i:], " --root "+root) {
				end := min(len(text), i+20)
				bad = append(bad, text[at:end])
			}
		}
	}
	return bad
}

func TestCommandsWithoutRootSeesABareCommand(t *testing.T) {
	for text, want := range map[string]int{
		"run `kumoup apply --root /t --answers /t/a.yaml`":                                                 0,
		"run kumoup apply, then nginx -t":                                                                  1,
		"kumoup diff shows it; kumoup apply --root /t restores":                                            1,
		"kumoup firewall --root /t --host mta, then on the host itself kumoup firewall --host mta --apply": 0,
		"kumoup applying": 0,
	} {
		if got := commandsWithoutRoot(text, "/t"); len(got) != want {
			t.Errorf("%q: %q, want %d", text, got, want)
		}
	}
}
