package probes

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// checkListenerLoopback reads the kernel's TCP tables: every socket
// listening on the KumoMTA listener's port must be bound to a loopback
// address, or kumod's admin API is reachable without nginx.
func checkListenerLoopback(ctx context.Context, t *Target) Result {
	d := t.Deployment.WithDefaults()
	_, portText, err := net.SplitHostPort(d.Listener)
	port, perr := strconv.Atoi(portText)
	if err != nil || perr != nil || port <= 0 || port > 65535 {
		return Fail("set listener: "+model.DefaultListener+" in "+t.Layout.AnswersFile()+", then "+writer.ApplyCommand(t.Layout),
			"listener %q has no port to look for", d.Listener)
	}
	ls, read, err := procTCPListeners(t)
	if err != nil {
		return Skip("cannot read the socket tables: %v", err)
	}
	var bound []netip.AddrPort
	for _, ap := range ls {
		if int(ap.Port()) == port {
			bound = append(bound, ap)
		}
	}
	asked := fmt.Sprintf("LISTEN sockets on port %d in %s", port, read)
	if len(bound) == 0 {
		return Warn("start kumomta (systemctl start kumomta) and check `journalctl -u kumomta` for the listener",
			"%s: none (kumod not running, or listening elsewhere)", asked)
	}
	var exposed, all []string
	for _, ap := range bound {
		a, s := ap.Addr(), ap.String()
		if !slices.Contains(all, s) {
			all = append(all, s)
		}
		switch {
		case a.IsLoopback():
		case a.IsUnspecified():
			exposed = append(exposed, s+" (every interface)")
		default:
			exposed = append(exposed, s+" (not loopback)")
		}
	}
	if len(exposed) > 0 {
		return Fail(fmt.Sprintf("bind kumod's HTTP listener to loopback: kumo.start_http_listener { listen = '127.0.0.1:%d' } (kumoup.setup_listener() does), then systemctl restart kumomta", port),
			"%s: %s: kumod's admin API is reachable without nginx", asked, strings.Join(exposed, ", "))
	}
	return Pass("%s: %s only", asked, strings.Join(all, ", "))
}
