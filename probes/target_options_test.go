package probes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/writer"
)

// targetTokenFile writes token into a file of the given mode.
func targetTokenFile(t *testing.T, token string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(token+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewTargetReadsTheDeploymentTokenFileCAAndRoutes(t *testing.T) {
	f := newHostFixture(t)
	ca, err := loopback.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	const fileToken = "kumoupTestTokenFromAFile-0123456789abcdefXYZ"
	tg, warnings, err := NewTarget(TargetOptions{
		Root:      f.root,
		CAFile:    caFile,
		TokenFile: targetTokenFile(t, fileToken, 0o600),
		Resolver:  "127.0.0.1:5353",
		ConnectTo: []string{"mta.example.com:443:127.0.0.1:8443"},
		Timeout:   3 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings on a whole deployment: %q", warnings)
	}
	if tg.Deployment.Domain != "mta.example.com" || tg.Deployment.WebhookToken != hostTestWebhookToken {
		t.Errorf("deployment not read from %s: domain %q", f.root, tg.Deployment.Domain)
	}
	if tg.Deployment.InjectionToken != fileToken {
		t.Error("the token file does not replace the token include's token")
	}
	if tg.RootCAs == nil || tg.ConnectTo["mta.example.com:443"] != "127.0.0.1:8443" || tg.Resolver != "127.0.0.1:5353" || tg.Timeout != 3*time.Second {
		t.Errorf("target lacks the CA, route, resolver or timeout: %+v", tg)
	}
}

func TestNewTargetWarnsOnARouteForAnotherName(t *testing.T) {
	f := newHostFixture(t)
	_, warnings, err := NewTarget(TargetOptions{Root: f.root, Timeout: time.Second, ConnectTo: []string{"other.example.com:443:127.0.0.1:8443"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "other.example.com is not the deployment's name mta.example.com") {
		t.Errorf("warnings %q, want one naming both names", warnings)
	}
}

func TestNewTargetOutsideNeedsNoDeployment(t *testing.T) {
	tg, _, err := NewTarget(TargetOptions{Outside: "mta.example.com", Timeout: time.Second})
	if err != nil || tg.Deployment.Domain != "mta.example.com" {
		t.Fatalf("target %+v, err %v", tg, err)
	}
}

func TestNewTargetRefuses(t *testing.T) {
	f := newHostFixture(t)
	empty := t.TempDir()
	cases := map[string]struct {
		o    TargetOptions
		want []string
		is   error
	}{
		"no deployment": {
			o: TargetOptions{Root: empty}, is: writer.ErrNoDeployment,
			want: []string{"no deployment found", "kumoup setup"},
		},
		"a token file others can read": {
			o:    TargetOptions{Root: f.root, TokenFile: targetTokenFile(t, hostTestInjectionToken, 0o644)},
			want: []string{"--token-file", "readable by group or others", "chmod 600"},
		},
		"a bad token in the file": {
			o:    TargetOptions{Root: f.root, TokenFile: targetTokenFile(t, "two words", 0o600)},
			want: []string{"--token-file", "white space"},
		},
		"a connect-to of three parts": {
			o:    TargetOptions{Root: f.root, ConnectTo: []string{"mta.example.com:443:127.0.0.1"}},
			want: []string{"--connect-to", "HOST:PORT:ADDR:PORT"},
		},
		"an unreadable CA file": {
			o:    TargetOptions{Root: f.root, CAFile: filepath.Join(empty, "nope.pem")},
			want: []string{"--ca-file", "no such file"}, is: os.ErrNotExist,
		},
		"a CA file without a certificate": {
			o:    TargetOptions{Root: f.root, CAFile: targetTokenFile(t, "not a certificate", 0o644)},
			want: []string{"--ca-file", "no PEM certificate"},
		},
		"a resolver without a port": {
			o:    TargetOptions{Root: f.root, Resolver: "127.0.0.1"},
			want: []string{"--resolver", "IP:PORT"},
		},
		"outside with a root": {
			o:    TargetOptions{Outside: "mta.example.com", Root: f.root},
			want: []string{"--from-outside", "--root"},
		},
		"outside with a loose token file": {
			o:    TargetOptions{Outside: "mta.example.com", TokenFile: targetTokenFile(t, hostTestInjectionToken, 0o644)},
			want: []string{"--from-outside", "--token-file do not apply"},
		},
		"a zero timeout": {
			o:    TargetOptions{Root: f.root, Timeout: -1},
			want: []string{"--timeout", "must be positive"},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if c.o.Timeout == 0 {
				c.o.Timeout = time.Second
			}
			tg, _, err := NewTarget(c.o)
			if err == nil {
				t.Fatalf("no error; target %+v", tg)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %q does not wrap %v", err, c.is)
			}
			if strings.Contains(err.Error(), hostTestInjectionToken) {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

func TestNewTargetWarnsOnAHalfReadDeploymentUnlessItsTokenIsRequired(t *testing.T) {
	f := newHostFixture(t)
	include := f.target.Layout.TokenFile("mta.example.com")
	if err := os.Remove(include); err != nil {
		t.Fatal(err)
	}
	tg, warnings, err := NewTarget(TargetOptions{Root: f.root, Timeout: time.Second})
	if err != nil || tg.Deployment.Domain != "mta.example.com" || len(warnings) != 1 || !strings.Contains(warnings[0], include) {
		t.Errorf("status-like: err %v, warnings %q; want the deployment with a warning naming %s", err, warnings, include)
	}
	if _, _, err := NewTarget(TargetOptions{Root: f.root, Timeout: time.Second, RequireToken: true}); err == nil || !strings.Contains(err.Error(), include) {
		t.Errorf("token required: err %v, want one naming %s", err, include)
	}
	tok := targetTokenFile(t, hostTestInjectionToken, 0o600)
	if tg, _, err := NewTarget(TargetOptions{Root: f.root, Timeout: time.Second, RequireToken: true, TokenFile: tok}); err != nil || tg.Deployment.InjectionToken != hostTestInjectionToken {
		t.Errorf("token required, token file given: err %v", err)
	}
}
