package probes

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// floodResult is a failure whose detail quotes 1 MB a server sent back
// (multi-byte, in words and without spaces), as a check that echoes a
// body would report it.
func floodResult() Result {
	body := strings.Repeat("é", 1<<19) // 1 MiB of two-byte runes
	return Result{ID: "edge.echo", Title: "An endpoint echoes", Status: StatusFail,
		Detail: "GET /echo: 502 " + body, Remedy: "fix the upstream: " + body}
}

func TestReportsCutA1MBDetailToMaxDetail(t *testing.T) {
	results := []Result{floodResult()}

	var text bytes.Buffer
	if err := WriteText(&text, results, TextOptions{Width: 80}); err != nil {
		t.Fatal(err)
	}
	// Detail and remedy are at most MaxDetail characters each, plus the
	// layout's indentation: a few pages, not a megabyte.
	if n := utf8.RuneCount(text.Bytes()); n > 4*MaxDetail {
		t.Fatalf("text report is %d characters for a 1 MB detail, want under %d", n, 4*MaxDetail)
	}
	if got := strings.Count(text.String(), "(cut)"); got != 2 {
		t.Errorf("text report marks %d cuts, want 2 (detail and remedy):\n%s", got, text.String()[:500])
	}
	if !strings.Contains(text.String(), "GET /echo: 502") {
		t.Errorf("the cut detail lost its head:\n%s", text.String()[:500])
	}
	for _, l := range strings.Split(text.String(), "\n") {
		if w := ansi.StringWidth(l); w > 80 {
			t.Fatalf("a line of the cut detail is %d cells wide, more than 80", w)
		}
	}
	if !utf8.Valid(text.Bytes()) {
		t.Errorf("wrapping the quoted body split a character:\n%s", text.String()[:500])
	}

	var js bytes.Buffer
	if err := WriteJSON(&js, results); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Checks []struct{ Detail, Remedy string } `json:"checks"`
	}
	if err := json.Unmarshal(js.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{rep.Checks[0].Detail, rep.Checks[0].Remedy} {
		if n := utf8.RuneCountInString(s); n != MaxDetail+len([]rune("… (cut)")) || !strings.HasSuffix(s, "… (cut)") {
			t.Errorf("JSON field is %d characters ending %q, want %d ending in … (cut)", n, s[len(s)-12:], MaxDetail+7)
		}
	}
	if js.Len() > 4*MaxDetail+1000 {
		t.Errorf("JSON report is %d bytes for a 1 MB detail", js.Len())
	}
}

func TestReportsKeepADetailOfMaxDetailWhole(t *testing.T) {
	detail := strings.Repeat("é", MaxDetail)
	results := []Result{{ID: "a.check", Title: "A check", Status: StatusFail, Detail: detail}}
	var js bytes.Buffer
	if err := WriteJSON(&js, results); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(js.String(), "(cut)") || !strings.Contains(js.String(), detail) {
		t.Fatal("a detail of exactly MaxDetail characters was cut")
	}
	var text bytes.Buffer
	if err := WriteText(&text, results, TextOptions{Width: 80}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(text.String(), "(cut)") {
		t.Fatal("the text report cut a detail of exactly MaxDetail characters")
	}
}
