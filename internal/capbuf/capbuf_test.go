package capbuf

import (
	"os/exec"
	"strings"
	"testing"
)

func TestBufferKeepsTheFirstBytesAndReportsEveryWriteWhole(t *testing.T) {
	cases := []struct {
		name   string
		limit  int
		writes []string
		want   string
	}{
		{"under the limit", 10, []string{"abc", "def"}, "abcdef"},
		{"exactly the limit", 6, []string{"abc", "def"}, "abcdef"},
		{"a write crossing the limit is cut", 4, []string{"abc", "def"}, "abcd"},
		{"writes past the limit are dropped", 3, []string{"abc", "def", "ghi"}, "abc"},
		{"zero limit keeps nothing", 0, []string{"abc"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := New(tc.limit)
			for _, s := range tc.writes {
				n, err := w.Write([]byte(s))
				if n != len(s) || err != nil {
					t.Fatalf("Write(%q) = %d, %v; want %d, nil (a short write would stop the child)", s, n, err, len(s))
				}
			}
			if got := w.String(); got != tc.want {
				t.Errorf("kept %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBufferBoundsAChildsOutputAndLetsItFinish(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Fatalf("sh not found: %v", err)
	}
	// 1 MiB on stdout then a marker on stderr: the child must run to the
	// end (exit 0) while only the first 16 bytes are kept.
	cmd := exec.Command(sh, "-c", `head -c 1048576 /dev/zero | tr '\0' x; echo end >&2`)
	w := New(16)
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Run(); err != nil {
		t.Fatalf("the child did not finish: %v", err)
	}
	if got := w.String(); got != strings.Repeat("x", 16) {
		t.Errorf("kept %q, want 16 x", got)
	}
}
