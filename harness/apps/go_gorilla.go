// Go net/http + gorilla/websocket (Debian golang-github-gorilla-websocket-dev) for the harness:
// /live is the package's echo example (Upgrader.Upgrade, ReadMessage/WriteMessage), / a plain 200.
package main

import (
	"net/http"
	"os"

	"github.com/gorilla/websocket"
)

var upgrader = websocket.Upgrader{}

func live(w http.ResponseWriter, r *http.Request) {
	c, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered with an HTTP error
	}
	defer c.Close()
	for {
		mt, message, err := c.ReadMessage()
		if err != nil {
			return
		}
		if err := c.WriteMessage(mt, message); err != nil {
			return
		}
	}
}

func plain(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("ok\n"))
}

func main() {
	http.HandleFunc("/live", live)
	http.HandleFunc("/", plain)
	if err := http.ListenAndServe(os.Args[1]+":"+os.Args[2], nil); err != nil {
		panic(err)
	}
}
