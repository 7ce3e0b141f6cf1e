package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// demoRoot is as long as the demo's pretend host: its certificate paths
// are wider than a field at 80 columns.
const demoRoot = "/tmp/kumoup-demo-1452467414/host"

// trimmedLines is s's lines without a field's border and margins.
func trimmedLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "┃")))
	}
	return out
}

// renderedLines is what huh draws of the page, every field (not only the
// part scrolled into view), each line without its border and margins.
func renderedLines(w *wizard) []string { return trimmedLines(ansi.Strip(w.group.Content())) }

// requireWhole fails unless every word of text is drawn on one line of
// lines; a word wider than width may only continue on the next line after
// a '/'.
func requireWhole(t *testing.T, text string, lines []string, width int) {
	t.Helper()
	for _, word := range strings.Fields(text) {
		if ansi.StringWidth(word) <= width {
			if !containsWord(lines, word) {
				t.Errorf("%q is not drawn whole on one line at %d cells:\n%s", word, width, strings.Join(lines, "\n"))
			}
			continue
		}
		if !drawnAcrossAtSlashes(lines, word) {
			t.Errorf("%q, wider than %d cells, is not drawn broken only after a '/':\n%s", word, width, strings.Join(lines, "\n"))
		}
	}
}

func containsWord(lines []string, word string) bool {
	for _, l := range lines {
		for _, f := range strings.Fields(l) {
			if f == word {
				return true
			}
		}
	}
	return false
}

// drawnAcrossAtSlashes reports whether word is drawn as a line's last
// word continued at the start of the following lines, each break after a
// '/'.
func drawnAcrossAtSlashes(lines []string, word string) bool {
	for i, l := range lines {
		f := strings.Fields(l)
		if len(f) == 0 || !strings.HasPrefix(word, f[len(f)-1]) {
			continue
		}
		rest, piece := word, f[len(f)-1]
		for j := i + 1; strings.HasSuffix(piece, "/") && j < len(lines); j++ {
			rest = rest[len(piece):]
			next := strings.Fields(lines[j])
			if len(next) == 0 {
				break
			}
			piece = next[0]
			if piece == rest {
				return true
			}
			if !strings.HasPrefix(rest, piece) || len(next) > 1 {
				break
			}
		}
	}
	return false
}

func TestWizardTextsAreNeverBrokenInsideAPathANameOrAFlag(t *testing.T) {
	flows := map[string]func(w, h int) (Model, []page){
		"mta": func(w, h int) (Model, []page) {
			opt := prefilled()
			d := *opt.Prefill
			d.Domain, d.TLSCertificate, d.TLSCertificateKey = "mail-east.example.com", "", ""
			opt.Prefill = &d
			return atPage(opt, pageHost, w, h), mtaPages
		},
		"mta_demo": func(w, h int) (Model, []page) {
			opt := prefilled()
			d := *opt.Prefill
			d.Domain, d.TLSCertificate, d.TLSCertificateKey = "mail.example.com", "", ""
			opt.Prefill, opt.Demo, opt.Layout = &d, true, writer.Layout{Root: demoRoot}
			return atPage(opt, pageHost, w, h), mtaPages
		},
		"proxy_host": func(w, h int) (Model, []page) {
			return atProxyPage(proxyOptions(goldenRoot, true), w, h), []page{pageProxyHost}
		},
	}
	for name, open := range flows {
		for _, size := range [][2]int{{80, 24}, {120, 40}, {50, 24}} {
			t.Run(fmt.Sprintf("%s/%dx%d", name, size[0], size[1]), func(t *testing.T) {
				m, pages := open(size[0], size[1])
				wz := m.wizardScreen()
				for _, p := range pages {
					wz.show(p)
					m = sized(m, size[0], size[1])
					width := wz.fieldTextWidth()
					if len(wz.fits) == 0 {
						t.Fatalf("page %s: no text is fitted", pageTitles[p])
					}
					lines := renderedLines(wz)
					for _, f := range wz.fits {
						requireWhole(t, f.text(), lines, width)
					}
				}
			})
		}
	}
}

