package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/expogen"
	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/standin"
)

// The real capture of an idle kumod and expfmt's parse of it (owned by
// package metrics, whose tests keep the dump in step with expfmt).
const (
	metricsFixture     = "../../probes/metrics/testdata/kumomta-metrics.txt"
	metricsFixtureDump = "../../probes/metrics/testdata/kumomta-metrics.dump"
)

// metricsLiveSite is a loopback deployment (real nginx, see statusSite)
// whose stand-in kumod serves a simulated busy kumod: queues, providers,
// rates.
func metricsLiveSite(t *testing.T) *loopback.Site {
	t.Helper()
	sim := expogen.NewSim(4)
	return statusSite(t, loopback.Config{Kumod: standin.Config{
		Metrics: func() []byte { return sim.Next(time.Now()) },
	}})
}

// metricsArgs point `kumoup metrics` at site: its root (deployment and
// token), its CA and its loopback HTTPS port. Rates are sampled over a
// one-second interval: short enough for a fast test, long enough that a
// busy CI machine does not time out the first scrape (TLS handshake included).
func metricsArgs(site *loopback.Site, extra ...string) []string {
	args := []string{"metrics", "--root", site.Layout.Root, "--ca-file", site.CAFile,
		"--connect-to", fmt.Sprintf("%s:443:%s", site.Deployment.Domain, site.HTTPSAddr),
		"--interval", "1s"}
	return append(args, extra...)
}

// metricsTokenFile writes token to a 0600 file and returns its path.
func metricsTokenFile(t *testing.T, token string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// metricsScrapes returns the /metrics requests that reached kumod.
func metricsScrapes(site *loopback.Site) []standin.Request {
	var out []standin.Request
	for _, r := range site.Kumod.Requests() {
		if r.Path == "/metrics" {
			out = append(out, r)
		}
	}
	return out
}

func TestMetricsSummarizesTheDeploymentUnderRootThroughNginx(t *testing.T) {
	t.Parallel()
	site := metricsLiveSite(t)
	r := kumoup(t, metricsArgs(site)...)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("kumoup metrics:\n%s", r.stdout)
	noSecretIn(t, r, site.Deployment.InjectionToken, site.Deployment.WebhookToken)
	statusNoToken(t, r, site.Deployment.InjectionToken)
	first, _, _ := strings.Cut(r.stdout, "\n")
	if !strings.Contains(first, "  https://mta.example.com/metrics  ") || !strings.Contains(first, "rates over 1") {
		t.Errorf("the first line does not name the deployment's endpoint and the rate interval: %q", first)
	}
	for _, want := range []string{"delivered ", "/s", "transient failures", "scheduled ", "connections out", "thread pools busy", "disk free", "log hooks ", "top ready queues", "smtp_client:ip-", "top providers"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the summary lacks %q:\n%s", want, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "sampling rates over 1s") {
		t.Errorf("no progress note on stderr: %q", r.stderr)
	}
	// Two scrapes passed nginx's token check and reached kumod, with
	// the Authorization header stripped by nginx.
	scrapes := metricsScrapes(site)
	if len(scrapes) != 2 {
		t.Fatalf("kumod saw %d scrapes, want 2", len(scrapes))
	}
	for _, s := range scrapes {
		if s.Status != 200 || s.Authorization {
			t.Errorf("scrape reached kumod with status %d, Authorization forwarded %v", s.Status, s.Authorization)
		}
	}
}

func TestMetricsDumpIsExpfmtsParseOfWhatKumodServes(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{}) // serves the real capture
	r := kumoup(t, metricsArgs(site, "--dump")...)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	want, err := os.ReadFile(metricsFixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	if r.stdout != string(want) {
		t.Errorf("--dump differs from %s:\n%s", metricsFixtureDump, r.stdout)
	}
	noSecretIn(t, r, site.Deployment.InjectionToken)
	if n := len(metricsScrapes(site)); n != 1 {
		t.Errorf("--dump scraped %d times, want once", n)
	}
}

// metricsJSONKeys are the top-level keys of --json, in order.
var metricsJSONKeys = []string{"at", "source", "interval_seconds", "samples", "bytes", "parser", "rates", "gauges",
	"thread_pools", "log_hooks", "suspended_sources", "disks", "top_queues", "top_providers"}

// metricsJSON decodes one --json document, failing on anything else.
func metricsJSON(t *testing.T, s string) map[string]json.RawMessage {
	t.Helper()
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("--json output does not decode: %v\n%s", err, s)
	}
	if dec.More() {
		t.Fatalf("more than one document:\n%s", s)
	}
	return doc
}

