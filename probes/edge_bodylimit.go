package probes

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
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

func checkBodyLimit(ctx context.Context, t *Target) Result {
	site, lua := t.edgeSiteFile(), t.Layout.LuaModule()
	want := t.Deployment.MaxBody
	if want == "" {
		want = model.DefaultMaxBody
	}
	wantBytes, _ := model.ParseSize(want)
	remedy := fmt.Sprintf("make them equal: `client_max_body_size %s;` in %s and `request_body_limit = %d` in %s (`kumoup apply` writes both from max_body); then `systemctl reload nginx` and `systemctl restart kumomta`",
		want, site, wantBytes, lua)

	siteText, err := fsread.Read(ctx, site, fsread.ConfigLimit)
	if err != nil {
		return Fail("write the nginx site with `kumoup apply`", "cannot read the nginx site: %v", err)
	}
	luaText, err := fsread.Read(ctx, lua, fsread.ConfigLimit)
	if err != nil {
		return Fail("write the policy module with `kumoup apply`", "cannot read the KumoMTA policy module: %v", err)
	}

	nginxSizes := nginxMaxBodyRE.FindAllStringSubmatch(nginxCommentRE.ReplaceAllString(string(siteText), ""), -1)
	nginxDesc := []string{}
	var nginxBytes []int64
	if len(nginxSizes) == 0 {
		nginxSizes = [][]string{{"", nginxDefaultMaxBody}}
		nginxDesc = append(nginxDesc, "nginx default "+nginxDefaultMaxBody)
	}
	for _, m := range nginxSizes {
		n, err := model.ParseSize(m[1])
		if err != nil {
			return Fail(remedy, "client_max_body_size %s in %s: %v", m[1], site, err)
		}
		nginxBytes = append(nginxBytes, n)
		if m[0] != "" {
			nginxDesc = append(nginxDesc, fmt.Sprintf("client_max_body_size %s (%d bytes)", m[1], n))
		}
	}

	var kumod int64 = kumodDefaultRequestLimit
	kumodDesc := fmt.Sprintf("kumod's default %d bytes (no request_body_limit in %s)", kumod, lua)
	luaCode := luaLineCommentRE.ReplaceAllString(string(luaText), "")
	if m := luaBodyLimitRE.FindStringSubmatch(luaCode); m != nil {
		n, ok := edgeLuaInteger(luaCode, m[1])
		if !ok {
			return Fail(remedy, "request_body_limit = %s in %s is not a number of bytes kumoup can compare", m[1], lua)
		}
		kumod, kumodDesc = n, fmt.Sprintf("request_body_limit %d", n)
	}

	detail := fmt.Sprintf("nginx %s; kumod %s", strings.Join(nginxDesc, ", "), kumodDesc)
	for _, n := range nginxBytes {
		if n != kumod {
			what := "kumod answers 413 to what nginx lets through"
			if n < kumod {
				what = "nginx refuses what kumod would take"
			}
			if strings.Contains(luaCode, "REQUEST_BODY_LIMIT_SUPPORTED = false") {
				// Rendered for a kumod older than 2024.06.10, which rejects
				// request_body_limit: only an upgrade lifts its 2 MB default.
				remedy = fmt.Sprintf("upgrade KumoMTA to %s or later (older kumod has no request_body_limit), then run `kumoup apply` and `systemctl restart kumomta`", model.MinKumoVersion)
			}
			return Fail(remedy, "%s: %s", detail, what)
		}
	}
	return Pass("%s", detail)
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
