package kumopolicy

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// Problem is one reason the policy does not load or does not use kumoup's
// module as it must, with the exact fix.
type Problem struct {
	Message string
	Fix     string
}

// Problems lists what is wrong, most serious first: what stops kumod
// loading the policy, then what leaves kumoup's module unused or exposed.
func (a *Analysis) Problems(l writer.Layout) []Problem {
	var out []Problem
	out = append(out, a.duplicates()...)
	for _, c := range a.NestedOn {
		out = append(out, Problem{
			Message: fmt.Sprintf("kumo.on('%s', ...) at %s is inside a function: kumod refuses to register a handler from inside an event handler (\"Attempting to register an event handler via `kumo.on('%s', ...)` from within the event handler\")", c.Event, c.At, c.Event),
			Fix:     fmt.Sprintf("move the kumo.on('%s', ...) at %s to the top level of its file, outside every function", c.Event, c.At),
		})
	}
	out = append(out, a.listeners()...)
	out = append(out, a.kumoupLines(l)...)
	return out
}

func (a *Analysis) duplicates() []Problem {
	var out []Problem
	byEvent := map[string][]Registration{}
	var order []string
	for _, r := range a.Registrations {
		if MultiHandlerEvents[r.Event] {
			continue
		}
		if byEvent[r.Event] == nil {
			order = append(order, r.Event)
		}
		byEvent[r.Event] = append(byEvent[r.Event], r)
	}
	for _, ev := range order {
		rs := byEvent[ev]
		if len(rs) < 2 || allExclusive(rs) {
			continue
		}
		var where []string
		for _, r := range rs {
			w := r.At.String()
			if r.Via != "" {
				w += " (" + r.Via + ", which registers it)"
			}
			where = append(where, w)
		}
		msg := fmt.Sprintf("%s is registered %d times (%s): it takes one handler, so kumod refuses the policy with \"%s event already has a handler defined at ...\"",
			ev, len(rs), strings.Join(where, ", "), ev)
		out = append(out, Problem{Message: msg, Fix: a.duplicateFix(ev, rs)})
	}
	return out
}

// allExclusive: every pair sits in different branches of one if, so only
// one registration runs.
func allExclusive(rs []Registration) bool {
	for i := range rs {
		for j := i + 1; j < len(rs); j++ {
			if !exclusive(rs[i], rs[j]) {
				return false
			}
		}
	}
	return true
}

func (a *Analysis) duplicateFix(ev string, rs []Registration) string {
	viaSources, kumoupAt := false, []string{}
	var own []string
	for _, r := range rs {
		switch {
		case r.Via == "sources:setup":
			viaSources = true
		case r.Kind == HandlerKumoup:
			kumoupAt = append(kumoupAt, r.At.String())
		default:
			own = append(own, r.At.String())
		}
	}
	n := a.kumoupName()
	switch {
	case viaSources && len(kumoupAt) > 0:
		return fmt.Sprintf("remove the kumo.on('%s', ...) at %s: sources:setup already registers %s; give it kumoup's source and pool instead: sources:setup { <your files>, %s.SOURCES }",
			ev, strings.Join(kumoupAt, ", "), ev, n)
	case viaSources:
		return fmt.Sprintf("remove the kumo.on('%s', ...) at %s (sources:setup already registers %s): move its sources into a sources data file or an inline table in the sources:setup list",
			ev, strings.Join(own, ", "), ev)
	case len(kumoupAt) > 0 && len(own) > 0:
		return fmt.Sprintf("remove the kumo.on('%s', %s...) at %s and instead, as the first line inside your handler at %s: %s",
			ev, n, strings.Join(kumoupAt, ", "), own[0], ownHandlerLine(n, ev))
	default:
		return fmt.Sprintf("keep one kumo.on('%s', ...) of %s and merge the others into it", ev, strings.Join(own, ", "))
	}
}

func ownHandlerLine(n, ev string) string {
	if ev == "get_egress_pool" {
		return fmt.Sprintf("if name == %[1]s.EGRESS_POOL then return %[1]s.egress_pool(name) end", n)
	}
	return fmt.Sprintf("if name == %[1]s.EGRESS_SOURCE then return %[1]s.egress_source(name) end", n)
}

func (a *Analysis) kumoupName() string {
	if a.Kumoup != "" {
		return a.Kumoup
	}
	return "kumoup"
}

