package writer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
)

// Action is what applying a plan does to one file.
type Action int

// The actions of a plan.
const (
	// Unchanged: content, mode and owner already as rendered.
	Unchanged Action = iota
	// Create: the file does not exist yet.
	Create
	// Update: the content, or only the mode/owner (ModeChange), differs.
	Update
	// Retire: a file kumoup wrote for a previous domain of this host (see
	// PlanFor); applying moves it aside to its backup name, which nginx
	// does not load, keeping its mode and owner.
	Retire
)

func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Retire:
		return "retire"
	default:
		return "unchanged"
	}
}

// Change is one file of a plan.
type Change struct {
	File   File
	Action Action
	// ModeChange is set when the mode or owner of the file (or the mode or
	// owner of a directory it enforces) differs from the rendered one. With
	// an empty Diff it is the only change: applying fixes it in place,
	// without rewriting or backing up the file.
	ModeChange bool
	// old is what is on disk now (nil for Create), for the backup. It may
	// hold secrets, so it is not exported: show Diff instead.
	old []byte
	// OldMode, OldUID and OldGID describe the file on disk (for Update and
	// Unchanged).
	OldMode        fs.FileMode
	OldUID, OldGID int
	// Diff is the unified diff of an Update's content, every secret (old
	// and new) masked. Empty for Create, Unchanged and mode-only changes.
	Diff string
	// HandEdit, when set, says in one line how the file was changed by
	// hand since kumoup's last apply wrote it ("content and mode 0644 (was
	// 0600)", "deleted"), as the state file records it; HandDiff is that
	// hand edit as a unified diff (what kumoup wrote, then what is there
	// now), every secret masked. See drift.go.
	HandEdit, HandDiff string
}

// Changed reports whether applying touches the file.
func (c Change) Changed() bool { return c.Action != Unchanged }

// Preview is the new content with every secret masked, for showing a file
// about to be created.
func (c Change) Preview() string {
	return string(maskSecrets(c.File.Content, slices.Concat(c.File.Secrets, secretsIn(c.File.Content))))
}

// Plan is what applying rendered files would do, compared with the disk.
type Plan struct {
	Changes []Change
	// Leftovers are temp files (.kumoup-tmp-*) an interrupted run left in
	// the managed directories; Apply removes them.
	Leftovers []string
	// owners is set when file owners are compared (running as root).
	owners bool
	// HTTPOnly is set when the nginx site is rendered without its 443
	// server because the certificate files are missing (see
	// CertificateMissing); Missing lists them.
	HTTPOnly bool
	Missing  []string
	// layout, when set (RetirePreviousDomain sets it), is where Apply
	// records what it wrote in the state file.
	layout *Layout
}

// NewPlan reads each file's target and decides its action. It refuses a
// target that is not a regular file (a symlink, a directory): kumoup
// replaces files by renaming and would silently break the link.
func NewPlan(files []File) (*Plan, error) {
	p := &Plan{owners: geteuid() == 0}
	// Every secret of the deployment is masked in every diff: a token
	// pasted by hand into another file must not show there either.
	var secrets []string
	for _, f := range files {
		secrets = append(secrets, f.Secrets...)
	}
	for _, f := range files {
		c, err := planFile(f, p.owners, secrets)
		if err != nil {
			return nil, err
		}
		p.Changes = append(p.Changes, c)
	}
	for _, dir := range p.dirs() {
		left, err := leftoverTemps(dir)
		if err != nil {
			return nil, err
		}
		p.Leftovers = append(p.Leftovers, left...)
	}
	return p, nil
}

// dirs lists the directories of the plan's files, sorted, each once.
func (p *Plan) dirs() []string {
	var dirs []string
	for _, c := range p.Changes {
		dirs = append(dirs, filepath.Dir(c.File.Path))
	}
	slices.Sort(dirs)
	return slices.Compact(dirs)
}

