package probes

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/dnstest"
)

// dnsZone is a correct deployment's DNS: the MTA host mta.example.com at
// 198.51.100.4, mail leaving through KumoProxy at 203.0.113.7 as
// out.example.com, SPF reached through include, redirect, a and mx.
func dnsZone() dnstest.Zone {
	return dnstest.Zone{
		"mta.example.com":  {"A 198.51.100.4"},
		"out.example.com":  {"A 203.0.113.7", `TXT "v=spf1 include:_spf.example.net -all"`},
		"203.0.113.7":      {"PTR out.example.com."},
		"_spf.example.net": {`TXT "v=spf1 ip4:203.0.113.0/24 -all"`},
		"example.org":      {`TXT "v=spf1 redirect=_spf.example.net"`},
		"example.com":      {`TXT "v=spf1 mx -all"`, "MX 10 mx.example.com."},
		"mx.example.com":   {"A 203.0.113.7"},
		"example.net":      {`TXT "v=spf1 a:out.example.com -all"`},
	}
}

// dnsTarget resolves through an in-process DNS server serving zone.
func dnsTarget(t *testing.T, zone dnstest.Zone) (*Target, string) {
	t.Helper()
	s := dnstest.New(t, zone)
	d := hostTestDeployment()
	d.SendingDomains = []string{"example.org", "example.com", "example.net"}
	return &Target{Deployment: d, Resolver: s.Addr()}, "via resolver " + s.Addr()
}

func TestDomainThatResolvesPasses(t *testing.T) {
	target, via := dnsTarget(t, dnsZone())
	wantResult(t, hostRun(t, target, "dns.domain"), StatusPass, "mta.example.com resolves to 198.51.100.4", via)
}

func TestDomainWithoutAddressFails(t *testing.T) {
	z := dnsZone()
	delete(z, "mta.example.com")
	target, via := dnsTarget(t, z)
	wantResult(t, hostRun(t, target, "dns.domain"), StatusFail, "A/AAAA of mta.example.com: no such name", via, "mta.example.com. IN A")
}

func TestSystemResolverSaysItAnsweredFromHostsFile(t *testing.T) {
	d := hostTestDeployment()
	d.Domain = "localhost"
	r := hostRun(t, &Target{Deployment: d}, "dns.domain")
	wantResult(t, r, StatusPass, "localhost resolves to", "via the system resolver's /etc/hosts")
}

func TestPTRMatchingHELOPasses(t *testing.T) {
	target, via := dnsTarget(t, dnsZone())
	wantResult(t, hostRun(t, target, "dns.ptr"), StatusPass, "PTR of 203.0.113.7 is out.example.com", via)
}

func TestPTRNamingAnotherHostFails(t *testing.T) {
	z := dnsZone()
	z["203.0.113.7"] = []string{"PTR 7.113.0.203.cloud-provider.example."}
	target, via := dnsTarget(t, z)
	r := hostRun(t, target, "dns.ptr")
	wantResult(t, r, StatusFail, "PTR of 203.0.113.7 is 7.113.0.203.cloud-provider.example, not KUMOPROXY_HELO out.example.com", via,
		"reverse DNS (PTR) to out.example.com")
}

func TestMissingPTRFails(t *testing.T) {
	z := dnsZone()
	delete(z, "203.0.113.7")
	target, via := dnsTarget(t, z)
	wantResult(t, hostRun(t, target, "dns.ptr"), StatusFail, "PTR of 203.0.113.7: no such name", via)
}

func TestHELOResolvingToTheProxyIPPasses(t *testing.T) {
	target, via := dnsTarget(t, dnsZone())
	wantResult(t, hostRun(t, target, "dns.fcrdns"), StatusPass, "out.example.com resolves to 203.0.113.7", via)
}

func TestHELOResolvingElsewhereFails(t *testing.T) {
	z := dnsZone()
	z["out.example.com"] = []string{"A 198.51.100.4"}
	target, via := dnsTarget(t, z)
	wantResult(t, hostRun(t, target, "dns.fcrdns"), StatusFail,
		"out.example.com resolves to 198.51.100.4, not KUMOPROXY_PUBLIC_IP 203.0.113.7", via, "`out.example.com. IN A 203.0.113.7`")
}

func TestSPFThroughIncludeRedirectAAndMXPasses(t *testing.T) {
	target, via := dnsTarget(t, dnsZone())
	r := hostRun(t, target, "dns.spf")
	wantResult(t, r, StatusPass, "SPF of out.example.com, example.org, example.com, example.net authorizes 203.0.113.7", via)
}

