package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// step presses keys and waits for the screen they lead to. Waiting before
// the next key matters: huh changes fields asynchronously.
func (term *terminal) step(t *testing.T, pattern string, keys ...string) string {
	t.Helper()
	term.Keys(keys...)
	return term.WaitFor(pattern, 10*time.Second)
}

// demoTokens reads the two tokens the wizard wrote into the demo's pretend
// host: the injection token from the nginx token include, the webhook
// token from the environment file.
func demoTokens(t *testing.T, dir string) (inject, webhook string) {
	t.Helper()
	host := filepath.Join(dir, "host")
	inc, err := os.ReadFile(filepath.Join(host, "etc/nginx/kumoup/mta.demo.kumoup.test.tokens"))
	if err != nil {
		t.Fatalf("the wizard did not write the token include: %v", err)
	}
	m := regexp.MustCompile(`\\Q([^\\]+)\\E`).FindSubmatch(inc)
	if m == nil {
		t.Fatalf("no token in the token include:\n%s", inc)
	}
	env, err := os.ReadFile(filepath.Join(host, "etc/default/kumomta"))
	if err != nil {
		t.Fatalf("the wizard did not write the environment file: %v", err)
	}
	w := regexp.MustCompile(`(?m)^PING8_WEBHOOK_TOKEN=(\S+)$`).FindSubmatch(env)
	if w == nil {
		t.Fatal("no webhook token in the environment file")
	}
	return string(m[1]), string(w[1])
}

