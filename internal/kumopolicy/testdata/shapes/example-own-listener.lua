-- want: fail
-- check: beyond loopback
-- other: ip-1 BestReputation
-- KumoMTA's documented example policy (docs/userguide/configuration/example.md),
-- reduced to the helpers the stand-in models, with kumoup's lines for the
-- sources:setup shape: kumoup.SOURCES joins the list, setup_listener
-- replaces the example's two HTTP listeners.
local kumo = require 'kumo'
local utils = require 'policy-extras.policy_utils'
local sources = require 'policy-extras.sources'
local log_hooks = require 'policy-extras.log_hooks'

local kumoup = require 'kumoup'
kumoup.setup_webhook()

sources:setup { '@POLICY_DIR@/sources.toml', kumoup.SOURCES }

log_hooks:new_json {
  name = 'webhook',
  url = 'http://10.0.0.1:4242/log',
  log_parameters = {
    headers = { 'Subject', 'X-Customer-ID' },
  },
}

kumo.on('init', function()
  kumo.define_spool {
    name = 'data',
    path = '/var/spool/kumomta/data',
    kind = 'RocksDB',
  }
  kumo.define_spool {
    name = 'meta',
    path = '/var/spool/kumomta/meta',
    kind = 'RocksDB',
  }
  kumo.configure_local_logs {
    log_dir = '/var/log/kumomta',
    max_segment_duration = '1 minute',
  }
  kumoup.setup_listener()
  kumo.start_http_listener {
    listen = '0.0.0.0:8000',
    trusted_hosts = { '127.0.0.1', '::1' },
  }
  kumo.start_esmtp_listener {
    listen = '0.0.0.0:25',
    hostname = 'mail.example.com',
    relay_hosts = { '127.0.0.1', '192.168.1.0/24' },
  }
end)
