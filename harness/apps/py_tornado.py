"""Tornado server for the harness: /live is a WebSocketHandler echo, / a plain 200, else 404."""
import asyncio
import sys

import tornado.web
import tornado.websocket


class Live(tornado.websocket.WebSocketHandler):
    def on_message(self, message):
        self.write_message(message, binary=isinstance(message, bytes))


class Plain(tornado.web.RequestHandler):
    def get(self):
        self.write("ok\n")


async def main(host, port):
    app = tornado.web.Application([(r"/live", Live), (r"/", Plain)])
    app.listen(port, address=host)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
