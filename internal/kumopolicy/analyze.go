package kumopolicy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"

	"github.com/kumoup/kumoup/writer"
)

// MaxFiles bounds how many policy files one analysis reads.
const MaxFiles = 32

// MultiHandlerEvents are the events kumod lets several handlers register
// for (their signatures are declared Multiple in KumoCorp/kumomta at
// 3ebc1e85: kumod/src/main.rs, logging/hooks.rs, queue/manager.rs,
// queue/queue.rs, kumo-server-common/src/authn_authz.rs). Every other
// event takes exactly one handler: a second kumo.on raises "<event> event
// already has a handler defined at <file>:<line>" and the policy does not
// load (kumo-server-common/src/lib.rs, around line 170).
var MultiHandlerEvents = map[string]bool{
	"pre_init":                    true,
	"validate_config":             true,
	"get_acl_definition":          true,
	"should_enqueue_log_record":   true,
	"requeue_message":             true,
	"get_queue_config":            true,
	"throttle_insert_ready_queue": true,
}

// Pos is a place in a policy file.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// HandlerKind says what a registration's handler is.
type HandlerKind int

// Handler kinds.
const (
	// HandlerOpaque: a value kumoup cannot see into (a call's result, a
	// global).
	HandlerOpaque HandlerKind = iota
	// HandlerFunction: a function whose body is in the policy.
	HandlerFunction
	// HandlerKumoup: kumoup's own handler passed directly
	// (kumoup.egress_source, kumoup.egress_pool).
	HandlerKumoup
	// HandlerHelper: registered by a policy-extras helper (sources:setup).
	HandlerHelper
)

// Registration is one handler registered while the policy loads.
type Registration struct {
	Event string
	At    Pos
	// Via names the helper call that registers it ("sources:setup"), or
	// "" for kumo.on.
	Via  string
	Kind HandlerKind
	body []ast.Stmt
	file string
	// branches are the if/else branches the registration sits in.
	branches []branch
}

// branch is one side of an if statement.
type branch struct {
	stmt *ast.IfStmt
	then bool
}

// exclusive reports whether two registrations sit in different branches of
// one if statement, so that at most one of them runs.
func exclusive(a, b Registration) bool {
	for _, x := range a.branches {
		for _, y := range b.branches {
			if x.stmt == y.stmt && x.then != y.then {
				return true
			}
		}
	}
	return false
}

// Call is a call of interest and where it runs.
type Call struct {
	At Pos
	// InInit: the call is inside the init event's handler.
	InInit bool
	// AtLoad: the call runs while the policy loads (outside any function).
	AtLoad bool
	// Listen is start_http_listener's listen literal ("" when absent: kumod
	// then listens on 127.0.0.1:8000; "?" when not a literal).
	Listen string
	// Event is kumo.on's event name.
	Event string
}

// SourcesSetup is a sources:setup call.
type SourcesSetup struct {
	At Pos
	// HasKumoup: kumoup.SOURCES is in its list.
	HasKumoup bool
	// Opaque: its list is not a table literal (a variable, a call), so
	// kumoup cannot see what it holds.
	Opaque bool
}

// EgressCall is a call of kumoup.egress_source/egress_pool inside an
// operator's handler.
type EgressCall struct {
	At Pos
	// Guarded: inside an `if` whose condition names kumoup's name.
	Guarded bool
}