func planFile(f File, owners bool, secrets []string) (Change, error) {
	c := Change{File: f}
	if err := checkDirs(rootOf(f), filepath.Dir(f.Path)); err != nil {
		return c, fmt.Errorf("%s: %w", f.Name, err)
	}
	dirChange, err := dirNeedsFix(f, owners)
	if err != nil {
		return c, err
	}
	fi, err := os.Lstat(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		c.Action = Create
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("%s (%s): %w", f.Name, f.Path, err)
	}
	if !fi.Mode().IsRegular() {
		return c, fmt.Errorf("%s: %s is a %s, not a regular file: kumoup replaces it by renaming and will not follow or break it; move it away and re-run", f.Name, f.Path, fileKind(fi.Mode()))
	}
	old, err := fsread.ReadOwn(context.Background(), f.Path, fsread.ConfigLimit)
	if err != nil {
		return c, fmt.Errorf("%s: %w", f.Name, err)
	}
	c.old = old
	c.OldMode = fi.Mode().Perm()
	c.OldUID, c.OldGID, _ = fileOwner(fi)
	modeDiffers := c.OldMode != f.Mode || dirChange || owners && (c.OldUID != f.UID || c.OldGID != f.GID)
	switch {
	case !bytes.Equal(old, f.Content):
		c.Action = Update
		c.Diff = maskedDiff(f.Path+" (now)", f.Path+" (new)", old, f.Content, slices.Concat(f.Secrets, secrets))
		c.ModeChange = modeDiffers
	case modeDiffers:
		c.Action = Update
		c.ModeChange = true
	}
	return c, nil
}

// dirNeedsFix reports whether f's directory exists with a mode (or, when
// owners count, an owner) other than the one f enforces.
func dirNeedsFix(f File, owners bool) (bool, error) {
	if f.DirMode == 0 {
		return false, nil
	}
	fi, err := os.Lstat(filepath.Dir(f.Path))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("%s: %w", f.Name, err)
	}
	if uid, gid, ok := fileOwner(fi); ok && owners && (uid != f.UID || gid != f.GID) {
		return true, nil
	}
	return fi.Mode().Perm() != f.DirMode, nil
}

// fileOwner is fi's owner uid and gid, when the system says.
func fileOwner(fi fs.FileInfo) (uid, gid int, ok bool) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid), true
	}
	return 0, 0, false
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	default:
		return "special file"
	}
}

// Summary is one line: how many files are created, updated and unchanged.
func (p *Plan) Summary() string {
	var create, update, retire, same int
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			create++
		case Update:
			update++
		case Retire:
			retire++
		default:
			same++
		}
	}
	s := fmt.Sprintf("%d to create, %d to update, %d unchanged", create, update, same)
	if retire > 0 {
		s = fmt.Sprintf("%d to create, %d to update, %d to retire, %d unchanged", create, update, retire, same)
	}
	if create+update+retire == 0 {
		s = fmt.Sprintf("0 changed (%d unchanged)", same)
	}
	if n := len(p.Leftovers); n > 0 {
		s += fmt.Sprintf("; %d leftover temp file(s) to remove", n)
	}
	return s
}

// Changed is the number of files applying would touch.
func (p *Plan) Changed() int {
	n := 0
	for _, c := range p.Changes {
		if c.Changed() {
			n++
		}
	}
	return n
}

