-- Runs a policy as kumod loads it, against the stand-in kumo module:
--   lua5.4 run.lua POLICY_DIR EXTRAS_DIR STANDIN_DIR
-- POLICY_DIR holds init.lua (and kumoup.lua), EXTRAS_DIR holds
-- policy-extras/*.lua (KumoMTA's real files). It loads init.lua, raises
-- pre_init and init once, then validate_config, then looks up kumoup's
-- source and pool (and STANDIN_OTHER_SOURCE / STANDIN_OTHER_POOL when set),
-- and prints "key=value" lines ending with "verdict=pass" or
-- "verdict=fail: <reason>".
local policy_dir, extras_dir, standin_dir = arg[1], arg[2], arg[3]
package.path = policy_dir .. '/?.lua;' .. extras_dir .. '/?.lua;' .. standin_dir .. '/?.lua;' .. package.path

local kumo = require 'kumo'
package.loaded['kumo'] = kumo

local out = {}
local function put(k, v)
  table.insert(out, k .. '=' .. tostring(v):gsub('\n', ' | '))
end
local function finish(reason)
  if reason then
    put('verdict', 'fail: ' .. reason)
  else
    put('verdict', 'pass')
  end
  print(table.concat(out, '\n'))
  os.exit(0)
end

local ok, err = pcall(dofile, policy_dir .. '/init.lua')
if not ok then
  finish('policy does not load: ' .. tostring(err))
end

for _, event in ipairs { 'pre_init', 'init' } do
  if kumo._handlers[event] then
    ok, err = pcall(kumo._call, event)
    if not ok then
      finish(event .. ' failed: ' .. tostring(err))
    end
  end
end
-- kumod raises init once; a second raise would bind the listeners again.
put('init_runs', 1)

if kumo._handlers['validate_config'] then
  ok, err = pcall(kumo._call, 'validate_config')
  if not ok then
    finish('validate_config failed: ' .. tostring(err))
  end
  if kumo._validation_failed then
    finish 'validate_config reported a failure'
  end
end

put('listeners', #kumo._listeners)
for i, l in ipairs(kumo._listeners) do
  put('listener.' .. i, l.listen .. ' in ' .. l.event)
end
if #kumo._listeners ~= 1 then
  finish(#kumo._listeners .. ' HTTP listeners; want only kumoup\'s')
end
local l = kumo._listeners[1]
if l.event ~= 'init' then
  finish('the HTTP listener starts outside init (' .. l.event .. ')')
end
if not (l.listen:match '^127%.' or l.listen:match '^%[::1%]') then
  finish('the HTTP listener is beyond loopback: ' .. l.listen)
end
put('listener.request_body_limit', l.request_body_limit)

local function lookup(event, name)
  local okl, res = pcall(kumo._call, event, name)
  if not okl then
    return nil, tostring(res)
  end
  if res == nil then
    return nil, event .. "('" .. name .. "') returned nil"
  end
  return res
end

local source, serr = lookup('get_egress_source', 'kumoproxy')
if not source then
  finish('no kumoproxy source: ' .. serr)
end
put('source.socks5_proxy_server', source.socks5_proxy_server)
put('source.socks5_proxy_source_address', source.socks5_proxy_source_address)
put('source.ehlo_domain', source.ehlo_domain)
if not source.socks5_proxy_server or not source.socks5_proxy_source_address then
  finish 'kumoproxy source lacks a socks5 field: mail would leave directly'
end

local pool, perr = lookup('get_egress_pool', 'kumoproxy')
if not pool then
  finish('no kumoproxy pool: ' .. perr)
end
local entries = {}
for _, e in ipairs(pool.entries or {}) do
  table.insert(entries, e.name)
end
put('pool.entries', table.concat(entries, ','))
if entries[1] ~= 'kumoproxy' then
  finish 'kumoproxy pool does not hold the kumoproxy source'
end

for _, pair in ipairs { { 'get_egress_source', 'STANDIN_OTHER_SOURCE' }, { 'get_egress_pool', 'STANDIN_OTHER_POOL' } } do
  local other = os.getenv(pair[2])
  if other then
    local res, oerr = lookup(pair[1], other)
    if not res then
      finish(pair[1] .. " for the operator's own '" .. other .. "' fails: " .. oerr)
    end
    put('other.' .. pair[1], res.name)
  end
end

if not kumo._handlers['make.ping8_webhook.log_hook'] then
  finish 'the ping8_webhook log hook is not set up'
end

finish()
