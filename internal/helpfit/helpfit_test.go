package helpfit

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestWrapUsageLeavesRoomForTheDefaultValue(t *testing.T) {
	got := WrapUsage("each check's own time limit (the whole sweep gets twice that)", 40, len(" (5s)"))
	for i, l := range strings.Split(got, "\n") {
		limit := 40
		if i == strings.Count(got, "\n") {
			limit -= len(" (5s)")
		}
		if len(l) > limit {
			t.Errorf("line %d %q is wider than %d", i, l, limit)
		}
	}
	if strings.Join(strings.Fields(got), " ") != "each check's own time limit (the whole sweep gets twice that)" {
		t.Errorf("wrapping changed the words: %q", got)
	}
}

func TestLongExamplesWrapAsOneCommandWithinFangsCodeBlock(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
	}{
		{"fits", "  kumoup status --list", []string{"  kumoup status --list"}},
		{"at spaces, a backslash at each break",
			"  sudo kumoup status --format prometheus --output /var/lib/prometheus/node-exporter/kumoup.prom",
			[]string{"  sudo kumoup status --format prometheus --output \\", "  /var/lib/prometheus/node-exporter/kumoup.prom"}},
		{"a quoted argument and a redirection stay whole",
			"  kumoup prometheus --host mta1.example.com --host 'mta2 example' --flag-x > prometheus.yml",
			[]string{"  kumoup prometheus --host mta1.example.com --host 'mta2 example' \\", "  --flag-x > prometheus.yml"}},
		{"a comment goes on as a comment",
			"  # On each MTA host, where kumoup status runs from a timer and writes the textfile collector's file:",
			[]string{"  # On each MTA host, where kumoup status runs from a timer and writes the", "  # textfile collector's file:"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := &cobra.Command{Use: "x", Example: c.in}
			FitExamples(cmd)
			got := strings.Split(cmd.Example, "\n")
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("got\n%q\nwant\n%q", got, c.want)
			}
			for i, l := range got {
				w := ExampleWidth
				if i > 0 && strings.HasSuffix(got[i-1], "\\") {
					w -= ExampleIndent
				}
				if n := len([]rune(strings.TrimSpace(l))); n > w {
					t.Errorf("line %d is %d cells, more than fang shows (%d): %q", i, n, w, l)
				}
			}
		})
	}
}
