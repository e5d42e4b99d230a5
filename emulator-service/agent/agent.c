/*
 * edgevm guest agent: /init (PID 1) of every edgevm guest.
 *
 * It mounts the basic file systems, loads the kernel modules listed in /etc/edgevm/modules, opens
 * the virtio-serial port named "edgevm.0" and then serves the framed protocol described in
 * docs/PROTOCOL.md: INIT, FILE, EXEC (with STDIN/SIGNAL), PING.
 *
 * `agent --stdio` is the host test mode: frames are read from fd 0 and written to fd 1, and the
 * PID 1 set-up (mounts, modules, port discovery) is skipped.
 *
 * Build: musl-gcc -static -Os -Wall -Wextra -o agent agent.c   (or plain gcc for host tests)
 *
 * Layout: one translation unit on purpose (the image builder compiles exactly this file, and the
 * image hash covers every *.h next to it). The headers below hold `static` definitions, one
 * responsibility each, and are included in dependency order:
 *   agent-common.h   protocol constants, global state, small helpers, forward declarations
 *   agent-init.h     fatal() and the PID 1 set-up (mounts, modules, port discovery)
 *   agent-io.h       port I/O: framed writes and reads, payload reader
 *   agent-session.h  exec sessions: fork/exec, pipes, stdin buffering, reaping, EXIT
 *   agent-ops.h      INIT (clock, RNG seeding) and FILE
 * This file holds the frame dispatch, the event loop and main().
 *
 * Design: one thread, one poll() loop over the port, a signalfd for SIGCHLD and the pipes of every
 * exec session. Writes to the port are blocking; writes to a child's stdin never block (the data
 * is buffered until the pipe is writable).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent-common.h"
#include "agent-init.h"
#include "agent-io.h"
#include "agent-session.h"
#include "agent-ops.h"

/* ------------------------------------------------------------------------------------------------
 * Frame dispatch
 * --------------------------------------------------------------------------------------------- */

static void handle_frame(uint8_t type, uint32_t id, const unsigned char *p, size_t len) {
  switch (type) {
  case T_INIT: handle_init(p, len); break;
  case T_FILE: handle_file(id, p, len); break;
  case T_EXEC: handle_exec(id, p, len); break;
  case T_STDIN: handle_stdin(id, p, len); break;
  case T_SIGNAL: handle_signal(id, p, len); break;
  case T_PING: port_send(R_PONG, 0, p, len); break;
  default: fatal("corrupt stream: unknown frame type 0x%02x", type);
  }
}

/* ------------------------------------------------------------------------------------------------
 * Event loop
 * --------------------------------------------------------------------------------------------- */

enum { W_PORT, W_SIGNAL, W_STDIN, W_STDOUT, W_STDERR };
struct watch {
  struct session *s;
  int what;
};

/* Closes the pipes of sessions reaped more than EXIT_GRACE_MS ago; returns the poll timeout. */
static int run_timers(void) {
  int64_t now = now_ms();
  int64_t next = -1;
  for (size_t i = 0; i < g_nsessions; i++) {
    struct session *s = g_sessions[i];
    if (s->done || !s->reaped) continue;
    int64_t due = s->reaped_at_ms + EXIT_GRACE_MS;
    if (due <= now) {
      close_fd(&s->out_fd);
      close_fd(&s->err_fd);
      maybe_send_exit(s);
    } else if (next < 0 || due < next) {
      next = due;
    }
  }
  if (g_port_down) {
    if (g_port_retry_at <= now) g_port_down = 0;
    else if (next < 0 || g_port_retry_at < next) next = g_port_retry_at;
  }
  sweep_sessions();
  return next < 0 ? -1 : (int)(next - now);
}

static void event_loop(void) {
  struct pollfd *fds = NULL;
  struct watch *watches = NULL;
  size_t cap = 0;
  for (;;) {
    int timeout = run_timers();
    size_t need = 2 + 3 * g_nsessions, n = 0;
    if (need > cap) {
      cap = need * 2;
      fds = realloc(fds, cap * sizeof *fds);
      watches = realloc(watches, cap * sizeof *watches);
      if (!fds || !watches) fatal("out of memory");
    }
#define WATCH(fd_, events_, s_, what_)                                                             \
  do {                                                                                             \
    fds[n] = (struct pollfd){(fd_), (events_), 0};                                                 \
    watches[n++] = (struct watch){(s_), (what_)};                                                  \
  } while (0)
    WATCH(g_sig_fd, POLLIN, NULL, W_SIGNAL);
    if (!g_port_down) WATCH(g_port_in, POLLIN, NULL, W_PORT);
    for (size_t i = 0; i < g_nsessions; i++) {
      struct session *s = g_sessions[i];
      if (s->out_fd >= 0) WATCH(s->out_fd, POLLIN, s, W_STDOUT);
      if (s->err_fd >= 0) WATCH(s->err_fd, POLLIN, s, W_STDERR);
      if (s->in_fd >= 0 && s->in_off < s->in_len) WATCH(s->in_fd, POLLOUT, s, W_STDIN);
    }
#undef WATCH
    if (poll(fds, (nfds_t)n, timeout) < 0) {
      if (errno == EINTR) continue;
      fatal("poll: %s", strerror(errno));
    }
    /* Sessions are only freed by sweep_sessions(), so the pointers stay valid in this pass;
     * each fd is re-checked because handling an earlier event may have closed it. */
    for (size_t i = 0; i < n; i++) {
      if (!fds[i].revents) continue;
      struct session *s = watches[i].s;
      switch (watches[i].what) {
      case W_SIGNAL: reap_children(); break;
      case W_PORT: port_readable(); break;
      case W_STDOUT:
        if (s->out_fd == fds[i].fd) pump_output(s, &s->out_fd, R_STDOUT);
        break;
      case W_STDERR:
        if (s->err_fd == fds[i].fd) pump_output(s, &s->err_fd, R_STDERR);
        break;
      case W_STDIN:
        if (s->in_fd == fds[i].fd) flush_stdin(s);
        break;
      }
    }
  }
}

int main(int argc, char **argv) {
  g_pid1 = !(argc > 1 && strcmp(argv[1], "--stdio") == 0);
  if (!g_pid1 && argc > 2) {
    fprintf(stderr, "usage: agent [--stdio]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);

  if (g_pid1) {
    pid1_setup();
  } else {
    g_port_in = 0;
    g_port_out = 1;
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* reap orphans like PID 1 does */
  }
  g_sig_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (g_sig_fd < 0) fatal("signalfd: %s", strerror(errno));

  port_send(R_READY, 0, AGENT_VERSION, strlen(AGENT_VERSION));
  event_loop();
  return 0;
}
