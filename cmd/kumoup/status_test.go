package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
)

// statusSite starts a real nginx (package loopback) with kumoup's rendered
// files under its own root, for the duration of the test. -short skips it;
// otherwise a missing nginx fails, naming the apt-get command.
func statusSite(t *testing.T, cfg loopback.Config) *loopback.Site {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real nginx: not a unit test (-short)")
	}
	if _, err := loopback.FindNginx(""); err != nil {
		t.Fatalf("%v", err)
	}
	cfg.Dir = t.TempDir()
	site, err := loopback.Start(context.WithoutCancel(t.Context()), cfg)
	if err != nil {
		t.Fatalf("start the loopback deployment: %v", err)
	}
	t.Cleanup(func() { _ = site.Stop() })
	return site
}

// statusArgs are the flags that point `kumoup status` at site: its root,
// its CA, its loopback ports, and only the checks in only (the host,
// network and dns families look at this machine, not at the site).
func statusArgs(site *loopback.Site, only string, extra ...string) []string {
	d := site.Deployment.Domain
	args := []string{"status", "--root", site.Layout.Root, "--ca-file", site.CAFile,
		"--connect-to", fmt.Sprintf("%s:443:%s", d, site.HTTPSAddr),
		"--connect-to", fmt.Sprintf("%s:80:%s", d, site.HTTPAddr),
		"--only", only}
	return append(args, extra...)
}

// statusNoToken fails when the output holds the token or a variant of it.
func statusNoToken(t *testing.T, r run, token string) {
	t.Helper()
	out := strings.ToLower(r.stdout + r.stderr)
	if strings.Contains(out, strings.ToLower(token[:len(token)-1])) {
		t.Fatalf("output shows the token:\n%s\n%s", r.stdout, r.stderr)
	}
}

// statusJSON is the --json document.
type statusJSON struct {
	Checks []struct {
		ID         string `json:"id"`
		Title      string `json:"title"`
		Status     string `json:"status"`
		Detail     string `json:"detail"`
		Remedy     string `json:"remedy"`
		BlockedBy  string `json:"blocked_by"`
		DurationMS *int64 `json:"duration_ms"`
	} `json:"checks"`
	RootCauses []struct {
		ID     string   `json:"id"`
		Blocks []string `json:"blocks"`
	} `json:"root_causes"`
	Summary struct {
		Pass, Warn, Fail, Skip int
	} `json:"summary"`
}

func TestStatusWithoutADeploymentExitsTwo(t *testing.T) {
	r := kumoup(t, "status", "--root", t.TempDir())
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitUsage, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "no deployment found") || !strings.Contains(r.stderr, "kumoup setup") {
		t.Errorf("stderr does not say what is missing and what to run: %s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("a report was printed without a deployment: %s", r.stdout)
	}
}

func TestStatusBadUsageExitsTwo(t *testing.T) {
	cases := map[string][]string{
		"unknown check":            {"status", "--only", "edge.nope"},
		"zero timeout":             {"status", "--timeout", "0s"},
		"connect-to with 3 parts":  {"status", "--root", t.TempDir(), "--connect-to", "mta.example.com:443:127.0.0.1"},
		"resolver without a port":  {"status", "--resolver", "127.0.0.1", "--from-outside", "mta.example.com"},
		"outside with a root":      {"status", "--from-outside", "mta.example.com", "--root", t.TempDir()},
		"outside with a bad name":  {"status", "--from-outside", "mta.example.com;x"},
		"arguments are not checks": {"status", "edge"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			if r := kumoup(t, args...); r.code != exitUsage {
				t.Errorf("exit %d, want %d\n%s%s", r.code, exitUsage, r.stdout, r.stderr)
			}
		})
	}
}

func TestStatusListNeedsNoDeployment(t *testing.T) {
	r := kumoup(t, "status", "--list", "--only", "tls", "--root", t.TempDir())
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "tls.certificate.obtained ") || !strings.HasPrefix(lines[1], "tls.certificate.name ") || !strings.HasPrefix(lines[5], "tls.ciphers ") {
		t.Errorf("--list --only tls printed:\n%s", r.stdout)
	}
}

