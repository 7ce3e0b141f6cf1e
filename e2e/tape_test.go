package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A tapeCommand is one line of a VHS tape: `Type@50ms "kumoup demo"`,
// `Wait+Screen@20s /Review/`, `Tab 2`, `Set Width 820`.
type tapeCommand struct {
	Line  int
	Name  string        // "Type", "Wait", "Tab", "Ctrl+C", "Set"...
	Scope string        // Wait's "+Screen" or "+Line"
	Speed time.Duration // the @duration suffix, 0 when absent
	Args  []string      // quotes and slashes removed
	Raw   string
}

// Setup commands come before any action in a tape.
var tapeSetup = map[string]bool{"Output": true, "Require": true, "Set": true}

// tapeKeys are VHS's key commands: each takes an optional @speed and count.
var tapeKeys = map[string]string{
	"Enter": "Enter", "Tab": "Tab", "Space": "Space", "Backspace": "BSpace",
	"Delete": "DC", "Insert": "IC", "Escape": "Escape",
	"Up": "Up", "Down": "Down", "Left": "Left", "Right": "Right",
	"PageUp": "PPage", "PageDown": "NPage",
}

// tapeActions are VHS's other commands.
var tapeActions = map[string]bool{
	"Type": true, "Sleep": true, "Wait": true, "Hide": true, "Show": true,
	"Screenshot": true, "Copy": true, "Paste": true, "Env": true, "Source": true,
}

// tapeSettings are the names `Set` accepts.
var tapeSettings = map[string]bool{
	"Shell": true, "FontFamily": true, "FontSize": true, "Framerate": true,
	"PlaybackSpeed": true, "Height": true, "Width": true, "LetterSpacing": true,
	"LineHeight": true, "TypingSpeed": true, "Theme": true, "Padding": true,
	"Margin": true, "MarginFill": true, "WindowBar": true, "WindowBarSize": true,
	"BorderRadius": true, "LoopOffset": true, "CursorBlink": true,
	"WaitTimeout": true, "WaitPattern": true,
}

var (
	tapeHead  = regexp.MustCompile(`^([A-Za-z]+(?:\+[A-Za-z]+)*)(?:@(\S+))?$`)
	modifiers = regexp.MustCompile(`^(?:(?:Ctrl|Alt|Shift)\+)+(.+)$`)
)

// parseTape reads a tape into commands, or the first syntax error with its
// line number.
func parseTape(src string) ([]tapeCommand, error) {
	var out []tapeCommand
	for i, line := range strings.Split(src, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		head, rest, _ := strings.Cut(line, " ")
		m := tapeHead.FindStringSubmatch(head)
		if m == nil {
			return nil, fmt.Errorf("demo.tape:%d: %q is not a VHS command", i+1, head)
		}
		c := tapeCommand{Line: i + 1, Name: m[1], Raw: line}
		if name, scope, ok := strings.Cut(c.Name, "+"); ok && name == "Wait" {
			c.Name, c.Scope = name, "+"+scope
		}
		if m[2] != "" {
			d, err := time.ParseDuration(m[2])
			if err != nil {
				return nil, fmt.Errorf("demo.tape:%d: @%s is not a duration: %w", i+1, m[2], err)
			}
			c.Speed = d
		}
		args, err := tapeArgs(strings.TrimSpace(rest))
		if err != nil {
			return nil, fmt.Errorf("demo.tape:%d: %w", i+1, err)
		}
		c.Args = args
		out = append(out, c)
	}
	return out, nil
}

// tapeArgs splits a command's arguments: "quoted", 'quoted', `quoted`,
// /regex/ and bare words.
func tapeArgs(s string) ([]string, error) {
	var args []string
	for s != "" {
		switch q := s[0]; q {
		case '"', '\'', '`', '/':
			end := strings.IndexByte(s[1:], q)
			if end < 0 {
				return nil, fmt.Errorf("unterminated %c in %q", q, s)
			}
			args = append(args, s[1:1+end])
			s = s[2+end:]
		default:
			word, rest, _ := strings.Cut(s, " ")
			args = append(args, word)
			s = rest
		}
		s = strings.TrimSpace(s)
	}
	return args, nil
}

// checkTape reports what is wrong with a tape's commands: unknown commands
// or settings, setup after an action, bad counts, invalid regexps.
func checkTape(cmds []tapeCommand) []string {
	var problems []string
	bad := func(c tapeCommand, format string, args ...any) {
		problems = append(problems, fmt.Sprintf("demo.tape:%d: %s: %s", c.Line, c.Raw, fmt.Sprintf(format, args...)))
	}
	acting := false
	for _, c := range cmds {
		switch {
		case tapeSetup[c.Name]:
			if acting {
				bad(c, "%s must come before the first action", c.Name)
			}
			if c.Name == "Set" && (len(c.Args) < 2 || !tapeSettings[c.Args[0]]) {
				bad(c, "unknown setting or missing value")
			}
			if len(c.Args) == 0 {
				bad(c, "%s needs an argument", c.Name)
			}
		case tapeKeys[c.Name] != "" || modifiers.MatchString(c.Name):
			acting = true
			if len(c.Args) > 1 {
				bad(c, "a key takes at most a repeat count")
			} else if len(c.Args) == 1 {
				if n, err := strconv.Atoi(c.Args[0]); err != nil || n < 1 {
					bad(c, "repeat count %q is not a positive number", c.Args[0])
				}
			}
		case tapeActions[c.Name]:
			acting = true
			switch c.Name {
			case "Type":
				if len(c.Args) != 1 {
					bad(c, "Type takes one quoted string")
				}
			case "Sleep":
				if len(c.Args) != 1 {
					bad(c, "Sleep takes one duration")
				} else if _, err := tapeDuration(c.Args[0]); err != nil {
					bad(c, "%v", err)
				}
			case "Wait":
				if c.Scope != "" && c.Scope != "+Screen" && c.Scope != "+Line" {
					bad(c, "Wait's scope is +Screen or +Line")
				}
				if len(c.Args) > 1 {
					bad(c, "Wait takes at most one /regex/ (none waits for the shell prompt)")
				} else if len(c.Args) == 1 {
					if _, err := regexp.Compile(c.Args[0]); err != nil {
						bad(c, "%v", err)
					}
				}
			}
		default:
			bad(c, "unknown VHS command %q", c.Name)
		}
	}
	return problems
}

