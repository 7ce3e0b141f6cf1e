package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/metrics"
	"github.com/kumoup/kumoup/writer"
)

// goldenRoot is where golden screens pretend to write: nothing exists there,
// so every file of the plan is a creation.
const goldenRoot = "/nonexistent/kumoup-golden"

var sizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// requireScreen checks the view fits w×h exactly and matches the golden
// file of the subtest.
func requireScreen(t *testing.T, m Model) {
	t.Helper()
	text := screenText(m)
	lines := strings.Split(text, "\n")
	if len(lines) != m.height {
		t.Errorf("view has %d lines, want exactly %d", len(lines), m.height)
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w > m.width {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, w, m.width, l)
		}
	}
	golden.RequireEqual(t, text)
}

// eachSize runs build at both golden sizes as subtests named WxH.
func eachSize(t *testing.T, build func(t *testing.T, w, h int) Model) {
	for _, s := range sizes {
		t.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(t *testing.T) {
			requireScreen(t, build(t, s.w, s.h))
		})
	}
}

// atPreflight is the wizard's first screen, host facts sensed.
func atPreflight(opt Options, w, h int) Model {
	m := sized(NewModel(opt), w, h)
	return runCmd(m, m.Init())
}

// atPage is the wizard showing page p.
func atPage(opt Options, p page, w, h int) Model {
	m := atPreflight(opt, w, h)
	m = send(m, press("enter"))
	m.wizardScreen().show(p)
	return sized(m, w, h)
}

func prefilled() Options {
	opt := testOptions(goldenRoot)
	d := testDeployment()
	opt.Prefill, opt.PrefillSource = &d, "/etc/kumoup/kumoup.yaml"
	return opt
}

// atReview runs the real prepare command (fixed tokens) and shows the plan.
func atReview(t *testing.T, opt Options, w, h int) Model {
	t.Helper()
	m := atPage(opt, pageProxy, w, h)
	m.wizardScreen().page = pageProxy
	m.wizardScreen().next()
	if !m.wizardScreen().done {
		t.Fatal("wizard did not finish after the last page")
	}
	m.open(screenPlanning, newPlanning(m.host, m.st, m.keys))
	d, gi, gh := m.wizardScreen().answers()
	m = send(m, prepareCmd(m.ctx, m.opt, d, gi, gh)())
	if m.screen != screenReview {
		t.Fatalf("screen %s after planning, want review", m.screen)
	}
	return m
}

func TestScreensPreflight(t *testing.T) {
	t.Run("fresh", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atPreflight(testOptions(goldenRoot), w, h) })
	})
	t.Run("prefilled", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atPreflight(prefilled(), w, h) })
	})
	t.Run("not_root_under_a_root", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			opt := testOptions(goldenRoot)
			opt.senseHost = func(context.Context, Options) hostFacts {
				return hostFacts{Sensed: true, Nginx: "/usr/sbin/nginx"}
			}
			return atPreflight(opt, w, h)
		})
	})
	t.Run("not_root_demo", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			opt := testOptions("")
			opt.Demo = true
			opt.KumodNote = "stand-in kumod serving simulated traffic on 127.0.0.1:18000"
			opt.senseHost = func(context.Context, Options) hostFacts {
				return hostFacts{Sensed: true}
			}
			return atPreflight(opt, w, h)
		})
	})
}

func TestScreensWizardPages(t *testing.T) {
	for _, p := range []page{pageHost, pageInjection, pageInjectionPaste, pageWebhook, pageWebhookPaste, pageProxy, pageInjectionGrace} {
		t.Run(fmt.Sprintf("%d_%s", p, strings.ReplaceAll(pageTitles[p], " ", "_")), func(t *testing.T) {
			eachSize(t, func(t *testing.T, w, h int) Model { return atPage(prefilled(), p, w, h) })
		})
	}
	t.Run("fresh_host", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atPage(testOptions(goldenRoot), pageHost, w, h) })
	})
}

func TestScreensReview(t *testing.T) {
	t.Run("create", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atReview(t, prefilled(), w, h) })
	})
	t.Run("update_scrolled", func(t *testing.T) {
		// A fixed path, so the golden file names it: the answers file
		// exists with other content, the rest is created.
		root := "/tmp/kumoup-ui-golden-review"
		os.RemoveAll(root)
		t.Cleanup(func() { os.RemoveAll(root) })
		ans := writer.Layout{Root: root}.AnswersFile()
		if err := os.MkdirAll(filepath.Dir(ans), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ans, []byte("domain: old.example.com\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		eachSize(t, func(t *testing.T, w, h int) Model {
			opt := prefilled()
			opt.Layout = writer.Layout{Root: root}
			m := atReview(t, opt, w, h)
			return send(m, press("G"))
		})
	})
	t.Run("invalid", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			m := atReview(t, prefilled(), w, h)
			return send(m, planMsg{err: errors.New("2 invalid answers\n  domain: is required\n  helo: is required")})
		})
	})
}

