package writer

import (
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
	SourceName string
	PoolName   string
	HookName   string
	EnvNames   []string
	Snippet    []string
}

func newLuaData(d model.Deployment, l Layout) luaData {
	return luaData{
		Domain:     d.Domain,
		LuaModule:  l.LuaModule(),
		PolicyDir:  path.Dir(l.LuaModule()),
		PolicyInit: l.PolicyInit(),
		EnvFile:    l.EnvFile(),
		DropIn:     l.SystemdDropIn(),
		SiteFile:   l.SiteFile(d.Domain),
		Listener:   d.Listener,
		MaxBody:    d.MaxBody,
		BodyLimit:  d.MaxBodyBytes(),
		SourceName: EgressSourceName,
		PoolName:   EgressPoolName,
		HookName:   WebhookHookName,
		EnvNames:   model.EnvNames(),
	}
}

// InitLuaLines returns the lines the operator adds to init.lua to use the
// policy module. kumoup never edits init.lua itself.
func InitLuaLines(l Layout) (string, error) {
	out, err := execute("init-snippet.lua.tmpl", newLuaData(model.Deployment{}, l))
	if err != nil {
		return "", err
	}
	return string(out), nil
}

// renderLua renders the KumoMTA policy module, with the init.lua lines in
// its header.
func renderLua(d model.Deployment, opt Options) ([]byte, error) {
	snippet, err := InitLuaLines(opt.Layout)
	if err != nil {
		return nil, err
	}
	data := newLuaData(d, opt.Layout)
	data.Snippet = strings.Split(strings.TrimRight(snippet, "\n"), "\n")
	return execute("kumoup.lua.tmpl", data)
}