// The whole demo as a person runs it at 80x24: preflight, the four pages,
// the review, the apply, the connection values (masked, revealed on v),
// the next steps, the dashboard's checks and live metrics, then q. After
// exit, nothing is left running and no token is in the scrollback.
func TestDemoWalkthroughAt80x24(t *testing.T) {
	t.Parallel()
	need(t, "nginx", "nginx")
	d := startDemo(t, termOptions{}, "")
	term := d.term
	dir := d.dir(t)
	nginx := d.nginxPid(t)

	s := term.WaitFor(`Setup\s+preflight`, 20*time.Second)
	for _, want := range []string{"demo: nothing on this host is changed", "nginx found", "existing answers found: demo answers", "certificate files present for mta.demo.kumoup.test"} {
		if !strings.Contains(s, want) {
			t.Errorf("preflight does not say %q:\n%s", want, frame(s))
		}
	}

	// Page 1: the MTA host, five fields (the last, the Let's Encrypt
	// e-mail, optional).
	s = term.step(t, `step 1 of 4 · MTA host`, "Enter")
	if !strings.Contains(s, "> mta.demo.kumoup.test") {
		t.Errorf("the host name is not prefilled:\n%s", frame(s))
	}
	term.step(t, `┃ TLS certificate`, "Enter")
	term.step(t, `┃ TLS private key`, "Enter")
	term.step(t, `┃ Largest injection body`, "Enter")
	term.step(t, `┃ Let's Encrypt e-mail`, "Enter")
	// Page 2: the injection token, kept by default.
	s = term.step(t, `step 2 of 4 · injection token`, "Enter")
	if !regexp.MustCompile(`> Keep the current token \(sha256:[0-9a-f]{8}\)`).MatchString(s) {
		t.Errorf("the token page does not offer to keep the demo token by default:\n%s", frame(s))
	}
	// Page 3: the webhook.
	term.step(t, `step 3 of 4 · app webhook`, "Enter")
	term.step(t, `┃ Webhook token`, "Enter")
	// Page 4: KumoProxy, with the documentation-address warning.
	s = term.step(t, `step 4 of 4 · KumoProxy egress`, "Enter")
	if !strings.Contains(s, "documentation address") {
		t.Errorf("the demo's public IP is not flagged as a documentation address:\n%s", frame(s))
	}
	term.step(t, `┃ KumoProxy port`, "Enter")
	term.step(t, `┃ Public egress IP`, "Enter")
	term.step(t, `┃ HELO name`, "Enter")

	// Review, then apply.
	s = term.step(t, `Setup\s+review`, "Enter")
	if !regexp.MustCompile(`Plan: \d+ to create, 0 to update, 0 unchanged`).MatchString(s) {
		t.Errorf("the review of a fresh pretend host is not all creates:\n%s", frame(s))
	}
	// Long lines wrap (nothing is cut at 80 columns): as the tape does,
	// scroll down to the environment file's secret, shown masked.
	if !strings.Contains(s, "••••••••") {
		term.step(t, `••••••••`, "Down", "Down", "Down", "Down", "Down", "Down", "Down", "Down")
	}
	term.step(t, `Every file is in place`, "Enter")
	inject, webhook := demoTokens(t, dir)
	if strings.Contains(term.Screen(), inject) {
		t.Error("the apply screen shows the injection token")
	}

	// Connection values: masked, revealed on v.
	s = term.step(t, `connection values for the app`, "Enter")
	for _, want := range []string{"https://mta.demo.kumoup.test", "/api/inject/v1", "https://mta.demo.kumoup.test/metrics", "Bearer", "••••••••"} {
		if !strings.Contains(s, want) {
			t.Errorf("connection values lack %q:\n%s", want, frame(s))
		}
	}
	if strings.Contains(s, inject) || strings.Contains(s, webhook) {
		t.Fatalf("a token is shown before it is asked for:\n%s", frame(s))
	}
	term.step(t, regexp.QuoteMeta(inject), "v")

	// Next steps, then the dashboard.
	term.step(t, `Setup\s+next steps`, "Enter")
	s = term.step(t, `Checks\s+\d+✓`, "d")
	for _, want := range []string{"Dashboard", "✓  Injection without a token is refused", "✓  Metrics with the token are served"} {
		if !strings.Contains(s, want) {
			t.Errorf("the dashboard's checks pane lacks %q:\n%s", want, frame(s))
		}
	}
	// The metrics pane: numbers change from one scrape to the next.
	term.Keys("Tab")
	// The first scrape has no rate yet: wait for the second.
	s = term.WaitFor(`Delivered\s+[\d.,]+/s`, 15*time.Second)
	delivered := regexp.MustCompile(`Delivered\s+([\d.,]+/s)\s+(\S+)`)
	first := delivered.FindStringSubmatch(s)
	if first == nil {
		t.Fatalf("no delivered rate in the metrics pane:\n%s", frame(s))
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		s = term.Screen()
		if now := delivered.FindStringSubmatch(s); now != nil && (now[1] != first[1] || now[2] != first[2]) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the metrics did not change in 15s:\n%s", frame(s))
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, want := range []string{"Webhook backlog", "Top queues"} {
		if !strings.Contains(s, want) {
			t.Errorf("the metrics pane lacks %q:\n%s", want, frame(s))
		}
	}

	// Quit: everything stops, and the scrollback holds no secret.
	term.Keys("q")
	term.WaitFor(promptRE, 15*time.Second)
	processGone(t, "nginx", nginx, 15*time.Second)
	dirGone(t, dir)
	back := term.Scrollback()
	if strings.Contains(back, inject) || strings.Contains(back, webhook) {
		t.Errorf("a token is in the terminal's scrollback after exit:\n%s", lastLines(back, 40))
	}
	if !strings.Contains(back, "kumoup demo: stopped") {
		t.Errorf("the demo did not say it stopped:\n%s", lastLines(back, 20))
	}
}

// Without nginx the demo says so, the dashboard still scrapes (through the
// demo's token check) and the nginx checks report skip with the reason.
func TestDemoWithoutNginxShowsMetricsAndSkipsTheNginxChecks(t *testing.T) {
	t.Parallel()
	d := startDemo(t, termOptions{}, "--no-nginx --dashboard")
	term := d.term
	s := term.WaitFor(`Checks\s+\d+✓`, 20*time.Second)
	if !strings.Contains(s, "-  Injection without a token is refused") {
		t.Errorf("without nginx the edge checks are not marked skipped:\n%s", frame(s))
	}
	// The warning is listed (and selected) first; the skipped edge checks
	// follow it, each saying why.
	term.Keys("Down")
	s = term.WaitFor(`nginx is not started in this demo`, 10*time.Second)
	if m := regexp.MustCompile(`Checks\s+\d+✓ \d+! (\d+)✗`).FindStringSubmatch(s); m == nil || m[1] != "0" {
		t.Errorf("without nginx (after --dashboard wrote the files) a check fails, or no count:\n%s", frame(s))
	}
	term.Keys("Tab")
	term.WaitFor(`Delivered\s+[\d.,]+/s`, 15*time.Second)
	term.Keys("q")
	term.WaitFor(promptRE, 15*time.Second)
	back := term.Scrollback()
	if !strings.Contains(back, "nginx is not started in this demo (--no-nginx)") {
		t.Errorf("the demo does not say it runs without nginx:\n%s", lastLines(back, 12))
	}
}

// ctrl+c in the middle of the wizard quits without writing anything.
func TestDemoCtrlCInTheWizardWritesNothing(t *testing.T) {
	t.Parallel()
	d := startDemo(t, termOptions{}, "--no-nginx --keep")
	d.term.WaitFor(`Setup\s+preflight`, 20*time.Second)
	dir := d.dir(t)
	d.term.step(t, `step 1 of 4 · MTA host`, "Enter")
	d.term.Keys("C-c")
	d.term.WaitFor(promptRE, 15*time.Second)
	back := d.term.Scrollback()
	if !strings.Contains(back, "nothing was written") {
		t.Errorf("ctrl+c does not say nothing was written:\n%s", lastLines(back, 10))
	}
	d.term.typeLine("echo exit=$?")
	d.term.WaitFor(`^exit=130$`, 5*time.Second)
	// The pretend host holds only what the demo put there (the
	// certificate, the package's init.lua): none of kumoup's files.
	for _, sub := range []string{"etc/default", "etc/nginx", "etc/systemd", "etc/kumoup", "opt/kumomta/etc/policy/kumoup.lua"} {
		if files := filesUnder(t, filepath.Join(dir, "host", sub)); len(files) != 0 {
			t.Errorf("ctrl+c in the wizard wrote %v", files)
		}
	}
}
