//go:build picture

package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestDashboardPicture makes the README's picture, docs/dashboard.png:
// `go test -tags picture ./e2e -run Picture` (needs chromium: apt-get
// install -y chromium fonts-dejavu-core). It is built only with the
// picture tag: the picture is a document, not a behaviour.
func TestDashboardPicture(t *testing.T) {
	need(t, "nginx", "nginx")
	chromium := need(t, "chromium", "chromium fonts-dejavu-core")
	const cols, rows = 120, 36
	d := startDemo(t, termOptions{Width: cols, Height: rows}, "--dashboard")
	d.term.WaitFor(`Checks\s+\d+✓`, 20*time.Second)
	d.term.WaitFor(`Delivered\s+[\d.,]+/s`, 20*time.Second)
	// Let the sparklines fill a little.
	time.Sleep(20 * time.Second)
	screen := d.term.ScreenANSI()
	d.term.Keys("q")
	d.term.WaitFor(promptRE, 15*time.Second)

	dir := t.TempDir()
	page := filepath.Join(dir, "dashboard.html")
	if err := os.WriteFile(page, []byte(terminalPage(ansiToHTML(screen), cols)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(moduleRoot(t), "docs", "dashboard.png")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--hide-scrollbars", "--user-data-dir="+filepath.Join(dir, "profile"),
		"--screenshot="+out, "--window-size=1044,654", "file://"+page)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, b)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Size() < 10_000 {
		t.Fatalf("no picture written: %v", err)
	}
	t.Logf("wrote %s (%d bytes)", out, fi.Size())
}

// terminalPage wraps converted lines in a page the size of a cols x rows
// terminal.
func terminalPage(body string, cols int) string {
	return `<!doctype html><html><head><meta charset="utf-8"><style>
html,body{margin:0;background:` + defaultBG + `}
pre{margin:0;padding:16px;width:` + strconv.Itoa(cols) + `ch;color:` + defaultFG + `;background:` + defaultBG + `;
font-family:"DejaVu Sans Mono",monospace;font-size:14px;line-height:1.2}
</style></head><body><pre>` + body + `</pre></body></html>
`
}
