// Jetty 9.4 (Debian jetty9) for the harness: the JSR 356 annotated echo endpoint at /live
// (found by Jetty's annotation scan in WEB-INF/classes); / is the webapp's index.html.
import java.io.IOException;
import java.nio.ByteBuffer;
import javax.websocket.OnMessage;
import javax.websocket.Session;
import javax.websocket.server.ServerEndpoint;

@ServerEndpoint("/live")
public class JettyEcho {
    @OnMessage
    public void text(Session session, String message) throws IOException {
        session.getBasicRemote().sendText(message);
    }

    @OnMessage
    public void binary(Session session, ByteBuffer message) throws IOException {
        session.getBasicRemote().sendBinary(message);
    }
}
