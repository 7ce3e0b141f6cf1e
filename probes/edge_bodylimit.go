package probes

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// nginx's and kumod's own defaults when the files do not set a limit.
const (
	nginxDefaultMaxBody      = "1m"
	kumodDefaultRequestLimit = 2 * 1024 * 1024
)

var (
	nginxMaxBodyRE   = regexp.MustCompile(`\bclient_max_body_size\s+([^;\s]+)\s*;`)
	luaBodyLimitRE   = regexp.MustCompile(`request_body_limit\s*=\s*([^,\s}]+)`)
	nginxCommentRE   = regexp.MustCompile(`(?m)#.*$`)
	luaLineCommentRE = regexp.MustCompile(`(?m)--.*$`)
	luaNameRE        = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$`)
)

// checkBodyLimit asks the live nginx first (a body one byte over max_body
// gets 413, one at max_body does not: headers only, no body is sent), then
// reads client_max_body_size in the site file, as a second opinion (what
// the next reload takes). kumod's side is host.kumod.body.limit: each
// limit that is not max_body fails one check.
func checkBodyLimit(ctx context.Context, t *Target) Result {
	want, wantBytes, _ := t.bodyLimitWant()
	live, bad := t.edgeLiveBodyLimit(ctx, want, wantBytes)
	if bad != nil {
		return *bad
	}
	files := checkBodyLimitFiles(ctx, t)
	if live.Status == StatusFail {
		live.Detail += "; files: " + files.Detail
		return live
	}
	files.Detail = live.Detail + "; files: " + files.Detail
	return files
}

// edgeLiveBodyLimit asks nginx whether it refuses a POST to the injection
// path one byte over limit (413) and takes one at limit (any other answer:
// nginx says 100 Continue). Only the request head is sent, with Expect:
// 100-continue: nginx decides from Content-Length before reading a byte,
// and the connection is closed before a byte of body is sent.
func (t *Target) edgeLiveBodyLimit(ctx context.Context, want string, limit int64) (Result, *Result) {
	ask := func(n int64) (int, error) {
		resp, err := t.edgeRawHTTP1(ctx, fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: kumoup\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
			model.InjectionPath, t.Deployment.Domain, n))
		return resp.Status, err
	}
	over, err := ask(limit + 1)
	if err == nil {
		var at int
		if at, err = ask(limit); err == nil {
			detail := fmt.Sprintf("live nginx: POST %s with Content-Length %d: %d, with %d: %d", model.InjectionPath, limit+1, over, limit, at)
			fix := fmt.Sprintf("the running nginx does not enforce max_body (%s): `client_max_body_size %s;` in the 443 server of %s and in no other file nginx includes (`nginx -T | grep client_max_body_size`); then `nginx -t && systemctl reload nginx` (a file changed but not reloaded shows here first)",
				want, want, t.edgeSiteFile())
			switch {
			case over != http.StatusRequestEntityTooLarge:
				return Fail(fix, "%s (want 413 over the limit): nginx takes more than max_body", detail), nil
			case at == http.StatusRequestEntityTooLarge:
				return Fail(fix, "%s (want no 413 at the limit): nginx refuses less than max_body", detail), nil
			}
			return Pass("%s", detail), nil
		}
	}
	r := Fail(t.edgeTransportRemedy(err), "POST %s with Content-Length %d: no answer: %v", model.InjectionPath, limit+1, err)
	return Result{}, &r
}

// checkBodyLimitFiles compares client_max_body_size in the site file
// (every occurrence: a location may set its own) with max_body.
func checkBodyLimitFiles(ctx context.Context, t *Target) Result {
	site := t.edgeSiteFile()
	want, wantBytes, remedy := t.bodyLimitWant()

	siteText, err := t.readSiteFile(ctx)
	if err != nil {
		return Fail("write the nginx site with `"+writer.ApplyCommand(t.Layout)+"`", "cannot read the nginx site: %v", err)
	}
	nginxSizes := nginxMaxBodyRE.FindAllStringSubmatch(nginxCommentRE.ReplaceAllString(string(siteText), ""), -1)
	var desc []string
	if len(nginxSizes) == 0 {
		nginxSizes = [][]string{{"", nginxDefaultMaxBody}}
		desc = append(desc, "no client_max_body_size in "+site+": nginx default "+nginxDefaultMaxBody)
	}
	var wrong []string
	for _, m := range nginxSizes {
		n, err := model.ParseSize(m[1])
		if err != nil {
			return Fail(remedy, "client_max_body_size %s in %s: %v", m[1], site, err)
		}
		if m[0] != "" {
			desc = append(desc, fmt.Sprintf("client_max_body_size %s (%d bytes)", m[1], n))
		}
		if n != wantBytes {
			what := "nginx lets through what kumod answers 413"
			if n < wantBytes {
				what = "nginx refuses what max_body allows"
			}
			wrong = append(wrong, fmt.Sprintf("%s (%d bytes): %s", m[1], n, what))
		}
	}
	detail := fmt.Sprintf("nginx %s; max_body %s (%d bytes)", strings.Join(desc, ", "), want, wantBytes)
	if len(wrong) > 0 {
		return Fail(remedy, "%s: %s", detail, strings.Join(wrong, "; "))
	}
	return Pass("%s", detail)
}

// bodyLimitWant is max_body (or its default), in bytes, and the remedy
// that makes nginx's limit equal to it.
func (t *Target) bodyLimitWant() (string, int64, string) {
	want := t.Deployment.MaxBody
	if want == "" {
		want = model.DefaultMaxBody
	}
	wantBytes, _ := model.ParseSize(want)
	remedy := fmt.Sprintf("nginx's limit must be max_body: `client_max_body_size %s;` in the 443 server of %s and in no location of it (`%s` writes it from max_body, as `request_body_limit = %d` in %s for kumod); then `nginx -t && systemctl reload nginx`",
		want, t.edgeSiteFile(), writer.ApplyCommand(t.Layout), wantBytes, t.Layout.LuaModule())
	return want, wantBytes, remedy
}

// edgeLuaInteger reads expr as an integer literal, or as a name (like
// kumoup.REQUEST_BODY_LIMIT) assigned an integer literal elsewhere in code.
func edgeLuaInteger(code, expr string) (int64, bool) {
	if n, err := strconv.ParseInt(expr, 10, 64); err == nil {
		return n, true
	}
	if !luaNameRE.MatchString(expr) {
		return 0, false
	}
	re := regexp.MustCompile(`(?m)^\s*(?:local\s+)?` + regexp.QuoteMeta(expr) + `\s*=\s*(\d+)\s*$`)
	m := re.FindStringSubmatch(code)
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	return n, err == nil
}
