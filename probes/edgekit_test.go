package probes

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
)

// The edge and TLS checks' test kit: a real nginx (package loopback) with
// kumoup's rendered configuration in front of the stand-in kumod, and the
// Target a check sees for it.

// edgeSite starts a loopback deployment for one test and stops it when the
// test ends. With -short it skips (it is not a unit test); without -short a
// missing nginx fails the test, naming the apt-get command.
func edgeSite(t testing.TB, cfg loopback.Config) *loopback.Site {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real nginx: not a unit test (-short)")
	}
	if _, err := loopback.FindNginx(cfg.NginxBinary); err != nil {
		t.Fatalf("%v", err)
	}
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	// The site lives until the test ends: Start stops it when ctx is done.
	site, err := loopback.Start(context.WithoutCancel(t.Context()), cfg)
	if err != nil {
		t.Fatalf("start the loopback deployment: %v", err)
	}
	t.Cleanup(func() {
		if err := site.Stop(); err != nil {
			t.Errorf("stop the loopback deployment: %v", err)
		}
	})
	return site
}

// edgeTarget is what the checks know about site: its deployment (tokens
// included), its layout, --connect-to to its loopback ports, and its CA as
// the only trusted root (--ca-file).
func edgeTarget(site *loopback.Site) *Target {
	return &Target{
		Deployment: site.Deployment,
		Layout:     site.Layout,
		ConnectTo:  site.ConnectTo,
		RootCAs:    site.CACertPool,
		Timeout:    10 * time.Second,
	}
}

// edgeRun runs the catalogue's checks matching ids (IDs or families) and
// returns their results by ID, failing the test when any result leaks the
// injection token.
func edgeRun(t testing.TB, target *Target, ids ...string) map[string]Result {
	t.Helper()
	checks, err := Select(Catalogue(), ids, nil)
	if err != nil {
		t.Fatal(err)
	}
	results := runUnmasked(context.Background(), target, checks)
	edgeNoToken(t, results, target.Deployment.InjectionToken)
	out := make(map[string]Result, len(results))
	for _, r := range results {
		out[r.ID] = r
	}
	return out
}

// edgeNoToken fails the test when a result holds the token, or its
// case-changed or truncated variant.
func edgeNoToken(t testing.TB, results []Result, token string) {
	t.Helper()
	if token == "" {
		return
	}
	needle := strings.ToLower(token[:len(token)-1])
	for _, r := range results {
		for _, s := range []string{r.Detail, r.Remedy} {
			if strings.Contains(strings.ToLower(s), needle) {
				t.Errorf("%s: the token appears in its result: %q", r.ID, s)
			}
		}
	}
}

// edgeWant is wantResult for the result with the given ID, which must
// have run.
func edgeWant(t testing.TB, got map[string]Result, id string, status Status, fragments ...string) {
	t.Helper()
	r, ok := got[id]
	if !ok {
		t.Errorf("%s: not run", id)
		return
	}
	wantResult(t, r, status, fragments...)
}

// edgeSiteEdit is a loopback.Mutation for the nginx site file only: it
// replaces the first match of pattern by repl (regexp syntax) and panics
// (Start reports it) when nothing matches, so a template change cannot make
// a failure test pass vacuously.
func edgeSiteEdit(pattern, repl string) loopback.Mutation {
	re := regexp.MustCompile(pattern)
	return func(path string, content []byte) []byte {
		if filepath.Base(filepath.Dir(path)) != "conf.d" || !strings.HasSuffix(path, ".conf") {
			return content
		}
		loc := re.FindIndex(content)
		if loc == nil {
			panic("edgeSiteEdit: " + pattern + " matches nothing in " + path)
		}
		out := append([]byte(nil), content[:loc[0]]...)
		out = re.Expand(out, []byte(repl), content, re.FindSubmatchIndex(content))
		return append(out, content[loc[1]:]...)
	}
}

// edgeTokenEdit is edgeSiteEdit for the nginx token include.
func edgeTokenEdit(pattern, repl string) loopback.Mutation {
	re := regexp.MustCompile(pattern)
	return func(path string, content []byte) []byte {
		if !strings.HasSuffix(path, ".tokens") {
			return content
		}
		if !re.Match(content) {
			panic("edgeTokenEdit: " + pattern + " matches nothing in " + path)
		}
		return re.ReplaceAll(content, []byte(repl))
	}
}
