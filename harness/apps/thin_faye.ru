# Thin + faye-websocket (Debian ruby-faye-websocket) for the harness: /live is the README's echo
# server, / a plain 200, a plain request to /live 426 with Upgrade: websocket, else 404.
require 'faye/websocket'
Faye::WebSocket.load_adapter('thin')

app = lambda do |env|
  path = env['PATH_INFO']
  if path == '/live' && Faye::WebSocket.websocket?(env)
    ws = Faye::WebSocket.new(env)
    ws.on(:message) { |event| ws.send(event.data) }
    ws.on(:close) { |_event| ws = nil }
    ws.rack_response
  elsif path == '/'
    [200, { 'Content-Type' => 'text/plain' }, ["ok\n"]]
  elsif path == '/live'
    [426, { 'Upgrade' => 'websocket', 'Connection' => 'Upgrade', 'Content-Length' => '0' }, []]
  else
    [404, { 'Content-Type' => 'text/plain' }, ["not found\n"]]
  end
end

run app
