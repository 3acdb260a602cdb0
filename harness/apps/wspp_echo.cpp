// WebSocket++ 0.8 (Debian libwebsocketpp-dev, standalone Asio) for the harness: the library's
// echo_server example (message handler sends each message back), on every resource, plus an
// http handler: / a plain 200, other plain requests 404. Usage: wspp_echo HOST PORT
#define ASIO_STANDALONE
#include <cstdlib>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

typedef websocketpp::server<websocketpp::config::asio> server;

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	server s;
	s.clear_access_channels(websocketpp::log::alevel::all);
	s.clear_error_channels(websocketpp::log::elevel::all);
	s.init_asio();
	s.set_reuse_addr(true);
	s.set_message_handler([&s](websocketpp::connection_hdl hdl, server::message_ptr msg) {
		websocketpp::lib::error_code ec;
		s.send(hdl, msg->get_payload(), msg->get_opcode(), ec);
	});
	s.set_http_handler([&s](websocketpp::connection_hdl hdl) {
		server::connection_ptr con = s.get_con_from_hdl(hdl);
		if (con->get_resource() == "/") {
			con->set_status(websocketpp::http::status_code::ok);
			con->set_body("ok\n");
		} else {
			con->set_status(websocketpp::http::status_code::not_found);
		}
	});
	s.listen(asio::ip::tcp::endpoint(asio::ip::address::from_string(argv[1]),
					  (unsigned short)std::atoi(argv[2])));
	s.start_accept();
	s.run();
	return 0;
}
