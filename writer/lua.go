package writer

import (
	"fmt"
	"path"
	"strings"

	"github.com/kumoup/kumoup/model"
)

// Names the policy module gives to what it defines in kumod.
const (
	EgressSourceName = "kumoproxy"
	EgressPoolName   = "kumoproxy"
	WebhookHookName  = "ping8_webhook"
)

// PolicyShape is how the host's init.lua gets its egress sources, which
// decides the lines kumoup asks the operator to add.
type PolicyShape int

// The three shapes operators run.
const (
	// ShapeMinimal: init.lua has no get_egress_source/get_egress_pool of
	// its own (KumoMTA's packaged minimal init.lua): kumoup's handlers are
	// registered directly.
	ShapeMinimal PolicyShape = iota
	// ShapeSources: init.lua calls sources:setup from policy-extras, which
	// registers both events itself: kumoup's source and pool join its list
	// as an inline data table (kumoup.SOURCES).
	ShapeSources
	// ShapeOwnHandlers: init.lua registers its own get_egress_source and
	// get_egress_pool handlers: they call kumoup's for kumoup's names only.
	ShapeOwnHandlers
)

func (s PolicyShape) String() string {
	switch s {
	case ShapeSources:
		return "sources:setup (policy-extras)"
	case ShapeOwnHandlers:
		return "own get_egress_source/get_egress_pool handlers"
	default:
		return "minimal"
	}
}

// luaData is what kumoup.lua.tmpl and init-snippet.lua.tmpl see.
type luaData struct {
	Domain     string
	LuaModule  string
	PolicyDir  string
	PolicyInit string
	EnvFile    string
	DropIn     string
	SiteFile   string
	Listener   string
	MaxBody    string
	BodyLimit  int64
	// BodyLimitField: the installed kumod takes request_body_limit.
	BodyLimitField bool
	Kumod          string
	MinKumod       string
	SourceName     string
	PoolName       string
	HookName       string
	EnvNames       []string
	Snippet        []string
	Shape          PolicyShape
}

func newLuaData(d model.Deployment, l Layout) luaData {
	return luaData{
		Domain:         d.Domain,
		LuaModule:      l.LuaModule(),
		PolicyDir:      path.Dir(l.LuaModule()),
		PolicyInit:     l.PolicyInit(),
		EnvFile:        l.EnvFile(),
		DropIn:         l.SystemdDropIn(),
		SiteFile:       l.SiteFile(d.Domain),
		Listener:       d.Listener,
		MaxBody:        d.MaxBody,
		BodyLimit:      d.MaxBodyBytes(),
		BodyLimitField: true,
		MinKumod:       model.MinKumoVersion,
		SourceName:     EgressSourceName,
		PoolName:       EgressPoolName,
		HookName:       WebhookHookName,
		EnvNames:       model.EnvNames(),
	}
}

// InitLuaLines returns the lines the operator adds to a minimal init.lua
// to use the policy module. kumoup never edits init.lua itself.
func InitLuaLines(l Layout) (string, error) {
	return InitLuaLinesFor(l, ShapeMinimal)
}

// InitLuaLinesFor returns the lines for an init.lua of the given shape.
func InitLuaLinesFor(l Layout, shape PolicyShape) (string, error) {
	data := newLuaData(model.Deployment{}, l)
	data.Shape = shape
	out, err := execute("init-snippet.lua.tmpl", data)
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// renderLua renders the KumoMTA policy module, with the init.lua lines in
// its header.
func renderLua(d model.Deployment, opt Options) ([]byte, error) {
	var snippet []string
	for _, shape := range []PolicyShape{ShapeMinimal, ShapeSources, ShapeOwnHandlers} {
		lines, err := InitLuaLinesFor(opt.Layout, shape)
		if err != nil {
			return nil, err
		}
		snippet = append(snippet, fmt.Sprintf("[%s]", shape))
		snippet = append(snippet, strings.Split(strings.TrimRight(lines, "\n"), "\n")...)
		snippet = append(snippet, "")
	}
	data := newLuaData(d, opt.Layout)
	data.Snippet = snippet[:len(snippet)-1]
	data.BodyLimitField = opt.Kumod.HasRequestBodyLimit()
	data.Kumod = opt.Kumod.String()
	return execute("kumoup.lua.tmpl", data)
}
