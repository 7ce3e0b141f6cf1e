-- A stand-in for kumod's `kumo` module, for running a policy (init.lua,
-- kumoup.lua and KumoMTA's real policy-extras) under lua5.4. It enforces
-- what kumod enforces, as read in github.com/KumoCorp/kumomta at commit
-- 3ebc1e8585e0e989cfcf50a93c94a803610249e8:
--
-- * kumo.on (crates/kumo-server-common/src/lib.rs): an event takes one
--   handler unless its signature is Multiple; a second one raises
--   "<event> event already has a handler defined at <src>:<line>".
--   Registering from inside an event handler is an error.
--   Multiple: pre_init, validate_config (kumod/src/main.rs),
--   should_enqueue_log_record (kumod/src/logging/hooks.rs), requeue_message
--   (queue/manager.rs), get_queue_config, throttle_insert_ready_queue
--   (queue/queue.rs), get_acl_definition (kumo-server-common/src/authn_authz.rs).
-- * make_egress_source: struct EgressSource (kumod/src/egress_source.rs,
--   deny_unknown_fields): name (required), ehlo_domain, source_address,
--   remote_port, ha_proxy_server, ha_proxy_source_address,
--   socks5_proxy_server, socks5_proxy_source_address, socks5_proxy_username,
--   socks5_proxy_password, suspend_when_unplumbed,
--   suspend_when_proxy_unhealthy, ttl.
-- * make_egress_pool: struct EgressPool (same file, deny_unknown_fields):
--   name (required), entries, ttl; each entry EgressPoolEntry: name
--   (required), weight.
-- * start_http_listener: struct HttpListenerParams
--   (kumo-server-common/src/http_server/mod.rs, deny_unknown_fields):
--   hostname, listen (default 127.0.0.1:8000), use_tls, request_body_limit,
--   tls_certificate, tls_private_key, trusted_hosts. STANDIN_KUMOD_BEFORE_BODY_LIMIT
--   set in the environment drops request_body_limit, as kumod before
--   2024.06.10. A second bind of the same port (or a wildcard and a specific
--   address on one port) fails as bind(2) does.
-- * The runner (run.lua) raises pre_init, then init exactly once, then
--   validate_config, as kumod --validate does (kumod/src/main.rs).
-- * kumo.get_event_registrars and kumo.eval_config_monitor_globs (default
--   glob /opt/kumomta/etc/**/*.{lua,json,toml,yaml}, crates/config/src/epoch.rs;
--   STANDIN_ETC is that directory), which policy-extras queue.lua's
--   validate_config checks.
-- What it does not model: kumod's Rust validation of traffic-shaping data
-- (kumo.shaping.load reports nothing), DKIM signing, wildcard domain maps,
-- full regular expressions and TOML (a subset each); the rest of the API is
-- recorded without checks.
local kumo = {}

local MULTI = {
  pre_init = true,
  validate_config = true,
  should_enqueue_log_record = true,
  requeue_message = true,
  get_queue_config = true,
  throttle_insert_ready_queue = true,
  get_acl_definition = true,
}

local handlers = {}
kumo._handlers = handlers
local registrars = {}
kumo._current_event = 'main'
kumo._listeners = {}
kumo._calls = {}

function kumo.on(name, func)
  if type(name) ~= 'string' or type(func) ~= 'function' then
    error('kumo.on: expected (string, function), got (' .. type(name) .. ', ' .. type(func) .. ')', 2)
  end
  if kumo._current_event ~= 'main' then
    error(string.format("Attempting to register an event handler via `kumo.on('%s', ...)` from within the event handler '%s'.", name, kumo._current_event), 2)
  end
  -- The call stack of each registration, as kumod keeps it for
  -- kumo.get_event_registrars (policy-extras queue.lua checks it is last).
  local stack = {}
  for level = 2, 50 do
    local info = debug.getinfo(level, 'Sl')
    if not info then
      break
    end
    table.insert(stack, string.format('%s:%d', info.short_src, info.currentline))
  end
  registrars[name] = registrars[name] or {}
  table.insert(registrars[name], stack)
  if MULTI[name] then
    handlers[name] = handlers[name] or {}
    table.insert(handlers[name], func)
    return
  end
  local existing = handlers[name]
  if existing then
    local info = debug.getinfo(existing, 'S')
    error(string.format('%s event already has a handler defined at %s:%d', name, info.source, info.linedefined), 2)
  end
  handlers[name] = func
