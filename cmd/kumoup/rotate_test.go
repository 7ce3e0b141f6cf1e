package main

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// loadResult counts what a load of requests met.
type loadResult struct {
	sent, refused, keptFailed, freshClosed atomic.Int64
	// retried counts kept-alive requests that met a closed connection and
	// were sent once more (keptFailed: the retry failed too).
	retried atomic.Int64
	mu      sync.Mutex
	first   []string
}

func (r *loadResult) note(what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.first) < 3 {
		r.first = append(r.first, what)
	}
}

// requestLoad sends GET /metrics with token from workers goroutines until
// stop is closed, each at most maxPerWorker times: the requests in flight
// while nginx reloads. The workers take turns among three clients: HTTP/2
// and HTTP/1.1 with connections kept alive (an app's pooled client, the
// dashboard's scraper) and HTTP/1.1 with a new connection per request.
func requestLoad(site *loopback.Site, token string, workers, maxPerWorker int, stop <-chan struct{}) (*loadResult, func()) {
	res := &loadResult{}
	h2 := site.Client()
	h1 := site.HTTP1Client()
	fresh := site.HTTP1Client()
	fresh.Transport.(*http.Transport).DisableKeepAlives = true
	fresh.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: site.CACertPool}
	clients := []struct {
		name  string
		c     *http.Client
		fresh bool
	}{{"kept-alive HTTP/2", h2, false}, {"kept-alive HTTP/1.1", h1, false}, {"new HTTP/1.1 connection", fresh, true}}
	url := site.URL(model.MetricsPath)
	var wg sync.WaitGroup
	for w := range workers {
		cl := clients[w%len(clients)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range maxPerWorker {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res.sent.Add(1)
				resp, err := cl.c.Do(req)
				switch {
				case err != nil && cl.fresh && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)):
					// nginx's graceful shutdown closes a connection whose
					// request it has not read yet (see freshClosed).
					res.freshClosed.Add(1)
					res.note(cl.name + ": " + err.Error())
				case err != nil:
					// A kept-alive connection the old worker closed as the
					// request left: an app's client retries an idempotent
					// request once, on a new connection. The retry must get
					// its 200; a refusal is never retried.
					res.retried.Add(1)
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Authorization", "Bearer "+token)
					resp, err2 := cl.c.Do(req)
					if err2 != nil {
						res.keptFailed.Add(1)
						res.note(cl.name + ": " + err.Error() + ", then on retry: " + err2.Error())
						break
					}
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						res.refused.Add(1)
						res.note(cl.name + " (retry): " + resp.Status)
					}
				default:
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						res.refused.Add(1)
						res.note(cl.name + ": " + resp.Status)
					}
				}
			}
		}()
	}
	return res, wg.Wait
}

// reloadUnderLoad reloads site's nginx with the deployment on disk (what
// `systemctl reload nginx` does after kumoup rotate) while requests with
// token are in flight, and fails t if nginx refused any of them or a
// request on a kept-alive connection failed even when sent once more (as an
// app's client does for an idempotent request whose connection closed).
//
// A request on a brand-new connection may meet EOF before any response:
// nginx's old worker, shutting down gracefully, closes a connection whose
// request it has not read yet (measured on nginx 1.22 with a reload that
// changes nothing: a few requests in a thousand sent around the reload). That is
// nginx's reload, not the rotation, and the token cannot cause it: such
// requests are counted and logged, and every response that did arrive
// must be 200.
func reloadUnderLoad(t *testing.T, site *loopback.Site, token string) {
	t.Helper()
	d, err := writer.Load(site.Layout)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	res, wait := requestLoad(site, token, 6, 3000, stop)
	time.Sleep(200 * time.Millisecond) // requests flowing before the HUP
	before := res.sent.Load()
	if err := site.Reload(context.Background(), d); err != nil {
		close(stop)
		wait()
		t.Fatalf("reload nginx: %v", err)
	}
	during := res.sent.Load() - before
	time.Sleep(200 * time.Millisecond) // and after it
	close(stop)
	wait()
	t.Logf("%d requests, %d sent while nginx reloaded; refused %d, failed on kept-alive connections %d (after %d retried once), new connections closed by the old worker %d %v",
		res.sent.Load(), during, res.refused.Load(), res.keptFailed.Load(), res.retried.Load(), res.freshClosed.Load(), res.first)
	if during == 0 {
		t.Fatal("no request was sent while nginx reloaded: the test proves nothing")
	}
	if n, k := res.refused.Load(), res.keptFailed.Load(); n+k != 0 {
		t.Fatalf("across the reload, nginx refused %d requests and %d on kept-alive connections failed, of %d (first: %v)", n, k, res.sent.Load(), res.first)
	}
}

