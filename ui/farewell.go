package ui

import (
	"fmt"
	"io"
	"strings"
)

// farewellCert writes, before the connection values, the certificate
// steps the setup left to do (the next steps screen lists them first, and
// the site is HTTP only until they are done): none once they ran there.
func (m Model) farewellCert(w io.Writer) {
	r := m.reviewScreen()
	if r == nil || !r.msg.cert.Missing() {
		return
	}
	done := map[string]bool{}
	if n := m.nextStepsScreen(); n != nil {
		for _, s := range n.steps {
			done[s.title] = s.state == stepOK
		}
	}
	var todo []step
	for _, s := range certSteps(m.opt.Layout, r.msg.cert) {
		if !done[s.title] {
			todo = append(todo, s)
		}
	}
	if len(todo) == 0 {
		return
	}
	fmt.Fprintln(w, "First, the certificate")
	writeSteps(w, todo)
	fmt.Fprintln(w)
}

// writeSteps writes steps numbered, each with its command (argv joined, or
// the manual text) indented under its title, for the farewell.
func writeSteps(w io.Writer, steps []step) {
	for i, s := range steps {
		fmt.Fprintf(w, "  %d. %s\n", i+1, s.title)
		cmd := s.manual
		if s.argv != nil {
			cmd = strings.Join(s.argv, " ")
		}
		for _, l := range strings.Split(cmd, "\n") {
			fmt.Fprintf(w, "       %s\n", l)
		}
	}
}
