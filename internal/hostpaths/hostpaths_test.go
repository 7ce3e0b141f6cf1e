package hostpaths

import (
	"strings"
	"testing"
)

func TestOutsideSeesOnlyPathsOutsideTheRoot(t *testing.T) {
	root := "/tmp/tree"
	text := "edit /tmp/tree/etc/nginx/conf.d/x.conf and `/etc/default/kumomta`, (/var/www/x) see https://example.com/etc/ and /tmp/tree/opt/kumomta/etc/policy/kumoup.lua, not /opt/kumomta/sbin/kumod"
	got := Outside(text, root)
	want := []string{"/etc/default/kumomta", "/var/www/x", "/opt/kumomta/sbin/kumod"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := Outside("/etc/passwd at the start", root); len(got) != 1 || got[0] != "/etc/passwd" {
		t.Errorf("a path at the start: %q", got)
	}
	if got := Outside("nothing here: /tmp/tree/etc/x /usr/sbin/nginx", root); len(got) != 0 {
		t.Errorf("no host path: %q", got)
	}
}