// Analysis is what init.lua and the policy files it requires do.
type Analysis struct {
	Init  string
	Files []string

	Registrations []Registration
	// Listeners are kumo.start_http_listener calls (kumoup's module calls
	// its own from setup_listener, which is not among these).
	Listeners []Call

	// Kumoup is the local name the policy gives require 'kumoup' ("" when
	// no file requires it), KumoupAt where (init.lua, or the first file
	// init.lua requires that does).
	Kumoup   string
	KumoupAt Pos
	// EarlyUses are uses of the name before the require.
	EarlyUses []Pos

	// NestedOn are kumo.on calls inside a function: kumod refuses them when
	// the function runs as an event handler.
	NestedOn []Call

	SetupWebhook  []Call
	SetupListener []Call
	Sources       []SourcesSetup
	// SourcesReferenced: init.lua names kumoup.SOURCES somewhere.
	SourcesReferenced bool
	// QueueSetup are policy-extras queue:setup calls: queue.lua must be the
	// last to register get_queue_config, which kumoup's webhook also does.
	QueueSetup []Call
	// OwnSourceCalls and OwnPoolCalls are kumoup's handlers called from
	// the operator's own handlers.
	OwnSourceCalls, OwnPoolCalls []EgressCall
}

// ParseError is a policy file kumoup's parser cannot read.
type ParseError struct {
	File string
	Err  error
}

func (e *ParseError) Error() string { return fmt.Sprintf("parse %s: %v", e.File, e.Err) }
func (e *ParseError) Unwrap() error { return e.Err }

// Analyze reads init.lua under the layout, and the policy files it
// requires from the policy directory, with a Lua parser. A missing init.lua
// is an error wrapping fs.ErrNotExist.
func Analyze(ctx context.Context, l writer.Layout) (*Analysis, error) {
	init := l.PolicyInit()
	a := &Analysis{Init: init}
	an := &analyzer{a: a, dir: filepath.Dir(init), seen: map[string]bool{}}
	if err := an.file(ctx, init, true); err != nil {
		return nil, err
	}
	return a, nil
}

type analyzer struct {
	a        *Analysis
	dir      string
	seen     map[string]bool
	branches map[*ast.FuncCallExpr][]branch // of the file being loaded
}

// scope is what a file's top level has named.
type scope struct {
	file    string
	isInit  bool
	kumo    map[string]bool // aliases of require 'kumo' (and the global)
	kumoup  map[string]bool
	sources map[string]bool // require 'policy-extras.sources'
	queue   map[string]bool // require 'policy-extras.queue'
	funcs   map[string]*ast.FunctionExpr
}

func (an *analyzer) file(ctx context.Context, path string, isInit bool) error {
	if an.seen[path] {
		return nil
	}
	if len(an.seen) >= MaxFiles {
		return fmt.Errorf("%s: more than %d policy files required; kumoup stops there", path, MaxFiles)
	}
	an.seen[path] = true
	b, err := readPolicyFile(ctx, path)
	if err != nil {
		return err
	}
	chunk, err := parse.Parse(bytes.NewReader(b), path)
	if err != nil {
		return &ParseError{File: path, Err: err}
	}
	an.a.Files = append(an.a.Files, path)
	sc := &scope{
		file: path, isInit: isInit,
		kumo:    map[string]bool{"kumo": true},
		kumoup:  map[string]bool{},
		sources: map[string]bool{},
		queue:   map[string]bool{},
		funcs:   map[string]*ast.FunctionExpr{},
	}
	if err := an.load(ctx, sc, chunk); err != nil {
		return err
	}
	an.handlers(sc, chunk)
	return nil
}

// branchesOf maps every call at the top level (outside functions) to the
// if/else branches it sits in.
func branchesOf(stmts []ast.Stmt, path []branch, out map[*ast.FuncCallExpr][]branch) {
	for _, st := range stmts {
		if is, ok := st.(*ast.IfStmt); ok {
			inspect([]ast.Stmt{&ast.ReturnStmt{Exprs: []ast.Expr{is.Condition}}}, false, func(n any) bool {
				if c, ok := n.(*ast.FuncCallExpr); ok {
					out[c] = path
				}
				return true
			})
			branchesOf(is.Then, append(append([]branch(nil), path...), branch{is, true}), out)
			branchesOf(is.Else, append(append([]branch(nil), path...), branch{is, false}), out)
			continue
		}
		inspect([]ast.Stmt{st}, false, func(n any) bool {
			if is, ok := n.(*ast.IfStmt); ok && ast.Stmt(is) != st {
				branchesOf([]ast.Stmt{is}, path, out)
				return false
			}
			if c, ok := n.(*ast.FuncCallExpr); ok {
				out[c] = path
			}
			return true
		})
	}
}

