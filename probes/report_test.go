package probes

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// reportSample is a fixed sweep: every status, a long detail with a path,
// remedies on the warning and the failure.
func reportSample() []Result {
	return []Result{
		{ID: "edge.inject.unauthenticated", Title: "Injection without a token is refused", Status: StatusPass,
			Detail: "POST /api/inject/v1 without a token: 401", Duration: 8 * time.Millisecond},
		{ID: "edge.metrics.authenticated", Title: "Metrics with the token are served", Status: StatusFail,
			Detail:   `GET /metrics with the token: 401 "BearerToken Authentication Failed" from kumod itself: nginx forwards the Authorization header`,
			Remedy:   "add `proxy_set_header Authorization \"\";` to the 443 server in /etc/nginx/conf.d/mta.example.com.conf so the token stops at nginx; then `nginx -t && systemctl reload nginx`",
			Duration: 12 * time.Millisecond},
		{ID: "edge.acme.webroot", Title: "ACME challenges are served on port 80", Status: StatusSkip,
			Detail: "ACME webroot /var/www/letsencrypt is not a directory on this host", Duration: 0},
		{ID: "tls.certificate.expiry", Title: "The certificate is not about to expire", Status: StatusWarn,
			Detail:   "the certificate expires on 2026-12-01 00:00 UTC, in 14 days (warn under 21 days)",
			Remedy:   "renew it: `certbot renew`, then `systemctl reload nginx`",
			Duration: 3*time.Millisecond + 600*time.Microsecond},
		{ID: "edge.http.redirect", Title: "Plain HTTP redirects to HTTPS", Status: StatusPass,
			Detail:   "GET http://mta.example.com/kumoup-redirect-probe?check=1: 301 to https://mta.example.com/kumoup-redirect-probe?check=1",
			Duration: 2 * time.Millisecond},
	}
}

func TestReportTextIsATableThatFitsEightyColumns(t *testing.T) {
	var b bytes.Buffer
	if err := WriteText(&b, reportSample(), TextOptions{Profile: colorprofile.NoTTY, Elapsed: 1234 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for i, line := range strings.Split(out, "\n") {
		if w := ansi.StringWidth(line); w > 80 {
			t.Errorf("line %d is %d columns wide: %q", i+1, w, line)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("escape codes in output for a non-terminal:\n%q", out)
	}
	golden.RequireEqual(t, out)
}

func TestReportTextShowsRemediesOnlyUnderWarningsAndFailures(t *testing.T) {
	results := []Result{
		{ID: "a.pass", Status: StatusPass, Detail: "fine", Remedy: "never shown"},
		{ID: "a.skip", Status: StatusSkip, Detail: "why skipped", Remedy: "never shown either"},
		{ID: "a.fail", Status: StatusFail, Detail: "broken", Remedy: "change line 3"},
	}
	var b bytes.Buffer
	if err := WriteText(&b, results, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "never shown") {
		t.Errorf("a remedy of a pass or skip is shown:\n%s", out)
	}
	if !strings.Contains(out, "fix: change line 3") {
		t.Errorf("the failure's remedy is missing:\n%s", out)
	}
	if !strings.Contains(out, "✗ 3 checks: 1 passed, 0 warnings, 1 failed, 1 skipped") {
		t.Errorf("summary line missing or wrong:\n%s", out)
	}
}

var colorSGR = regexp.MustCompile(`\x1b\[[0-9;]*(?:3[0-9]|9[0-7])(?:;[0-9;]*)?m`)

func TestReportTextColoursGlyphsOnlyWhenTheTerminalSupportsIt(t *testing.T) {
	plain := func(p colorprofile.Profile) string {
		var b bytes.Buffer
		if err := WriteText(&b, reportSample(), TextOptions{Profile: p}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	color := plain(colorprofile.TrueColor)
	if !colorSGR.MatchString(color) {
		t.Errorf("no colour on a true-colour terminal:\n%q", color)
	}
	if ansi.Strip(color) != plain(colorprofile.NoTTY) {
		t.Errorf("colour changes the layout:\n%s\n---\n%s", ansi.Strip(color), plain(colorprofile.NoTTY))
	}
	noColor := colorprofile.Env([]string{"TERM=xterm-256color", "COLORTERM=truecolor", "NO_COLOR=1"})
	if out := plain(noColor); colorSGR.MatchString(out) {
		t.Errorf("NO_COLOR=1 (profile %v) still prints colour:\n%q", noColor, out)
	}
}

func TestReportJSONHasEveryKeyForEveryCheck(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, reportSample()); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, b.String())

	var doc struct {
		Checks     []map[string]any `json:"checks"`
		RootCauses []map[string]any `json:"root_causes"`
		Summary    map[string]int   `json:"summary"`
	}
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range doc.Checks {
		for _, k := range []string{"id", "title", "status", "detail", "remedy", "blocked_by", "duration_ms"} {
			if _, ok := c[k]; !ok {
				t.Errorf("check %v has no %q", c["id"], k)
			}
		}
		if len(c) != 7 {
			t.Errorf("check %v has %d keys, want 7", c["id"], len(c))
		}
	}
	want := map[string]int{"pass": 2, "warn": 1, "fail": 1, "skip": 1}
	for k, v := range want {
		if doc.Summary[k] != v {
			t.Errorf("summary %s = %d, want %d", k, doc.Summary[k], v)
		}
	}
}

func TestReportJSONOfNoResultsIsAnEmptyList(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"checks": []`) {
		t.Errorf("want an empty list, got %s", b.String())
	}
}

func TestReportListShowsIDsAndTitles(t *testing.T) {
	var b bytes.Buffer
	if err := WriteList(&b, tlsChecks); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, b.String())
}

func TestReportWrapKeepsWordsAndCutsLongPathsAtSlashes(t *testing.T) {
	cases := []struct {
		name, in string
		width    int
		want     []string
	}{
		{"short", "a b c", 10, []string{"a b c"}},
		{"words", "one two three four", 9, []string{"one two", "three", "four"}},
		{"hyphens and dots stay", "see tls.certificate.name and --ca-file", 22, []string{"see", "tls.certificate.name", "and --ca-file"}},
		{"path", "in /etc/nginx/conf.d/mta.example.com.conf now", 20, []string{"in /etc/nginx/", "conf.d/", "mta.example.com.conf", "now"}},
		{"never cut in a scheme's //", "to https://mta.example.com/x", 12, []string{"to", "https://mta.", "example.com/", "x"}},
		{"empty", "", 10, []string{""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := reportWrap(tc.in, tc.width)
			for _, l := range got {
				if ansi.StringWidth(l) > tc.width {
					t.Errorf("line %q is wider than %d", l, tc.width)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("reportWrap(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
			}
		})
	}
}

func TestReportTextKeepsTheLinesOfAMultiLineRemedy(t *testing.T) {
	results := []Result{{ID: "host.policy.wired", Status: StatusFail, Detail: "init.lua does not require 'kumoup'",
		Remedy: "add to /opt/kumomta/etc/policy/init.lua:\nlocal kumoup = require 'kumoup'\nkumoup.setup_listener()"}}
	var b bytes.Buffer
	if err := WriteText(&b, results, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	for _, want := range []string{"fix: add to /opt/kumomta/etc/policy/init.lua:", "     local kumoup = require 'kumoup'", "     kumoup.setup_listener()"} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasSuffix(l, want) }) {
			t.Errorf("no line ending in %q: the remedy's lines were joined:\n%s", want, b.String())
		}
	}
}