end

-- Calls an event's handler(s) as kumod does.
function kumo._call(name, ...)
  local h = handlers[name]
  if not h then
    return nil, 'Event ' .. name .. ' has not been registered'
  end
  local saved = kumo._current_event
  kumo._current_event = name
  local results
  if MULTI[name] then
    for _, f in ipairs(h) do
      local r = table.pack(f(...))
      if r.n > 0 and r[1] ~= nil then
        results = r
        break
      end
    end
  else
    results = table.pack(h(...))
  end
  kumo._current_event = saved
  return table.unpack(results or {})
end

-- strict(struct, params, fields, required): serde's deny_unknown_fields
-- and required-field errors, worded like kumod's from_lua_value.
local function strict(struct, params, fields, required)
  if type(params) ~= 'table' then
    error(string.format('deserialize error: invalid type: %s, expected struct %s, while processing', type(params), struct), 3)
  end
  local allowed = {}
  for _, f in ipairs(fields) do
    allowed[f] = true
  end
  for k in pairs(params) do
    if not allowed[k] then
      error(string.format('deserialize error: unknown field `%s`, expected one of %s, while processing %s', tostring(k), '`' .. table.concat(fields, '`, `') .. '`', struct), 3)
    end
  end
  for _, f in ipairs(required) do
    if params[f] == nil then
      error(string.format('deserialize error: missing field `%s`, while processing %s', f, struct), 3)
    end
  end
end

local function is_ip(s)
  if type(s) ~= 'string' then
    return false
  end
  if s:match '^%d+%.%d+%.%d+%.%d+$' then
    return true
  end
  return s:find(':', 1, true) ~= nil and s:match '^[%x:.]+$' ~= nil
end

local function is_socket_addr(s)
  if type(s) ~= 'string' then
    return false
  end
  local host, port = s:match '^%[([%x:.]+)%]:(%d+)$'
  if not host then
    host, port = s:match '^([%d.]+):(%d+)$'
  end
  return host ~= nil and is_ip(host) and tonumber(port) < 65536
end

local SOURCE_FIELDS = {
  'name', 'ehlo_domain', 'source_address', 'remote_port', 'ha_proxy_server',
  'ha_proxy_source_address', 'socks5_proxy_server', 'socks5_proxy_source_address',
  'socks5_proxy_username', 'socks5_proxy_password', 'suspend_when_unplumbed',
  'suspend_when_proxy_unhealthy', 'ttl',
}

function kumo.make_egress_source(params)
  strict('EgressSource', params, SOURCE_FIELDS, { 'name' })
  for _, f in ipairs { 'source_address', 'ha_proxy_source_address', 'socks5_proxy_source_address' } do
    if params[f] ~= nil and not is_ip(params[f]) then
      error(string.format('deserialize error: invalid IP address syntax for `%s`: %s, while processing EgressSource', f, tostring(params[f])), 2)
    end
  end
  for _, f in ipairs { 'socks5_proxy_server', 'ha_proxy_server' } do
    if params[f] ~= nil and not is_socket_addr(params[f]) then
      error(string.format('deserialize error: invalid hostname or socket address for `%s`: %s, while processing EgressSource', f, tostring(params[f])), 2)
    end
  end
  local copy = {}
  for k, v in pairs(params) do
    copy[k] = v
  end
  return setmetatable(copy, { __name = 'EgressSource' })
end