func TestTheDemosCertificatePathIsWholeWhereItFitsAndBrokenOnlyAfterASlash(t *testing.T) {
	opt := prefilled()
	d := *opt.Prefill
	d.Domain, d.TLSCertificate, d.TLSCertificateKey = "mail.example.com", "", ""
	opt.Prefill, opt.Demo, opt.Layout = &d, true, writer.Layout{Root: demoRoot}
	cert := demoRoot + "/etc/letsencrypt/live/mail.example.com/fullchain.pem"

	// 120 columns hold it: on the screen, on one line.
	if s := screenText(atPage(opt, pageHost, 120, 40)); !strings.Contains(s, "empty: "+cert) {
		t.Errorf("at 120x40 the certificate path is not on one line:\n%s", s)
	}
	// 80 columns do not: it goes on after "empty:", broken after a '/',
	// never at huh's '.' ("mail.example." then "com/fullchain.pem").
	s := screenText(atPage(opt, pageHost, 80, 24))
	if !drawnAcrossAtSlashes(trimmedLines(s), cert) {
		t.Errorf("at 80x24 the certificate path is broken elsewhere than after a '/':\n%s", s)
	}
	if strings.Contains(s, "mail.example.\n") || strings.Contains(s, "empty:\n") {
		t.Errorf("at 80x24 the certificate path is broken at a '.' or left alone on its line:\n%s", s)
	}
	// A window narrowed from 120 to 80 columns wraps the path again.
	if s := screenText(sized(atPage(opt, pageHost, 120, 40), 80, 24)); !drawnAcrossAtSlashes(trimmedLines(s), cert) {
		t.Errorf("after a resize to 80x24 the certificate path is broken elsewhere than after a '/':\n%s", s)
	}
	// Every field of the page is still on the screen: the path takes no
	// more lines than it must.
	for _, want := range []string{"Public name of the MTA host", "TLS certificate", "TLS private key", "Largest injection body", "> 25m"} {
		if !strings.Contains(s, want) {
			t.Errorf("at 80x24 the page lacks %q:\n%s", want, s)
		}
	}
}

func TestWizardErrorsAreWrappedAtSpacesOnly(t *testing.T) {
	bad := "mta.example.cometc/letsencrypt/live/mail-east.example.com/fullchain.pem"
	for _, width := range []int{80, 60} {
		m := atPage(prefilled(), pageHost, width, 24)
		m = send(m, press("tab")) // domain is focused: its value is typed over
		for _, r := range "etc/letsencrypt/live/mail-east.example.com/fullchain.pem" {
			m = send(m, press(string(r)))
		}
		m = send(m, press("tab"))
		errs := m.wizardScreen().form.Errors()
		if len(errs) != 1 || !strings.Contains(errs[0].Error(), bad) {
			t.Fatalf("at %d columns the errors are %v, want the domain's", width, errs)
		}
		requireWhole(t, "* "+errs[0].Error(), trimmedLines(screenText(m)), width-2)
	}
}