func (a *Analysis) listeners() []Problem {
	var out []Problem
	for _, c := range a.Listeners {
		what := "listens on " + c.Listen
		switch c.Listen {
		case "":
			what = "listens on kumod's default 127.0.0.1:8000, the address kumoup's listener takes"
		case "?":
			what = "listens on an address kumoup cannot read"
		default:
			if !loopback(c.Listen) {
				what = "listens on " + c.Listen + ", beyond loopback: the admin API and injection without a token are reachable from the network"
			}
		}
		out = append(out, Problem{
			Message: fmt.Sprintf("kumo.start_http_listener at %s %s; kumoup's listener must be the only one (127.0.0.1, behind nginx)", c.At, what),
			Fix:     fmt.Sprintf("delete the kumo.start_http_listener { ... } at %s; %s.setup_listener() inside kumo.on('init') starts kumoup's", c.At, a.kumoupName()),
		})
	}
	return out
}

// loopback reports whether a listen address ("127.0.0.1:8000",
// "[::1]:8000", "localhost:8000") is on loopback.
func loopback(listen string) bool {
	host := listen
	if i := strings.LastIndex(listen, ":"); i >= 0 {
		host = listen[:i]
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

func (a *Analysis) kumoupLines(l writer.Layout) []Problem {
	shape := a.Shape()
	lines, err := writer.InitLuaLinesFor(l, shape)
	if err != nil {
		lines = err.Error()
	}
	if a.Kumoup == "" {
		return []Problem{{
			Message: fmt.Sprintf("%s does not require 'kumoup': the module (listener, egress through KumoProxy, webhook) is not loaded", a.Init),
			Fix:     fmt.Sprintf("add to %s (its shape: %s):\n%s", a.Init, shape, strings.TrimRight(CodeLines(lines), "\n")),
		}}
	}
	n := a.Kumoup
	var out []Problem
	if len(a.EarlyUses) > 0 {
		out = append(out, Problem{
			Message: fmt.Sprintf("%s is used at %s, before `local %s = require 'kumoup'` at %s: there it is an undefined global", n, a.EarlyUses[0], n, a.KumoupAt),
			Fix:     fmt.Sprintf("move `local %s = require 'kumoup'` (and its package.path line) above line %d of %s", n, a.EarlyUses[0].Line, a.Init),
		})
	}
	// The webhook: once, while loading.
	switch {
	case len(a.SetupWebhook) == 0:
		out = append(out, Problem{
			Message: fmt.Sprintf("%s never calls %s.setup_webhook(): delivery events do not reach the app", a.Init, n),
			Fix:     fmt.Sprintf("add `%s.setup_webhook()` at the top level of %s, after the require at %s", n, a.Init, a.KumoupAt),
		})
	default:
		for _, c := range a.SetupWebhook {
			if !c.AtLoad {
				out = append(out, Problem{
					Message: fmt.Sprintf("%s.setup_webhook() at %s runs inside a function, where kumod refuses to register the hook's events", n, c.At),
					Fix:     fmt.Sprintf("move %s.setup_webhook() at %s to the top level of %s, outside every function", n, c.At, a.Init),
				})
			}
		}
		for _, q := range a.QueueSetup {
			for _, c := range a.SetupWebhook {
				if c.AtLoad && c.At.File == q.At.File && c.At.Line > q.At.Line {
					out = append(out, Problem{
						Message: fmt.Sprintf("%s.setup_webhook() at %s comes after the queue helper's setup at %s: policy-extras queue.lua must be the last to register get_queue_config, so kumod --validate fails (\"queue.lua is in use, but it is not the last module to register for the get_queue_config event\")", n, c.At, q.At),
						Fix:     fmt.Sprintf("move %s.setup_webhook() above the queue helper's setup at %s", n, q.At),
					})
				}
			}
		}
		if len(a.SetupWebhook) > 1 {
			out = append(out, Problem{
				Message: fmt.Sprintf("%s.setup_webhook() is called %d times (%s first): the log hook can be configured once", n, len(a.SetupWebhook), a.SetupWebhook[0].At),
				Fix:     fmt.Sprintf("keep only the %s.setup_webhook() at %s", n, a.SetupWebhook[0].At),
			})
		}
	}
	// The listener: inside init.
	var inInit []Call
	for _, c := range a.SetupListener {
		if c.InInit {
			inInit = append(inInit, c)
			continue
		}
		out = append(out, Problem{
			Message: fmt.Sprintf("%s.setup_listener() at %s is outside kumo.on('init', ...), where kumod does not start listeners", n, c.At),
			Fix:     fmt.Sprintf("move %s.setup_listener() from %s into your kumo.on('init', function() ... end)", n, c.At),
		})
	}
	switch {
	case len(a.SetupListener) == 0:
		out = append(out, Problem{
			Message: fmt.Sprintf("%s never calls %s.setup_listener(): kumod's HTTP listener (injection, metrics) is not kumoup's", a.Init, n),
			Fix:     fmt.Sprintf("add `%s.setup_listener()` inside your kumo.on('init', function() ... end) in %s", n, a.Init),
		})
	case len(inInit) > 1:
		out = append(out, Problem{
			Message: fmt.Sprintf("%s.setup_listener() is called %d times in init: the second listener cannot bind", n, len(inInit)),
			Fix:     fmt.Sprintf("keep only the %s.setup_listener() at %s", n, inInit[0].At),
		})
	}
	out = append(out, a.egress(n)...)
	return out
}

// egress checks that kumoup's source and pool are reachable for the shape.
func (a *Analysis) egress(n string) []Problem {
	var out []Problem
	switch a.Shape() {
	case writer.ShapeSources:
		has := false
		for _, s := range a.Sources {
			// A list kumoup cannot read counts when kumoup.SOURCES is named
			// somewhere (it may be put into that list).
			has = has || s.HasKumoup || s.Opaque && a.SourcesReferenced
		}
		if !has {
			out = append(out, Problem{
				Message: fmt.Sprintf("sources:setup at %s does not list %s.SOURCES: kumod has no '%s' source or pool, so mail cannot leave through KumoProxy", a.Sources[0].At, n, writer.EgressSourceName),
				Fix:     fmt.Sprintf("add %s.SOURCES to the list of the sources:setup call at %s: sources:setup { <your files>, %s.SOURCES }", n, a.Sources[0].At, n),
			})
		}
	case writer.ShapeOwnHandlers:
		out = append(out, ownHandler(a, n, "get_egress_source", a.OwnSourceCalls)...)
		out = append(out, ownHandler(a, n, "get_egress_pool", a.OwnPoolCalls)...)
	default:
		for _, ev := range []string{"get_egress_source", "get_egress_pool"} {
			if !a.registered(ev) {
				fn := "egress_source"
				if ev == "get_egress_pool" {
					fn = "egress_pool"
				}
				out = append(out, Problem{
					Message: fmt.Sprintf("%s does not register %s: kumod has no '%s' %s, so mail cannot leave through KumoProxy", a.Init, ev, writer.EgressSourceName, strings.TrimPrefix(fn, "egress_")),
					Fix:     fmt.Sprintf("add at the top level of %s: kumo.on('%s', %s.%s)", a.Init, ev, n, fn),
				})
			}
		}
	}
	return out
}

func (a *Analysis) registered(ev string) bool {
	for _, r := range a.Registrations {
		if r.Event == ev {
			return true
		}
	}
	return false
}

func ownHandler(a *Analysis, n, ev string, calls []EgressCall) []Problem {
	var at string
	for _, r := range a.Registrations {
		if r.Event == ev && r.Kind != HandlerKumoup {
			at = r.At.String()
			break
		}
	}
	if at == "" {
		// Only the other of the pair is the operator's: this one must be
		// registered with kumoup's handler directly.
		if !a.registered(ev) {
			return []Problem{{
				Message: fmt.Sprintf("%s does not register %s: kumod has no '%s' for it", a.Init, ev, writer.EgressSourceName),
				Fix:     fmt.Sprintf("add a kumo.on('%s', function(name) ... end) whose first line is: %s", ev, ownHandlerLine(n, ev)),
			}}
		}
		return nil
	}
	if len(calls) == 0 {
		return []Problem{{
			Message: fmt.Sprintf("your %s handler at %s never calls kumoup's: kumod has no '%s' for it, so mail cannot leave through KumoProxy", ev, at, writer.EgressSourceName),
			Fix:     fmt.Sprintf("add as the first line inside the handler at %s: %s", at, ownHandlerLine(n, ev)),
		}}
	}
	var out []Problem
	for _, c := range calls {
		if !c.Guarded {
			out = append(out, Problem{
				Message: fmt.Sprintf("kumoup's handler is called at %s for every name: lookups of your other sources and pools fail", c.At),
				Fix:     fmt.Sprintf("call it only for kumoup's name: %s", ownHandlerLine(n, ev)),
			})
		}
	}
	return out
}

// CodeLines drops the comment-only lines of a snippet.
func CodeLines(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		b.WriteString(t + "\n")
	}
	return b.String()
}
