package probes

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// fileFacts is what stat says about a path.
type fileFacts struct {
	path     string
	mode     fs.FileMode
	uid, gid uint32
}

func statFile(path string) (fileFacts, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileFacts{}, err
	}
	f := fileFacts{path: path, mode: fi.Mode()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		f.uid, f.gid = st.Uid, st.Gid
	}
	return f, nil
}

// owner is "user:group" by name where known, else by number.
func (f fileFacts) owner() string {
	u, g := strconv.FormatUint(uint64(f.uid), 10), strconv.FormatUint(uint64(f.gid), 10)
	if x, err := user.LookupId(u); err == nil {
		u = x.Username
	}
	if x, err := user.LookupGroupId(g); err == nil {
		g = x.Name
	}
	return u + ":" + g
}

// perm is the permission bits in octal ("0600").
func (f fileFacts) perm() string { return fmt.Sprintf("%04o", f.mode.Perm()) }

// privateProblems lists what makes f not private to root: group or other
// permission bits, an owner other than root:root. what names the file in
// the messages.
func (f fileFacts) privateProblems() []string {
	var out []string
	if f.mode.Perm()&0o077 != 0 {
		out = append(out, fmt.Sprintf("%s is mode %s (group/others have access)", f.path, f.perm()))
	}
	if f.uid != 0 || f.gid != 0 {
		out = append(out, fmt.Sprintf("%s is owned by %s", f.path, f.owner()))
	}
	return out
}

// checkEnvFilePermissions: /etc/default/kumomta carries the webhook token,
// so it must be 0600 (or stricter) root:root.
func checkEnvFilePermissions(ctx context.Context, t *Target) Result {
	path := t.Layout.EnvFile()
	f, err := statFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Fail(writer.ApplyCommand(t.Layout)+" (it writes "+path+" 0600 root:root)", "%s does not exist", path)
	}
	if err != nil {
		return Skip("cannot stat %s: %v (run kumoup status as root)", path, errors.Unwrap(err))
	}
	if !f.mode.IsRegular() {
		return Fail("replace it with the file "+writer.ApplyCommand(t.Layout)+" writes", "%s is not a regular file (%s)", path, f.mode.Type())
	}
	if p := f.privateProblems(); len(p) > 0 {
		return Fail(fmt.Sprintf("chmod 600 %s && chown root:root %s", path, path),
			"%s: it holds the webhook token", strings.Join(p, "; "))
	}
	return Pass("%s is %s %s", path, f.perm(), f.owner())
}

// checkEnvFileValues: the six variables the Lua module reads, each valid by
// the model's rules. Messages never contain the token.
func checkEnvFileValues(ctx context.Context, t *Target) Result {
	path := t.Layout.EnvFile()
	b, err := fsread.Read(ctx, path, fsread.ConfigLimit)
	if errors.Is(err, fs.ErrNotExist) {
		return Skip("%s does not exist (see host.envfile.permissions)", path)
	}
	if err != nil {
		return Skip("%s", cannotRead(path, err))
	}
	vars, err := model.ParseEnv(b)
	if err != nil {
		return Fail("fix that line of "+path+" (or "+writer.ApplyCommand(t.Layout)+"), then systemctl restart kumomta",
			"%s: %s", path, t.redact(err.Error()))
	}
	p := model.ValidateEnv(vars)
	if !p.OK() {
		var msgs, names []string
		for _, e := range p.Errors {
			msgs = append(msgs, t.redact(e.Error()))
			names = append(names, e.Field)
		}
		return Fail(fmt.Sprintf("set %s in %s (%s writes them all), then systemctl restart kumomta", strings.Join(names, ", "), path, writer.ApplyCommand(t.Layout)),
			"%s: %s", path, strings.Join(msgs, "; "))
	}
	return Pass("%s: all %d variables present and valid", path, len(model.EnvNames()))
}

// bearerLiteral finds a bearer token written out in an nginx file.
var bearerLiteral = regexp.MustCompile(`Bearer[ \\]+(?:\\Q)?[A-Za-z0-9._~+/-]{32,}=*`)

// includeToken finds the token of one map entry of the token include:
// "~^Bearer \Q<token>\E$" 1;
var includeToken = regexp.MustCompile(`\\Q([A-Za-z0-9._~+/=-]+)\\E`)

// checkTokenFilePermissions: the token include is 0600 root:root in a
// directory closed to group and others, and the world-readable site file
// carries no token.
func checkTokenFilePermissions(ctx context.Context, t *Target) Result {
	domain := t.Deployment.Domain
	if domain == "" {
		return Skip("no domain known (read from %s)", t.Layout.AnswersFile())
	}
	tokenFile, dir, site := t.Layout.TokenFile(domain), t.Layout.TokenDir(), t.Layout.SiteFile(domain)
	var problems, fixes []string

	f, err := statFile(tokenFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Fail(writer.ApplyCommand(t.Layout)+" (it writes "+tokenFile+" 0600 root:root in a 0700 directory)", "%s does not exist", tokenFile)
	case err != nil:
		return Skip("cannot stat %s: %v (run kumoup status as root)", tokenFile, errors.Unwrap(err))
	}
	if p := f.privateProblems(); len(p) > 0 {
		problems = append(problems, p...)
		fixes = append(fixes, fmt.Sprintf("chmod 600 %s && chown root:root %s", tokenFile, tokenFile))
	}
	if df, err := statFile(dir); err == nil {
		if p := df.privateProblems(); len(p) > 0 {
			problems = append(problems, p...)
			fixes = append(fixes, fmt.Sprintf("chmod 700 %s && chown root:root %s", dir, dir))
		}
	}

	known := t.tokens()
	if b, err := fsread.Read(ctx, tokenFile, fsread.ConfigLimit); err == nil {
		for _, m := range includeToken.FindAllSubmatch(b, -1) {
			known = append(known, namedToken{"a token from " + filepath.Base(tokenFile), string(m[1])})
		}
	}
	siteText, err := t.readSiteFile(ctx)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		problems = append(problems, site+" does not exist")
		fixes = append(fixes, writer.ApplyCommand(t.Layout))
	case err != nil:
		return Skip("%s", cannotRead(site, err))
	default:
		leaked := ""
		for _, tok := range known {
			if strings.Contains(string(siteText), tok.value) {
				leaked = "the " + tok.name
				break
			}
		}
		if leaked == "" && bearerLiteral.Match(siteText) {
			leaked = "a bearer token"
		}
		if leaked != "" {
			problems = append(problems, fmt.Sprintf("%s contains %s (the site file is world-readable)", site, leaked))
			fixes = append(fixes, fmt.Sprintf("move the map entry from %s into %s (%s), then rotate that token", site, tokenFile, writer.ApplyCommand(t.Layout)))
		}
	}
	if len(problems) > 0 {
		return Fail(strings.Join(fixes, "; "), "%s", strings.Join(problems, "; "))
	}
	dirNote := ""
	if df, err := statFile(dir); err == nil {
		dirNote = fmt.Sprintf(" in %s %s", df.perm(), dir)
	}
	return Pass("%s is %s %s%s; %s holds no token", tokenFile, f.perm(), f.owner(), dirNote, filepath.Base(site))
}
