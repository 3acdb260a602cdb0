// Node.js + Debian node-ws for the harness: /live upgrades through ws (noServer), / a plain 200.
// Plain GET /live gets 426 with Upgrade: websocket; other paths 404.
'use strict';
const http = require('http');
const { WebSocketServer } = require('ws');

const [host, port] = [process.argv[2], Number(process.argv[3])];
const wss = new WebSocketServer({ noServer: true });
wss.on('connection', (ws) => {
  // without this handler one bad frame crashes the whole process (see servers-notes.md)
  ws.on('error', () => ws.terminate());
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

// route on the path only (query strings and absolute-form targets reach the same resource)
const pathOf = (req) => { try { return new URL(req.url, 'http://localhost').pathname; } catch (e) { return ''; } };

const server = http.createServer((req, res) => {
  const path = pathOf(req);
  if (path === '/') {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok\n');
  } else if (path === '/live') {
    res.writeHead(426, { Upgrade: 'websocket', Connection: 'Upgrade' });
    res.end();
  } else {
    res.writeHead(404);
    res.end();
  }
});
server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  const path = pathOf(req);
  if (path === '/live') {
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  } else {
    // the upgrade offer is ignored: answer the plain resource (RFC 9110 §7.8 lets a server ignore it)
    const ok = path === '/';
    socket.end(ok ? 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n'
                  : 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  }
});
server.listen(port, host);
