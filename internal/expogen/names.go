package expogen

import (
	"fmt"
	"math/rand/v2"
)

// sites are MX site names as kumod spells them in ready queue names, with
// the provider each belongs to.
var sites = []struct{ site, provider string }{
	{"(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com", "google"},
	{"mta5.am0.yahoodns.net", "yahoo"},
	{"mta6.am0.yahoodns.net", "yahoo"},
	{"outlook-com.olc.protection.outlook.com", "microsoft"},
	{"mx01.mail.icloud.com", "apple"},
	{"mx-aol.mail.gm0.yahoodns.net", "yahoo"},
	{"mx00.gmx.net", "gmx"},
	{"mx-ha03.web.de", "webde"},
	{"smtp-in.orange.fr", "orange"},
	{"mx1.comcast.net", "comcast"},
}

// providerSites holds one MX site per distinct provider of sites.
var providerSites = func() (out [][2]string) {
	seen := map[string]bool{}
	for _, s := range sites {
		if !seen[s.provider] {
			seen[s.provider] = true
			out = append(out, [2]string{s.provider, s.site})
		}
	}
	return out
}()

// site returns the i-th provider's MX site name and the provider's name;
// providers are distinct for distinct i. Beyond the well-known ones it
// invents per-domain sites that are their own provider, as kumod does for
// unconfigured providers.
func site(i int) (site, provider string) {
	if i < len(providerSites) {
		return providerSites[i][1], providerSites[i][0]
	}
	s := fmt.Sprintf("mx%d.mail.d%d.example-hosting.net", i%3+1, i)
	return s, s
}

// queueService is the service label of a ready queue's series.
func queueService(source, site string) string {
	return "smtp_client:" + source + "->" + site + "@smtp_client"
}

// source is the name of the i-th egress source.
func source(i int) string { return fmt.Sprintf("ip-%d", i+1) }

// scheduledQueue names the i-th scheduled queue in one of kumod's four shapes.
func scheduledQueue(i int, r *rand.Rand) string {
	domain := fmt.Sprintf("d%d.example.net", i)
	if i < 4 {
		domain = []string{"gmail.com", "yahoo.com", "outlook.com", "icloud.com"}[i]
	}
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("campaign%d:tenant%d@%s", i%7, i%5, domain)
	case 1:
		return fmt.Sprintf("tenant%d@%s", i%5, domain)
	case 2:
		return fmt.Sprintf("campaign%d:@%s", i%7, domain)
	default:
		return domain
	}
}

// threadPools are the pools kumod creates (from Runtime::new in its source)
// with a plausible size each.
var threadPools = []struct {
	name string
	size float64
}{
	{"localset", 2}, {"logging", 1}, {"httpinject", 2}, {"readyq", 2},
	{"readyq_maint", 1}, {"qmaint", 2}, {"smtpsrv", 2}, {"spoolin", 2},
}

// disks are the locations kumod monitors for free space.
var disks = []string{"data spool", "log dir /var/log/kumomta", "meta spool"}

// webhookLogger is the log hook this deployment's policy creates.
const webhookLogger = "hook-ping8_webhook"
