package writer

import (
	"testing"
)

// TestMaskerChangesNothingInAFileThatHoldsNoSecret: the files that hold no
// secret (the Lua module names env.PING8_WEBHOOK_TOKEN after 'Bearer ',
// and the variable in its comments) are shown exactly as written.
func TestMaskerChangesNothingInAFileThatHoldsNoSecret(t *testing.T) {
	files, err := Render(testDeployment(), Options{Layout: Layout{Root: t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		if f.Sensitive() {
			continue
		}
		seen++
		c := Change{File: f, Action: Create}
		if got := c.Preview(); got != string(f.Content) {
			t.Errorf("%s (%s) holds no secret, yet the preview differs from its content:\n%s", f.Name, f.Path, firstDifference(got, string(f.Content)))
		}
		if found := secretsIn(f.Content); len(found) != 0 {
			t.Errorf("%s: secretsIn found %q in a file that holds no secret", f.Name, found)
		}
	}
	if seen == 0 {
		t.Fatal("no file without a secret was rendered")
	}
}

func TestMaskerFindsATokenRightAfterBearerButNotANameThere(t *testing.T) {
	const tok = "abcDEF0123456789_-xyzXYZ9876543210abcdefgh"
	for line, want := range map[string]bool{
		`"Bearer ` + tok + `" 1;`:                                             true,
		`proxy_set_header Authorization "Bearer ` + tok + `";`:                true,
		`local authorization = 'Bearer ' .. env.PING8_WEBHOOK_TOKEN`:          false,
		`--   with "Authorization: Bearer PING8_WEBHOOK_TOKEN".`:              false,
		`add_header WWW-Authenticate 'Bearer realm="kumomta"' always;`:        false,
		`-- Bearer env.PING8_WEBHOOK_TOKEN and Bearer settings.webhook_token`: false,
	} {
		found := secretsIn([]byte(line + "\n"))
		if got := len(found) > 0; got != want {
			t.Errorf("%s: found %q, want a token found: %v", line, found, want)
		}
	}
}

// firstDifference shows where two texts part.
func firstDifference(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(i-40, 0)
	return "got  …" + a[lo:min(i+40, len(a))] + "\nwant …" + b[lo:min(i+40, len(b))]
}