function kumo.make_egress_pool(params)
  strict('EgressPool', params, { 'name', 'entries', 'ttl' }, { 'name' })
  for _, e in ipairs(params.entries or {}) do
    strict('EgressPoolEntry', e, { 'name', 'weight' }, { 'name' })
  end
  return setmetatable(params, { __name = 'EgressPool' })
end

local LISTENER_FIELDS = {
  'hostname', 'listen', 'use_tls', 'request_body_limit', 'tls_certificate',
  'tls_private_key', 'trusted_hosts',
}

local function port_of(listen)
  return listen:match ':(%d+)$'
end

local function host_of(listen)
  return (listen:match '^%[?(.-)%]?:%d+$')
end

function kumo.start_http_listener(params)
  local fields = LISTENER_FIELDS
  if os.getenv 'STANDIN_KUMOD_BEFORE_BODY_LIMIT' then
    fields = {}
    for _, f in ipairs(LISTENER_FIELDS) do
      if f ~= 'request_body_limit' then
        table.insert(fields, f)
      end
    end
  end
  strict('HttpListenerParams', params, fields, {})
  local listen = params.listen or '127.0.0.1:8000'
  for _, other in ipairs(kumo._listeners) do
    local a, b = host_of(listen), host_of(other.listen)
    local wildcard = a == '0.0.0.0' or a == '::' or b == '0.0.0.0' or b == '::'
    if port_of(listen) == port_of(other.listen) and (a == b or wildcard) then
      error(string.format('listen on %s: Address already in use (os error 98)', listen), 2)
    end
  end
  table.insert(kumo._listeners, {
    listen = listen,
    event = kumo._current_event,
    request_body_limit = params.request_body_limit,
    trusted_hosts = params.trusted_hosts,
  })
end

-- Recorded without checks: what the example policies call in init.
for _, name in ipairs {
  'define_spool', 'start_esmtp_listener', 'configure_local_logs',
  'configure_bounce_classifier', 'configure_log_hook', 'configure_log_disposition_hook',
  'set_config_monitor_globs', 'spawn_task', 'configure_redis_throttles',
} do
  kumo[name] = function(params)
    table.insert(kumo._calls, name)
  end
end

function kumo.make_queue_config(params)
  return params
end

function kumo.make_listener_domain(params)
  return params
end

function kumo.validation_failed()
  kumo._validation_failed = true
end

function kumo.get_event_registrars(name)
  return registrars[name]
end

-- kumod's default config monitor glob is /opt/kumomta/etc/**/*.{lua,json,toml,yaml}
-- (crates/config/src/epoch.rs); STANDIN_ETC is that directory in tests.
function kumo.eval_config_monitor_globs()
  local etc = os.getenv 'STANDIN_ETC'
  if not etc then
    return {}
  end
  local out = {}
  local p = assert(io.popen("find '" .. etc .. "' -type f \\( -name '*.lua' -o -name '*.json' -o -name '*.toml' -o -name '*.yaml' \\)"))
  for line in p:lines() do
    table.insert(out, line)
  end
  p:close()
  return out
end

function kumo.reject(code, message)
  error({ code = code, message = message })
end

function kumo.memoize(func, _options)
  return func
end

-- kumo.traceback(1) starts at the function that calls it.
function kumo.traceback(level)
  local frames = {}
  local i = (level or 0) + 1
  while true do
    local info = debug.getinfo(i, 'Sl')
    if not info then
      break
    end
    table.insert(frames, {
      what = info.what,
      source = info.source,
      short_src = info.short_src,
      curr_line = info.currentline,
    })
    i = i + 1
  end
  return frames
end

