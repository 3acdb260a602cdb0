"""python3-websockets server for the harness: /live is a WebSocket echo, / a plain 200, else 404."""
import asyncio
import http
import sys

import websockets


async def echo(ws, path=None):
    async for msg in ws:
        await ws.send(msg)


async def route(path, headers):
    path = path.split("?", 1)[0]     # the query does not select another resource
    if path == "/":
        return http.HTTPStatus.OK, [("Content-Type", "text/plain")], b"ok\n"
    if path != "/live":
        return http.HTTPStatus.NOT_FOUND, [], b"not found\n"
    return None   # continue with the opening handshake


async def main(host, port):
    async with websockets.serve(echo, host, port, process_request=route):
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
