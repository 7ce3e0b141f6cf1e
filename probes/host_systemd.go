package probes

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/writer"
)

// restartCommand makes systemd re-read the drop-in and kumod the
// environment file.
const restartCommand = "systemctl daemon-reload && systemctl restart kumomta"

// restartSlack absorbs the imprecision of process start times (the kernel
// counts in 10 ms ticks; systemd timestamps are whole seconds).
const restartSlack = time.Second

// checkSystemdEnvFile: a drop-in loads /etc/default/kumomta into kumod, and
// kumod started after the file (and the drop-in) last changed; otherwise
// kumod still runs with the old values.
func checkSystemdEnvFile(ctx context.Context, t *Target) Result {
	envPath := t.Layout.EnvFile()
	dropDir := filepath.Dir(t.Layout.SystemdDropIn())
	loader, err := findEnvFileDropIn(ctx, dropDir, []string{envPath, writer.EnvFilePath})
	if err != nil {
		return Fail("add `EnvironmentFile="+envPath+"` under [Service] in "+t.Layout.SystemdDropIn()+" ("+writer.ApplyCommand(t.Layout)+" writes it), then "+restartCommand,
			"%v", err)
	}
	env, err := os.Stat(envPath)
	if err != nil {
		return Skip("%s: %v (see host.envfile.permissions)", envPath, errors.Unwrap(err))
	}
	changed, what := env.ModTime(), envPath
	if fi, err := os.Stat(loader); err == nil && fi.ModTime().After(changed) {
		changed, what = fi.ModTime(), loader
	}
	started, source, reload, reason := t.kumodStarted(ctx)
	if source == "" {
		return Skip("%s loads %s, but kumomta's start time is unknown: %s", loader, envPath, reason)
	}
	if reload {
		return Fail(restartCommand, "systemd reports NeedDaemonReload=yes for kumomta: a unit file or drop-in changed since the last daemon-reload")
	}
	if changed.After(started.Add(restartSlack)) {
		return Fail(restartCommand, "restart needed: %s changed at %s, after kumomta started at %s (%s)",
			what, utcStamp(changed), utcStamp(started), source)
	}
	return Pass("%s loads %s; kumomta started at %s (%s), after %s last changed at %s",
		loader, envPath, utcStamp(started), source, what, utcStamp(changed))
}

func utcStamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// findEnvFileDropIn returns the drop-in in dir whose [Service] section has
// an EnvironmentFile= naming one of paths (the first, the layout's, is
// the one errors name).
func findEnvFileDropIn(ctx context.Context, dir string, paths []string) (string, error) {
	confs, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
	if len(confs) == 0 {
		return "", fmt.Errorf("no drop-in in %s: kumod does not get %s", dir, paths[0])
	}
	for _, c := range confs {
		b, err := fsread.Read(ctx, c, fsread.ConfigLimit)
		if err != nil {
			continue
		}
		if slices.ContainsFunc(environmentFiles(b), func(p string) bool { return slices.Contains(paths, p) }) {
			return c, nil
		}
	}
	names := make([]string, len(confs))
	for i, c := range confs {
		names[i] = filepath.Base(c)
	}
	return "", fmt.Errorf("no drop-in in %s (%s) has EnvironmentFile=%s under [Service]", dir, strings.Join(names, ", "), paths[0])
}

// environmentFiles lists the EnvironmentFile= paths of a unit file's
// [Service] section ('-' prefixes dropped).
func environmentFiles(unit []byte) []string {
	var out []string
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(unit))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if strings.HasPrefix(line, "[") {
			section = line
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok || section != "[Service]" || strings.TrimSpace(key) != "EnvironmentFile" {
			continue
		}
		for _, p := range strings.Fields(val) {
			out = append(out, strings.TrimPrefix(p, "-"))
		}
	}
	return out
}

// kumodStarted says when kumomta last started: systemd's
// ActiveEnterTimestamp when systemd manages this root, else the start time
// of the oldest kumod process. source says which ("" when neither is
// available, with reason saying why).
func (t *Target) kumodStarted(ctx context.Context) (started time.Time, source string, needReload bool, reason string) {
	var why []string
	if t.Layout.IsHost() {
		st, reload, err := systemdActiveEnter(ctx)
		if err == nil {
			return st, "systemd ActiveEnterTimestamp", reload, ""
		}
		why = append(why, err.Error())
	} else {
		why = append(why, "systemd not asked for a --root tree")
	}
	p, ok, err := t.oldestProcess("kumod")
	switch {
	case err != nil:
		why = append(why, err.Error())
	case !ok:
		why = append(why, "no kumod process in "+t.procRoot())
	default:
		return p.started, fmt.Sprintf("kumod pid %d", p.pid), false, ""
	}
	return time.Time{}, "", false, strings.Join(why, "; ")
}

// systemdActiveEnter asks systemd when kumomta.service last became active.
func systemdActiveEnter(ctx context.Context) (time.Time, bool, error) {
	if _, err := os.Stat("/run/systemd/system"); errors.Is(err, fs.ErrNotExist) {
		return time.Time{}, false, errors.New("systemd is not running")
	}
	bin, err := exec.LookPath("systemctl")
	if err != nil {
		return time.Time{}, false, errors.New("systemctl not found")
	}
	show := func(extra ...string) ([]byte, error) {
		args := append([]string{"show", "kumomta"}, extra...)
		args = append(args, "-p", "ActiveState", "-p", "ActiveEnterTimestamp", "-p", "NeedDaemonReload")
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(os.Environ(), "SYSTEMD_PAGER=", "LC_ALL=C", "TZ=UTC")
		return cmd.Output()
	}
	out, err := show("--timestamp=unix") // systemd >= 251
	if err != nil {
		out, err = show() // older: "Sun 2026-11-22 00:21:58 UTC", in UTC through TZ
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("systemctl show kumomta: %w", err)
	}
	return parseSystemdShow(out)
}

// parseSystemdShow reads `systemctl show -p ActiveState -p
// ActiveEnterTimestamp -p NeedDaemonReload` output, the timestamp either
// as "@SECONDS" (--timestamp=unix) or as "Sun 2026-11-22 00:21:58 UTC".
func parseSystemdShow(out []byte) (time.Time, bool, error) {
	props := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			props[k] = strings.TrimSpace(v)
		}
	}
	if s := props["ActiveState"]; s != "active" && s != "reloading" {
		return time.Time{}, false, fmt.Errorf("systemd: kumomta is %s", s)
	}
	ts := props["ActiveEnterTimestamp"]
	reload := props["NeedDaemonReload"] == "yes"
	if rest, ok := strings.CutPrefix(ts, "@"); ok {
		secs, err := strconv.ParseInt(rest, 10, 64)
		if err != nil {
			return time.Time{}, false, fmt.Errorf("systemd: ActiveEnterTimestamp %q is not @SECONDS", ts)
		}
		return time.Unix(secs, 0), reload, nil
	}
	if at, err := time.Parse("Mon 2006-01-02 15:04:05 MST", ts); err == nil && strings.HasSuffix(ts, " UTC") {
		return at, reload, nil
	}
	return time.Time{}, false, fmt.Errorf("systemd: ActiveEnterTimestamp %q is neither @SECONDS nor a UTC date", ts)
}
