package shellwords

import (
	"slices"
	"testing"
)

func TestSplitKeepsQuotedSpacesAndTheQuotes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"kumoup apply --answers /etc/kumoup/kumoup.yaml", []string{"kumoup", "apply", "--answers", "/etc/kumoup/kumoup.yaml"}},
		{"  a   b  ", []string{"a", "b"}},
		{`ssh h 'sudo install -m 0600 /dev/stdin x'`, []string{"ssh", "h", `'sudo install -m 0600 /dev/stdin x'`}},
		{`package.path = "/a/?.lua;" .. x`, []string{"package.path", "=", `"/a/?.lua;"`, "..", "x"}},
		{`echo "it's" 'say "hi"'`, []string{"echo", `"it's"`, `'say "hi"'`}},
		{`unterminated 'a b`, []string{"unterminated", "'a b"}},
		{"", nil},
	} {
		if got := Split(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Split(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
