-- Managed by kumoup: KumoProxy's configuration (kumoup proxy).
-- Loaded by kumoproxy.service with --proxy-config. Edits here are replaced.
local kumo = require 'kumo'
local proxy = require 'proxy'

kumo.on('proxy_init', function()
  -- The SOCKS5 listener, on the private address the MTA host(s) reach.
  proxy.start_proxy_listener {
    listen = '10.0.0.5:5000',
  }

  -- Status (/proxy/status) and Prometheus metrics, on loopback only and
  -- clear of kumod's 8000.
  proxy.start_http_listener {
    listen = '127.0.0.1:8080',
    trusted_hosts = { '127.0.0.1', '::1' },
  }
end)