func status(t *testing.T, site *loopback.Site, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", site.URL(model.MetricsPath), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := site.HTTP1Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRotateInjectionOnRealNginxWithoutAFailedRequest(t *testing.T) {
	site := statusSite(t, loopback.Config{})
	root := site.Layout.Root
	old := site.Deployment.InjectionToken
	webhook := site.Deployment.WebhookToken

	r := kumoup(t, "rotate", "injection", "--root", root)
	if r.code != exitOK {
		t.Fatalf("rotate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	d, err := writer.Load(site.Layout)
	if err != nil {
		t.Fatal(err)
	}
	newTok := d.InjectionToken
	if newTok == old || d.RetiredInjectionToken != old {
		t.Fatalf("after rotate: current %s, retired %s (old %s)", model.Fingerprint(newTok), model.Fingerprint(d.RetiredInjectionToken), model.Fingerprint(old))
	}
	for _, want := range []string{"rotation in progress, old token accepted until", model.Fingerprint(newTok), "--reveal prints it", "then: nginx -t && systemctl reload nginx", "kumoup rotate injection --finish"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("rotate output lacks %q:\n%s", want, r.stdout)
		}
	}
	noSecretIn(t, r, old, newTok, webhook)

	// The app still sends the old token while nginx reloads.
	reloadUnderLoad(t, site, old)
	third := "third-token-0123456789abcdefghijklmnopqrstu"
	if a, b, c := status(t, site, old), status(t, site, newTok), status(t, site, third); a != 200 || b != 200 || c != 401 {
		t.Fatalf("during the grace period: old %d, new %d, a third token %d; want 200, 200, 401", a, b, c)
	}

	st := kumoup(t, statusArgs(site, "host.tokens.rotation")...)
	if st.code != exitOK || !strings.Contains(st.stdout, "rotation in progress, old token accepted until") {
		t.Errorf("status: exit %d\n%s%s", st.code, st.stdout, st.stderr)
	}
	noSecretIn(t, st, old, newTok, webhook)

	again := kumoup(t, "rotate", "injection", "--root", root)
	if again.code != exitUsage || !strings.Contains(again.stderr, "in progress") || !strings.Contains(again.stderr, "--finish") {
		t.Fatalf("a second rotation: exit %d\n%s%s", again.code, again.stdout, again.stderr)
	}
	if d2, _ := writer.Load(site.Layout); d2.InjectionToken != newTok || d2.RetiredInjectionToken != old {
		t.Fatal("the refused rotation changed the token include")
	}

	// The app has switched: finish while it sends the new token.
	fin := kumoup(t, "rotate", "injection", "--finish", "--root", root)
	if fin.code != exitOK || !strings.Contains(fin.stdout, "Rotation finished") {
		t.Fatalf("finish: exit %d\n%s%s", fin.code, fin.stdout, fin.stderr)
	}
	noSecretIn(t, fin, old, newTok, webhook)
	reloadUnderLoad(t, site, newTok)
	if a, b := status(t, site, old), status(t, site, newTok); a != 401 || b != 200 {
		t.Fatalf("after finishing: old %d, new %d; want 401, 200", a, b)
	}
	if again := kumoup(t, "rotate", "injection", "--finish", "--root", root); again.code != exitUsage || !strings.Contains(again.stderr, "no rotation") {
		t.Errorf("finishing twice: exit %d\n%s", again.code, again.stderr)
	}
}

// rotateTree applies the good answers under a fresh root, with the fixed
// test tokens.
func rotateTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	t.Setenv("KUMOUP_INJECTION_TOKEN", applyTestInjection)
	t.Setenv("KUMOUP_WEBHOOK_TOKEN", applyTestWebhook)
	if r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers), "--root", root); r.code != exitOK {
		t.Fatalf("apply: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	os.Setenv("KUMOUP_INJECTION_TOKEN", "")
	os.Setenv("KUMOUP_WEBHOOK_TOKEN", "")
	return root
}

func TestRotateWebhookSwitchesKumodOnlyOnceTheAppAccepts(t *testing.T) {
	root := rotateTree(t)
	l := writer.Layout{Root: root}
	envBefore, _ := os.ReadFile(l.EnvFile())

	r := kumoup(t, "rotate", "webhook", "--root", root)
	if r.code != exitOK {
		t.Fatalf("rotate webhook: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	pending, _, err := writer.PendingWebhook(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	noSecretIn(t, r, pending, applyTestWebhook, applyTestInjection)
	for _, want := range []string{model.Fingerprint(pending), "kumod still sends " + model.Fingerprint(applyTestWebhook), "make the app accept the new token", "--confirm-app-accepts"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	if envNow, _ := os.ReadFile(l.EnvFile()); string(envNow) != string(envBefore) {
		t.Fatal("rotate webhook changed the environment file before the app accepted the token")
	}
	if again := kumoup(t, "rotate", "webhook", "--root", root); again.code != exitUsage || !strings.Contains(again.stderr, "in progress") {
		t.Fatalf("second rotate webhook: exit %d\n%s", again.code, again.stderr)
	}

	c := kumoup(t, "rotate", "webhook", "--confirm-app-accepts", "--root", root)
	if c.code != exitOK || !strings.Contains(c.stdout, "then: systemctl restart kumomta") {
		t.Fatalf("confirm: exit %d\n%s%s", c.code, c.stdout, c.stderr)
	}
	noSecretIn(t, c, pending, applyTestWebhook, applyTestInjection)
	d, err := writer.Load(l)
	if err != nil || d.WebhookToken != pending {
		t.Fatalf("after confirm, the environment file does not hold the new token (%v)", err)
	}
	if _, err := os.Stat(l.PendingWebhookFile()); !os.IsNotExist(err) {
		t.Errorf("the pending token file is still there: %v", err)
	}
	if m, _ := filepath.Glob(l.EnvFile() + writer.BackupInfix + "*"); len(m) != 1 {
		t.Errorf("backups of the environment file: %v", m)
	}
	if again := kumoup(t, "rotate", "webhook", "--confirm-app-accepts", "--root", root); again.code != exitUsage {
		t.Errorf("confirm without a pending token: exit %d", again.code)
	}
}

func TestRotateRevealPrintsTheNewTokenOnlyWhenAsked(t *testing.T) {
	root := rotateTree(t)
	l := writer.Layout{Root: root}
	r := kumoup(t, "rotate", "webhook", "--reveal", "--root", root)
	pending, _, err := writer.PendingWebhook(context.Background(), l)
	if r.code != exitOK || err != nil || !strings.Contains(r.stdout, "new webhook token    "+pending+"\n") {
		t.Fatalf("--reveal: exit %d (%v)\n%s", r.code, err, r.stdout)
	}
	noSecretIn(t, run{stdout: strings.ReplaceAll(r.stdout, pending, ""), stderr: r.stderr}, pending, applyTestWebhook, applyTestInjection)

	r = kumoup(t, "rotate", "injection", "--reveal", "--root", root)
	d, _ := writer.Load(l)
	if r.code != exitOK || !strings.Contains(r.stdout, "new injection token  "+d.InjectionToken+"\n") {
		t.Fatalf("--reveal: exit %d\n%s", r.code, r.stdout)
	}
	noSecretIn(t, run{stdout: strings.ReplaceAll(r.stdout, d.InjectionToken, ""), stderr: r.stderr}, d.InjectionToken, applyTestWebhook, applyTestInjection)
}

func TestRotateHasNoFlagOrArgumentForSecrets(t *testing.T) {
	root := rotateTree(t)
	for _, args := range [][]string{
		{"rotate", "injection", "--token", applyTestInjection, "--root", root},
		{"rotate", "webhook", "--token-file", "/dev/null", "--root", root},
		{"rotate", "injection", applyTestInjection, "--root", root},
		{"rotate", "nothing", "--root", root},
		{"rotate", "webhook", "--finish", "--root", root},
		{"rotate", "injection", "--confirm-app-accepts", "--root", root},
	} {
		if r := kumoup(t, args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
	}
}

func TestDiffExitsLikeDiffAndMasksTheTokens(t *testing.T) {
	root := rotateTree(t)
	l := writer.Layout{Root: root}
	r := kumoup(t, "diff", "--root", root)
	if r.code != exitOK || r.stdout != "" {
		t.Fatalf("no difference: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A hand edit: a token pasted into the environment file's comment and
	// the webhook URL changed.
	env, _ := os.ReadFile(l.EnvFile())
	edited := strings.Replace(string(env), "https://app.example.com/kumo/events", "https://other.example.com/e", 1)
	pasted := "pasted_JJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJJ"
	edited += "PING8_WEBHOOK_TOKEN=" + pasted + "\n"
	if err := os.WriteFile(l.EnvFile(), []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	r = kumoup(t, "diff", "--root", root)
	if r.code != exitFailure {
		t.Fatalf("a hand edit: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"changed by hand since the last apply: content", "-PING8_WEBHOOK_URL=https://other.example.com/e", "+PING8_WEBHOOK_URL=https://app.example.com/kumo/events", "••••••••[sha256:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, r.stdout)
		}
	}
	noSecretIn(t, r, pasted, applyTestWebhook, applyTestInjection)

	if r := kumoup(t, "diff", "--root", t.TempDir()); r.code != exitUsage || !strings.Contains(r.stderr, "no deployment") {
		t.Errorf("no deployment: exit %d\n%s", r.code, r.stderr)
	}
}

func TestApplyDuringARotationKeepsTheRetiredTokenAndSaysUntilWhen(t *testing.T) {
	root := rotateTree(t)
	if r := kumoup(t, "rotate", "injection", "--root", root); r.code != exitOK {
		t.Fatalf("rotate: exit %d\n%s", r.code, r.stderr)
	}
	r := kumoup(t, "apply", "--answers", answersFile(t, goodAnswers), "--root", root)
	if r.code != exitOK || !strings.Contains(r.stdout, "retired injection token: still accepted until") || !strings.Contains(r.stdout, "0 changed") {
		t.Fatalf("apply during the rotation: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	d, _ := writer.Load(writer.Layout{Root: root})
	noSecretIn(t, r, applyTestInjection, applyTestWebhook, d.InjectionToken)

	// The old answers' token file still holds the retired token: refused.
	inj := filepath.Join(t.TempDir(), "inj.token")
	os.WriteFile(inj, []byte(applyTestInjection+"\n"), 0o600)
	r = kumoup(t, "apply", "--answers", answersFile(t, goodAnswers+"injection_token_file: "+inj+"\n"), "--root", root)
	if r.code != exitUsage || !strings.Contains(r.stderr, "retired") {
		t.Fatalf("apply with the retired token: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	noSecretIn(t, r, applyTestInjection, applyTestWebhook, d.InjectionToken)
}
