"""aiohttp server for the harness: /live is a WebSocketResponse echo, / a plain 200, else 404."""
import sys

from aiohttp import WSMsgType, web


async def live(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    return ws


async def plain(request):
    return web.Response(text="ok\n")


if __name__ == "__main__":
    app = web.Application()
    app.add_routes([web.get("/live", live), web.get("/", plain)])
    web.run_app(app, host=sys.argv[1], port=int(sys.argv[2]), print=None, handle_signals=True)
