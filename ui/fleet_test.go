package ui

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kumoup/kumoup/internal/loopback"
	"github.com/kumoup/kumoup/internal/loopback/loopbacktest"
	"github.com/kumoup/kumoup/internal/promtest"
	"github.com/kumoup/kumoup/probes/fleet"
)

// fleetSample is a fixed answer: a host with a scrape down, one failing
// two checks, one whose certificate is close, a healthy busy one.
func fleetSample() fleet.Snapshot {
	nan := math.NaN()
	hosts := []fleet.Host{
		{Instance: "mta1.example.com", Checks: 14, KumodUp: fleet.Up, ChecksUp: fleet.Up, CertificateDays: 80.5, Delivered: 212.4, Transfail: 3.25, Backlog: 0, SweepAge: 31 * time.Second},
		{Instance: "mta2.example.com", Checks: 14, Failing: []string{"edge.hsts", "edge.metrics.authenticated"}, Warning: []string{"tls.protocols"}, KumodUp: fleet.Up, ChecksUp: fleet.Up, CertificateDays: 60, Delivered: 0, Transfail: 0, Backlog: 1250, SweepAge: 45 * time.Second},
		{Instance: "mta3.example.com", Checks: 14, Warning: []string{"tls.certificate.expiry"}, KumodUp: fleet.Up, ChecksUp: fleet.Up, CertificateDays: 12.2, Delivered: 4, Transfail: 0.5, Backlog: 2, SweepAge: 20 * time.Minute},
		{Instance: "mta-with-a-very-long-name-in-a-far-away-region.example.com", KumodUp: fleet.Down, ChecksUp: fleet.Missing, CertificateDays: nan, Delivered: nan, Transfail: nan, Backlog: nan, SweepAge: -1},
	}
	fleet.Sort(hosts)
	return fleet.Snapshot{Hosts: hosts, At: time.Date(2026, 12, 4, 16, 30, 5, 0, time.UTC)}
}

func fleetAt(w, h int, snap fleet.Snapshot, err error) Fleet {
	m := NewFleet(context.Background(), FleetOptions{NoColor: true, Source: "http://prometheus.example.com:9090", Fetch: func(context.Context) (fleet.Snapshot, error) { return snap, err }})
	m.SetSize(w, h)
	next, _ := m.Update(fleetFetchedMsg{snap, err})
	return next.(Fleet)
}

func fleetSend(m Fleet, keys ...string) Fleet {
	for _, k := range keys {
		next, _ := m.Update(fleetPress(k))
		m = next.(Fleet)
	}
	return m
}

// fleetSizes are the terminal sizes of the goldens.
var fleetSizes = []struct{ w, h int }{{80, 24}, {120, 40}}

// fleetPress is the key press k ("enter", "esc", "up", "down" or a letter).
func fleetPress(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	}
	r := []rune(k)[0]
	return tea.KeyPressMsg{Code: r, Text: k}
}

// requireFleetScreen checks the view fits w×h exactly and matches the
// golden file of the subtest.
func requireFleetScreen(t *testing.T, m Fleet) {
	t.Helper()
	text := ansi.Strip(m.View().Content)
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

func TestFleetScreens(t *testing.T) {
	many := fleetSample()
	for i := range 30 {
		many.Hosts = append(many.Hosts, fleet.Host{Instance: fmt.Sprintf("mta%02d.example.net", i+10), Checks: 14, KumodUp: fleet.Up, ChecksUp: fleet.Up, CertificateDays: 70, Delivered: 1, Transfail: 0, Backlog: 0, SweepAge: 10 * time.Second})
	}
	cases := []struct {
		name  string
		build func(w, h int) Fleet
	}{
		{"list", func(w, h int) Fleet { return fleetAt(w, h, fleetSample(), nil) }},
		{"failing host", func(w, h int) Fleet { return fleetSend(fleetAt(w, h, fleetSample(), nil), "enter") }},
		{"down host", func(w, h int) Fleet { return fleetSend(fleetAt(w, h, fleetSample(), nil), "down", "enter") }},
		{"scrolled", func(w, h int) Fleet {
			return fleetSend(fleetAt(w, h, many, nil), strings.Split(strings.Repeat("down ", 25), " ")[:25]...)
		}},
		{"refresh failed", func(w, h int) Fleet {
			m := fleetAt(w, h, fleetSample(), nil)
			next, _ := m.Update(fleetFetchedMsg{err: errors.New(`Post "http://prometheus.example.com:9090/api/v1/query": dial tcp: connection refused`)})
			return next.(Fleet)
		}},
		{"no hosts", func(w, h int) Fleet { return fleetAt(w, h, fleet.Snapshot{At: fleetSample().At}, nil) }},
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			for _, s := range fleetSizes {
				t.Run(fmt.Sprintf("%dx%d", s.w, s.h), func(t *testing.T) {
					requireFleetScreen(t, c.build(s.w, s.h))
				})
			}
		})
	}
}

