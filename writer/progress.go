package writer

import (
	"context"
	"fmt"
	"io"
)

// ApplyWithProgress is Apply as kumoup's commands run it: owners are set
// when this process can chown (the caller checked RequireRoot; under a
// --root tree without root they are kept), and every changed file gets one
// line on progress, "ACTION PATH: ok" or "ACTION PATH: ERROR".
func (p *Plan) ApplyWithProgress(ctx context.Context, progress io.Writer) (*Report, error) {
	return p.Apply(ctx, ApplyOptions{
		SkipChown: !CanChown(),
		Progress: func(c Change, err error) {
			if !c.Changed() {
				return
			}
			result := "ok"
			if err != nil {
				result = err.Error()
			}
			fmt.Fprintf(progress, "%s %s: %s\n", c.Action, c.File.Path, result)
		},
	})
}

// WriteFiles plans files (NewPlan), prints the plan on planOut and applies
// it with ApplyWithProgress, printing progress on progress. An apply error
// is wrapped as "write: ...".
func WriteFiles(ctx context.Context, files []File, planOut, progress io.Writer) (*Report, error) {
	plan, err := NewPlan(files)
	if err != nil {
		return nil, err
	}
	if err := plan.Render(planOut); err != nil {
		return nil, err
	}
	report, err := plan.ApplyWithProgress(ctx, progress)
	if err != nil {
		return report, fmt.Errorf("write: %w", err)
	}
	return report, nil
}
