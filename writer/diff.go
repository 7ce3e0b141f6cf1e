package writer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
)

// PlanSaved plans what `kumoup apply --answers /etc/kumoup/kumoup.yaml`
// would write under l now: the saved answers, the tokens on the host (a
// rotation in progress kept while its grace period runs), nothing from
// the environment, rendered for the installed kumod and nginx
// (DetectSoftware, as apply does). It is the base of
// kumoup diff. Without kumoup.yaml the error wraps ErrNoDeployment.
func PlanSaved(ctx context.Context, l Layout) (*Plan, error) {
	path := l.AnswersFile()
	a, err := ReadAnswers(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w at %s: run kumoup setup or kumoup apply --answers FILE", ErrNoDeployment, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w%s", err, rootHint(err))
	}
	d, _, err := ResolveTokens(a, func(string) string { return "" }, l)
	if err != nil {
		return nil, err
	}
	d = d.WithDefaults()
	if err := d.Validate().Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sw, _ := DetectSoftware(ctx, l, d)
	return PlanWith(d, l, sw)
}

// RenderDiff writes, for every file the plan would change, how the disk
// differs from what kumoup would write, every secret masked: a unified
// diff for content, a line for a missing file, a mode or owner change or a
// file to retire, and the hand edit when the state file shows one. It
// writes nothing when the plan changes nothing.
func (p *Plan) RenderDiff(w io.Writer) error {
	var b strings.Builder
	for _, c := range p.Changes {
		if !c.Changed() {
			continue
		}
		f := c.File
		if c.HandEdit != "" {
			fmt.Fprintf(&b, "# %s (%s): changed by hand since the last apply: %s\n", f.Path, f.Name, c.HandEdit)
		}
		switch {
		case c.Action == Create:
			fmt.Fprintf(&b, "Only in kumoup: %s (%s, %04o): missing on disk\n", f.Path, f.Name, f.Mode)
		case c.Action == Retire:
			fmt.Fprintf(&b, "Only on disk: %s (%s): kumoup apply moves it aside\n", f.Path, f.Name)
		default:
			if c.ModeChange {
				fmt.Fprintf(&b, "Mode: %s is %04o %s on disk, kumoup writes %04o %s%s\n", f.Path, c.OldMode, owner(c.OldUID, c.OldGID), f.Mode, ownerNote(p, f), dirNote(f))
			}
			b.WriteString(c.Diff)
			if c.Diff != "" && !strings.HasSuffix(c.Diff, "\n") {
				b.WriteString("\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func ownerNote(p *Plan, f File) string {
	if !p.owners {
		return "(owner kept: not root)"
	}
	return owner(f.UID, f.GID)
}
