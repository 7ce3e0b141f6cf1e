package probes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/kumoup/kumoup/internal/kumopolicy"
	"github.com/kumoup/kumoup/writer"
)

// checkPolicyWired: kumoup never edits the user's init.lua, so the module
// only takes effect when init.lua requires it and calls what it provides
// where it runs. init.lua and the policy files it requires are read with a
// Lua parser (internal/kumopolicy), which also finds what would stop kumod
// loading the policy: a second handler for a single-handler event, and
// HTTP listeners other than kumoup's.
func checkPolicyWired(ctx context.Context, t *Target) Result {
	path := t.Layout.PolicyInit()
	a, err := kumopolicy.Analyze(ctx, t.Layout)
	var perr *kumopolicy.ParseError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		lines, lerr := writer.InitLuaLines(t.Layout)
		if lerr != nil {
			return Fail("report this as a kumoup bug", "render the init.lua lines: %v", lerr)
		}
		return Fail("install KumoMTA (its package creates "+path+"), then add:\n"+strings.TrimRight(kumopolicy.CodeLines(lines), "\n"),
			"%s does not exist", path)
	case errors.As(err, &perr):
		return Warn("check the policy with `kumoup policy validate` (kumod's own parser); kumoup's parser reads Lua 5.1 syntax and cannot analyse this file",
			"cannot analyse the policy: %v", err)
	case errors.Is(err, fs.ErrPermission):
		return Skip("cannot read the policy: %v (run kumoup status as root)", err)
	case err != nil:
		return Fail("make "+path+" and the files it requires regular files kumoup can read", "cannot read the policy: %v", err)
	}
	problems := a.Problems(t.Layout)
	if len(problems) > 0 {
		msgs := make([]string, len(problems))
		fixes := make([]string, len(problems))
		for i, p := range problems {
			msgs[i], fixes[i] = p.Message, p.Fix
		}
		detail := msgs[0]
		if len(msgs) > 1 {
			detail = fmt.Sprintf("%d problems: %s", len(msgs), strings.Join(msgs, "; "))
		}
		return Fail(strings.Join(fixes, "\n"), "%s", detail)
	}
	return Pass("%s requires 'kumoup' (%s shape): its listener starts in init and is the only one, its webhook is set up at load, its source and pool are reachable, and no single-handler event has two handlers", path, a.Shape())
}
