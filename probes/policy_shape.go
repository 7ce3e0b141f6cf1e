package probes

import (
	"context"

	"github.com/kumoup/kumoup/internal/kumopolicy"
	"github.com/kumoup/kumoup/writer"
)

// PolicyShape reads the layout's init.lua and tells its shape, which
// decides the init.lua lines kumoup prints (writer.InitLuaLinesFor). A
// missing or unreadable init.lua is the minimal shape.
func PolicyShape(ctx context.Context, l writer.Layout) writer.PolicyShape {
	return kumopolicy.ShapeAt(ctx, l)
}
