package probes

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"

	"github.com/kumoup/kumoup/writer"
)

// nginxBinary is the nginx to run: NginxBinary, or "nginx" from PATH.
func (t *Target) nginxBinary() string {
	if t.NginxBinary != "" {
		return t.NginxBinary
	}
	return "nginx"
}

// nginxArgs are the arguments of `nginx -t` (or -T, the flag given) for
// the target's configuration and prefix.
func (t *Target) nginxArgs(flag string) []string {
	args := []string{flag}
	if t.NginxConf != "" {
		args = append(args, "-c", t.NginxConf)
	}
	if t.NginxPrefix != "" {
		args = append(args, "-p", t.NginxPrefix)
	}
	return args
}

// nginxRun is what one `nginx -t` or `nginx -T` for the target said.
type nginxRun struct {
	// args are the arguments it ran with, the flag first (under --root
	// without --nginx-conf, a temporary nginx.conf already removed).
	args []string
	// stdout is -T's dump of the configuration: it holds secrets (the
	// token include), so it is only searched, never shown. Empty for -t.
	stdout []byte
	// stderr is nginx's messages (for -t, everything it wrote).
	stderr []byte
	// err is why it did not exit 0 (an *exec.ExitError when it ran).
	err error
}

// nginxConfigFlag is the flag host.nginx.config runs nginx with: -t, or
// within a sweep where smtp.proxy runs -T (smtp_proxy enabled: it
// searches the dump for the mail file), -T, the same test, so that the
// sweep runs nginx once. -t writes no secrets anywhere.
func (t *Target) nginxConfigFlag() string {
	if t.sweep != nil && t.Deployment.SMTPProxy.Enabled {
		return "-T"
	}
	return "-t"
}

// nginxTest runs `nginx -t` or `nginx -T` (the flag given) once per sweep:
// host.nginx.config and smtp.proxy share it. The error is the command's
// setup (the temporary nginx.conf under --root); nginx's own failure is in
// err of the nginxRun.
func (t *Target) nginxTest(ctx context.Context, flag string) (*nginxRun, error) {
	return sweepShared(ctx, t, "nginx "+flag, func(ctx context.Context) (*nginxRun, error) {
		args, cleanup, err := t.nginxCommand(flag)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, t.nginxBinary(), args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if flag == "-t" {
			cmd.Stdout = &stderr // as CombinedOutput: -t writes nothing of its own there
		}
		err = cmd.Run()
		return &nginxRun{args: args, stdout: stdout.Bytes(), stderr: stderr.Bytes(), err: err}, nil
	})
}

// checkNginxConfig runs `nginx -t`: the configuration nginx would load,
// site file and token include included, must parse and test clean.
func checkNginxConfig(ctx context.Context, t *Target) Result {
	bin := t.nginxBinary()
	path, err := exec.LookPath(bin)
	if err != nil {
		return Skip("nginx not installed (%s not found)", bin)
	}
	run, err := t.nginxTest(ctx, t.nginxConfigFlag())
	if err != nil {
		return Fail("check that the temporary directory is writable", "nginx -t for %s: %v", t.Layout.Root, err)
	}
	// The command to run again is -t even when the sweep ran -T for
	// smtp.proxy: the same test, without the dump (which holds secrets).
	args := append([]string{"-t"}, run.args[1:]...)
	asked := "nginx " + strings.Join(args, " ")
	text := t.redact(string(run.stderr))
	if err := run.err; err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return Fail("check that "+path+" runs", "%s: %v", asked, err)
		}
		fix := fmt.Sprintf("fix the line named above, then `%s && systemctl reload nginx`", asked)
		if t.nginxTestsTree() {
			fix = fmt.Sprintf("fix the line named above in the files under %s (or regenerate them with `%s`), then run the checks again", t.Layout.Root, writer.ApplyCommand(t.Layout))
		}
		return Fail(fix, "%s failed: %s", asked, nginxFirstError(text))
	}
	if w := nginxFirst(text, "[warn]"); w != "" {
		return Pass("%s: test is successful (with a warning: %s)", asked, w)
	}
	return Pass("%s: syntax is ok, test is successful", asked)
}

// nginxFirstError picks the first emerg/alert/crit/error line of nginx's
// output, or its first line.
func nginxFirstError(out string) string {
	for _, level := range []string{"[emerg]", "[alert]", "[crit]", "[error]"} {
		if l := nginxFirst(out, level); l != "" {
			return l
		}
	}
	first, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	return nginxTrimLine(first)
}

func nginxFirst(out, level string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, level) {
			return nginxTrimLine(line)
		}
	}
	return ""
}

// nginxLogPrefix is the "nginx: " or "2026/11/22 00:28:47 " and "123#123: "
// decoration around an nginx message.
var nginxLogPrefix = regexp.MustCompile(`^(?:nginx: )?(?:\d{4}/\d\d/\d\d \d\d:\d\d:\d\d )?(\[\w+\] )(?:\d+#\d+: )?`)

// nginxTrimLine reduces a log line to "[emerg] message".
func nginxTrimLine(line string) string {
	line = strings.TrimSpace(line)
	if m := nginxLogPrefix.FindStringSubmatchIndex(line); m != nil {
		return line[m[2]:m[3]] + line[m[1]:]
	}
	return strings.TrimPrefix(line, "nginx: ")
}
