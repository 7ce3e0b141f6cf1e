-- want: fail
-- check: init is registered 2 times
-- KumoMTA's packaged minimal init.lua (assets/init.lua) with kumoup's
-- lines for the minimal shape, placed as printed.
local kumo = require 'kumo'
local kumoup = require 'kumoup'
kumoup.setup_webhook()

kumo.on('init', function()
  kumo.start_esmtp_listener {
    listen = '0.0.0.0:25',
  }

  kumoup.setup_listener()

  kumo.define_spool {
    name = 'data',
    path = '/var/spool/kumomta/data',
  }

  kumo.define_spool {
    name = 'meta',
    path = '/var/spool/kumomta/meta',
  }

  kumo.configure_local_logs {
    log_dir = '/var/log/kumomta',
    max_segment_duration = '10s',
  }
end)

kumo.on('get_egress_source', kumoup.egress_source)
kumo.on('init', function() end)
kumo.on('get_egress_pool', kumoup.egress_pool)
