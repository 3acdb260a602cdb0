# em-websocket (Ruby, Debian ruby-em-websocket) for the harness: the README's echo server.
# em-websocket serves WebSocket only, on every path; a request that is not a handshake is
# refused by the library itself. Usage: ruby em_websocket.rb HOST PORT
require 'em-websocket'

host, port = ARGV[0], Integer(ARGV[1])
EM.run do
  EM::WebSocket.run(host: host, port: port) do |ws|
    ws.onmessage { |msg| ws.send(msg) }
    ws.onbinary { |msg| ws.send_binary(msg) }
    ws.onerror { |_e| ws.close }
  end
end