func TestMetricsJSONHasRatesGaugesAndTopQueuesAndHistoriesOnlyOnRequest(t *testing.T) {
	t.Parallel()
	site := metricsLiveSite(t)
	r := kumoup(t, metricsArgs(site, "--json")...)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	noSecretIn(t, r, site.Deployment.InjectionToken)
	doc := metricsJSON(t, r.stdout)
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := slices.Sorted(slices.Values(metricsJSONKeys))
	if !slices.Equal(keys, want) {
		t.Errorf("top-level keys %v, want %v", keys, want)
	}
	var rates, gauges map[string]*float64
	var queues []struct {
		Queue string   `json:"queue"`
		Ready *float64 `json:"ready"`
	}
	var source string
	for k, v := range map[string]any{"rates": &rates, "gauges": &gauges, "top_queues": &queues, "source": &source} {
		if err := json.Unmarshal(doc[k], v); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
	if source != "https://mta.example.com/metrics" {
		t.Errorf("source %q, want the deployment's endpoint", source)
	}
	for _, k := range []string{"delivered", "transient_failures", "permanent_failures", "received", "rejections", "proxy_failures"} {
		if rates[k] == nil {
			t.Errorf("rates.%s is null or missing after two scrapes: %s", k, doc["rates"])
		}
	}
	for _, k := range []string{"scheduled", "ready", "messages", "memory_bytes", "connections_out", "connections_in"} {
		if gauges[k] == nil {
			t.Errorf("gauges.%s is null or missing: %s", k, doc["gauges"])
		}
	}
	if len(queues) == 0 || !strings.HasPrefix(queues[0].Queue, "smtp_client:") || queues[0].Ready == nil {
		t.Errorf("top_queues: %s", doc["top_queues"])
	}
	if strings.Contains(r.stdout, `"history"`) {
		t.Errorf("histories without --history:\n%s", r.stdout)
	}

	h := kumoup(t, metricsArgs(site, "--json", "--history")...)
	if h.code != exitOK {
		t.Fatalf("--history: exit %d\n%s", h.code, h.stderr)
	}
	var hist map[string][]*float64
	if err := json.Unmarshal(metricsJSON(t, h.stdout)["history"], &hist); err != nil {
		t.Fatalf("history: %v\n%s", err, h.stdout)
	}
	if len(hist["delivered"]) != 1 || len(hist["ready"]) != 2 {
		t.Errorf("history.delivered has %d values (want 1 rate), history.ready %d (want 2 scrapes)", len(hist["delivered"]), len(hist["ready"]))
	}
}

func TestMetricsWithAWrongTokenFailsAsUnauthorizedByNginx(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{})
	const wrong = "wrongTOKENwrongTOKENwrongTOKENwrongTOKEN123"
	r := kumoup(t, metricsArgs(site, "--token-file", metricsTokenFile(t, wrong))...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "nginx rejected the bearer token (401)") || !strings.Contains(r.stderr, "fix: ") {
		t.Errorf("stderr does not classify the failure as nginx's 401 with a fix: %s", r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("a summary was printed after a failed scrape: %s", r.stdout)
	}
	noSecretIn(t, r, wrong, site.Deployment.InjectionToken)
	statusNoToken(t, r, wrong)
	if n := len(metricsScrapes(site)); n != 0 {
		t.Errorf("nginx let %d scrapes with the wrong token through to kumod", n)
	}
}

func TestMetricsInsecureNeverSendsTheToken(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{})
	args := []string{"metrics", "--root", site.Layout.Root, "--insecure",
		"--connect-to", "mta.example.com:443:" + site.HTTPSAddr, "--interval", "1s"}
	r := kumoup(t, args...)
	if !strings.Contains(r.stderr, "warning: the token is not sent over unverified TLS") {
		t.Errorf("no warning that the token is held back: %s", r.stderr)
	}
	// nginx accepts the deployment's token: its 401 proves none was sent.
	if r.code != exitFailure || !strings.Contains(r.stderr, "nginx rejected the bearer token (401)") {
		t.Errorf("exit %d, want 1 with nginx's 401\n%s%s", r.code, r.stdout, r.stderr)
	}
	noSecretIn(t, r, site.Deployment.InjectionToken)
}

