package redact

import (
	"strings"
	"sync"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func TestSharedIsBuiltOncePerSetOfSecretsAndMasksLikeNew(t *testing.T) {
	other := "Other-secret-0123456789"
	a := Shared(tok, other)
	if b := Shared(tok, other); b != a {
		t.Fatal("the same secrets built a second Redactor")
	}
	for _, c := range []*Redactor{Shared(other, tok), Shared(tok), Shared(tok, other+"x"), Shared(tok[:5], tok[5:]+other)} {
		if c == a {
			t.Fatal("another set of secrets got the same Redactor")
		}
	}
	in := "a " + strings.ToUpper(tok) + " b " + other[:len(other)-1] + " c " + strings.ReplaceAll(tok, "/", "%2F")
	if got, want := a.String(in), New(tok, other).String(in); got != want || strings.Count(got, model.Masked) != 3 {
		t.Fatalf("Shared masks %q, New %q", got, want)
	}
	if got := Shared().String(tok); got != tok {
		t.Fatalf("no secret masked %q", got)
	}
}

func TestSharedKeepsABoundedNumberOfSets(t *testing.T) {
	Shared(tok, "first-of-many-secrets")
	for i := range 3 * maxShared {
		Shared(tok, strings.Repeat("s", MinSecret+i))
	}
	shared.mu.Lock()
	n := len(shared.m)
	shared.mu.Unlock()
	if n > maxShared {
		t.Fatalf("%d sets kept, want at most %d", n, maxShared)
	}
	if got := Shared(tok, "first-of-many-secrets").String("x first-of-many-secrets y"); got != "x "+model.Masked+" y" {
		t.Fatalf("a set built again masks %q", got)
	}
}

func TestSharedIsSafeForConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			sec := strings.Repeat("c", MinSecret+i%3)
			if got := Shared(sec).String(sec); got != model.Masked {
				t.Errorf("masked %q", got)
			}
		})
	}
	wg.Wait()
}
