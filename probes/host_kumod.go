package probes

import (
	"context"
	"errors"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// checkKumodVersion reports the installed kumod's version against the
// minimum kumoup's files need (model.MinKumoVersion).
func checkKumodVersion(ctx context.Context, t *Target) Result {
	v, err := writer.DetectKumod(ctx, t.Layout)
	switch {
	case errors.Is(err, writer.ErrKumodMissing):
		return Fail("install KumoMTA "+model.MinKumoVersion+" or later (https://docs.kumomta.com/userguide/installation/linux/)",
			"%s is not installed", t.Layout.Kumod())
	case err != nil:
		return Warn("check `"+t.Layout.Kumod()+" --version`; kumoup needs KumoMTA "+model.MinKumoVersion+" or later", "cannot tell kumod's version: %v", err)
	case !v.AtLeast(model.MinKumoVersion):
		return Warn(writer.KumodNote(t.Deployment, v), "kumod %s is older than the minimum %s", v, model.MinKumoVersion)
	}
	return Pass("kumod %s (minimum %s)", v, model.MinKumoVersion)
}
