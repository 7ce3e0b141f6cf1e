package probes

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
)

// tlsCiphersEdit sets every ssl_ciphers line of the site file (the default
// 443 server's and the name's) to list.
func tlsCiphersEdit(list string) loopback.Mutation {
	re := regexp.MustCompile(`(?m)^(\s*)ssl_ciphers [^;]*;`)
	return func(path string, content []byte) []byte {
		if filepath.Base(filepath.Dir(path)) != "conf.d" || !strings.HasSuffix(path, ".conf") {
			return content
		}
		if !re.Match(content) {
			panic("tlsCiphersEdit: no ssl_ciphers line in " + path)
		}
		return re.ReplaceAll(content, []byte("${1}ssl_ciphers "+list+";"))
	}
}

// testsslBinary is Debian's testssl.sh (package testssl.sh).
const testsslBinary = "/usr/bin/testssl"

// testsslFinding is one entry of testssl.sh's --jsonfile.
type testsslFinding struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Finding  string `json:"finding"`
}

// runTestssl runs testssl.sh with args against site's HTTPS port (SNI the
// deployment's name, dialled at 127.0.0.1, no DNS) and returns its
// findings by ID. A missing testssl.sh fails the test: scripts/test.sh
// installs it.
func runTestssl(t *testing.T, ctx context.Context, site *loopback.Site, args ...string) map[string]testsslFinding {
	t.Helper()
	if _, err := os.Stat(testsslBinary); err != nil {
		t.Fatalf("testssl.sh is the outside judge of the TLS checks: apt-get install -y testssl.sh (%v)", err)
	}
	out := filepath.Join(t.TempDir(), "testssl.json")
	args = append([]string{"--quiet", "--color", "0", "--nodns", "none", "--warnings", "off",
		"--ip", "127.0.0.1", "--jsonfile", out}, args...)
	args = append(args, net.JoinHostPort(site.Deployment.Domain, strconv.Itoa(site.HTTPSPort)))
	cmd := exec.CommandContext(ctx, testsslBinary, args...)
	cmd.Dir = t.TempDir()
	if b, err := cmd.CombinedOutput(); err != nil {
		// testssl.sh's exit status counts its findings; the JSON decides.
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("testssl %v: %v\n%s", args, err, b)
		}
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("testssl wrote no JSON: %v", err)
	}
	var list []testsslFinding
	if err := json.Unmarshal(raw, &list); err != nil {
		t.Fatalf("testssl's JSON: %v\n%s", err, raw)
	}
	got := map[string]testsslFinding{}
	for _, f := range list {
		if f.Severity == "FATAL" || f.ID == "scanProblem" {
			t.Fatalf("testssl could not scan: %s", f.Finding)
		}
		got[f.ID] = f
	}
	return got
}

// opensslStandardNames maps OpenSSL's cipher suite names to the IANA names
// (crypto/tls's), as `openssl ciphers -stdname` lists them.
func opensslStandardNames(t *testing.T) map[string]string {
	t.Helper()
	out, err := exec.Command("openssl", "ciphers", "-stdname", "ALL:COMPLEMENTOFALL").Output()
	if err != nil {
		t.Fatalf("openssl ciphers -stdname: %v (apt-get install -y openssl)", err)
	}
	names := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[1] == "-" {
			names[f[2]] = f[0]
		}
	}
	return names
}