// load follows the top level in order, as kumod runs it.
func (an *analyzer) load(ctx context.Context, sc *scope, chunk []ast.Stmt) error {
	saved := an.branches
	defer func() { an.branches = saved }()
	an.branches = map[*ast.FuncCallExpr][]branch{}
	branchesOf(chunk, nil, an.branches)
	var err error
	inspect(chunk, false, func(n any) bool {
		if err != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.LocalAssignStmt:
			for i, name := range n.Names {
				if i >= len(n.Exprs) {
					break
				}
				if mod, ok := isRequire(n.Exprs[i]); ok {
					an.bind(sc, name, mod, n.Exprs[i].Line())
				}
				if f, ok := n.Exprs[i].(*ast.FunctionExpr); ok {
					sc.funcs[name] = f
				}
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				id, ok := lhs.(*ast.IdentExpr)
				if !ok || i >= len(n.Rhs) {
					continue
				}
				if mod, ok := isRequire(n.Rhs[i]); ok {
					an.bind(sc, id.Value, mod, n.Rhs[i].Line())
				}
				if f, ok := n.Rhs[i].(*ast.FunctionExpr); ok {
					sc.funcs[id.Value] = f
				}
			}
		case *ast.FuncDefStmt:
			if n.Name.Receiver == nil {
				if id, ok := n.Name.Func.(*ast.IdentExpr); ok {
					sc.funcs[id.Value] = n.Func
				}
			}
		case *ast.FuncCallExpr:
			err = an.loadCall(ctx, sc, n)
		}
		return true
	})
	return err
}

// bind records what `name = require 'mod'` names.
func (an *analyzer) bind(sc *scope, name, mod string, line int) {
	switch mod {
	case "kumo":
		sc.kumo[name] = true
	case "kumoup":
		sc.kumoup[name] = true
		if an.a.Kumoup == "" {
			an.a.Kumoup, an.a.KumoupAt = name, Pos{sc.file, line}
		}
	case "policy-extras.sources":
		sc.sources[name] = true
	case "policy-extras.queue":
		sc.queue[name] = true
	}
}

// loadCall handles a call that runs while the policy loads.
func (an *analyzer) loadCall(ctx context.Context, sc *scope, c *ast.FuncCallExpr) error {
	at := Pos{sc.file, c.Line()}
	if mod, ok := isRequire(c); ok {
		return an.require(ctx, mod)
	}
	if _, ok := field(c.Func, sc.kumo, "on"); ok {
		event, ok := stringArg(c, 0)
		if !ok {
			return nil
		}
		r := Registration{Event: event, At: at, Kind: HandlerOpaque, file: sc.file, branches: an.branches[c]}
		if len(c.Args) > 1 {
			switch h := c.Args[1].(type) {
			case *ast.FunctionExpr:
				r.Kind, r.body = HandlerFunction, h.Stmts
			case *ast.IdentExpr:
				if f := sc.funcs[h.Value]; f != nil {
					r.Kind, r.body = HandlerFunction, f.Stmts
				}
			case *ast.AttrGetExpr:
				if _, ok := field(h, sc.kumoup, "egress_source"); ok {
					r.Kind = HandlerKumoup
				}
				if _, ok := field(h, sc.kumoup, "egress_pool"); ok {
					r.Kind = HandlerKumoup
				}
			}
		}
		an.a.Registrations = append(an.a.Registrations, r)
		return nil
	}
	if id, ok := c.Receiver.(*ast.IdentExpr); ok && sc.queue[id.Value] && c.Method == "setup" {
		an.a.QueueSetup = append(an.a.QueueSetup, Call{At: at, AtLoad: true})
	}
	if id, ok := c.Receiver.(*ast.IdentExpr); ok && sc.sources[id.Value] && c.Method == "setup" {
		s := SourcesSetup{At: at}
		for _, arg := range c.Args {
			t, ok := arg.(*ast.TableExpr)
			if !ok {
				s.Opaque = true
				continue
			}
			for _, f := range t.Fields {
				if _, ok := field(f.Value, sc.kumoup, "SOURCES"); ok {
					s.HasKumoup = true
				}
			}
		}
		an.a.Sources = append(an.a.Sources, s)
		for _, ev := range []string{"get_egress_source", "get_egress_pool"} {
			an.a.Registrations = append(an.a.Registrations, Registration{Event: ev, At: at, Via: "sources:setup", Kind: HandlerHelper, file: sc.file, branches: an.branches[c]})
		}
	}
	return nil
}

