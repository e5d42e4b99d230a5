/*
 * edgevm guest agent: exec sessions. The session table, the child side of EXEC (fork, setsid,
 * pipes on fds 0-2, PATH lookup), the agent side (EXEC, STDIN buffering, SIGNAL, output pumping),
 * reaping via the SIGCHLD signalfd and the rule for sending EXIT (reaped and both pipes closed).
 *
 * Part of agent.c's single translation unit; include after agent-io.h.
 */
#ifndef EDGEVM_AGENT_SESSION_H
#define EDGEVM_AGENT_SESSION_H

/* ------------------------------------------------------------------------------------------------
 * Sessions
 * --------------------------------------------------------------------------------------------- */

/* Signals a session's process group; before the child's setsid() the group does not exist yet,
 * so the child itself is signalled instead. */
static void signal_session(const struct session *s, int signo) {
  if (kill(-s->pid, signo) < 0 && errno == ESRCH && !s->reaped) kill(s->pid, signo);
}

static void kill_all_sessions(void) {
  for (size_t i = 0; i < g_nsessions; i++)
    if (!g_sessions[i]->done) signal_session(g_sessions[i], SIGKILL);
}

static struct session *find_session(uint32_t id) {
  for (size_t i = 0; i < g_nsessions; i++)
    if (!g_sessions[i]->done && g_sessions[i]->id == id) return g_sessions[i];
  return NULL;
}

static struct session *find_session_by_pid(pid_t pid) {
  for (size_t i = 0; i < g_nsessions; i++)
    if (!g_sessions[i]->done && !g_sessions[i]->reaped && g_sessions[i]->pid == pid)
      return g_sessions[i];
  return NULL;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void close_stdin(struct session *s) {
  close_fd(&s->in_fd);
  free(s->in_buf);
  s->in_buf = NULL;
  s->in_len = s->in_off = 0;
}

/* Sends EXIT once the child is reaped and both output pipes are closed. */
static void maybe_send_exit(struct session *s) {
  if (s->done || !s->reaped || s->out_fd >= 0 || s->err_fd >= 0) return;
  unsigned char payload[8];
  int32_t code = -1, sig = 0;
  if (WIFEXITED(s->status)) code = WEXITSTATUS(s->status);
  else if (WIFSIGNALED(s->status)) sig = WTERMSIG(s->status);
  put_u32(payload, (uint32_t)code);
  put_u32(payload + 4, (uint32_t)sig);
  close_stdin(s);
  s->done = 1;
  port_send(R_EXIT, s->id, payload, sizeof payload);
}

static void sweep_sessions(void) {
  size_t j = 0;
  for (size_t i = 0; i < g_nsessions; i++) {
    if (g_sessions[i]->done) free(g_sessions[i]);
    else g_sessions[j++] = g_sessions[i];
  }
  g_nsessions = j;
}

static struct session *add_session(uint32_t id, pid_t pid, int in_fd, int out_fd, int err_fd) {
  if (g_nsessions == g_cap_sessions) {
    size_t cap = g_cap_sessions ? g_cap_sessions * 2 : 16;
    struct session **grown = realloc(g_sessions, cap * sizeof *grown);
    if (!grown) fatal("out of memory");
    g_sessions = grown;
    g_cap_sessions = cap;
  }
  struct session *s = calloc(1, sizeof *s);
  if (!s) fatal("out of memory");
  s->id = id;
  s->pid = pid;
  s->in_fd = in_fd;
  s->out_fd = out_fd;
  s->err_fd = err_fd;
  g_sessions[g_nsessions++] = s;
  return s;
}

/* ------------------------------------------------------------------------------------------------
 * EXEC: the child side (after fork)
 * --------------------------------------------------------------------------------------------- */

static void child_fail(const char *what, int err) {
  char msg[PATH_MAX + 128];
  int n = snprintf(msg, sizeof msg, "edgevm: %s: %s\n", what, strerror(err));
  if (n > (int)sizeof msg - 1) n = (int)sizeof msg - 1;
  ssize_t ignored = write(2, msg, (size_t)n);
  (void)ignored;
  _exit(127);
}

/* execve with argv[0] resolved through the PATH of the new environment (like execvpe). */
static void exec_in_path(char **argv, char **envp, const char *path) {
  const char *file = argv[0];
  if (file[0] == '\0') {
    errno = ENOENT;
    return;
  }
  if (strchr(file, '/')) {
    execve(file, argv, envp);
    return;
  }
  size_t flen = strlen(file);
  int seen_eacces = 0;
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    size_t dlen = (size_t)(end - p);
    char full[PATH_MAX];
    if (dlen + 1 + flen < sizeof full) {
      memcpy(full, p, dlen);
      full[dlen] = '/';
      memcpy(full + dlen + 1, file, flen + 1);
      execve(dlen ? full : file, argv, envp); /* an empty PATH entry means the cwd */
      if (errno == EACCES) seen_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR) return;
    }
    if (*end == '\0') break;
    p = end;
  }
  errno = seen_eacces ? EACCES : ENOENT;
}

