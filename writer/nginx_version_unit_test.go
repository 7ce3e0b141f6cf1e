package writer

import (
	"strings"
	"testing"
)

func TestParseNginxVersionReadsWhatNginxPrints(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want NginxVersion
	}{
		{"nginx version: nginx/1.22.1\n", NginxVersion{Major: 1, Minor: 22, Patch: 1}},
		{"nginx version: nginx/1.24.0 (Ubuntu)\n", NginxVersion{Major: 1, Minor: 24, Patch: 0}},
		{"nginx version: nginx/1.26.3\n", NginxVersion{Major: 1, Minor: 26, Patch: 3}},
	} {
		got, err := ParseNginxVersion(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseNginxVersion(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseNginxVersion("openresty version: unknown"); err == nil {
		t.Error("ParseNginxVersion accepted a line without nginx/X.Y.Z")
	}
}

func TestHTTP2DirectiveFromNginx1251(t *testing.T) {
	for v, want := range map[NginxVersion]bool{
		{}:         false, // unknown: the form every release accepts
		{1, 22, 1}: false, // Debian 12
		{1, 24, 0}: false, // Ubuntu 24.04
		{1, 25, 0}: false,
		{1, 25, 1}: true,
		{1, 26, 3}: true, // Debian 13
		{2, 0, 0}:  true,
	} {
		if got := v.HTTP2Directive(); got != want {
			t.Errorf("%v.HTTP2Directive() = %v, want %v", v, got, want)
		}
	}
}

// The site enables HTTP/2 with the listen parameter for nginx before
// 1.25.1 and with `http2 on;` from it on (where the parameter is
// deprecated and nginx -t warns).
func TestRenderSiteHTTP2FormFollowsTheNginxVersion(t *testing.T) {
	d := testDeployment()
	l, err := LayoutAt("")
	if err != nil {
		t.Fatal(err)
	}
	site := func(v NginxVersion) string {
		t.Helper()
		files, err := Render(d, Options{Layout: l, Nginx: v})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if f.Path == l.SiteFile(d.Domain) {
				return string(f.Content)
			}
		}
		t.Fatal("no site file rendered")
		return ""
	}
	old := site(NginxVersion{Major: 1, Minor: 22, Patch: 1})
	if n := strings.Count(old, " ssl http2"); n != 4 || strings.Contains(old, "http2 on;") {
		t.Errorf("for nginx 1.22.1: %d listen ... ssl http2 lines (want 4, two servers x two addresses), http2 on: %v", n, strings.Contains(old, "http2 on;"))
	}
	cur := site(NginxVersion{Major: 1, Minor: 26, Patch: 3})
	if n := strings.Count(cur, "    http2 on;\n"); n != 2 || strings.Contains(cur, " ssl http2") {
		t.Errorf("for nginx 1.26.3: %d http2 on lines (want 2, one per 443 server), listen ... http2: %v", n, strings.Contains(cur, " ssl http2"))
	}
}
