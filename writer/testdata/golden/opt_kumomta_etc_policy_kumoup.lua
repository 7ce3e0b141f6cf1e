-- Managed by kumoup: the KumoMTA side of the deployment for mta.example.com.
-- /opt/kumomta/etc/policy/kumoup.lua, 0644 root:root, readable by kumod. It holds no
-- secret: every per-deployment value comes from the environment file
-- /etc/default/kumomta (0600 root:root), which systemd loads into kumod through
-- /etc/systemd/system/kumomta.service.d/kumoup.conf.
-- Change it with `kumoup setup` or `kumoup apply`; edits here are replaced
-- (the previous file is kept as a timestamped backup next to it).
--
-- kumoup never edits init.lua. Add the lines for your init.lua's shape to
-- /opt/kumomta/etc/policy/init.lua (`kumoup apply` and the wizard print the ones for yours):
--
--   [minimal]
--   -- kumoup: the deployment kumoup manages (/opt/kumomta/etc/policy/kumoup.lua).
--   package.path = '/opt/kumomta/etc/policy/?.lua;' .. package.path
--   local kumoup = require 'kumoup'
--   -- At the top level, outside any event handler, above any queue helper
--   -- setup (policy-extras queue.lua must register get_queue_config last):
--   kumoup.setup_webhook()
--   -- Inside your existing kumo.on('init', function() ... end), replacing any
--   -- other kumo.start_http_listener call:
--   kumoup.setup_listener()
--   -- At the top level:
--   kumo.on('get_egress_source', kumoup.egress_source)
--   kumo.on('get_egress_pool', kumoup.egress_pool)
--   -- And in your queue configuration, so mail leaves through KumoProxy:
--   --   kumo.make_queue_config { egress_pool = kumoup.EGRESS_POOL, ... }
--   --   (queues.toml: egress_pool = 'kumoproxy')
--   
--   [sources:setup (policy-extras)]
--   -- kumoup: the deployment kumoup manages (/opt/kumomta/etc/policy/kumoup.lua).
--   package.path = '/opt/kumomta/etc/policy/?.lua;' .. package.path
--   local kumoup = require 'kumoup'
--   -- At the top level, outside any event handler, above any queue helper
--   -- setup (policy-extras queue.lua must register get_queue_config last):
--   kumoup.setup_webhook()
--   -- Inside your existing kumo.on('init', function() ... end), replacing any
--   -- other kumo.start_http_listener call:
--   kumoup.setup_listener()
--   -- Add kumoup.SOURCES to the list your sources:setup call already has (it
--   -- registers get_egress_source and get_egress_pool: add no kumo.on for them),
--   -- after the require above, for example:
--   sources:setup { '/opt/kumomta/etc/policy/sources.toml', kumoup.SOURCES }
--   -- And in your queue configuration, so mail leaves through KumoProxy:
--   --   kumo.make_queue_config { egress_pool = kumoup.EGRESS_POOL, ... }
--   --   (queues.toml: egress_pool = 'kumoproxy')
--   
--   [own get_egress_source/get_egress_pool handlers]
--   -- kumoup: the deployment kumoup manages (/opt/kumomta/etc/policy/kumoup.lua).
--   package.path = '/opt/kumomta/etc/policy/?.lua;' .. package.path
--   local kumoup = require 'kumoup'
--   -- At the top level, outside any event handler, above any queue helper
--   -- setup (policy-extras queue.lua must register get_queue_config last):
--   kumoup.setup_webhook()
--   -- Inside your existing kumo.on('init', function() ... end), replacing any
--   -- other kumo.start_http_listener call:
--   kumoup.setup_listener()
--   -- First line inside your kumo.on('get_egress_source', function(name) ... end):
--   if name == kumoup.EGRESS_SOURCE then return kumoup.egress_source(name) end
--   -- First line inside your kumo.on('get_egress_pool', function(name) ... end):
--   if name == kumoup.EGRESS_POOL then return kumoup.egress_pool(name) end
--   -- And in your queue configuration, so mail leaves through KumoProxy:
--   --   kumo.make_queue_config { egress_pool = kumoup.EGRESS_POOL, ... }
--   --   (queues.toml: egress_pool = 'kumoproxy')
--
-- Then check the policy before restarting: `kumoup policy validate` runs
-- kumod --validate with /etc/default/kumomta loaded as systemd loads it;
-- then systemctl daemon-reload && systemctl restart kumomta
--
-- Needs KumoMTA 2024.06.10 or later.
--
-- What the module provides:
--   kumoup.setup_webhook()      registers the 'ping8_webhook' log hook: every
--                               log record is POSTed as JSON to PING8_WEBHOOK_URL
--                               with "Authorization: Bearer PING8_WEBHOOK_TOKEN".
--                               Call it once, at the top level of init.lua.
--   kumoup.setup_listener()     starts kumod's HTTP listener on 127.0.0.1:8000
--                               (loopback only, behind nginx) with a request body
--                               limit of 26214400 bytes (25m, the same as
--                               nginx's client_max_body_size). Call it inside
--                               kumo.on('init').
--   kumoup.egress_source(name)  handler for kumo.on('get_egress_source'): the
--                               'kumoproxy' source, sending through the KumoProxy SOCKS5
--                               server KUMOPROXY_HOST:KUMOPROXY_PORT from
--                               KUMOPROXY_PUBLIC_IP with EHLO KUMOPROXY_HELO.
--                               Any other name is an error naming the fix:
--                               call it for 'kumoproxy' only.
--   kumoup.egress_pool(name)    handler for kumo.on('get_egress_pool'): the
--                               'kumoproxy' pool holding that one source.
--   kumoup.SOURCES              the same source and pool as a data table for
--                               policy-extras sources:setup { ..., kumoup.SOURCES }.
--   kumoup.EGRESS_POOL          the pool name for your queue configuration.
--
-- Loading this module fails with an error naming every environment variable
-- that is unset or empty. It must: kumod sends through SOCKS5 only when
-- BOTH socks5_proxy_server and socks5_proxy_source_address are set, and
-- silently connects directly from this host (the wrong IP) when either is
-- missing.

local kumo = require 'kumo'

local kumoup = {}

kumoup.EGRESS_SOURCE = 'kumoproxy'
kumoup.EGRESS_POOL = 'kumoproxy'
kumoup.WEBHOOK_NAME = 'ping8_webhook'
kumoup.LISTENER = '127.0.0.1:8000'
-- 25m: must equal client_max_body_size in /etc/nginx/conf.d/mta.example.com.conf.
kumoup.REQUEST_BODY_LIMIT = 26214400
kumoup.REQUEST_BODY_LIMIT_SUPPORTED = true

local ENV_FILE = '/etc/default/kumomta'
local DROP_IN = '/etc/systemd/system/kumomta.service.d/kumoup.conf'

local function fail(message)
  error('kumoup: ' .. message .. ' (' .. ENV_FILE .. ', loaded by ' .. DROP_IN
    .. '; run kumoup apply, then systemctl daemon-reload && systemctl restart kumomta;'
    .. ' to validate the policy from a shell, run `kumoup policy validate`,'
    .. ' which loads ' .. ENV_FILE .. ' as systemd does)', 0)
end

local names = {
  'PING8_WEBHOOK_TOKEN',
  'PING8_WEBHOOK_URL',
  'KUMOPROXY_HOST',
  'KUMOPROXY_PORT',
  'KUMOPROXY_PUBLIC_IP',
  'KUMOPROXY_HELO',
}
local env = {}
local missing = {}
for _, name in ipairs(names) do
  local value = os.getenv(name)
  if value == nil or value == '' then
    table.insert(missing, name)
  else
    env[name] = value
  end
end
if #missing > 0 then
  fail('environment variable(s) unset or empty: ' .. table.concat(missing, ', ')
    .. '; refusing to start: without them mail would leave from the wrong IP or events would be lost')
end

if not string.match(env.KUMOPROXY_PORT, '^%d+$') then
  fail('KUMOPROXY_PORT is not a port number')
end
if string.sub(env.PING8_WEBHOOK_URL, 1, 8) ~= 'https://' then
  fail('PING8_WEBHOOK_URL must be an https:// URL')
end

local proxy_host = env.KUMOPROXY_HOST
if string.find(proxy_host, ':', 1, true) and string.sub(proxy_host, 1, 1) ~= '[' then
  proxy_host = '[' .. proxy_host .. ']'
end

-- "ip:port" of the KumoProxy SOCKS5 server (IPv6 bracketed).
kumoup.SOCKS5_PROXY_SERVER = proxy_host .. ':' .. env.KUMOPROXY_PORT
-- The public address mail leaves from.
kumoup.SOCKS5_PROXY_SOURCE_ADDRESS = env.KUMOPROXY_PUBLIC_IP
kumoup.EHLO_DOMAIN = env.KUMOPROXY_HELO

function kumoup.setup_listener()
  kumo.start_http_listener {
    listen = kumoup.LISTENER,
    trusted_hosts = { '127.0.0.1', '::1' },
    request_body_limit = kumoup.REQUEST_BODY_LIMIT,
  }
end

-- The source's fields, as make_egress_source and a sources.lua data file
-- take them.
local function source_params()
  return {
    socks5_proxy_server = kumoup.SOCKS5_PROXY_SERVER,
    socks5_proxy_source_address = kumoup.SOCKS5_PROXY_SOURCE_ADDRESS,
    ehlo_domain = kumoup.EHLO_DOMAIN,
  }
end

-- kumoup's source and pool in the data-file format of policy-extras
-- sources.lua ([source.NAME] and [pool.NAME.SOURCE]), which also takes
-- inline tables in its list: sources:setup { 'sources.toml', kumoup.SOURCES }.
kumoup.SOURCES = {
  source = { [kumoup.EGRESS_SOURCE] = source_params() },
  pool = { [kumoup.EGRESS_POOL] = { [kumoup.EGRESS_SOURCE] = { weight = 1 } } },
}

-- kumod fails the lookup with this message instead of an obscure "nil"
-- when a handler calls kumoup's for a name that is not kumoup's.
local function not_ours(what, name, ours, event)
  error(string.format("kumoup.%s: '%s' is not kumoup's %s ('%s'): in your own"
    .. " kumo.on('%s', function(name) ... end) call kumoup.%s only when"
    .. " name == '%s', and handle other names yourself", what, tostring(name),
    what == 'egress_source' and 'source' or 'pool', ours, event, what, ours), 2)
end

function kumoup.egress_source(name)
  if name ~= kumoup.EGRESS_SOURCE then
    not_ours('egress_source', name, kumoup.EGRESS_SOURCE, 'get_egress_source')
  end
  local params = source_params()
  params.name = kumoup.EGRESS_SOURCE
  return kumo.make_egress_source(params)
end

function kumoup.egress_pool(name)
  if name ~= kumoup.EGRESS_POOL then
    not_ours('egress_pool', name, kumoup.EGRESS_POOL, 'get_egress_pool')
  end
  return kumo.make_egress_pool {
    name = kumoup.EGRESS_POOL,
    entries = { { name = kumoup.EGRESS_SOURCE, weight = 1 } },
  }
end

-- The app refuses these events for good: retrying cannot help.
local PERMANENT = { [400] = true, [404] = true, [410] = true, [413] = true, [422] = true }

function kumoup.setup_webhook()
  -- log_hooks:new_json cannot add headers; log_hooks:new with a
  -- constructor sets the bearer secret on every request.
  local log_hooks = require 'policy-extras.log_hooks'
  local url = env.PING8_WEBHOOK_URL
  local authorization = 'Bearer ' .. env.PING8_WEBHOOK_TOKEN
  log_hooks:new {
    name = kumoup.WEBHOOK_NAME,
    -- A refused event (kumo.reject 4xx) is retried every minute, backing
    -- off to 20 minutes; kumo.reject 5xx drops it.
    queue_config = {
      retry_interval = '1m',
      max_retry_interval = '20m',
    },
    constructor = function(domain, tenant, campaign)
      local connection = {}
      local client = kumo.http.build_client {}
      function connection:send(message)
        local response = client
          :post(url)
          :header('Content-Type', 'application/json')
          :header('Authorization', authorization)
          :body(message:get_data())
          :send()
        local status = response:status_code()
        local disposition = string.format('%d %s: %s', status,
          response:status_reason(), string.sub(response:text(), 1, 200))
        if response:status_is_success() then
          return disposition
        end
        if PERMANENT[status] then
          kumo.reject(500, disposition)
        end
        kumo.reject(400, disposition)
      end
      return connection
    end,
  }
end

return kumoup
