package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/expogen"
)

// metricsRSSCeiling is the peak resident memory `kumoup metrics --file`
// may take on a million-series exposition (issue 16): the file is 88 MiB,
// streamed through a small window.
const metricsRSSCeiling = 100 << 20

// TestMetricsFileOfAMillionSeriesPeaksUnder100MiB runs the built command
// on a 1M-series exposition from internal/expogen, without --max-body,
// under /usr/bin/time -v (Debian's time package), and reads its peak RSS.
// It builds kumoup and writes an 88 MiB file: about 10 s.
func TestMetricsFileOfAMillionSeriesPeaksUnder100MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds kumoup and writes an 88 MiB exposition")
	}
	bin := buildKumoup(t)
	file := filepath.Join(t.TempDir(), "metrics-1m.txt")
	body := expogen.Generate(1_000_000, 1)
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	size := len(body)
	body = nil
	for _, format := range [][]string{nil, {"--json"}} {
		args := append([]string{"-v", bin, "metrics", "--file", file}, format...)
		out, err := exec.Command("/usr/bin/time", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("kumoup metrics --file %v: %v\n%.2000s", format, err, out)
		}
		if !strings.Contains(string(out), "samples of") && !strings.Contains(string(out), `"samples"`) {
			t.Fatalf("kumoup metrics --file %v printed no summary:\n%.2000s", format, out)
		}
		m := regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("/usr/bin/time -v gave no peak RSS:\n%.2000s", out)
		}
		kb, _ := strconv.Atoi(string(m[1]))
		t.Logf("kumoup metrics --file %v on %d MiB (1M series): peak RSS %.1f MiB", format, size>>20, float64(kb)/1024)
		if kb<<10 >= metricsRSSCeiling {
			t.Errorf("peak RSS %.1f MiB, want under %d MiB", float64(kb)/1024, metricsRSSCeiling>>20)
		}
	}
}
