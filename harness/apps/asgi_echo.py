"""A bare ASGI 3 app for the harness, served by uvicorn: /live is a WebSocket
echo, / a plain 200 "ok", a plain request to /live 426 with Upgrade: websocket, else 404.

A WebSocket request to any other path is refused the ASGI way (websocket.close before
websocket.accept: the server answers 403). The query does not select another resource.
"""


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope.get("path", "")
    if scope["type"] == "websocket":
        msg = await receive()                       # websocket.connect
        if msg["type"] != "websocket.connect":
            return
        if path != "/live":
            await send({"type": "websocket.close"})
            return
        await send({"type": "websocket.accept"})
        while True:
            msg = await receive()
            if msg["type"] == "websocket.disconnect":
                return
            if msg.get("text") is not None:
                await send({"type": "websocket.send", "text": msg["text"]})
            else:
                await send({"type": "websocket.send", "bytes": msg.get("bytes") or b""})
    if scope["type"] != "http":
        return
    while True:                                     # read the request content
        msg = await receive()
        if msg["type"] == "http.disconnect" or not msg.get("more_body"):
            break
    if path == "/":
        status, headers, body = 200, [(b"content-type", b"text/plain")], b"ok\n"
    elif path == "/live":
        status, headers, body = 426, [(b"upgrade", b"websocket"), (b"connection", b"Upgrade")], b""
    else:
        status, headers, body = 404, [], b""
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