func TestMetricsWithoutTheTokenIncludeExitsTwoUnlessATokenFileIsGiven(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{})
	// nginx keeps the include it loaded; kumoup can no longer read it.
	include := site.Layout.TokenFile(site.Deployment.Domain)
	if err := os.Remove(include); err != nil {
		t.Fatal(err)
	}
	r := kumoup(t, metricsArgs(site)...)
	if r.code != exitUsage || !strings.Contains(r.stderr, include) || !strings.Contains(r.stderr, "kumoup apply") {
		t.Errorf("exit %d, want 2 naming %s and the fix\n%s%s", r.code, include, r.stdout, r.stderr)
	}

	r = kumoup(t, metricsArgs(site, "--token-file", metricsTokenFile(t, site.Deployment.InjectionToken))...)
	if r.code != exitOK || !strings.Contains(r.stderr, "warning: token include "+include+" is missing") {
		t.Errorf("exit %d, want 0 with a warning about the include\n%s%s", r.code, r.stdout, r.stderr)
	}
	noSecretIn(t, r, site.Deployment.InjectionToken)
}

func TestMetricsURLAndTokenFileNeedNoDeployment(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{})
	args := []string{"metrics", "--root", t.TempDir(), "--url", "https://mta.example.com/metrics",
		"--token-file", metricsTokenFile(t, site.Deployment.InjectionToken), "--ca-file", site.CAFile,
		"--connect-to", "mta.example.com:443:" + site.HTTPSAddr, "--interval", "1s", "--json"}
	r := kumoup(t, args...)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	noSecretIn(t, r, site.Deployment.InjectionToken)
	if !strings.Contains(r.stdout, `"source": "https://mta.example.com/metrics"`) {
		t.Errorf("not the --url endpoint:\n%s", r.stdout)
	}
}

func TestMetricsWithoutADeploymentOrURLExitsTwo(t *testing.T) {
	r := kumoup(t, "metrics", "--root", t.TempDir())
	if r.code != exitUsage {
		t.Fatalf("exit %d, want %d\n%s%s", r.code, exitUsage, r.stdout, r.stderr)
	}
	for _, want := range []string{"no deployment found", "kumoup setup", "kumoup apply --answers", "--url"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q: %s", want, r.stderr)
		}
	}
	if r.stdout != "" {
		t.Errorf("output without a deployment: %s", r.stdout)
	}
}

func TestMetricsFileSummarizesDumpsAndEncodesTheSavedFixture(t *testing.T) {
	r := kumoup(t, "metrics", "--file", metricsFixture)
	if r.code != exitOK {
		t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
	}
	for _, want := range []string{metricsFixture + "  108 samples of 9.5 KiB, rates need a second scrape", "305.7 MiB", "thread pools busy  localset 100%, logging 0%", "disk free          data spool 60%"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the summary lacks %q:\n%s", want, r.stdout)
		}
	}

	d := kumoup(t, "metrics", "--file", metricsFixture, "--dump")
	want, err := os.ReadFile(metricsFixtureDump)
	if err != nil {
		t.Fatal(err)
	}
	if d.code != exitOK || d.stdout != string(want) {
		t.Errorf("--file --dump: exit %d, output differs from %s:\n%s%s", d.code, metricsFixtureDump, d.stdout, d.stderr)
	}

	j := kumoup(t, "metrics", "--file", metricsFixture, "--json")
	if j.code != exitOK {
		t.Fatalf("--file --json: exit %d\n%s", j.code, j.stderr)
	}
	doc := metricsJSON(t, j.stdout)
	if string(doc["interval_seconds"]) != "null" || !strings.Contains(string(doc["rates"]), `"delivered": null`) || !strings.Contains(string(doc["gauges"]), `"memory_bytes": 320516096`) {
		t.Errorf("one saved scrape: want null rates and the fixture's gauges:\n%s", j.stdout)
	}
}

