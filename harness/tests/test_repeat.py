"""Issue 11 item 5: what a cell observes does not depend on how the scheduler treated the server.
The stand-in `slowclose` answers 400 and then keeps the CPU for 0-120 ms before it closes, as a
server kept off the CPU in a full run (17 servers on two cores) would: before the quiet periods
waited for the server to be idle, the connection's fate (closed or open) went by that delay."""
from drive import args, corpus, load, standin

from harness import catalog, matrix, servers
from conftest import case

BAD = b"GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: x\r\n\r\n"


def test_a_server_busy_before_its_close_is_seen_closing_every_time():
    srv = servers.Server(catalog.from_command(standin("slowclose")))
    try:
        srv.start()
        fates = {matrix.run_one(srv, case(BAD, reason="CONTENT_LENGTH_INVALID"), "whole")[0].fate
                 for _ in range(8)}
    finally:
        srv.stop()
    assert fates == {"closed"}


def cells(doc):
    return {(r["server"], r["case"], r["mode"]): (r["verdict"], r["rule"], r["observation"]["decision"],
                                                  r["observation"]["status"], r["observation"]["fate"],
                                                  r["observation"]["tail"])
            for r in doc["results"]}


def test_a_small_matrix_run_twice_gives_the_same_cells(tmp_path):
    c = corpus(tmp_path, {f"cl{i}": (BAD, "CONTENT_LENGTH_INVALID") for i in range(5)},
               modes=("whole", "split_after_head"))
    runs = []
    for n in ("one", "two"):
        assert run_main(tmp_path, c, n) == 0
        runs.append(cells(load(tmp_path, n)))
    assert len(runs[0]) == 20 and runs[0] == runs[1]


def run_main(tmp_path, c, out):
    from harness import run
    return run.main(args(tmp_path, c, "--server-cmd", standin("slowclose"), out=out))
