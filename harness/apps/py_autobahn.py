"""Autobahn (twisted) server for the harness: WebSocketResource at /live, a static 200 at /."""
import sys

from autobahn.twisted.resource import WebSocketResource
from autobahn.twisted.websocket import WebSocketServerFactory, WebSocketServerProtocol
from twisted.internet import reactor
from twisted.web.resource import Resource
from twisted.web.server import Site
from twisted.web.static import Data


class Echo(WebSocketServerProtocol):
    def onMessage(self, payload, isBinary):
        self.sendMessage(payload, isBinary)


if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    factory = WebSocketServerFactory(f"ws://{host}:{port}")
    factory.protocol = Echo
    root = Resource()
    root.putChild(b"", Data(b"ok\n", "text/plain"))
    root.putChild(b"live", WebSocketResource(factory))
    reactor.listenTCP(port, Site(root), interface=host)
    reactor.run()