func TestMetricsBadUsageExitsTwo(t *testing.T) {
	cases := map[string][]string{
		"dump and json":           {"metrics", "--file", metricsFixture, "--dump", "--json"},
		"dump and watch":          {"metrics", "--file", metricsFixture, "--dump", "--watch"},
		"history without json":    {"metrics", "--file", metricsFixture, "--history"},
		"file and url":            {"metrics", "--file", metricsFixture, "--url", "https://mta.example.com/metrics"},
		"file and root":           {"metrics", "--file", metricsFixture, "--root", t.TempDir()},
		"zero max body":           {"metrics", "--file", metricsFixture, "--max-body", "0"},
		"timeout past interval":   {"metrics", "--url", "https://mta.example.com/metrics", "--root", t.TempDir(), "--timeout", "3s"},
		"relative url":            {"metrics", "--url", "mta.example.com/metrics", "--root", t.TempDir()},
		"connect-to with 3 parts": {"metrics", "--url", "https://mta.example.com/metrics", "--root", t.TempDir(), "--connect-to", "mta.example.com:443:127.0.0.1"},
		"token file missing":      {"metrics", "--url", "https://mta.example.com/metrics", "--token-file", filepath.Join(t.TempDir(), "nope")},
		"token file with spaces":  {"metrics", "--url", "https://mta.example.com/metrics", "--token-file", metricsTokenFile(t, "two words")},
		"arguments":               {"metrics", "edge"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			r := kumoup(t, args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d\n%s%s", r.code, exitUsage, r.stdout, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("output on bad usage: %s", r.stdout)
			}
		})
	}
}

// metricsRunFor runs the command tree with args until it returns or d
// passes (as ctrl+c would stop it).
func metricsRunFor(t *testing.T, d time.Duration, args ...string) run {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var out, errb bytes.Buffer
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errb)
	err := root.ExecuteContext(ctx)
	if err != nil {
		errb.WriteString(err.Error())
	}
	return run{exitCode(err), out.String(), errb.String()}
}

func TestMetricsWatchWritesOneJSONLinePerScrapeUntilInterrupted(t *testing.T) {
	t.Parallel()
	site := metricsLiveSite(t)
	// The last --interval wins.
	r := metricsRunFor(t, 1100*time.Millisecond, metricsArgs(site, "--watch", "--json", "--interval", "200ms")...)
	if r.code != exitInterrupted {
		t.Fatalf("exit %d, want %d when interrupted\n%s", r.code, exitInterrupted, r.stderr)
	}
	noSecretIn(t, r, site.Deployment.InjectionToken)
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(lines) < 3 {
		t.Fatalf("%d summaries in 1.1 s at 200 ms, want at least 3:\n%s", len(lines), r.stdout)
	}
	for i, line := range lines {
		doc := metricsJSON(t, line)
		if rated := string(doc["interval_seconds"]) != "null"; rated != (i > 0) {
			t.Errorf("summary %d: interval_seconds %s; want null only on the first", i, doc["interval_seconds"])
		}
	}
}

// TestMetricsTellsKumodsRefusalFromNginxsThroughARealNginx: with the site
// file's `proxy_set_header Authorization "";` removed, nginx accepts the
// token and forwards it; kumod answers 401 "BearerToken Authentication
// Failed", which is a different failure with a different fix.
func TestMetricsTellsKumodsRefusalFromNginxsThroughARealNginx(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{Mutate: loopback.BreakForwardAuthorization})
	r := kumoup(t, metricsArgs(site)...)
	if r.code != exitFailure {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "kumod refused the request (401)") || !strings.Contains(r.stderr, `proxy_set_header Authorization ""`) {
		t.Errorf("stderr does not blame the forwarded header and give its fix: %s", r.stderr)
	}
	if strings.Contains(r.stderr, "nginx rejected") {
		t.Errorf("kumod's 401 was reported as nginx's: %s", r.stderr)
	}
	noSecretIn(t, r, site.Deployment.InjectionToken)
	scrapes := metricsScrapes(site)
	if len(scrapes) == 0 || !scrapes[0].Authorization {
		t.Errorf("kumod saw %d scrapes, want the first with the Authorization header forwarded", len(scrapes))
	}
}

// TestMetricsSaysNginxCannotReachKumodWhenKumodIsDown: kumod stopped
// behind a running nginx gives 502, reported as upstream down.
func TestMetricsSaysNginxCannotReachKumodWhenKumodIsDown(t *testing.T) {
	t.Parallel()
	site := statusSite(t, loopback.Config{})
	if err := site.Kumod.Close(); err != nil {
		t.Fatal(err)
	}
	r := kumoup(t, metricsArgs(site)...)
	if r.code != exitFailure || !strings.Contains(r.stderr, "nginx cannot reach kumod (502 Bad Gateway)") || !strings.Contains(r.stderr, "systemctl status kumomta") {
		t.Fatalf("exit %d, want 1 with upstream down and its fix\n%s%s", r.code, r.stdout, r.stderr)
	}
	noSecretIn(t, r, site.Deployment.InjectionToken)
}
