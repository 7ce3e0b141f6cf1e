package probes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitLuaRequiringTheModulePasses(t *testing.T) {
	f := newHostFixture(t)
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusPass, "requires 'kumoup'", "minimal")
}

func TestInitLuaWithoutTheRequireFailsWithTheLinesToAdd(t *testing.T) {
	f := newHostFixture(t)
	init := f.target.Layout.PolicyInit()
	hostWriteFile(t, init, "local kumo = require 'kumo'\n-- local kumoup = require 'kumoup'\n--[[\nlocal kumoup = require(\"kumoup\")\n]]\nlocal s = \"require 'kumoup' -- not code\"\nkumo.on('init', function() end)\n", 0o644)
	r := hostRun(t, f.target, "host.policy.wired")
	wantResult(t, r, StatusFail, "does not require 'kumoup'", "local kumoup = require 'kumoup'", "kumoup.setup_listener()")
}

func TestInitLuaRequiringWithParenthesesAndDoubleQuotesCounts(t *testing.T) {
	f := newHostFixture(t)
	init := f.target.Layout.PolicyInit()
	b, _ := os.ReadFile(init)
	hostWriteFile(t, init, strings.ReplaceAll(strings.ReplaceAll(string(b), "require 'kumoup'", `require("kumoup")`), "'", `"`), 0o644)
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusPass)
}

func TestInitLuaRequiringButNotCallingTheModuleFailsWithEachLine(t *testing.T) {
	f := newHostFixture(t)
	init := f.target.Layout.PolicyInit()
	hostWriteFile(t, init, "package.path = '"+filepath.Dir(f.target.Layout.LuaModule())+"/?.lua;' .. package.path\nlocal kumoup = require 'kumoup'\n", 0o644)
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusFail, "never calls kumoup.setup_webhook()", "never calls kumoup.setup_listener()",
		"kumo.on('get_egress_source', kumoup.egress_source)", "kumo.on('get_egress_pool', kumoup.egress_pool)")
}

func TestInitLuaMissingFails(t *testing.T) {
	f := newHostFixture(t)
	os.Remove(f.target.Layout.PolicyInit())
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusFail, "does not exist", "install KumoMTA")
}

func TestInitLuaRequiredFilesAreReadToo(t *testing.T) {
	f := newHostFixture(t)
	dir := filepath.Dir(f.target.Layout.PolicyInit())
	// A file the policy requires registers get_egress_source a second time.
	hostWriteFile(t, filepath.Join(dir, "site", "egress.lua"), "local kumo = require 'kumo'\nkumo.on('get_egress_source', function(name) return nil end)\n", 0o644)
	b, _ := os.ReadFile(f.target.Layout.PolicyInit())
	hostWriteFile(t, f.target.Layout.PolicyInit(), string(b)+"require 'site.egress'\n", 0o644)
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusFail, "get_egress_source is registered 2 times", "site/egress.lua:2")
}

func TestInitLuaUseBeforeTheRequireFails(t *testing.T) {
	f := newHostFixture(t)
	b, _ := os.ReadFile(f.target.Layout.PolicyInit())
	code := strings.Replace(string(b), "local kumoup = require 'kumoup'\n", "", 1) + "local kumoup = require 'kumoup'\n"
	hostWriteFile(t, f.target.Layout.PolicyInit(), code, 0o644)
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusFail, "before `local kumoup = require 'kumoup'`", "move `local kumoup = require 'kumoup'`")
}

func TestInitLuaThatKumoupCannotParseWarns(t *testing.T) {
	f := newHostFixture(t)
	b, _ := os.ReadFile(f.target.Layout.PolicyInit())
	// Lua 5.4's integer division: kumod reads it, gopher-lua (5.1) does not.
	hostWriteFile(t, f.target.Layout.PolicyInit(), string(b)+"local half = 10 // 2\n", 0o644)
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusWarn, "kumoup policy validate")
}

func TestInitLuaSymlinkIsNotFollowed(t *testing.T) {
	f := newHostFixture(t)
	init := f.target.Layout.PolicyInit()
	real := init + ".real"
	if err := os.Rename(init, real); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, init); err != nil {
		t.Fatal(err)
	}
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusFail, "symbolic link")
}

func TestKumoupsLinesInAFileInitLuaRequiresPass(t *testing.T) {
	f := newHostFixture(t)
	dir := filepath.Dir(f.target.Layout.PolicyInit())
	b, _ := os.ReadFile(f.target.Layout.PolicyInit())
	hostWriteFile(t, filepath.Join(dir, "site.lua"), string(b), 0o644)
	hostWriteFile(t, f.target.Layout.PolicyInit(), "-- everything is in site.lua\nrequire 'site'\n", 0o644)
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusPass)
}
