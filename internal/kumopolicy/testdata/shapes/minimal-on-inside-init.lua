-- want: fail
-- check: is inside a function
-- kumoup's handlers registered from inside init: kumod refuses kumo.on
-- from within an event handler.
local kumo = require 'kumo'
local kumoup = require 'kumoup'
kumoup.setup_webhook()

kumo.on('init', function()
  kumoup.setup_listener()
  kumo.on('get_egress_source', kumoup.egress_source)
  kumo.on('get_egress_pool', kumoup.egress_pool)
end)