// require analyses a policy file that `require` loads from the policy
// directory; KumoMTA's own modules (kumo, policy-extras) are known.
func (an *analyzer) require(ctx context.Context, mod string) error {
	if mod == "kumo" || mod == "kumoup" || strings.HasPrefix(mod, "policy-extras.") || strings.ContainsAny(mod, "/\\") {
		return nil
	}
	rel := strings.ReplaceAll(mod, ".", "/")
	for _, p := range []string{filepath.Join(an.dir, rel+".lua"), filepath.Join(an.dir, rel, "init.lua")} {
		err := an.file(ctx, p, false)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		return err
	}
	return nil // a module from elsewhere on package.path
}

// handlers finds, across the file, the calls kumoup cares about and where
// they run: at load time, in the init handler, or in another function.
func (an *analyzer) handlers(sc *scope, chunk []ast.Stmt) {
	inInit := map[*ast.FuncCallExpr]bool{}
	for _, r := range an.a.Registrations {
		if r.Event == "init" && r.file == sc.file && r.Kind == HandlerFunction {
			inspect(r.body, true, func(n any) bool {
				if c, ok := n.(*ast.FuncCallExpr); ok {
					inInit[c] = true
				}
				return true
			})
		}
	}
	atLoad := map[*ast.FuncCallExpr]bool{}
	inspect(chunk, false, func(n any) bool {
		if c, ok := n.(*ast.FuncCallExpr); ok {
			atLoad[c] = true
		}
		return true
	})
	inspect(chunk, true, func(n any) bool {
		switch n := n.(type) {
		case *ast.AttrGetExpr:
			if _, ok := field(n, sc.kumoup, "SOURCES"); ok {
				an.a.SourcesReferenced = true
			}
		case *ast.IdentExpr:
			if sc.file == an.a.KumoupAt.File && n.Value == an.a.Kumoup && an.a.Kumoup != "" && n.Line() < an.a.KumoupAt.Line {
				an.a.EarlyUses = append(an.a.EarlyUses, Pos{sc.file, n.Line()})
			}
		case *ast.FuncCallExpr:
			call := Call{At: Pos{sc.file, n.Line()}, InInit: inInit[n], AtLoad: atLoad[n]}
			if _, ok := field(n.Func, sc.kumo, "on"); ok && !call.AtLoad {
				call.Event, _ = stringArg(n, 0)
				an.a.NestedOn = append(an.a.NestedOn, call)
			}
			if _, ok := field(n.Func, sc.kumo, "start_http_listener"); ok {
				call.Listen = listenOf(n)
				an.a.Listeners = append(an.a.Listeners, call)
			}
			if _, ok := field(n.Func, sc.kumoup, "setup_listener"); ok {
				an.a.SetupListener = append(an.a.SetupListener, call)
			}
			if _, ok := field(n.Func, sc.kumoup, "setup_webhook"); ok {
				an.a.SetupWebhook = append(an.a.SetupWebhook, call)
			}
		}
		return true
	})
	for _, r := range an.a.Registrations {
		if r.file != sc.file || r.Kind != HandlerFunction {
			continue
		}
		switch r.Event {
		case "get_egress_source":
			an.a.OwnSourceCalls = append(an.a.OwnSourceCalls, egressCalls(sc, r.body, "egress_source", "EGRESS_SOURCE", writer.EgressSourceName)...)
		case "get_egress_pool":
			an.a.OwnPoolCalls = append(an.a.OwnPoolCalls, egressCalls(sc, r.body, "egress_pool", "EGRESS_POOL", writer.EgressPoolName)...)
		}
	}
}

