// Bun (npm @oven/bun-linux-x64: uWebSockets inside) for the harness: Bun.serve with the documented
// WebSocket echo (server.upgrade(req) in fetch, websocket.message sends back) at /live,
// / a plain 200, other paths 404. Usage: bun bun_echo.js HOST PORT
const [host, port] = [process.argv[2], Number(process.argv[3])];

Bun.serve({
  hostname: host,
  port,
  fetch(req, server) {
    const path = new URL(req.url).pathname;
    if (path === '/live') {
      if (server.upgrade(req)) return undefined;
      return new Response('Upgrade failed\n', { status: 400 });
    }
    if (path === '/') return new Response('ok\n');
    return new Response('not found\n', { status: 404 });
  },
  websocket: {
    message(ws, message) { ws.send(message); },
  },
});