func TestSPFAuthorizingAnotherIPFails(t *testing.T) {
	z := dnsZone()
	z["_spf.example.net"] = []string{`TXT "v=spf1 ip4:192.0.2.99 -all"`}
	target, via := dnsTarget(t, z)
	target.Deployment.SendingDomains = nil
	r := hostRun(t, target, "dns.spf")
	wantResult(t, r, StatusFail, "SPF of out.example.com gives fail for 203.0.113.7", via,
		"add ip4:203.0.113.7 to the SPF record of out.example.com", `"v=spf1 ip4:203.0.113.7 include:_spf.example.net -all"`)
}

func TestSPFAuthorizingTheHostButNotTheProxyNamesTheClassicMistake(t *testing.T) {
	z := dnsZone()
	// The guides' mistake: SPF lists the MTA host, but mail leaves through KumoProxy.
	z["example.org"] = []string{`TXT "v=spf1 a:mta.example.com ~all"`}
	target, via := dnsTarget(t, z)
	r := hostRun(t, target, "dns.spf")
	wantResult(t, r, StatusFail,
		"SPF of example.org authorizes this host's own IP 198.51.100.4 but not the proxy's 203.0.113.7", "classic mistake", via,
		`example.org. IN TXT "v=spf1 ip4:203.0.113.7 a:mta.example.com ~all"`)
	if strings.Contains(r.Detail, "out.example.com") {
		t.Errorf("detail mentions a domain whose SPF passes: %s", r.Detail)
	}
}

func TestSPFMissingFails(t *testing.T) {
	z := dnsZone()
	z["example.net"] = []string{"A 203.0.113.7"}
	target, _ := dnsTarget(t, z)
	wantResult(t, hostRun(t, target, "dns.spf"), StatusFail, "example.net has no SPF record", `example.net. IN TXT "v=spf1 ip4:203.0.113.7 -all"`)
}

func TestBrokenSPFFailsAsPermError(t *testing.T) {
	z := dnsZone()
	z["example.net"] = []string{`TXT "v=spf1 ip4:203.0.113.300 -all"`}
	target, _ := dnsTarget(t, z)
	wantResult(t, hostRun(t, target, "dns.spf"), StatusFail, "SPF of example.net is broken (permerror", "fix the SPF record of example.net")
}

func TestEgressIPThatIsPublicPasses(t *testing.T) {
	d := hostTestDeployment()
	d.ProxyPublicIP = "9.9.9.9"
	wantResult(t, hostRun(t, &Target{Deployment: d}, "dns.egress.documentation"), StatusPass, "9.9.9.9 is a public unicast address")
}

func TestEgressIPFromTheDocumentationOrPrivateRangesWarns(t *testing.T) {
	for ip, kind := range map[string]string{"203.0.113.7": "documentation", "10.1.2.3": "private", "2001:db8::7": "documentation"} {
		d := hostTestDeployment()
		d.ProxyPublicIP = ip
		wantResult(t, hostRun(t, &Target{Deployment: d}, "dns.egress.documentation"), StatusWarn, ip+" is a "+kind+" address", "KUMOPROXY_PUBLIC_IP")
	}
}

func TestEgressIPThatIsNotAnAddressFails(t *testing.T) {
	d := hostTestDeployment()
	d.ProxyPublicIP = "proxy.example.com"
	wantResult(t, hostRun(t, &Target{Deployment: d}, "dns.egress.documentation"), StatusFail, "is not an IP address")
}

func TestResolverThatDoesNotAnswerIsNamedAsTheProblem(t *testing.T) {
	s := dnstest.New(t, dnsZone())
	addr := s.Addr()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	d := hostTestDeployment()
	target := &Target{Deployment: d, Resolver: addr, Timeout: 2 * time.Second}
	wantResult(t, hostRun(t, target, "dns.domain"), StatusFail, "via resolver "+addr, "check the resolver")
	wantResult(t, hostRun(t, target, "dns.spf"), StatusWarn, "could not be evaluated (temperror", "via resolver "+addr)
}

func TestResolverThatStaysSilentIsNamedBeforeTheTimeout(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0") // reads nothing, answers nothing
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	target := &Target{Deployment: hostTestDeployment(), Resolver: pc.LocalAddr().String(), Timeout: time.Second}
	wantResult(t, hostRun(t, target, "dns.ptr"), StatusFail, "PTR of 203.0.113.7: no answer (timeout)", "via resolver "+pc.LocalAddr().String())
}
