package ui

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func TestFarewellAfterASetupPrintsTheMaskedConnectionValuesAndTheNextSteps(t *testing.T) {
	m := atConnection(t, 80, 24)
	var out bytes.Buffer
	m.farewell(&out)
	s := out.String()
	for _, want := range []string{"App connection (KumoMTA screen)", "https://mta.example.com", model.Fingerprint(testInjectionToken), "Next steps", "Lines for init.lua"} {
		if !strings.Contains(s, want) {
			t.Errorf("the farewell lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, testInjectionToken) || strings.Contains(s, testWebhookToken) {
		t.Fatalf("the farewell prints a secret:\n%s", s)
	}
}

func TestFarewellBeforeTheConnectionValuesPrintsNothing(t *testing.T) {
	m := atReview(t, prefilled(), 80, 24)
	var out bytes.Buffer
	m.farewell(&out)
	if out.Len() != 0 {
		t.Fatalf("quitting at the review printed %q", out.String())
	}
}
