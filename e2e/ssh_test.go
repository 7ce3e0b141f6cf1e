package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The operator's real path: `ssh -t host kumoup demo` from a terminal. The
// same first screens render over a real loopback sshd, keys work, and
// whether the operator quits or the connection drops, the remote demo
// leaves nothing running.
func TestDemoOverSSH(t *testing.T) {
	need(t, "nginx", "nginx")
	bin := kumoup(t)
	server := startSSHD(t)
	for _, end := range []string{"ctrl+c", "connection dropped"} {
		t.Run(end, func(t *testing.T) {
			t.Parallel()
			tmpdir := t.TempDir()
			for _, d := range []string{filepath.Dir(tmpdir), tmpdir} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			term := newTerminal(t, termOptions{})
			term.typeLine(server.Command("TMPDIR=" + tmpdir + " " + bin + " demo"))
			d := &demoRun{term: term, tmpdir: tmpdir}
			s := term.WaitFor(`Setup\s+preflight`, 20*time.Second)
			for _, want := range []string{"demo: nothing on this host is changed", "certificate files present"} {
				if !contains(s, want) {
					t.Errorf("over SSH the preflight lacks %q:\n%s", want, frame(s))
				}
			}
			nginx, dir := d.nginxPid(t), d.dir(t)
			demo := parentPid(t, nginx)
			term.step(t, `step 1 of 4 · MTA host`, "Enter")
			term.step(t, `┃ TLS certificate`, "Enter")
			switch end {
			case "ctrl+c":
				term.Keys("C-c")
				term.WaitFor(promptRE, 15*time.Second)
			default:
				// The terminal (and the ssh client in it) goes away.
				term.Tmux("kill-server")
			}
			processGone(t, "nginx", nginx, 15*time.Second)
			processGone(t, "remote kumoup demo", demo, 15*time.Second)
			dirGone(t, dir)
		})
	}
}
