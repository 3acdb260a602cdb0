// POCO C++ Libraries (Debian libpoco-dev) for the harness: Poco::Net::HTTPServer with the
// WebSocket echo of POCO's WebSocketServer sample (a Poco::Net::WebSocket built from the
// request, receiveFrame/sendFrame until a close, and its 400 refusals) at /live, / a plain 200,
// other paths 404.
// Usage: poco_echo HOST PORT
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/WebSocket.h>
#include <cstdlib>
#include <unistd.h>

using namespace Poco::Net;

class Echo : public HTTPRequestHandler {
	void handleRequest(HTTPServerRequest &req, HTTPServerResponse &res) override
	{
		try {
			WebSocket ws(req, res); // answers 101, or throws
			char buf[65536];
			int flags, n;
			do {
				n = ws.receiveFrame(buf, sizeof buf, flags);
				if (n > 0 && (flags & WebSocket::FRAME_OP_BITMASK) != WebSocket::FRAME_OP_CLOSE)
					ws.sendFrame(buf, n, flags);
			} while (n > 0 && (flags & WebSocket::FRAME_OP_BITMASK) != WebSocket::FRAME_OP_CLOSE);
		} catch (WebSocketException &e) {
			// the sample's refusal: the application, not POCO, answers a handshake it threw on
			switch (e.code()) {
			case WebSocket::WS_ERR_HANDSHAKE_UNSUPPORTED_VERSION:
				res.set("Sec-WebSocket-Version", WebSocket::WEBSOCKET_VERSION);
				/* fall through */
			case WebSocket::WS_ERR_NO_HANDSHAKE:
			case WebSocket::WS_ERR_HANDSHAKE_NO_VERSION:
			case WebSocket::WS_ERR_HANDSHAKE_NO_KEY:
				res.setStatusAndReason(HTTPResponse::HTTP_BAD_REQUEST);
				res.setContentLength(0);
				res.send();
				break;
			}
		} catch (Poco::Exception &) {
		}
	}
};

class Plain : public HTTPRequestHandler {
	void handleRequest(HTTPServerRequest &req, HTTPServerResponse &res) override
	{
		if (req.getURI() == "/") {
			res.setContentType("text/plain");
			res.sendBuffer("ok\n", 3);
		} else {
			res.setStatusAndReason(HTTPResponse::HTTP_NOT_FOUND);
			res.setContentLength(0);
			res.send();
		}
	}
};

class Factory : public HTTPRequestHandlerFactory {
	HTTPRequestHandler *createRequestHandler(const HTTPServerRequest &req) override
	{
		if (req.getURI() == "/live")
			return new Echo;
		return new Plain;
	}
};

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	ServerSocket sock(SocketAddress(argv[1], (Poco::UInt16)std::atoi(argv[2])));
	HTTPServer server(new Factory, sock, new HTTPServerParams);
	server.start();
	for (;;)
		pause(); // SIGTERM from the harness ends the process
	return 0;
}
