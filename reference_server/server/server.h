/* SPDX-License-Identifier: MIT */
/* server.h: refserver, the sockets around the connection state machine (conn.c). It only moves
 * bytes, time and EOF between epoll and sy_conn; it owns no policy and makes no decision.
 *   main.c      the command line (README's refserver-help), --stdin, the TLS certificate
 *   loop.c      the listening socket, the open-file budget and the epoll loop with its timers
 *   clients.c   one connection's I/O: accept, read, send, lingering close, deadlines
 *   overload.c  which connection to shed for a new one, pausing accept, rate-limited logging
 * Internal to the program (srv_ names); not part of libsy. */
#ifndef SY_SERVER_H
#define SY_SERVER_H

#include <stdint.h>
#include <sys/socket.h>

#include "switchyard.h"

#define SPARE_CLIENTS 64 /* freed client structs kept for reuse: no heap churn per connection */

/* Connections that may be shed for a new one, by what they have sent. Each queue is in the order
 * of wait_since (a client is appended when its wait starts, and time only goes forward), so its
 * head is its oldest. */
enum { Q_SILENT,
       Q_IDLE,
       Q_BUSY,
       N_QUEUES,
       Q_NONE = -1 };
enum { LOG_SHED,
       LOG_REFUSE,
       LOG_NOFD,
       N_LOGS }; /* overload events, each rate-limited */

struct client {
  int fd;
  int lingering;
  int peer_eof;       /* the peer's FIN was read: nothing left to drain at close */
  uint32_t ep_events; /* what epoll is watching now (0: not registered) */
  uint64_t linger_until;
  int queue;                      /* Q_*: which shedding queue it is on */
  struct client *q_prev, *q_next; /* neighbours on that queue */
  uint64_t wait_since;            /* its wait began: accept, its last request, a request's start */
  uint64_t seen_requests;         /* conn.n_requests when it was queued */
  char peer[64];
  struct sy_conn conn;
};

struct ratelog {
  uint64_t last;         /* when the last line of this kind was written */
  unsigned long skipped; /* lines not written since */
  int written;
};

struct server {
  struct sy_policy pol;
  struct sy_conn_opts opts;
  struct sy_tls_ctx *tls; /* TLS switches' certificate (load_tls), or NULL */
  int max_conns, verbose;
  int lfd, epfd;
  struct client **clients; /* indexed by fd */
  int nclients, cap;
  struct client *spare[SPARE_CLIENTS];
  int nspare;
  int maxfd;          /* highest client fd in use, for the timer scan */
  uint64_t next_scan; /* no connection has a deadline before this: skip the scan until then */
  struct {
    struct client *head, *tail;
  } queues[N_QUEUES];
  uint64_t accept_paused_until; /* 0, or the listening socket is not polled until then */
  struct ratelog logs[N_LOGS];
};
/* ---- clients.c ---- */
/* Deadlines only matter when one is due: the loop scans the connections at next_scan, and every
 * event that can bring a deadline closer pulls next_scan in (no per-event O(connections)). */
void srv_arm(struct server *s, uint64_t t);
uint64_t srv_client_deadline(const struct client *cl);
void srv_arm_client(struct server *s, const struct client *cl);
/* sy_conn_decision_cb for --verbose: one line per decision to stderr (arg: the client or NULL). */
void srv_log_decision(void *arg, const struct sy_request *req, const struct sy_decision *d);
/* Closes and frees a client. */
void srv_drop(struct server *s, struct client *cl);
/* Sends what is queued; starts the lingering close when the machine says so. */
void srv_flush(struct server *s, struct client *cl, uint64_t now);
/* "host:port" of an address into out; an IPv6 host in brackets when bracket_v6 ("[::1]:8080",
 * what --listen takes), else bare (the peer names in log lines). */
void srv_format_addr(const struct sockaddr_storage *ss, int bracket_v6, char *out, size_t cap);
void srv_accept_all(struct server *s, uint64_t now);
void srv_on_readable(struct server *s, struct client *cl, uint64_t now);

/* ---- overload.c ---- */
/* One line to stderr for an overload event: every event with --verbose, else at most one line
 * of each kind per SY_OVERLOAD_LOG_MS; the events not shown are counted on the next line, or on
 * a line of their own once that interval has passed (srv_overload_flush). */
__attribute__((format(printf, 4, 5))) void srv_overload_log(struct server *s, int kind,
                                                            uint64_t now, const char *fmt, ...);
void srv_overload_flush(struct server *s, uint64_t now, int at_exit);
/* When srv_overload_flush has a line due, or UINT64_MAX. */
uint64_t srv_overload_flush_due(const struct server *s);
void srv_q_unlink(struct server *s, struct client *cl);
/* Puts a client on the queue its state calls for; it goes to the tail (its wait starts now) when
 * it changes queue or completed a request, so a client making progress is never the oldest. */
void srv_track(struct server *s, struct client *cl, uint64_t now);
/* The connection to shed for a new one, or NULL: the head of the first queue whose head has
 * waited SY_SHED_GRACE_MS (a younger one may be a client whose request is on its way). */
struct client *srv_pick_victim(struct server *s, uint64_t now);
void srv_shed(struct server *s, struct client *v, uint64_t now, const char *newcomer,
              const char *why);
void srv_pause_accept(struct server *s, uint64_t now, int err);
void srv_resume_accept(struct server *s);

/* ---- loop.c ---- */
/* Listens on listen_spec and serves until SIGTERM or SIGINT. Returns the exit status: 0, 1 when
 * the socket cannot be set up, 2 for a malformed --listen. */
int srv_run(struct server *s, const char *listen_spec);

#endif
