// Qt WebSockets 5.15 (Debian libqt5websockets5-dev) for the harness: the module's echoserver
// example (QWebSocketServer, each text or binary message sent back), on every path; Qt parses the
// handshake itself and serves no plain HTTP. Usage: qt_echo HOST PORT
#include <QtCore/QCoreApplication>
#include <QtNetwork/QHostAddress>
#include <QtWebSockets/QWebSocket>
#include <QtWebSockets/QWebSocketServer>
#include <cstdio>

int main(int argc, char **argv)
{
	QCoreApplication app(argc, argv);
	if (argc != 3)
		return 2;
	QWebSocketServer server(QStringLiteral("echo"), QWebSocketServer::NonSecureMode);
	if (!server.listen(QHostAddress(QString::fromLatin1(argv[1])), (quint16)atoi(argv[2]))) {
		std::fprintf(stderr, "qt: cannot listen on %s:%s\n", argv[1], argv[2]);
		return 1;
	}
	QObject::connect(&server, &QWebSocketServer::newConnection, [&server]() {
		QWebSocket *ws = server.nextPendingConnection();
		QObject::connect(ws, &QWebSocket::textMessageReceived, ws,
				 [ws](const QString &m) { ws->sendTextMessage(m); });
		QObject::connect(ws, &QWebSocket::binaryMessageReceived, ws,
				 [ws](const QByteArray &m) { ws->sendBinaryMessage(m); });
		QObject::connect(ws, &QWebSocket::disconnected, ws, &QWebSocket::deleteLater);
	});
	return app.exec();
}