func TestFleetSelectionFollowsTheHostAcrossRefreshes(t *testing.T) {
	m := fleetSend(fleetAt(80, 24, fleetSample(), nil), "down", "down")
	picked := m.snap.Hosts[m.cursor].Instance
	reordered := fleetSample()
	reordered.Hosts[0], reordered.Hosts[3] = reordered.Hosts[3], reordered.Hosts[0]
	next, _ := m.Update(fleetFetchedMsg{snap: reordered})
	m = next.(Fleet)
	if got := m.snap.Hosts[m.cursor].Instance; got != picked {
		t.Fatalf("the cursor moved from %s to %s", picked, got)
	}
	m = fleetSend(m, "enter")
	if !m.detail {
		t.Fatal("enter did not open the host")
	}
	if m = fleetSend(m, "esc"); m.detail {
		t.Fatal("esc did not go back to the list")
	}
}

func TestFleetUpdateNeverFetchesItself(t *testing.T) {
	var calls atomic.Int32
	m := NewFleet(context.Background(), FleetOptions{Source: "x", Interval: time.Hour, Fetch: func(context.Context) (fleet.Snapshot, error) {
		calls.Add(1)
		return fleetSample(), nil
	}})
	init := m.Init()
	if calls.Load() != 0 {
		t.Fatal("Init fetched instead of returning a command")
	}
	msg := init()
	if calls.Load() != 1 {
		t.Fatalf("the command fetched %d times", calls.Load())
	}
	next, tick := m.Update(msg)
	if tick == nil || calls.Load() != 1 {
		t.Fatal("the answer did not schedule the next refresh, or Update fetched")
	}
	_, refresh := next.Update(fleetPress("r"))
	if refresh == nil || calls.Load() != 1 {
		t.Fatal("r did not return a refresh command, or Update fetched")
	}
	m = next.(Fleet)
	if _, again := fleetSend(m, "r").Update(fleetPress("r")); again != nil {
		t.Fatal("a second r while a refresh runs started another")
	}
}

// fleetProbe is Fleet answering probes with its screen, so a test waits
// for what the operator would see.
type fleetProbe struct{ Fleet }

type fleetProbeMsg chan string

func (p fleetProbe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if reply, ok := msg.(fleetProbeMsg); ok {
		reply <- ansi.Strip(p.Render())
		return p, nil
	}
	m, cmd := p.Fleet.Update(msg)
	return fleetProbe{m.(Fleet)}, cmd
}

// TestFleetShowsEveryHostOfARealPrometheus runs the fleet view on a real
// Prometheus scraping three loopback hosts: one healthy, one without HSTS,
// one whose certificate expires in 3 days.
func TestFleetShowsEveryHostOfARealPrometheus(t *testing.T) {
	loopbacktest.NeedNginx(t)
	for _, bin := range []string{promtest.PrometheusBinary, promtest.NodeExporterBinary} {
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("%v: this test runs the real one (apt-get install prometheus prometheus-node-exporter)", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	f, err := promtest.StartFleet(ctx, t.TempDir(), []promtest.FleetHost{
		{Domain: "mta1.example.com"},
		{Domain: "mta2.example.com", Mutate: loopback.BreakNoHSTS},
		{Domain: "mta3.example.com", Certificate: loopback.CertExpiringSoon},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Stop)
	client, err := fleet.New(f.Prometheus.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := NewFleet(context.Background(), FleetOptions{Source: f.Prometheus.URL, Fetch: client.Fetch, Interval: 500 * time.Millisecond})
	tm := teatest.NewTestModel(t, fleetProbe{m}, teatest.WithInitialTermSize(80, 24))
	t.Cleanup(func() { _ = tm.Quit() })
	screen := func() string {
		reply := make(fleetProbeMsg, 1)
		tm.Send(reply)
		select {
		case s := <-reply:
			return s
		case <-time.After(5 * time.Second):
			t.Fatal("the program did not answer a probe within 5 s")
		}
		return ""
	}
	waitFor := func(what string, cond func(string) bool) string {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			s := screen()
			if cond(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; the screen is:\n%s", what, s)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	s := waitFor("three hosts, worst first", func(s string) bool {
		i3, i2, i1 := strings.Index(s, "mta3.example.com"), strings.Index(s, "mta2.example.com"), strings.Index(s, "mta1.example.com")
		return strings.Contains(s, "3 hosts") && i3 >= 0 && i3 < i2 && i2 < i1
	})
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "mta3.example.com") && !strings.Contains(l, " 2d ") && !strings.Contains(l, " 3d ") {
			t.Errorf("mta3's row does not show its certificate's days: %q", l)
		}
	}
	tm.Send(fleetPress("down"))
	tm.Send(fleetPress("enter"))
	waitFor("mta2's failing check", func(s string) bool {
		return strings.Contains(s, "mta2.example.com  failing") && strings.Contains(s, "✗ edge.hsts") && strings.Contains(s, "kumoup status --only edge.hsts")
	})
}
