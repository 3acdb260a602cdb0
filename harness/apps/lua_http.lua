-- lua-http (Debian lua-http, cqueues) for the harness: /live upgrades through
-- http.websocket.new_from_stream + ws:accept() and echoes (a request it declines gets 400), / a
-- plain 200, other paths 404.
-- Usage: lua5.2 lua_http.lua HOST PORT (Debian ships lua-http's dependency fifo for Lua 5.1 and
-- 5.2 only)
local http_server = require "http.server"
local http_headers = require "http.headers"
local websocket = require "http.websocket"

local function answer(stream, status, body)
  local res = http_headers.new()
  res:append(":status", status)
  res:append("content-type", "text/plain")
  stream:write_headers(res, body == nil)
  if body then stream:write_chunk(body, true) end
end

local function onstream(_, stream)
  local req = assert(stream:get_headers())
  local path = (req:get(":path") or ""):match("^[^?]*")
  if path == "/live" then
    local ws = websocket.new_from_stream(stream, req)
    if ws then
      ws:accept()
      repeat
        local data, opcode = ws:receive()
        if data then ws:send(data, opcode) end
      until not data
      ws:close()
      return
    end
    answer(stream, "400", "not a WebSocket handshake lua-http accepts\n")
  elseif path == "/" then
    answer(stream, "200", "ok\n")
  else
    answer(stream, "404")
  end
end

local server = assert(http_server.listen {
  host = arg[1], port = tonumber(arg[2]), tls = false, onstream = onstream,
  onerror = function() end,  -- a client's bad bytes end its connection, not the server
})
assert(server:listen())
assert(server:loop())