func TestScreensApply(t *testing.T) {
	build := func(t *testing.T, w, h int, finish func(m Model) Model) Model {
		m := atReview(t, prefilled(), w, h)
		a := newApplyView(m.reviewScreen().msg.plan, m.host, m.st, m.keys)
		m.screens[screenApplied] = a
		m.open(screenApplying, a)
		return finish(m)
	}
	changes := func(m Model) []writer.Change { return m.reviewScreen().msg.plan.Changes }
	t.Run("progress", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return build(t, w, h, func(m Model) Model {
				c := changes(m)
				return send(m, applyProgressMsg{change: c[0]}, applyProgressMsg{change: c[1]})
			})
		})
	})
	t.Run("done", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return build(t, w, h, func(m Model) Model {
				r := &writer.Report{}
				for _, c := range changes(m) {
					r.Outcomes = append(r.Outcomes, writer.Outcome{Change: c, Status: writer.Written})
				}
				return send(m, applyDoneMsg{report: r})
			})
		})
	})
	t.Run("failed", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return build(t, w, h, func(m Model) Model {
				r := &writer.Report{}
				fail := errors.New("rename: read-only file system")
				for i, c := range changes(m) {
					o := writer.Outcome{Change: c, Status: writer.NotAttempted}
					switch {
					case i < 2:
						o.Status = writer.Written
					case i == 2:
						o.Status, o.Err = writer.Failed, fail
					}
					r.Outcomes = append(r.Outcomes, o)
				}
				c := changes(m)[2]
				return send(m, applyDoneMsg{report: r, err: fmt.Errorf("%s (%s): %w", c.File.Name, c.File.Path, fail)})
			})
		})
	})
}

func atConnection(t *testing.T, w, h int) Model {
	m := atReview(t, prefilled(), w, h)
	m.open(screenConnection, newConnection(m.deployment, m.opt.Layout, m.st, m.keys))
	return m
}

func TestScreensConnection(t *testing.T) {
	t.Run("masked", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atConnection(t, w, h) })
	})
	t.Run("revealed_webhook", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return send(atConnection(t, w, h), press("down"), press("v"))
		})
	})
}

func TestScreensNextSteps(t *testing.T) {
	t.Run("listed", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			return send(atConnection(t, w, h), press("enter"))
		})
	})
	t.Run("ran", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			m := atConnection(t, w, h)
			m.opt.AllowRunNextSteps = true
			m.opt.steps = []step{
				{title: "Check the nginx configuration", argv: []string{"nginx", "-t"}},
				{title: "Reload nginx", argv: []string{"systemctl", "reload", "nginx"}},
			}
			m = send(m, press("enter"), press("r"))
			return send(m,
				stepDoneMsg{i: 0, output: "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n"},
				stepDoneMsg{i: 1, output: "Job for nginx.service failed.\n", err: errors.New("exit status 1")})
		})
	})
	// A host without systemd (a container): nginx reloaded with a signal,
	// the systemd steps not applicable, each saying what to do instead.
	t.Run("without_systemd", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			m := atConnection(t, w, h)
			m.opt.AllowRunNextSteps = true
			l := m.opt.Layout
			none := writer.ServiceHost{SystemdDir: "/nonexistent/run/systemd/system", NginxPidFile: "/nonexistent/run/nginx.pid"}
			m.opt.steps = []step{
				reloadNginxStep(none),
				systemdStep(none, "Load the environment file (systemd drop-in)", []string{"systemctl", "daemon-reload"}, daemonReloadWithout(l)),
				systemdStep(none, "Restart KumoMTA (after editing init.lua)", []string{"systemctl", "restart", "kumomta"}, restartKumodWithout(l)),
			}
			_, reload := m.opt.steps[1].command(context.Background())
			_, restart := m.opt.steps[2].command(context.Background())
			m = send(m, press("enter"), press("r"))
			return send(m,
				stepDoneMsg{i: 0, argv: []string{"nginx", "-s", "reload"}, output: "2026/12/04 19:36:52 [notice] 20118#20118: signal process started\n"},
				stepDoneMsg{i: 1, notApplicable: reload},
				stepDoneMsg{i: 2, notApplicable: restart})
		})
	})
}

