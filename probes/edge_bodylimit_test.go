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

func TestEdgeBodyLimitReadsBothFiles(t *testing.T) {
	const generatedLua = "-- limit of 26214400 bytes\nkumoup.REQUEST_BODY_LIMIT = 26214400\n" +
		"function kumoup.setup_listener()\n  kumo.start_http_listener {\n    request_body_limit = kumoup.REQUEST_BODY_LIMIT,\n  }\nend\n"
	cases := []struct {
		name      string
		site, lua string
		status    Status
		fragment  string
	}{
		{"equal through the module's constant", "    # client_max_body_size 1m;\n    client_max_body_size 25m;\n", generatedLua,
			StatusPass, "client_max_body_size 25m (26214400 bytes); kumod request_body_limit 26214400"},
		{"equal as a literal", "client_max_body_size 25m;\n", "request_body_limit = 26214400,\n",
			StatusPass, "request_body_limit 26214400"},
		{"nginx larger: kumod answers 413", "client_max_body_size 50m;\n", generatedLua,
			StatusFail, "kumod answers 413"},
		{"kumod left at its 2 MB default", "client_max_body_size 25m;\n", "kumo.start_http_listener { listen = '127.0.0.1:8000' }\n",
			StatusFail, "kumod's default 2097152 bytes"},
		{"nginx left at its 1m default", "server {}\n", generatedLua,
			StatusFail, "nginx default 1m"},
		{"a location with its own limit", "client_max_body_size 25m;\nlocation = /x { client_max_body_size 100m; }\n", generatedLua,
			StatusFail, "client_max_body_size 100m"},
		{"no Lua module", "client_max_body_size 25m;\n", "",
			StatusFail, "cannot read the KumoMTA policy module"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := checkBodyLimitFiles(context.Background(), edgeBodyLimitTarget(t, tc.site, tc.lua))
			if r.Status != tc.status || !strings.Contains(r.Detail, tc.fragment) {
				t.Errorf("got %s %q, want %s containing %q", r.Status, r.Detail, tc.status, tc.fragment)
			}
			if r.Status == StatusFail && !strings.Contains(r.Remedy, "kumoup apply") {
				t.Errorf("remedy %q does not say how to fix it", r.Remedy)
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

// A module rendered for a kumod older than 2024.06.10 has no
// request_body_limit: the only fix is the upgrade.
func TestEdgeBodyLimitForAnOldKumodGivesTheUpgrade(t *testing.T) {
	full := hostTestDeployment()
	full.Domain, full.MaxBody = "mta.example.com", "25m"
	files, err := writer.Render(full, writer.Options{Kumod: model.MustKumoVersion("kumod 2024.03.01-0f1e2d3c")})
	if err != nil {
		t.Fatal(err)
	}
	var lua string
	for _, f := range files {
		if f.Path == writer.LuaModulePath {
			lua = string(f.Content)
		}
	}
	r := checkBodyLimitFiles(context.Background(), edgeBodyLimitTarget(t, "client_max_body_size 25m;\n", lua))
	if r.Status != StatusFail || !strings.Contains(r.Detail, "kumod's default 2097152 bytes") || !strings.Contains(r.Remedy, "upgrade KumoMTA to 2024.06.10") {
		t.Errorf("got %s %q | %q", r.Status, r.Detail, r.Remedy)
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
	wantResult(t, r, StatusFail, "Content-Length 26214401: 100", "nginx takes more than max_body", "files: nginx client_max_body_size 25m", "systemctl reload nginx")
	// Only heads were sent: kumod saw nothing.
	if n := len(site.Kumod.Requests()); n != 0 {
		t.Errorf("kumod received %d request(s)", n)
	}
}
