package probes

import (
	"context"
	"time"
)

// answerBefore returns ctx with its deadline moved a little earlier, so a
// check waiting on the network gives up first and can still say what it
// asked and whom (a resolver, a port), before Run reports a bare timeout.
func answerBefore(ctx context.Context) (context.Context, context.CancelFunc) {
	dl, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := min(200*time.Millisecond, time.Until(dl)/5)
	return context.WithDeadline(ctx, dl.Add(-margin))
}
