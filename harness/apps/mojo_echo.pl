# Mojolicious::Lite (Debian libmojolicious-perl) for the harness: /live is the documented
# WebSocket echo (websocket route, on message -> send), / a plain 200; other paths 404.
# Usage: perl mojo_echo.pl daemon -l http://HOST:PORT
use Mojolicious::Lite -signatures;

get '/' => sub ($c) { $c->render(text => "ok\n") };

websocket '/live' => sub ($c) {
  $c->on(message => sub ($c, $msg) { $c->send($msg) });
};

app->log->level('fatal');
app->start;
