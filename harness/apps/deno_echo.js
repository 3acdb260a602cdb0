// Deno (npm @deno/linux-x64-glibc: hyper inside) for the harness: Deno.serve with the documented
// Deno.upgradeWebSocket echo at /live (a request Deno will not upgrade gets 400), / a plain 200,
// other paths 404. Usage: deno run --allow-net deno_echo.js HOST PORT
const [host, port] = [Deno.args[0], Number(Deno.args[1])];

Deno.serve({ hostname: host, port, onListen() {} }, (req) => {
  const path = new URL(req.url).pathname;
  if (path === '/live') {
    let upgraded;
    try {
      upgraded = Deno.upgradeWebSocket(req);
    } catch (e) {
      return new Response(`${e.message}\n`, { status: 400 });
    }
    upgraded.socket.onmessage = (e) => upgraded.socket.send(e.data);
    return upgraded.response;
  }
  if (path === '/') return new Response('ok\n');
  return new Response('not found\n', { status: 404 });
});