func TestFitTextWrapsAtSpacesAndCutsOnlyAWordWiderThanTheLine(t *testing.T) {
	for _, c := range []struct {
		name, in string
		w        int
		want     []string
	}{
		{"fits", "e.g. mta.example.com", 40, []string{"e.g. mta.example.com"}},
		{"at a space, never at '.' or '-'", "CIDR prefixes, comma-separated and mail-east.example.com", 25,
			[]string{"CIDR prefixes,", "comma-separated and", "mail-east.example.com"}},
		{"a wide path goes on and breaks after a '/'", "empty: /tmp/kumoup-demo-1/host/etc/letsencrypt/live/x.example/fullchain.pem", 50,
			[]string{"empty: /tmp/kumoup-demo-1/host/etc/letsencrypt/", "live/x.example/fullchain.pem"}},
		{"too little room left: a new line", "a long start of a line, it fills most of the row /tmp/kumoup-demo-1/host/etc/letsencrypt/live/x.example/fullchain.pem", 50,
			[]string{"a long start of a line, it fills most of the row", "/tmp/kumoup-demo-1/host/etc/letsencrypt/live/", "x.example/fullchain.pem"}},
		{"less than half the room: a new line", "a fairly long start of a line /tmp/a-very-long-directory-name/etc/letsencrypt/x.example/fullchain.pem", 50,
			[]string{"a fairly long start of a line", "/tmp/a-very-long-directory-name/etc/letsencrypt/", "x.example/fullchain.pem"}},
		{"no slash: cut at the edge", "--a-flag-far-wider-than-the-line", 10, []string{"--a-flag-f", "ar-wider-t", "han-the-li", "ne"}},
		{"lines kept", "one\ntwo", 40, []string{"one", "two"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := strings.Split(fitText(c.in, c.w), "\n")
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("fitText(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
			}
			for _, l := range got {
				if ansi.StringWidth(l) > c.w {
					t.Errorf("%q is wider than %d", l, c.w)
				}
			}
		})
	}
}

func TestAPathInAColumnGoesWholeOnItsOwnLineBeforeItIsCut(t *testing.T) {
	p := "/tmp/kumoup-demo-237981734/host/etc/nginx/kumoup/mta.demo.kumoup.test.tokens"
	for _, c := range []struct {
		name   string
		col, w int
		want   []string
	}{
		{"fits after the label", 12, 100, []string{p}},
		{"fits a line of its own: whole, below", 12, 80, []string{"", "  " + p}},
		{"fits no line: cut after a '/', in the column", 12, 60, []string{"/tmp/kumoup-demo-237981734/host/etc/nginx/", "            kumoup/mta.demo.kumoup.test.tokens"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := columnPath(p, c.col, c.w); strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("columnPath(%d, %d) = %q, want %q", c.col, c.w, got, c.want)
			}
		})
	}
}

func TestAConnectionValuesPathTooWideForItsColumnIsShownWhole(t *testing.T) {
	v := "•••••••• (sha256:c9d81f93), in /tmp/kumoup-demo-237981734/host/etc/nginx/kumoup/mta.demo.kumoup.test.tokens"
	got := wrapValue(v, 62, 78)
	want := []string{"•••••••• (sha256:c9d81f93), in", outdented + "/tmp/kumoup-demo-237981734/host/etc/nginx/kumoup/mta.demo.kumoup.test.tokens"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrapValue = %q, want %q", got, want)
	}
	// Wider than the whole row: cut after a '/', in the column.
	for _, l := range wrapValue(v, 40, 60) {
		if strings.HasPrefix(l, outdented) || ansi.StringWidth(l) > 40 {
			t.Errorf("in 40 cells of 60, %q leaves its column or is wider", l)
		}
	}
	m := atConnection(t, 80, 24)
	if s := screenText(m); !strings.Contains(s, "\n  "+goldenRoot+"/etc/nginx/kumoup/mta.example.com.tokens\n") {
		t.Errorf("at 80x24 the token include's path is not whole on its own line:\n%s", s)
	}
}

func TestTheDashboardsDetailKeepsARemedysLuaStringWholeAt120x40(t *testing.T) {
	str := "'/tmp/kumoup-demo-237981734/host/opt/kumomta/etc/policy/?.lua;'"
	res := testResults(5, false)
	res[0].Status = probes.StatusFail // first: selected when the dashboard opens
	res[0].Remedy = "add to /tmp/kumoup-demo-237981734/host/opt/kumomta/etc/policy/init.lua (its shape: minimal): package.path = " + str + " .. package.path"
	m := atDashboard(120, 40, checksMsg{results: res, at: fixedNow})
	if s := screenText(m); !strings.Contains(s, str) {
		t.Errorf("at 120x40 the remedy's Lua string is broken:\n%s", s)
	}
}
