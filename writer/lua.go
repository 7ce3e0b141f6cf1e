package writer

import "github.com/kumoup/kumoup/model"

// renderLua renders the KumoMTA policy module. (Placeholder until the Lua
// template lands.)
func renderLua(d model.Deployment, opt Options) ([]byte, error) {
	return []byte("-- kumoup.lua: not yet rendered\n"), nil
}
