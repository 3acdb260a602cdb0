/* SPDX-License-Identifier: MIT */
/* replay_main.c: an engine-less main() for any fuzz target: runs LLVMFuzzerTestOneInput once per
 * file named on the command line, walking directories in sorted order. Used by `make test`, by
 * campaign.py to reproduce and minimise findings, and wherever LIB_FUZZING_ENGINE is unset.
 * Arguments that start with '-' are ignored, so a libFuzzer command line also works.
 * SY_REPLAY_VERBOSE=1 prints every file name before running it.
 * SY_REPLAY_SECONDS=S times instead: every input is loaded first, then run over and over for S
 * seconds (one pass at least, after one untimed pass); stdout gets one line
 * "time: inputs=N runs=R ns_per_input=X" (`make bench-fuzz`, linked with the engine's
 * instrumentation but not its driver).
 * SY_REPLAY_EACH=1 runs every input in a child process of its own and goes on past a failure:
 * each failing input is named on stderr as "replay: failed: PATH" and the exit status is 1 if
 * any failed (campaign.py and bugbench.py screen seed sets with it, issue 13).
 * SY_REPLAY_AFTER=PATH skips every input up to and including PATH (as walked): campaign.py's
 * coverage resumes after an input that stopped the replay. In a coverage build the profile is
 * written before an abort or a sanitizer's exit, so the inputs run before it still count. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "oracles.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);
__attribute__((weak)) void __sanitizer_set_death_callback(void (*cb)(void));
__attribute__((weak)) int __llvm_profile_write_file(void);

static char current[4096];
static unsigned long n_run;
static int verbose;
static int each;                 /* SY_REPLAY_EACH */
static unsigned long n_failed;   /* inputs whose child failed (SY_REPLAY_EACH) */
static const char *resume_after; /* SY_REPLAY_AFTER */
static double time_seconds;      /* > 0: SY_REPLAY_SECONDS, inputs are kept for timing */
static struct input {
  uint8_t *data;
  size_t len;
} * kept;
static size_t n_kept, cap_kept;

static void say_current(void)
{
  static const char pre[] = "replay: failing input: ";
  if (current[0] == '\0')
    return;
  (void)!write(2, pre, sizeof pre - 1);
  (void)!write(2, current, strlen(current));
  (void)!write(2, "\n", 1);
}

static void on_death(void)
{
  say_current();
  if (__llvm_profile_write_file)
    __llvm_profile_write_file(); /* coverage builds: keep what ran before this input */
}

static void on_abort(int sig)
{
  on_death(); /* an oracle's abort(): name the file, then die as before */
  signal(sig, SIG_DFL);
  raise(sig);
}

/* An exact-size copy, so a read past the end is an ASan report here as under libFuzzer. */
static void run_one(uint8_t *buf, size_t len)
{
  uint8_t *exact = malloc(len ? len : 1);
  memcpy(exact, buf, len);
  free(buf);
  LLVMFuzzerTestOneInput(exact, len);
  free(exact);
}

/* SY_REPLAY_EACH: the input runs in a child; a failure is named and the walk goes on. */
static int run_in_child(const char *path, uint8_t *buf, size_t len)
{
  int status = 0;
  pid_t pid;
  fflush(NULL);
  pid = fork();
  if (pid < 0) {
    fprintf(stderr, "replay: fork: %s\n", strerror(errno));
    free(buf);
    return -1;
  }
  if (pid == 0) {
    run_one(buf, len);
    _exit(0);
  }
  free(buf);
  current[0] = '\0';
  n_run++;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  n_failed++;
  fprintf(stderr, "replay: failed: %s\n", path);
  return -1;
}