func TestStatusPassesOnTheGeneratedConfigAndExitsZero(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{})
	r := kumoup(t, statusArgs(site, "edge,tls")...)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	statusNoToken(t, r, site.Deployment.InjectionToken)
	for _, want := range []string{"✓ edge.inject.unauthenticated", "✓ tls.protocols", "17 checks: 17 passed, 0 warnings, 0 failed, 0 skipped in "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Errorf("colour escapes written to a non-terminal:\n%q", r.stdout)
	}
}

func TestStatusFailsOnABrokenEdgeAndExitsOne(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{Mutate: loopback.BreakCaseInsensitiveToken})
	// The broken include no longer has kumoup's token line: the operator
	// gives the token in a file.
	tokenFile := t.TempDir() + "/token"
	if err := os.WriteFile(tokenFile, []byte(site.Deployment.InjectionToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := kumoup(t, statusArgs(site, "edge,tls", "--token-file", tokenFile)...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	statusNoToken(t, r, site.Deployment.InjectionToken)
	if !strings.Contains(r.stdout, "✗ edge.token.exact") || !strings.Contains(r.stdout, "fix: ") {
		t.Errorf("the failure and its remedy are not shown:\n%s", r.stdout)
	}

	j := kumoup(t, statusArgs(site, "edge,tls", "--json", "--token-file", tokenFile)...)
	if j.code != exitFailure {
		t.Fatalf("--json: exit %d, want 1\n%s", j.code, j.stderr)
	}
	statusNoToken(t, j, site.Deployment.InjectionToken)
	var doc statusJSON
	dec := json.NewDecoder(strings.NewReader(j.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("--json output does not decode: %v\n%s", err, j.stdout)
	}
	if len(doc.Checks) != 17 || doc.Summary.Fail != 1 || doc.Summary.Pass != 16 {
		t.Errorf("%d checks, summary %+v; want 17 checks, 16 pass and 1 fail", len(doc.Checks), doc.Summary)
	}
	for _, c := range doc.Checks {
		if c.ID == "" || c.Title == "" || c.Status == "" || c.Detail == "" || c.DurationMS == nil {
			t.Errorf("incomplete check in JSON: %+v", c)
		}
		if c.ID == "edge.token.exact" && (c.Status != "fail" || c.Remedy == "") {
			t.Errorf("edge.token.exact: %s with remedy %q, want fail with a remedy", c.Status, c.Remedy)
		}
	}
}

func TestStatusTokenFileOverridesTheInclude(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{})
	wrong := t.TempDir() + "/token"
	// A valid token that nginx does not accept: the authenticated checks
	// must fail with it, proving it was used.
	if err := os.WriteFile(wrong, []byte("wrongTOKENwrongTOKENwrongTOKENwrongTOKEN123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := kumoup(t, statusArgs(site, "edge.metrics.authenticated", "--token-file", wrong)...)
	if r.code != exitFailure || !strings.Contains(r.stdout, "401 from nginx") {
		t.Errorf("exit %d, want 1 with nginx refusing the token:\n%s%s", r.code, r.stdout, r.stderr)
	}
	statusNoToken(t, r, "wrongTOKENwrongTOKENwrongTOKENwrongTOKEN123")
}

func TestStatusInsecureWarnsOnTLSAndNeverSendsTheToken(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{})
	d := site.Deployment.Domain
	r := kumoup(t, "status", "--root", site.Layout.Root, "--insecure", "--json", "--only", "edge,tls",
		"--connect-to", fmt.Sprintf("%s:443:%s", d, site.HTTPSAddr),
		"--connect-to", fmt.Sprintf("%s:80:%s", d, site.HTTPAddr))
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0 (warnings and skips only)\n%s%s", r.code, r.stdout, r.stderr)
	}
	statusNoToken(t, r, site.Deployment.InjectionToken)
	var doc statusJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Checks {
		// tls.certificate.obtained reads the files, not TLS.
		if strings.HasPrefix(c.ID, "tls.") && c.ID != "tls.certificate.obtained" && (c.Status != "warn" || !strings.Contains(c.Detail, "TLS verification off")) {
			t.Errorf("%s: %s %q, want a warning that verification was off", c.ID, c.Status, c.Detail)
		}
	}
	for _, req := range site.Kumod.Requests() {
		if req.Authorization || req.Path == "/metrics" {
			t.Errorf("kumod got %s %s: the token went over unverified TLS", req.Method, req.Path)
		}
	}
}
