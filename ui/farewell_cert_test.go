package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/writer"
)

func TestFarewellWithTheCertificateMissingSaysToObtainItFirst(t *testing.T) {
	m := atConnection(t, 80, 24)
	var out bytes.Buffer
	m.farewell(&out)
	s := out.String()
	cmd := writer.CertCommand(m.opt.Layout)
	i, j := strings.Index(s, cmd), strings.Index(s, "App connection")
	if i < 0 || j < 0 || i > j {
		t.Fatalf("the farewell does not name %q before the connection values:\n%s", cmd, s)
	}

	// Once the next steps obtained it, the farewell no longer asks for it.
	m.openNextSteps()
	for i, st := range m.nextStepsScreen().steps {
		if st.cert || strings.HasPrefix(st.title, "Install certbot") {
			m.nextStepsScreen().steps[i].state = "ok"
		}
	}
	out.Reset()
	m.farewell(&out)
	if s := out.String(); strings.Contains(s, cmd) || !strings.Contains(s, "App connection") {
		t.Errorf("after the certificate step ran, the farewell reads:\n%s", s)
	}
}