static int run_file(const char *path)
{
  FILE *f;
  if (resume_after) {
    if (strcmp(path, resume_after) == 0)
      resume_after = NULL; /* the inputs after this one run */
    return 0;
  }
  f = fopen(path, "rb");
  uint8_t *buf = NULL;
  size_t len = 0, cap = 0;
  if (f == NULL) {
    fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    return -1;
  }
  for (;;) {
    if (len == cap) {
      cap = cap ? cap * 2 : 65536;
      buf = realloc(buf, cap);
      if (buf == NULL) {
        fclose(f);
        return -1;
      }
    }
    size_t n = fread(buf + len, 1, cap - len, f);
    len += n;
    if (n == 0)
      break;
  }
  fclose(f);
  if (time_seconds > 0) {
    if (n_kept == cap_kept) {
      cap_kept = cap_kept ? cap_kept * 2 : 1024;
      kept = realloc(kept, cap_kept * sizeof *kept);
      if (kept == NULL)
        return -1;
    }
    kept[n_kept].data = realloc(buf, len ? len : 1);
    kept[n_kept++].len = len;
    return 0;
  }
  snprintf(current, sizeof current, "%s", path);
  if (verbose)
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
  if (each)
    return run_in_child(path, buf, len);
  run_one(buf, len);
  current[0] = '\0';
  n_run++;
  return 0;
}

static int skip_in_walk(const char *name)
{
  size_t n = strlen(name);
  if (name[0] == '.')
    return 1;
  /* manifests and notes that live beside corpus files */
  return (n > 5 && strcmp(name + n - 5, ".toml") == 0) || (n > 3 && strcmp(name + n - 3, ".md") == 0);
}

static int cmp_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_path(const char *path, int top)
{
  struct stat st;
  if (stat(path, &st) != 0) {
    if (top)
      fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
    return top ? -1 : 0;
  }
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    if (d == NULL)
      return -1;
    while ((e = readdir(d)) != NULL) {
      if (skip_in_walk(e->d_name))
        continue;
      if (n == cap) {
        cap = cap ? cap * 2 : 64;
        names = realloc(names, cap * sizeof *names);
      }
      names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
      char sub[4096];
      snprintf(sub, sizeof sub, "%s/%s", path, names[i]);
      if (run_path(sub, 0) < 0)
        rc = -1;
      free(names[i]);
    }
    free(names);
    return rc;
  }
  if (!S_ISREG(st.st_mode))
    return 0;
  return run_file(path);
}

static double now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* SY_REPLAY_SECONDS: whole passes over the kept inputs until the time is up. */
static void time_kept(void)
{
  unsigned long runs = 0;
  double start, elapsed;
  for (size_t i = 0; i < n_kept; i++)
    LLVMFuzzerTestOneInput(kept[i].data, kept[i].len); /* untimed: caches, lazy set-up */
  start = now();
  do {
    for (size_t i = 0; i < n_kept; i++)
      LLVMFuzzerTestOneInput(kept[i].data, kept[i].len);
    runs += n_kept;
    elapsed = now() - start;
  } while (elapsed < time_seconds && n_kept > 0);
  printf("time: inputs=%zu runs=%lu ns_per_input=%.1f\n", n_kept, runs,
         runs ? elapsed * 1e9 / (double)runs : 0.0);
  for (size_t i = 0; i < n_kept; i++)
    free(kept[i].data);
  free(kept);
}

int main(int argc, char **argv)
{
  int rc = 0, given = 0;
  const char *v = getenv("SY_REPLAY_VERBOSE");
  const char *t = getenv("SY_REPLAY_SECONDS");
  const char *e = getenv("SY_REPLAY_EACH");
  verbose = v && *v && strcmp(v, "0") != 0;
  each = e && *e && strcmp(e, "0") != 0;
  time_seconds = t ? atof(t) : 0;
  resume_after = getenv("SY_REPLAY_AFTER");
  if (resume_after && !*resume_after)
    resume_after = NULL;
  signal(SIGABRT, on_abort);
  if (__sanitizer_set_death_callback)
    __sanitizer_set_death_callback(on_death);
  if (LLVMFuzzerInitialize)
    LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] == '-')
      continue;
    given++;
    if (run_path(argv[i], 1) < 0)
      rc = 1;
  }
  if (given == 0) {
    fprintf(stderr, "usage: %s FILE|DIR...  (runs LLVMFuzzerTestOneInput on each file)\n",
            argv[0]);
    return 2;
  }
  if (time_seconds > 0) {
    time_kept();
    return rc;
  }
  if (each) {
    fprintf(stderr, "replay: %s: %lu inputs, %lu failing\n", argv[0], n_run, n_failed);
    return rc;
  }
  fprintf(stderr, "replay: %s: %lu inputs, no finding\n", argv[0], n_run);
  return rc;
}
