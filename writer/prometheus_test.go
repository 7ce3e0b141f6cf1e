package writer

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// promtool runs Debian's promtool (package prometheus) with args in dir.
func promtool(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found (apt-get install prometheus): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func twoHosts() []PrometheusHost {
	return []PrometheusHost{{Domain: "mta1.example.com"}, {Domain: "mta2.example.com", HTTPSPort: 8443}}
}

func TestPrometheusFilesMatchGoldenFiles(t *testing.T) {
	cfg, err := RenderPrometheusConfig(twoHosts(), PrometheusOptions{})
	if err != nil {
		t.Fatal(err)
	}
	goldenHostFile(t, filepath.Join("testdata", "golden", "prometheus-two-hosts.yml"), cfg)
	loop, err := RenderPrometheusConfig([]PrometheusHost{{Domain: "mta.example.com", Address: "127.0.0.1:8443", TextfileAddress: "127.0.0.1:9101", CredentialsFile: "/srv/prom/mta.token"}},
		PrometheusOptions{CAFile: "/srv/prom/ca.pem", RulesFile: "/srv/prom/kumoup.rules.yml", ScrapeInterval: "1s"})
	if err != nil {
		t.Fatal(err)
	}
	goldenHostFile(t, filepath.Join("testdata", "golden", "prometheus-loopback.yml"), loop)
	rules, err := RenderPrometheusRules()
	if err != nil {
		t.Fatal(err)
	}
	goldenHostFile(t, filepath.Join("testdata", "golden", "kumoup.rules.yml"), rules)
	files, err := RenderStatusTimer(Layout{}, StatusTimerOptions{Binary: "/usr/local/bin/kumoup"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Mode != 0o644 || f.Sensitive() {
			t.Errorf("%s: mode %o sensitive %v", f.Path, f.Mode, f.Sensitive())
		}
		goldenHostFile(t, filepath.Join("testdata", "golden", filepath.Base(f.Path)), f.Content)
	}
}

func TestPrometheusConfigVerifiesTLSAndReadsTheTokenFromAFile(t *testing.T) {
	cfg, err := RenderPrometheusConfig(twoHosts(), PrometheusOptions{CAFile: "/etc/prometheus/ca.pem"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(cfg)
	for _, want := range []string{
		"type: Bearer\n      credentials_file: \"/etc/prometheus/kumoup/mta1.example.com.token\"",
		"insecure_skip_verify: false",
		"ca_file: \"/etc/prometheus/ca.pem\"",
		`targets: ["mta2.example.com:8443"]`,
		`targets: ["mta1.example.com:9100"]`,
		"follow_redirects: false",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("config lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "server_name") {
		t.Error("server_name set although the targets are the names themselves")
	}
}

func TestPrometheusConfigRejectsBadHosts(t *testing.T) {
	cases := map[string][]PrometheusHost{
		"none":     nil,
		"bad name": {{Domain: "mta.example.com;x"}},
		"twice":    {{Domain: "a.example.com"}, {Domain: "a.example.com"}},
		"bad addr": {{Domain: "a.example.com", Address: "127.0.0.1"}},
	}
	for name, hosts := range cases {
		if _, err := RenderPrometheusConfig(hosts, PrometheusOptions{}); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "host") {
			t.Errorf("%s: %v does not name the host", name, err)
		}
	}
}

// TestPromtoolAcceptsTheConfigAndRules checks the rendered files with
// promtool check config (which also checks the rule file it names) and
// promtool check rules, and that promtool does reject a broken rule.
func TestPromtoolAcceptsTheConfigAndRules(t *testing.T) {
	dir := t.TempDir()
	rules, err := RenderPrometheusRules()
	if err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(dir, "kumoup.rules.yml")
	must(t, os.WriteFile(rulesPath, rules, 0o644))
	ca := filepath.Join(dir, "ca.pem")
	must(t, os.WriteFile(ca, []byte("placeholder: promtool checks that it exists\n"), 0o644))
	hosts := twoHosts()
	for i := range hosts {
		hosts[i].CredentialsFile = filepath.Join(dir, hosts[i].Domain+".token")
		must(t, os.WriteFile(hosts[i].CredentialsFile, []byte("token\n"), 0o600))
	}
	cfg, err := RenderPrometheusConfig(hosts, PrometheusOptions{RulesFile: rulesPath, CAFile: ca})
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "prometheus.yml"), cfg, 0o644))
	if out, err := promtool(t, dir, "check", "config", "prometheus.yml"); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	if out, err := promtool(t, dir, "check", "rules", "kumoup.rules.yml"); err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	broken := bytes.Replace(rules, []byte("expr: kumoup_check_status == 2"), []byte("expr: kumoup_check_status == ("), 1)
	must(t, os.WriteFile(rulesPath, broken, 0o644))
	if out, err := promtool(t, dir, "check", "rules", "kumoup.rules.yml"); err == nil {
		t.Fatalf("promtool accepted a broken rule, so the check above proves nothing:\n%s", out)
	}
	if out, err := promtool(t, dir, "check", "config", "prometheus.yml"); err == nil {
		t.Fatalf("promtool check config accepted a config whose rules are broken:\n%s", out)
	}
}

// TestPromtoolRuleTestsFireEachAlertAndOnlyWhenDue runs the unit tests in
// testdata/kumoup.rules.test.yml (each alert: a series that fires it and
// one that does not) against the rendered rules.
func TestPromtoolRuleTestsFireEachAlertAndOnlyWhenDue(t *testing.T) {
	dir := t.TempDir()
	rules, err := RenderPrometheusRules()
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "kumoup.rules.yml"), rules, 0o644))
	spec, err := os.ReadFile(filepath.Join("testdata", "kumoup.rules.test.yml"))
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.WriteFile(filepath.Join(dir, "kumoup.rules.test.yml"), spec, 0o644))
	if out, err := promtool(t, dir, "test", "rules", "kumoup.rules.test.yml"); err != nil {
		t.Fatalf("promtool test rules: %v\n%s", err, out)
	}
	// A rule that never fires fails the same tests: they do judge.
	lazy := bytes.Replace(rules, []byte("expr: kumoup_check_status == 2"), []byte("expr: kumoup_check_status == 3"), 1)
	must(t, os.WriteFile(filepath.Join(dir, "kumoup.rules.yml"), lazy, 0o644))
	if out, err := promtool(t, dir, "test", "rules", "kumoup.rules.test.yml"); err == nil {
		t.Fatalf("the rule tests pass with a rule that never fires:\n%s", out)
	}
}

