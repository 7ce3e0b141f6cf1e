-- Loads the rendered kumoup.lua (arg[1]) against a recording stand-in for
-- kumod's Lua API (kumo, policy-extras.log_hooks) and prints what the
-- module asked for, one "key=value" per line. kumod cannot run in tests;
-- this checks the module's own logic, luac -p checks its syntax.
local out = {}
local function put(k, v) table.insert(out, k .. '=' .. tostring(v)) end

local hook
local sent = {}
local status = tonumber(os.getenv('HARNESS_STATUS') or '200')

local request = {}
request.__index = request
function request:header(k, v) sent.headers[k] = v; return self end
function request:body(b) sent.body = b; return self end
function request:send()
  return {
    status_code = function() return status end,
    status_reason = function() return 'Reason' end,
    text = function() return 'app said' end,
    status_is_success = function() return status >= 200 and status < 300 end,
  }
end

package.preload['kumo'] = function()
  return {
    start_http_listener = function(p)
      put('listener.listen', p.listen)
      put('listener.trusted_hosts', table.concat(p.trusted_hosts, ','))
      put('listener.request_body_limit', p.request_body_limit)
    end,
    make_egress_source = function(p) return { kind = 'source', p = p } end,
    make_egress_pool = function(p) return { kind = 'pool', p = p } end,
    reject = function(code, msg) error({ reject = code, msg = msg }) end,
    http = {
      build_client = function()
        return {
          post = function(_, url)
            sent = { url = url, headers = {} }
            return setmetatable({}, request)
          end,
        }
      end,
    },
  }
end
package.preload['policy-extras.log_hooks'] = function()
  return { new = function(_, opts) hook = opts end }
end

local kumoup = dofile(arg[1])

kumoup.setup_listener()

local s = kumoup.egress_source(kumoup.EGRESS_SOURCE)
put('source.name', s.p.name)
put('source.socks5_proxy_server', s.p.socks5_proxy_server)
put('source.socks5_proxy_source_address', s.p.socks5_proxy_source_address)
put('source.ehlo_domain', s.p.ehlo_domain)
local ok, err = pcall(kumoup.egress_source, 'other')
put('source.other', ok and 'returned' or 'error')
put('source.other_error', (tostring(err):gsub('\n', ' ')))

local p = kumoup.egress_pool(kumoup.EGRESS_POOL)
put('pool.name', p.p.name)
put('pool.entries', p.p.entries[1].name .. '/' .. #p.p.entries)
ok, err = pcall(kumoup.egress_pool, 'other')
put('pool.other', ok and 'returned' or 'error')
put('pool.other_error', (tostring(err):gsub('\n', ' ')))
put('sources.source', kumoup.SOURCES.source[kumoup.EGRESS_SOURCE].socks5_proxy_server)
put('sources.pool', kumoup.SOURCES.pool[kumoup.EGRESS_POOL][kumoup.EGRESS_SOURCE].weight)

kumoup.setup_webhook()
put('hook.name', hook.name)
local conn = hook.constructor('ping8_webhook.log_hook', nil, nil)
local ok, res = pcall(conn.send, conn, { get_data = function() return '{"type":"Delivery"}' end })
put('hook.url', sent.url)
put('hook.authorization', sent.headers['Authorization'])
put('hook.content_type', sent.headers['Content-Type'])
put('hook.body', sent.body)
if ok then
  put('hook.result', res)
else
  put('hook.reject', res.reject)
end

print(table.concat(out, '\n'))
