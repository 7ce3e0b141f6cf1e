package e2e

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

var sgr = regexp.MustCompile(`\x1b\[([\d;:]*)m`)

// colored reports the first SGR sequence that sets a foreground or
// background color ("" when there is none).
func colored(screen string) string {
	for _, m := range sgr.FindAllStringSubmatch(screen, -1) {
		for _, p := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ';' || r == ':' }) {
			n, err := strconv.Atoi(p)
			if err != nil {
				continue
			}
			if (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107) {
				return strconv.Quote(m[0])
			}
		}
	}
	return ""
}

// With NO_COLOR or TERM=dumb the demo draws without colors and still
// works: the preflight, then the first page on Enter.
func TestDemoWithoutColorsIsStillUsable(t *testing.T) {
	need(t, "nginx", "nginx")
	for name, opt := range map[string]termOptions{
		"NO_COLOR":  {Env: []string{"NO_COLOR=1"}},
		"TERM=dumb": {Term: "dumb"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			d := startDemo(t, opt, "")
			d.term.WaitFor(`Setup\s+preflight`, 20*time.Second)
			if c := colored(d.term.ScreenANSI()); c != "" {
				t.Errorf("the preflight uses color %s", c)
			}
			d.term.step(t, `step 1 of 4 · MTA host`, "Enter")
			d.term.step(t, `┃ TLS certificate`, "Enter")
			if c := colored(d.term.ScreenANSI()); c != "" {
				t.Errorf("the first page uses color %s", c)
			}
			d.term.Keys("C-c")
			d.term.WaitFor(promptRE, 15*time.Second)
		})
	}
}

// The same screen has colors by default: the check above can fail.
func TestDemoUsesColorsOnAColorTerminal(t *testing.T) {
	t.Parallel()
	need(t, "nginx", "nginx")
	d := startDemo(t, termOptions{}, "--no-nginx")
	d.term.WaitFor(`Setup\s+preflight`, 20*time.Second)
	if colored(d.term.ScreenANSI()) == "" {
		t.Error("no color on tmux-256color: the NO_COLOR test proves nothing")
	}
	d.term.Keys("C-c")
	d.term.WaitFor(promptRE, 15*time.Second)
}
