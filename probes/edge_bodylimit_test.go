package probes

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// edgeBodyLimitTarget writes a site file and a Lua module under a temp
// layout root and returns the Target that reads them.
func edgeBodyLimitTarget(t *testing.T, site, lua string) *Target {
	t.Helper()
	l := writer.Layout{Root: t.TempDir()}
	d := model.Deployment{Domain: "mta.example.com", MaxBody: "25m"}
	for path, content := range map[string]string{l.SiteFile(d.Domain): site, l.LuaModule(): lua} {
		if content == "" {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &Target{Deployment: d, Layout: l}
}

// TestEdgeBodyLimitReadsTheSiteFile: the second opinion compares every
// client_max_body_size in the site file with max_body (25m). kumod's side
// is host.kumod.body.limit's.
func TestEdgeBodyLimitReadsTheSiteFile(t *testing.T) {
	cases := []struct {
		name     string
		site     string
		status   Status
		fragment string
	}{
		{"equal, a commented-out line ignored", "    # client_max_body_size 1m;\n    client_max_body_size 25m;\n",
			StatusPass, "nginx client_max_body_size 25m (26214400 bytes); max_body 25m (26214400 bytes)"},
		{"larger: kumod answers 413", "client_max_body_size 50m;\n",
			StatusFail, "nginx lets through what kumod answers 413"},
		{"left at nginx's 1m default", "server {}\n",
			StatusFail, "nginx default 1m"},
		{"a location with its own limit", "client_max_body_size 25m;\nlocation = /x { client_max_body_size 100m; }\n",
			StatusFail, "100m (104857600 bytes)"},
		{"smaller", "client_max_body_size 2m;\n",
			StatusFail, "nginx refuses what max_body allows"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := edgeBodyLimitTarget(t, tc.site, "")
			r := checkBodyLimitFiles(context.Background(), target)
			if r.Status != tc.status || !strings.Contains(r.Detail, tc.fragment) {
				t.Errorf("got %s %q, want %s containing %q", r.Status, r.Detail, tc.status, tc.fragment)
			}
			if r.Status == StatusFail && (!strings.Contains(r.Remedy, "kumoup apply") || !strings.Contains(r.Remedy, target.Layout.SiteFile(target.Deployment.Domain))) {
				t.Errorf("remedy %q does not say how to fix it in the tree's site file", r.Remedy)
			}
		})
	}
}

func TestEdgeACMEWebrootSkipsWhenTheWebrootIsNotLocal(t *testing.T) {
	target := edgeBodyLimitTarget(t, "server {}\n", "")
	target.Deployment.ACMEWebroot = "/var/www/letsencrypt"
	r := checkACMEWebroot(context.Background(), target)
	if r.Status != StatusSkip || !strings.Contains(r.Detail, "not a directory on this host") {
		t.Errorf("got %s %q, want a skip saying the webroot is not here", r.Status, r.Detail)
	}
}

// TestEdgeBodyLimitAsksTheRunningNginx: the files say 25m on both sides,
// but the running nginx still enforces the 100m it was started with (the
// file was edited, nginx not reloaded): the live request one byte over
// the limit is not refused, and the check fails although the files agree.
func TestEdgeBodyLimitAsksTheRunningNginx(t *testing.T) {
	t.Parallel()
	site := edgeSite(t, loopback.Config{Mutate: loopback.BreakClientMaxBodySize("100m")})
	file := site.Layout.SiteFile(site.Deployment.Domain)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "client_max_body_size 100m;", "client_max_body_size 25m;", 1)
	if edited == string(b) {
		t.Fatal("the site file has no client_max_body_size 100m")
	}
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	r := edgeRun(t, edgeTarget(site), "edge.body.limit")["edge.body.limit"]
	wantResult(t, r, StatusFail, "Content-Length 26214401: 100", "nginx takes more than max_body", "files: nginx client_max_body_size 25m (26214400 bytes); max_body 25m", "systemctl reload nginx")
	// Only heads were sent: kumod saw nothing.
	if n := len(site.Kumod.Requests()); n != 0 {
		t.Errorf("kumod received %d request(s)", n)
	}
}