func TestStatusTimerNeedsAbsolutePaths(t *testing.T) {
	if _, err := RenderStatusTimer(Layout{}, StatusTimerOptions{Binary: "kumoup"}); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("relative binary: %v", err)
	}
	if _, err := RenderStatusTimer(Layout{}, StatusTimerOptions{Binary: "/usr/bin/kumoup", Output: "x.prom"}); err == nil || !strings.Contains(err.Error(), "--output") {
		t.Errorf("relative output: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestSystemdAcceptsTheStatusTimer holds the service and timer to
// systemd-analyze verify: no warning about any line, and a missing
// binary is caught (so the verification does judge).
func TestSystemdAcceptsTheStatusTimer(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Fatalf("systemd-analyze not found (apt-get install systemd): %v", err)
	}
	verify := func(binary string) (string, error) {
		dir := t.TempDir()
		files, err := RenderStatusTimer(Layout{}, StatusTimerOptions{Binary: binary})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range files {
			p := filepath.Join(dir, filepath.Base(f.Path))
			must(t, os.WriteFile(p, f.Content, 0o644))
			names = append(names, p)
		}
		out, err := exec.Command(analyze, append([]string{"verify", "--man=no"}, names...)...).CombinedOutput()
		return string(out), err
	}
	if out, err := verify("/bin/true"); err != nil || strings.TrimSpace(out) != "" {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	if out, err := verify("/nonexistent/kumoup"); err == nil {
		t.Fatalf("systemd-analyze accepted a missing binary:\n%s", out)
	}
}

// TestStatusTimerFilesBelongToTheLayout: like every file kumoup renders,
// the timer's files carry the layout's root, below which Apply walks
// their directories without following a link (a --root tree reached
// through a symbolic link is the operator's choice, not refused).
func TestStatusTimerFilesBelongToTheLayout(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "tree")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	l := Layout{Root: link}
	files, err := RenderStatusTimer(l, StatusTimerOptions{Binary: "/usr/local/bin/kumoup", Root: l.Root})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Root != l.Root {
			t.Errorf("%s: Root %q, want the layout's %q", f.Name, f.Root, l.Root)
		}
	}
	if _, err := NewPlan(files); err != nil {
		t.Errorf("plan of the status timer under a --root reached through a link: %v", err)
	}
}
