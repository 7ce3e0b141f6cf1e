-- want: pass
-- A single-handler event registered in both branches of an if: only one
-- registration runs, so kumod loads it.
local kumo = require 'kumo'
local kumoup = require 'kumoup'
kumoup.setup_webhook()

kumo.on('init', function()
  kumoup.setup_listener()
end)

if os.getenv 'RELAY_EVERYTHING' then
  kumo.on('get_listener_domain', function(domain)
    return kumo.make_listener_domain { relay_to = true }
  end)
else
  kumo.on('get_listener_domain', function(domain)
    return kumo.make_listener_domain { relay_to = false }
  end)
end

kumo.on('get_egress_source', kumoup.egress_source)
kumo.on('get_egress_pool', kumoup.egress_pool)
