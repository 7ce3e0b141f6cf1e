package ui

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// goldenSize is the WxH a golden file is named after.
var goldenSize = regexp.MustCompile(`^(\d+)x(\d+)\.golden$`)

// TestNoScreenCutsALineAtItsRightEdge: the top-level model truncates a
// line wider than the terminal with an ellipsis, as the last guard. A
// screen must wrap what it says (at spaces) instead: a golden line that
// fills the width and ends in "…" is a message, a path or a remedy the
// operator cannot read to its end.
func TestNoScreenCutsALineAtItsRightEdge(t *testing.T) {
	checked := 0
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		m := goldenSize.FindStringSubmatch(d.Name())
		if m == nil {
			return nil
		}
		width, _ := strconv.Atoi(m[1])
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(b), "\n") {
			plain := ansi.Strip(line)
			if strings.HasSuffix(plain, "…") && ansi.StringWidth(plain) >= width {
				t.Errorf("%s line %d is cut at the right edge:\n%s", path, i+1, plain)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d golden screens found under testdata: the walk is wrong", checked)
	}
}
