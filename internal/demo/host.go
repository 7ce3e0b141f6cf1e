package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kumoup/kumoup/writer"
)

// The pretend host: what the kumomta package leaves, and what the wizard's
// apply and the operator's next step write.

// packageInitLua stands in for the init.lua KumoMTA's package installs
// when there is none: kumoup never writes it, the operator adds the lines
// the next steps show (the dashboard's host.policy.wired says so).
const packageInitLua = `-- KumoMTA policy (as installed by the kumomta package)
local kumo = require 'kumo'

kumo.on('init', function()
  kumo.define_spool { name = 'data', path = '/var/spool/kumomta/data' }
  kumo.define_spool { name = 'meta', path = '/var/spool/kumomta/meta' }
  kumo.start_esmtp_listener { listen = '0.0.0.0:25' }
end)
`

// installKumoMTA leaves in the pretend host what the kumomta package
// would: its policy directory and init.lua.
func (e *Env) installKumoMTA() error {
	p := e.Layout.PolicyInit()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("demo: create %s: %w", filepath.Dir(p), err)
	}
	if err := os.WriteFile(p, []byte(packageInitLua), 0o644); err != nil {
		return fmt.Errorf("demo: write %s: %w", p, err)
	}
	return nil
}

// writeFiles writes the demo deployment's files into the pretend host, as
// the wizard's apply does.
func (e *Env) writeFiles(ctx context.Context) error {
	files, err := writer.Render(e.Deployment, writer.Options{Layout: e.Layout})
	if err != nil {
		return fmt.Errorf("demo: render the demo files: %w", err)
	}
	plan, err := writer.NewPlan(files)
	if err != nil {
		return fmt.Errorf("demo: plan the demo files: %w", err)
	}
	// A pretend host: files keep the running user as owner.
	if _, err := plan.Apply(ctx, writer.ApplyOptions{SkipChown: os.Geteuid() != 0}); err != nil {
		return fmt.Errorf("demo: write the demo files under %s: %w", e.Layout.Root, err)
	}
	// The operator's next step: init.lua uses the module, with the lines
	// for its (minimal) shape placed where the next steps say.
	if err := os.WriteFile(e.Layout.PolicyInit(), []byte(wiredInitLua(e.Layout)), 0o644); err != nil {
		return fmt.Errorf("demo: write %s: %w", e.Layout.PolicyInit(), err)
	}
	return nil
}

// wiredInitLua is packageInitLua after the operator added kumoup's lines.
func wiredInitLua(l writer.Layout) string {
	return `-- KumoMTA policy (as installed by the kumomta package), with kumoup's lines
local kumo = require 'kumo'
package.path = '` + filepath.Dir(l.LuaModule()) + `/?.lua;' .. package.path
local kumoup = require 'kumoup'
kumoup.setup_webhook()

kumo.on('init', function()
  kumo.define_spool { name = 'data', path = '/var/spool/kumomta/data' }
  kumo.define_spool { name = 'meta', path = '/var/spool/kumomta/meta' }
  kumo.start_esmtp_listener { listen = '0.0.0.0:25' }
  kumoup.setup_listener()
end)

kumo.on('get_egress_source', kumoup.egress_source)
kumo.on('get_egress_pool', kumoup.egress_pool)
`
}