// testSummary is a full Summary: every history holds HistoryLen values.
func testSummary() metrics.Summary {
	s := metrics.Summary{At: fixedNow, Interval: 2 * time.Second, Samples: 4512, Bytes: 512 << 10}
	wave := func(st *metrics.Stat, base, amp float64) {
		for i := range metrics.HistoryLen {
			v := base + amp*math.Sin(float64(i)/6)
			st.History.Push(v)
			st.Value, st.Known = v, true
		}
	}
	wave(&s.Delivered, 120, 60)
	wave(&s.Transfail, 4, 3)
	wave(&s.Failed, 0.5, 0.5)
	wave(&s.Received, 125, 55)
	wave(&s.Ready, 2400, 1200)
	wave(&s.Scheduled, 900, 300)
	wave(&s.Messages, 3300, 1000)
	wave(&s.OutboundConns, 40, 10)
	wave(&s.InboundConns, 3, 2)
	s.Memory = metrics.Stat{Value: 512 << 20, Known: true}
	s.MemoryLimit = metrics.Stat{Value: 8 << 30, Known: true}
	hook := metrics.LogHook{Logger: "hook-kumoup_webhook"}
	wave(&hook.Total, 12, 10)
	s.Webhooks = []metrics.LogHook{hook}
	s.Disks = []metrics.DiskFree{
		{Name: "data spool", Percent: metrics.Stat{Value: 81, Known: true}},
		{Name: "log dir /var/log/kumomta", Percent: metrics.Stat{Value: 77, Known: true}},
		{Name: "meta spool", Percent: metrics.Stat{Value: 81, Known: true}},
	}
	// Long enough to wrap in a side-by-side pane.
	s.Suspended = []metrics.SuspendedSource{{Source: "ip-2", Reason: `connect failures: "421 4.7.0 try again later"`}}
	s.ProxyFailuresTotal = 3
	s.ProxyFailures = metrics.Stat{Known: true}
	for i, q := range []string{"gmail.com", "outlook.com", "yahoo.com", "icloud.com", "gmx.de", "web.de", "orange.fr", "free.fr"} {
		s.TopQueues = append(s.TopQueues, metrics.QueueVolume{
			Queue: "smtp_client:kumoup->" + q + "@smtp_client",
			Ready: metrics.Stat{Value: float64(900 - i*100), Known: true},
		})
	}
	return s
}

// testResults are n check results of every status.
func testResults(n int, flip bool) []probes.Result {
	var out []probes.Result
	for i := range n {
		r := probes.Result{ID: fmt.Sprintf("family%d.check%02d", i%5, i), Title: fmt.Sprintf("Check number %d of the deployment", i)}
		switch {
		case i%7 == 3:
			r.Status, r.Detail, r.Remedy = probes.StatusFail, "GET /metrics without a token: 200, want 401", "reload nginx with kumoup's site file: nginx -t && systemctl reload nginx"
		case i%5 == 2:
			r.Status, r.Detail, r.Remedy = probes.StatusWarn, "the certificate expires in 12 days", "renew it: certbot renew"
		case i%11 == 9:
			r.Status, r.Detail = probes.StatusSkip, "not root: cannot read /proc"
		default:
			r.Status, r.Detail = probes.StatusPass, "as expected"
		}
		if flip && i == 1 {
			r.Status, r.Detail, r.Remedy = probes.StatusFail, "connection refused", "start nginx"
		}
		out = append(out, r)
	}
	return out
}

// atDashboard is the dashboard with a summary and 30 check results in.
func atDashboard(w, h int, msgs ...any) Model {
	opt := testOptions(goldenRoot)
	d := testDeployment()
	opt.Prefill = &d
	opt.Start = StartDashboard
	opt.Checks = []probes.Check{}
	m := sized(NewModel(opt), w, h)
	for _, msg := range msgs {
		m = send(m, msg)
	}
	return m
}

func TestScreensDashboard(t *testing.T) {
	sum := scrapeMsg{sum: testSummary(), latency: 34 * time.Millisecond, at: fixedNow}
	checks := checksMsg{results: testResults(30, false), at: fixedNow}
	t.Run("waiting", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atDashboard(w, h) })
	})
	t.Run("live", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atDashboard(w, h, sum, checks) })
	})
	t.Run("metrics_pane_stale", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			fail := scrapeMsg{err: &metrics.ScrapeError{Kind: metrics.KindUnauthorizedByNginx, URL: "https://mta.example.com/metrics", Status: 401}, at: fixedNow.Add(4 * time.Second)}
			return atDashboard(w, h, sum, checks, fail, press("tab"))
		})
	})
	t.Run("checks_changed_selected", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model {
			again := checksMsg{results: testResults(30, true), at: fixedNow.Add(30 * time.Second)}
			return atDashboard(w, h, sum, checks, again, press("down"))
		})
	})
	t.Run("full_help", func(t *testing.T) {
		eachSize(t, func(t *testing.T, w, h int) Model { return atDashboard(w, h, sum, checks, press("?")) })
	})
}

func TestScreensPreflightIncompleteDeployment(t *testing.T) {
	eachSize(t, func(t *testing.T, w, h int) Model {
		opt := prefilled()
		opt.PrefillSource = "/etc/kumoup/kumoup.yaml (incomplete: token include /etc/nginx/kumoup/mta.example.com.tokens is missing: run kumoup apply --answers FILE to write it: no such file or directory)"
		return atPreflight(opt, w, h)
	})
}