// Render writes the plan for a human: per file its action, path, mode,
// owner and, for updates, the masked diff; then the summary.
func (p *Plan) Render(w io.Writer) error {
	var b strings.Builder
	for _, c := range p.Changes {
		f := c.File
		own := owner(f.UID, f.GID)
		if !p.owners {
			own = "owner kept: not root"
		}
		fmt.Fprintf(&b, "%-9s %s  (%s, %04o %s)\n", c.Action, f.Path, f.Name, f.Mode, own)
		switch {
		case c.Action == Retire:
			fmt.Fprintf(&b, "          %s; moved aside as %s*, which nginx does not load\n", f.Name, f.Path+BackupInfix)
		case c.Action == Create:
			fmt.Fprintf(&b, "          new file, %d lines%s\n", bytes.Count(f.Content, []byte("\n")), secretNote(f))
		case c.ModeChange && c.Diff == "":
			fmt.Fprintf(&b, "          content unchanged; mode/owner now %04o %s%s\n", c.OldMode, owner(c.OldUID, c.OldGID), dirNote(f))
		}
		if c.HandEdit != "" {
			fmt.Fprintf(&b, "          changed by hand since the last apply: %s%s\n", c.HandEdit, keptNote(c))
			if c.HandDiff != "" {
				b.WriteString("          the hand edit (last applied, then now on disk):\n")
				b.WriteString(indent(c.HandDiff, "            "))
			}
		}
		if c.Action == Update && c.Diff != "" {
			if c.ModeChange {
				fmt.Fprintf(&b, "          mode/owner now %04o %s%s\n", c.OldMode, owner(c.OldUID, c.OldGID), dirNote(f))
			}
			b.WriteString(indent(c.Diff, "          "))
		}
	}
	for _, l := range p.Leftovers {
		fmt.Fprintf(&b, "remove    %s  (temp file left by an interrupted run)\n", l)
	}
	if p.HTTPOnly {
		cert := "kumoup cert"
		if p.layout != nil {
			cert = CertCommand(*p.layout)
		}
		fmt.Fprintf(&b, "nginx site: %s (missing: %s); `%s` obtains it\n", HTTPOnlyNote, strings.Join(p.Missing, ", "), cert)
	}
	fmt.Fprintf(&b, "plan: %s\n", p.Summary())
	_, err := io.WriteString(w, b.String())
	return err
}

func secretNote(f File) string {
	if f.Sensitive() {
		return ", holds a secret"
	}
	return ""
}

func dirNote(f File) string {
	if f.DirMode != 0 {
		return fmt.Sprintf("; directory %s enforced %04o", filepath.Dir(f.Path), f.DirMode)
	}
	return ""
}

func owner(uid, gid int) string {
	if uid == 0 && gid == 0 {
		return "root:root"
	}
	return fmt.Sprintf("%d:%d", uid, gid)
}

func indent(s, prefix string) string {
	if s == "" {
		return ""
	}
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l == "" {
			continue
		}
		b.WriteString(prefix)
		b.WriteString(l)
	}
	if !strings.HasSuffix(s, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}

// PlanFor renders d for l and plans the result: what the UI and apply
// show before writing. When the deployment on disk (kumoup.yaml) names
// another domain, the plan also retires that domain's nginx site and token
// include: left in place, two sites would both declare
// map_hash_bucket_size and a default 443 server (nginx -t fails), and the
// old token would still be accepted for the old name.
func PlanFor(d model.Deployment, l Layout) (*Plan, error) {
	return PlanWith(d, l, Software{})
}

// PlanWith is PlanFor rendering for the host's installed software
// (DetectSoftware; the zero value renders for current kumod and for the
// nginx form every supported release accepts).
func PlanWith(d model.Deployment, l Layout, sw Software) (*Plan, error) {
	return PlanRendered(d, Options{Layout: l, Kumod: sw.Kumod, Nginx: sw.Nginx})
}

// PlanRendered is the one way a plan is made: d rendered with opt (HTTP
// only while the certificate is missing, whatever opt.HTTPOnly says), then
// the previous domain's files retired. PlanFor and PlanWith call it with
// the host's defaults; the wizard with its own listen addresses and ports.
func PlanRendered(d model.Deployment, opt Options) (*Plan, error) {
	missing := CertificateMissing(d)
	opt.HTTPOnly = len(missing) > 0
	files, err := Render(d, opt)
	if err != nil {
		return nil, err
	}
	p, err := NewPlan(files)
	if err != nil {
		return nil, err
	}
	p.HTTPOnly, p.Missing = len(missing) > 0, missing
	if err := p.RetirePreviousDomain(d, opt.Layout); err != nil {
		return nil, err
	}
	return p, nil
}