// egressCalls finds kumoup.<fn>(...) in a handler body and whether an
// enclosing `if` condition names kumoup's name (kumoup.<constant> or the
// literal).
func egressCalls(sc *scope, body []ast.Stmt, fn, constant, literal string) []EgressCall {
	var out []EgressCall
	var visit func(stmts []ast.Stmt, guarded bool)
	visit = func(stmts []ast.Stmt, guarded bool) {
		for _, s := range stmts {
			if is, ok := s.(*ast.IfStmt); ok {
				g := guarded || namesOurs(sc, is.Condition, constant, literal)
				visit(is.Then, g)
				visit(is.Else, guarded)
				continue
			}
			inspect([]ast.Stmt{s}, true, func(n any) bool {
				if is, ok := n.(*ast.IfStmt); ok && n != s {
					visit([]ast.Stmt{is}, guarded)
					return false
				}
				if c, ok := n.(*ast.FuncCallExpr); ok {
					if _, ok := field(c.Func, sc.kumoup, fn); ok {
						out = append(out, EgressCall{At: Pos{sc.file, c.Line()}, Guarded: guarded})
					}
				}
				return true
			})
		}
	}
	visit(body, false)
	return out
}

func namesOurs(sc *scope, cond ast.Expr, constant, literal string) bool {
	found := false
	inspect([]ast.Stmt{&ast.ReturnStmt{Exprs: []ast.Expr{cond}}}, false, func(n any) bool {
		if e, ok := n.(ast.Expr); ok {
			if _, ok := field(e, sc.kumoup, constant); ok {
				found = true
			}
			if s, ok := e.(*ast.StringExpr); ok && s.Value == literal {
				found = true
			}
		}
		return !found
	})
	return found
}

// listenOf returns start_http_listener's listen field.
func listenOf(c *ast.FuncCallExpr) string {
	if len(c.Args) != 1 {
		return "?"
	}
	t, ok := c.Args[0].(*ast.TableExpr)
	if !ok {
		return "?"
	}
	for _, f := range t.Fields {
		k, ok := f.Key.(*ast.StringExpr)
		if !ok || k.Value != "listen" {
			continue
		}
		if v, ok := f.Value.(*ast.StringExpr); ok {
			return v.Value
		}
		return "?"
	}
	return ""
}

// Shape is how init.lua gets its egress sources: through sources:setup,
// through its own handlers, or neither (kumoup's handlers go in directly).
func (a *Analysis) Shape() writer.PolicyShape {
	if a == nil {
		return writer.ShapeMinimal
	}
	if len(a.Sources) > 0 {
		return writer.ShapeSources
	}
	for _, r := range a.Registrations {
		if (r.Event == "get_egress_source" || r.Event == "get_egress_pool") && r.Kind != HandlerKumoup {
			return writer.ShapeOwnHandlers
		}
	}
	return writer.ShapeMinimal
}

// ShapeAt analyses the layout's init.lua for its shape; a missing or
// unreadable init.lua is the minimal shape (KumoMTA's package installs a
// minimal one).
func ShapeAt(ctx context.Context, l writer.Layout) writer.PolicyShape {
	a, err := Analyze(ctx, l)
	if err != nil {
		return writer.ShapeMinimal
	}
	return a.Shape()
}
