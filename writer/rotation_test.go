package writer

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/model"
)

const testNewInjection = "new_DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD"

func rotated(t *testing.T, at time.Time) model.Deployment {
	t.Helper()
	d, err := testDeployment().RotateInjection(testNewInjection, at)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestTokenIncludeDuringARotationHoldsBothKeysTheRetiredOneDated(t *testing.T) {
	at := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	files := renderUnder(t, t.TempDir(), rotated(t, at))
	var inc File
	for _, f := range files {
		if f.Name == "nginx token include" {
			inc = f
		}
	}
	want := `"~^Bearer \Q` + testNewInjection + `\E$" 1;
# retired 2026-12-04T16:00:00Z, accepted until 2026-12-11T16:00:00Z; then ` + "`kumoup rotate injection --finish`" + ` (or the next kumoup apply) drops it.
"~^Bearer \Q` + testInjection + `\E$" 1;
`
	if !strings.HasSuffix(string(inc.Content), want) {
		t.Fatalf("token include:\n%s\nwant it to end with:\n%s", inc.Content, want)
	}
	if len(inc.Secrets) != 2 || !strings.Contains((Change{File: inc}).Preview(), "[sha256:") || strings.Contains((Change{File: inc}).Preview(), testInjection) {
		t.Errorf("both tokens must be secrets of the file: %v", (Change{File: inc}).Preview())
	}
	ti := parseTokenInclude(inc.Content)
	if ti.current != testNewInjection || ti.retired != testInjection || !ti.retiredAt.Equal(at) {
		t.Errorf("parsed back: %+v", ti)
	}
}

func TestParseTokenIncludeToleratesHandEdits(t *testing.T) {
	for name, c := range map[string]struct {
		text             string
		current, retired string
	}{
		"plain":            {`"~^Bearer \Qa\E$" 1;`, "a", ""},
		"retired first":    {"# retired 2026-12-04T16:00:00Z, x\n" + `"~^Bearer \Qold\E$" 1;` + "\n" + `"~^Bearer \Qnew\E$" 1;`, "new", "old"},
		"bad date":         {"# retired yesterday\n" + `"~^Bearer \Qold\E$" 1;` + "\n" + `"~^Bearer \Qnew\E$" 1;`, "old", ""},
		"only retired":     {"# retired 2026-12-04T16:00:00Z\n" + `"~^Bearer \Qold\E$" 1;`, "", ""},
		"marker then junk": {"# retired 2026-12-04T16:00:00Z\nmap_hash x;\n" + `"~^Bearer \Qa\E$" 1;`, "a", ""},
	} {
		ti := parseTokenInclude([]byte(c.text))
		if ti.current != c.current || ti.retired != c.retired {
			t.Errorf("%s: current %q retired %q, want %q %q", name, ti.current, ti.retired, c.current, c.retired)
		}
	}
}

func TestLoadReadsARotationInProgress(t *testing.T) {
	root := t.TempDir()
	at := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	applyFor(t, root, rotated(t, at))
	d, err := Load(Layout{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if d.InjectionToken != testNewInjection || d.RetiredInjectionToken != testInjection || !d.RetiredAt.Equal(at) {
		t.Fatalf("Load: current %s retired %s at %v", model.Fingerprint(d.InjectionToken), model.Fingerprint(d.RetiredInjectionToken), d.RetiredAt)
	}
	if _, err := d.RotateInjection("another_EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE", at); !errors.Is(err, model.ErrRotationInProgress) || !strings.Contains(err.Error(), "--finish") {
		t.Errorf("a second rotation: %v", err)
	}
}

func TestNextApplyKeepsTheRetiredTokenDuringTheGracePeriodAndDropsItAfter(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	a := model.Answers{Deployment: testDeployment()}
	a.InjectionToken, a.WebhookToken = "", ""
	noenv := func(string) string { return "" }

	applyFor(t, l.Root, rotated(t, time.Now().Add(-6*24*time.Hour)))
	d, src, err := ResolveTokens(a, noenv, l)
	if err != nil {
		t.Fatal(err)
	}
	if d.InjectionToken != testNewInjection || d.RetiredInjectionToken != testInjection || !strings.HasPrefix(src.Retired, "still accepted until") {
		t.Fatalf("within the grace period: retired %q, %q", model.Fingerprint(d.RetiredInjectionToken), src.Retired)
	}

	// An answer of 5 days: the same rotation is now past its grace period.
	a.TokenGrace = "5d"
	d, src, err = ResolveTokens(a, noenv, l)
	if err != nil {
		t.Fatal(err)
	}
	if d.RetiredInjectionToken != "" || !strings.HasPrefix(src.Retired, "dropped") {
		t.Fatalf("past the grace period: retired %q, %q", model.Fingerprint(d.RetiredInjectionToken), src.Retired)
	}
	applyFor(t, l.Root, d.WithDefaults())
	if ti, _ := readTokenEntries(l.Root, l.TokenFile(d.Domain)); ti.current != testNewInjection || ti.retired != "" || strings.Contains(string(readFile(t, l.TokenFile(d.Domain))), testInjection) {
		t.Fatalf("after the apply past the grace period: %+v", ti)
	}
}

func TestApplyRefusesTheRetiredOrAThirdTokenDuringARotation(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	applyFor(t, l.Root, rotated(t, time.Now()))
	for tok, want := range map[string]string{
		testInjection: "holds the injection token that kumoup rotate injection retired",
		"third_FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF": "while a rotation is in progress",
	} {
		a := model.Answers{Deployment: testDeployment()}
		env := func(k string) string {
			if k == EnvInjectionToken {
				return tok
			}
			return ""
		}
		_, _, err := ResolveTokens(a, env, l)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "$"+EnvInjectionToken) || strings.Contains(err.Error(), tok) {
			t.Errorf("token from the environment: err = %v, want %q", err, want)
		}
	}
}

func TestWebhookRotationIsPendingUntilConfirmedAndRefusesASecond(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	applyFor(t, l.Root, testDeployment())
	if _, _, err := PendingWebhook(context.Background(), l); !errors.Is(err, ErrNoWebhookRotation) {
		t.Fatalf("before: %v", err)
	}
	tok := "hook_GGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGGG"
	if err := StartWebhookRotation(context.Background(), l, tok); err != nil {
		t.Fatal(err)
	}
	mustMode(t, l.PendingWebhookFile(), 0o600)
	got, _, err := PendingWebhook(context.Background(), l)
	if err != nil || got != tok {
		t.Fatalf("pending: %v", err)
	}
	if err := StartWebhookRotation(context.Background(), l, "hook_HHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHHH"); !errors.Is(err, ErrWebhookRotationInProgress) || !strings.Contains(err.Error(), "--confirm-app-accepts") {
		t.Errorf("a second start: %v", err)
	}
	if err := os.Chmod(l.PendingWebhookFile(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := PendingWebhook(context.Background(), l); err == nil || !strings.Contains(err.Error(), "--cancel") || strings.Contains(err.Error(), tok) {
		t.Errorf("a readable pending file: %v", err)
	}
	if err := CancelWebhookRotation(l); err != nil {
		t.Fatal(err)
	}
	if err := CancelWebhookRotation(l); !errors.Is(err, ErrNoWebhookRotation) {
		t.Errorf("a second cancel: %v", err)
	}
}