// tapeDuration reads VHS durations: "2s", "500ms", or a bare number of
// seconds.
func tapeDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration", s)
	}
	return d, nil
}

func readTape(t *testing.T) []tapeCommand {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(moduleRoot(t), "demo.tape"))
	if err != nil {
		t.Fatalf("read demo.tape: %v", err)
	}
	cmds, err := parseTape(string(src))
	if err != nil {
		t.Fatal(err)
	}
	return cmds
}

func TestTapeUsesOnlyKnownVHSCommandsSetupFirst(t *testing.T) {
	cmds := readTape(t)
	for _, p := range checkTape(cmds) {
		t.Error(p)
	}
	has := func(name string, args ...string) bool {
		for _, c := range cmds {
			if c.Name == name && (len(args) == 0 || (len(c.Args) > 0 && c.Args[0] == args[0])) {
				return true
			}
		}
		return false
	}
	for _, want := range [][]string{{"Output"}, {"Require", "kumoup"}, {"Set", "Width"}, {"Set", "Height"}, {"Set", "Shell"}, {"Screenshot"}, {"Ctrl+C"}} {
		if !has(want[0], want[1:]...) {
			t.Errorf("demo.tape has no %s", strings.Join(want, " "))
		}
	}
}

func TestTapeCheckerRefusesWhatVHSRefuses(t *testing.T) {
	for name, src := range map[string]string{
		"unknown command":   "Output x.gif\nFrobnicate 3\n",
		"set after action":  "Output x.gif\nType \"ls\"\nSet FontSize 12\n",
		"unknown setting":   "Set Colour red\n",
		"bad repeat count":  "Tab many\n",
		"bad regexp":        "Wait+Screen /(/\n",
		"unknown wait mode": "Wait+Page /x/\n",
		"bad sleep":         "Sleep soon\n",
	} {
		cmds, err := parseTape(src)
		if err != nil {
			continue // refused by the parser: fine
		}
		if len(checkTape(cmds)) == 0 {
			t.Errorf("%s: %q passed the checker", name, src)
		}
	}
	cmds, err := parseTape("Output a.gif\nRequire kumoup\nSet Theme \"Catppuccin Mocha\"\nType@20ms \"kumoup demo\"\nEnter\nWait+Screen@20s /Review/\nTab 2\nCtrl+C\nSleep 1.5\n")
	if err != nil {
		t.Fatal(err)
	}
	if p := checkTape(cmds); len(p) != 0 {
		t.Errorf("a valid tape was refused: %v", p)
	}
}

// typedKumoupCommands returns every `kumoup ...` command line the tape
// types.
func typedKumoupCommands(cmds []tapeCommand) [][]string {
	var out [][]string
	for _, c := range cmds {
		if c.Name != "Type" || len(c.Args) != 1 {
			continue
		}
		words := strings.Fields(c.Args[0])
		if len(words) > 0 && words[0] == "kumoup" {
			out = append(out, words[1:])
		}
	}
	return out
}

// kumoupAccepts reports why `kumoup args...` is not a command line kumoup
// has ("" when it is): `kumoup args... --help` must exit 0 (so every flag
// exists) and print the usage of the subcommand the leading words name
// (cobra prints the root's help, and exits 0, for an unknown subcommand or
// stray arguments).
func kumoupAccepts(bin string, args []string) string {
	var path []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		path = append(path, a)
	}
	cmd := exec.Command(bin, append(append([]string{}, args...), "--help")...)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Sprintf("--help fails (%v): a flag it does not have?\n%s", err, out)
	}
	usage := strings.Join(append([]string{"kumoup"}, path...), " ")
	if !strings.Contains(string(out), usage+" ") {
		return fmt.Sprintf("the help printed is not %q's: no such command, or arguments it does not take", usage)
	}
	return ""
}

func TestTapeTypesOnlyCommandsKumoupHas(t *testing.T) {
	bin := kumoup(t)
	lines := typedKumoupCommands(readTape(t))
	if len(lines) == 0 {
		t.Fatal("demo.tape types no kumoup command")
	}
	for _, args := range lines {
		if why := kumoupAccepts(bin, args); why != "" {
			t.Errorf("demo.tape types `kumoup %s`: %s", strings.Join(args, " "), why)
		}
	}
	// The check can fail.
	for _, bad := range [][]string{{"nosuch"}, {"demo", "--nosuch"}, {"demo", "extra"}} {
		if kumoupAccepts(bin, bad) == "" {
			t.Errorf("`kumoup %s` passed the check", strings.Join(bad, " "))
		}
	}
}