__attribute__((noreturn)) static void run_child(char **argv, char **envp, const char *cwd,
                                                int pin[2], int pout[2], int perr[2]) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  setsid();
  /* Every descriptor of the agent is O_CLOEXEC; fds 0-2 are always occupied, so pipes are >= 3. */
  if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 || dup2(perr[1], 2) < 0) _exit(127);
  if (cwd[0] == '\0') {
    mkdir(DEFAULT_HOME, 0700);
    cwd = DEFAULT_HOME;
  }
  if (chdir(cwd) < 0) child_fail(cwd, errno);
  const char *path = DEFAULT_PATH;
  for (char **e = envp; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  exec_in_path(argv, envp, path);
  child_fail(argv[0], errno);
  _exit(127);
}

/* ------------------------------------------------------------------------------------------------
 * EXEC / STDIN / SIGNAL: the agent side
 * --------------------------------------------------------------------------------------------- */

static int env_has(char **env, const char *prefix) {
  size_t n = strlen(prefix);
  for (char **e = env; *e; e++)
    if (strncmp(*e, prefix, n) == 0) return 1;
  return 0;
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) fatal("out of memory");
  return d;
}

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static void handle_exec(uint32_t id, const unsigned char *p, size_t len) {
  struct reader r = {p, len, 0, 0};
  char **argv = rd_strv(&r, 0);
  char **env = rd_strv(&r, 2);
  char *cwd = rd_string(&r);
  int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
  if (r.bad || !argv || !env || !cwd) {
    send_error(id, "malformed EXEC payload");
    goto out;
  }
  if (!argv[0]) {
    send_error(id, "argv must not be empty");
    goto out;
  }
  if (find_session(id)) {
    send_error(id, "exec id %u is already in use", id);
    goto out;
  }
  size_t nenv = 0;
  while (env[nenv]) nenv++;
  if (!env_has(env, "PATH=")) env[nenv++] = xstrdup("PATH=" DEFAULT_PATH);
  if (!env_has(env, "HOME=")) env[nenv++] = xstrdup("HOME=" DEFAULT_HOME);

  if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
    send_error(id, "pipe: %s", strerror(errno));
    goto out;
  }
  pid_t pid = fork();
  if (pid < 0) {
    send_error(id, "fork: %s", strerror(errno));
    goto out;
  }
  if (pid == 0) run_child(argv, env, cwd, pin, pout, perr);
  close_fd(&pin[0]);
  close_fd(&pout[1]);
  close_fd(&perr[1]);
  set_nonblock(pin[1]);
  set_nonblock(pout[0]);
  set_nonblock(perr[0]);
  add_session(id, pid, pin[1], pout[0], perr[0]);
  pin[1] = pout[0] = perr[0] = -1; /* owned by the session now */
  unsigned char payload[4];
  put_u32(payload, (uint32_t)pid);
  port_send(R_STARTED, id, payload, sizeof payload);
out:
  for (int i = 0; i < 2; i++) {
    close_fd(&pin[i]);
    close_fd(&pout[i]);
    close_fd(&perr[i]);
  }
  free_strv(argv);
  free_strv(env);
  free(cwd);
}

/* Writes buffered stdin until the pipe is full; closes it when asked and drained. */
static void flush_stdin(struct session *s) {
  while (s->in_fd >= 0 && s->in_off < s->in_len) {
    ssize_t n = write(s->in_fd, s->in_buf + s->in_off, s->in_len - s->in_off);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      close_stdin(s); /* EPIPE: the child does not read its stdin any more */
      return;
    }
    s->in_off += (size_t)n;
  }
  if (s->in_fd >= 0) {
    free(s->in_buf);
    s->in_buf = NULL;
    s->in_len = s->in_off = 0;
    if (s->in_close_requested) close_stdin(s);
  }
}

static void handle_stdin(uint32_t id, const unsigned char *p, size_t len) {
  struct session *s = find_session(id);
  if (!s || s->in_fd < 0 || s->in_close_requested) return; /* late or after close: dropped */
  if (len == 0) {
    s->in_close_requested = 1;
    flush_stdin(s);
    return;
  }
  if (s->in_off > 0) { /* drop the bytes already written */
    memmove(s->in_buf, s->in_buf + s->in_off, s->in_len - s->in_off);
    s->in_len -= s->in_off;
    s->in_off = 0;
  }
  unsigned char *grown = realloc(s->in_buf, s->in_len + len);
  if (!grown) fatal("out of memory");
  memcpy(grown + s->in_len, p, len);
  s->in_buf = grown;
  s->in_len += len;
  flush_stdin(s);
}

static void handle_signal(uint32_t id, const unsigned char *p, size_t len) {
  struct session *s = find_session(id);
  if (!s || len < 4) return;
  int signo = (int)get_u32(p);
  if (signo <= 0 || signo >= NSIG) return;
  signal_session(s, signo);
}

/* Reads one chunk of a child's stdout/stderr; closes the pipe at EOF. */
static void pump_output(struct session *s, int *fd, uint8_t type) {
  ssize_t n = read(*fd, g_out_buf, sizeof g_out_buf);
  if (n > 0) {
    port_send(type, s->id, g_out_buf, (size_t)n);
    return;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
  close_fd(fd);
  maybe_send_exit(s);
}

static void reap_children(void) {
  struct signalfd_siginfo info;
  while (read(g_sig_fd, &info, sizeof info) == (ssize_t)sizeof info) {
  }
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    struct session *s = find_session_by_pid(pid);
    if (!s) continue; /* an orphan re-parented to us */
    s->reaped = 1;
    s->status = status;
    s->reaped_at_ms = now_ms();
    maybe_send_exit(s);
  }
}

#endif /* EDGEVM_AGENT_SESSION_H */
