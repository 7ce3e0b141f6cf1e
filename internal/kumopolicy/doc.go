// Package kumopolicy reads a KumoMTA policy (init.lua and the policy files
// it requires) with a Lua parser (github.com/yuin/gopher-lua's parse
// package) and reports what kumod would do with it while loading: which
// events get handlers (and which single-handler event gets two), which
// HTTP listeners start, and whether kumoup's module is required and its
// lines placed where they run. It also tells the init.lua's shape
// (writer.PolicyShape), which decides the lines kumoup prints.
//
// It models what KumoMTA enforces as read in KumoCorp/kumomta at commit
// 3ebc1e85; the tests run the same init.lua files under lua5.4 with
// KumoMTA's real policy-extras and a stand-in kumo table (testdata/).
package kumopolicy
