-- want: pass
-- other: warm-1 warmup
-- An init.lua with its own egress handlers; kumoup's are called for
-- kumoup's names only.
local kumo = require 'kumo'
local kumoup = require 'kumoup'
kumoup.setup_webhook()

local SOURCES = {
  ['warm-1'] = { name = 'warm-1', source_address = '10.0.0.9' },
}

kumo.on('init', function()
  kumoup.setup_listener()
end)

kumo.on('get_egress_source', function(name)
  if name == kumoup.EGRESS_SOURCE then return kumoup.egress_source(name) end
  return kumo.make_egress_source(SOURCES[name])
end)

kumo.on('get_egress_pool', function(name)
  if name == kumoup.EGRESS_POOL then return kumoup.egress_pool(name) end
  return kumo.make_egress_pool { name = name, entries = { { name = 'warm-1' } } }
end)