-- Regular expressions: the stand-in accepts the subset that reads the same
-- as a Lua pattern (what policy-extras' typing.lua uses).
kumo.regex = {}
function kumo.regex.compile(pattern)
  if pattern:find '[%[%]\\|{}?+^$]' then
    error('stand-in kumo.regex: pattern not supported: ' .. pattern, 2)
  end
  return {
    captures = function(_, s)
      local caps = table.pack(s:match(pattern))
      if caps[1] == nil then
        return nil
      end
      return caps
    end,
  }
end

local function encode(v, indent)
  local t = type(v)
  if t == 'table' then
    local keys = {}
    for k in pairs(v) do
      table.insert(keys, tostring(k))
    end
    table.sort(keys)
    local parts = {}
    for _, k in ipairs(keys) do
      local val = v[k]
      if val == nil then
        val = v[tonumber(k)]
      end
      table.insert(parts, string.format('%q:%s', k, encode(val)))
    end
    return '{' .. table.concat(parts, ',') .. '}'
  elseif t == 'string' then
    return string.format('%q', v)
  end
  return tostring(v)
end

kumo.json_encode = encode
kumo.json_encode_pretty = encode
kumo.serde = { json_encode = encode, json_encode_pretty = encode }

-- A TOML subset: [a."b".c] tables, key = "string" | 'string' | number |
-- true | false, comments.
local function toml_parse(text)
  local root = {}
  local current = root
  local n = 0
  for line in (text .. '\n'):gmatch '(.-)\r?\n' do
    n = n + 1
    line = line:gsub('^%s+', ''):gsub('%s+$', '')
    if line == '' or line:sub(1, 1) == '#' then
      -- skip
    elseif line:sub(1, 1) == '[' then
      local inner = line:match '^%[(.*)%]$'
      if not inner then
        error('stand-in TOML: line ' .. n .. ': bad table header', 2)
      end
      current = root
      local rest = inner
      while rest ~= '' do
        local key, after = rest:match '^%s*"([^"]*)"%s*(.*)$'
        if not key then
          key, after = rest:match '^%s*([%w_%-]+)%s*(.*)$'
        end
        if not key then
          error('stand-in TOML: line ' .. n .. ': bad table header', 2)
        end
        current[key] = current[key] or {}
        current = current[key]
        rest = after:gsub('^%.', '')
      end
    else
      local k, v = line:match '^"?([%w_%-]+)"?%s*=%s*(.-)%s*$'
      if not k then
        error('stand-in TOML: line ' .. n .. ': expected key = value', 2)
      end
      local value
      if v:match '^".*"$' or v:match "^'.*'$" then
        value = v:sub(2, -2)
      elseif v == 'true' or v == 'false' then
        value = v == 'true'
      elseif tonumber(v) then
        value = tonumber(v)
      else
        error('stand-in TOML: line ' .. n .. ': unsupported value ' .. v, 2)
      end
      current[k] = value
    end
  end
  return root
end

function kumo.toml_load(path)
  local f = assert(io.open(path, 'r'))
  local text = f:read 'a'
  f:close()
  return toml_parse(text)
end
kumo.serde.toml_parse = toml_parse
kumo.toml_parse = toml_parse

function kumo.json_load(path)
  error('stand-in kumo.json_load: use a TOML data file in tests (' .. path .. ')', 2)
end

-- Traffic shaping data is parsed and validated by kumod's Rust code; the
-- stand-in does not model it and reports neither warnings nor errors.
kumo.shaping = {}
function kumo.shaping.load(_files, _options)
  return {
    get_warnings = function()
      return {}
    end,
    get_errors = function()
      return {}
    end,
    get_referenced_sources = function()
      return {}
    end,
  }
end

-- A message with just enough for policy-extras' validate_config: the From
-- header's address.
function kumo.make_message(sender, recipient, content)
  return {
    from_header = function()
      local addr = content:match 'From:%s*<?([^>\r\n]+)>?'
      if not addr then
        return nil
      end
      return { email = addr, domain = addr:match '@(.+)$' }
    end,
  }
end

-- Domain maps match wildcards in kumod; the stand-in keeps the plain table
-- (the tests only look up exact names, if any).
kumo.domain_map = {}
function kumo.domain_map.new(tbl)
  return tbl or {}
end

kumo.http = {}
function kumo.http.build_client(_options)
  return {}
end

return kumo
