/* SPDX-License-Identifier: MIT */
/* overload.c: refserver under overload. At --max-conns, or when accept4 runs out of descriptors
 * (EMFILE, ENFILE) or memory, a new connection displaces one that has waited SY_SHED_GRACE_MS or
 * more without progress: the oldest that sent nothing, else the oldest idle between requests,
 * else the oldest with a request unfinished (WebSockets and closing connections are never shed).
 * With none of those, a connection over --max-conns is closed at once, and out of descriptors
 * the listening socket is not polled for SY_ACCEPT_BACKOFF_MS or until a connection closes
 * (level-triggered epoll would otherwise report it readable for ever: a busy loop). Each event
 * is logged to stderr, rate-limited. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "server.h"

static const char *const log_kind[N_LOGS] = {"connections shed", "connections refused",
                                             "accept failures"};

void srv_overload_log(struct server *s, int kind, uint64_t now, const char *fmt, ...)
{
  struct ratelog *r = &s->logs[kind];
  char line[512];
  int n;
  va_list ap;
  if (!s->verbose && r->written && now - r->last < SY_OVERLOAD_LOG_MS) {
    r->skipped++;
    return;
  }
  n = snprintf(line, sizeof line, "refserver: ");
  va_start(ap, fmt);
  n += vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  va_end(ap);
  if (r->skipped && (size_t)n < sizeof line)
    snprintf(line + n, sizeof line - (size_t)n, " (and %lu more since the last such line)",
             r->skipped);
  fprintf(stderr, "%s\n", line);
  r->written = 1;
  r->last = now;
  r->skipped = 0;
}

void srv_overload_flush(struct server *s, uint64_t now, int at_exit)
{
  for (int k = 0; k < N_LOGS; k++) {
    struct ratelog *r = &s->logs[k];
    if (r->skipped && (at_exit || now - r->last >= SY_OVERLOAD_LOG_MS)) {
      fprintf(stderr, "refserver: %lu more %s in the %llu ms after the last such line\n",
              r->skipped, log_kind[k], (unsigned long long)(now - r->last));
      r->last = now;
      r->skipped = 0;
    }
  }
}

uint64_t srv_overload_flush_due(const struct server *s)
{
  uint64_t t = UINT64_MAX;
  for (int k = 0; k < N_LOGS; k++)
    if (s->logs[k].skipped && s->logs[k].last + SY_OVERLOAD_LOG_MS < t)
      t = s->logs[k].last + SY_OVERLOAD_LOG_MS;
  return t;
}

static int queue_of(const struct client *cl)
{
  size_t out_len;
  if (cl->lingering || cl->conn.state != SY_CONN_HTTP)
    return Q_NONE; /* closing, or a WebSocket: never shed */
  (void)sy_conn_output(&cl->conn, &out_len);
  if (cl->conn.in_len || out_len)
    return Q_BUSY; /* a request unfinished, or a response not yet taken by the peer */
  return cl->conn.n_requests ? Q_IDLE : Q_SILENT;
}

void srv_q_unlink(struct server *s, struct client *cl)
{
  if (cl->queue == Q_NONE)
    return;
  if (cl->q_prev)
    cl->q_prev->q_next = cl->q_next;
  else
    s->queues[cl->queue].head = cl->q_next;
  if (cl->q_next)
    cl->q_next->q_prev = cl->q_prev;
  else
    s->queues[cl->queue].tail = cl->q_prev;
  cl->queue = Q_NONE;
}

void srv_track(struct server *s, struct client *cl, uint64_t now)
{
  int q = queue_of(cl);
  if (q == cl->queue && cl->conn.n_requests == cl->seen_requests)
    return;
  srv_q_unlink(s, cl);
  cl->seen_requests = cl->conn.n_requests;
  if (q == Q_NONE)
    return;
  cl->queue = q;
  cl->wait_since = now;
  cl->q_next = NULL;
  cl->q_prev = s->queues[q].tail;
  if (cl->q_prev)
    cl->q_prev->q_next = cl;
  else
    s->queues[q].head = cl;
  s->queues[q].tail = cl;
}

struct client *srv_pick_victim(struct server *s, uint64_t now)
{
  for (int q = 0; q < N_QUEUES; q++) {
    struct client *cl = s->queues[q].head;
    if (cl && now - cl->wait_since >= SY_SHED_GRACE_MS)
      return cl;
  }
  return NULL;
}

void srv_shed(struct server *s, struct client *v, uint64_t now, const char *newcomer,
              const char *why)
{
  const char *what = v->queue == Q_SILENT ? "sent nothing"
                     : v->queue == Q_IDLE ? "idle after a request"
                     : v->conn.in_len     ? "a request unfinished"
                                          : "a response unread";
  srv_overload_log(s, LOG_SHED, now, "shed %s (%s, waiting %llu ms) for %s: %s", v->peer, what,
                   (unsigned long long)(now - v->wait_since), newcomer, why);
  srv_drop(s, v);
}

void srv_pause_accept(struct server *s, uint64_t now, int err)
{
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.data.fd = s->lfd;
  if (!s->accept_paused_until)
    epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->lfd, &ev); /* no events: not polled */
  s->accept_paused_until = now + SY_ACCEPT_BACKOFF_MS;
  srv_overload_log(s, LOG_NOFD, now,
                   "accept: %s with %d connections and none to shed: not accepting for %d ms or "
                   "until a connection closes",
                   strerror(err), s->nclients, SY_ACCEPT_BACKOFF_MS);
}

void srv_resume_accept(struct server *s)
{
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = EPOLLIN;
  ev.data.fd = s->lfd;
  epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->lfd, &ev);
  s->accept_paused_until = 0;
}
