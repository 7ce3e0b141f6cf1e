package probes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitLuaRequiringTheModulePasses(t *testing.T) {
	f := newHostFixture(t)
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusPass, "requires 'kumoup'")
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

func TestInitLuaRequiringButNotCallingTheModuleWarns(t *testing.T) {
	f := newHostFixture(t)
	init := f.target.Layout.PolicyInit()
	hostWriteFile(t, init, "package.path = '"+filepath.Dir(f.target.Layout.LuaModule())+"/?.lua;' .. package.path\nlocal kumoup = require 'kumoup'\n", 0o644)
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusWarn, "lacks", "kumo.on('get_egress_source', kumoup.egress_source)")
}

func TestInitLuaMissingFails(t *testing.T) {
	f := newHostFixture(t)
	os.Remove(f.target.Layout.PolicyInit())
	wantResult(t, hostRun(t, f.target, "host.policy.wired"), StatusFail, "does not exist", "install KumoMTA")
}
