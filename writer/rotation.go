package writer

import (
	"bufio"
	"bytes"
	"strings"
	"time"

	"github.com/kumoup/kumoup/internal/fsread"
)

// retiredMarker starts the comment line kumoup writes above a retired
// token in the token include: "# retired 2026-12-04T16:00:00Z, accepted
// until ...". The token include is where the rotation's state lives: the
// keys nginx accepts and which of them is retired since when change
// together in one atomic write, so they can never disagree.
const retiredMarker = "# retired "

// tokenInclude is what a token include holds.
type tokenInclude struct {
	// current is the first entry not marked retired.
	current string
	// retired is the entry marked retired, at retiredAt.
	retired   string
	retiredAt time.Time
}

// parseTokenInclude reads the entries of a token include, tolerating hand
// edits: a retirement comment applies only to the entry right after it, an
// unparsable date leaves the entry unmarked, and entries past the first
// current and first retired one are ignored (a hand edit: kumoup diff
// shows it).
func parseTokenInclude(data []byte) tokenInclude {
	var ti tokenInclude
	var marked time.Time
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), fsread.ConfigLimit)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, retiredMarker); ok {
			stamp, _, _ := strings.Cut(rest, ",")
			marked, _ = time.Parse(time.RFC3339, strings.TrimSpace(stamp))
			continue
		}
		m := tokenLine.FindStringSubmatch(line)
		if m == nil || m[1] == "" {
			if line != "" && !strings.HasPrefix(line, "#") {
				marked = time.Time{}
			}
			continue
		}
		switch {
		case !marked.IsZero() && ti.retired == "":
			ti.retired, ti.retiredAt = m[1], marked
		case marked.IsZero() && ti.current == "":
			ti.current = m[1]
		}
		marked = time.Time{}
	}
	if ti.current == "" {
		// Only retired entries: nothing is current, nothing in rotation.
		return tokenInclude{}
	}
	return ti
}
