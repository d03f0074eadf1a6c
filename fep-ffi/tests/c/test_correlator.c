/*
 * The correlator: firm-banking transfer requests filed with a token, their
 * responses giving the token back; refusals (duplicate key, full, unmatched,
 * no key) with their codes and texts; expired and drained tokens handed out
 * through a small array with none lost; eight threads inserting and completing
 * on one correlator.
 *
 * Usage: test_correlator LAYOUTS_DIR [ITERATIONS]
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "test_util.h"

#define THREADS 8

static const char *g_layouts;
static uint8_t *g_request, *g_response;
static size_t g_request_len, g_response_len;

/* A sample without its 4-byte length prefix; its length into *len. */
static uint8_t *unframed(const char *rel, size_t *len) {
  char path[4096];
  size_t n = 0;
  unsigned char *wire;
  uint8_t *t;
  snprintf(path, sizeof path, "%s/%s", g_layouts, rel);
  wire = read_file(path, &n);
  CHECK(wire != NULL && n > 4);
  if (wire == NULL || n <= 4) {
    free(wire);
    *len = 0;
    return NULL;
  }
  t = malloc(n - 4);
  memcpy(t, wire + 4, n - 4);
  free(wire);
  *len = n - 4;
  return t;
}

/* Copies a telegram into buf with its telegram number (header.seq_no, bytes
 * 32..38) set to n: a key of its own. */
static const uint8_t *numbered(uint8_t *buf, const uint8_t *t, size_t len,
                               unsigned n) {
  char digits[7];
  memcpy(buf, t, len);
  snprintf(digits, sizeof digits, "%06u", n % 1000000u);
  memcpy(buf + 32, digits, 6);
  return buf;
}

static void sleep_ms(long ms) {
  struct timespec ts;
  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&ts, NULL);
}

static const fep_schema *load_firmbanking(void) {
  char path[4096];
  const fep_schema *schema = NULL;
  fep_error *err = NULL;
  snprintf(path, sizeof path, "%s/firmbanking.layout", g_layouts);
  CHECK_RESULT(fep_schema_load(path, FEP_NUL_TERMINATED, &schema, &err),
               FEP_RESULT_OK, err);
  clear_error(&err);
  return schema;
}

static void test_match(const fep_schema *schema) {
  fep_correlator *c = NULL;
  fep_error *err = NULL;
  uint64_t token = 0, us = UINT64_MAX;

  CHECK_RESULT(fep_correlator_new(schema, 100, 30000, &c, &err), FEP_RESULT_OK,
               err);
  CHECK(fep_correlator_len(c) == 0);
  CHECK_RESULT(fep_correlator_insert(c, g_request, g_request_len, 42, 0, &err),
               FEP_RESULT_OK, err);
  CHECK(err == NULL);
  CHECK(fep_correlator_len(c) == 1);
  CHECK_RESULT(fep_correlator_complete(c, g_response, g_response_len, &token,
                                       &us, &err),
               FEP_RESULT_OK, err);
  CHECK(token == 42);
  CHECK(us < 10000000u);
  CHECK(fep_correlator_len(c) == 0);

  /* The elapsed time is optional; a token is any 64-bit value. */
  CHECK_RESULT(fep_correlator_insert(c, g_request, g_request_len, UINT64_MAX,
                                     500, &err),
               FEP_RESULT_OK, err);
  CHECK_RESULT(fep_correlator_complete(c, g_response, g_response_len, &token,
                                       NULL, &err),
               FEP_RESULT_OK, err);
  CHECK(token == UINT64_MAX);
  fep_correlator_free(c);
}

static void test_refusals(const fep_schema *schema) {
  fep_correlator *c = NULL;
  fep_error *err = NULL;
  uint8_t buf[1024];
  uint64_t token = 7, us = 7;
  const fep_schema *nokey = NULL;
  fep_correlator *k = NULL;

  CHECK(g_request_len <= sizeof buf && g_response_len <= sizeof buf);
  CHECK_RESULT(fep_correlator_new(schema, 2, 30000, &c, &err), FEP_RESULT_OK,
               err);
  CHECK_RESULT(fep_correlator_insert(c, g_request, g_request_len, 1, 0, &err),
               FEP_RESULT_OK, err);

  /* The same key again: refused, the first stays. */
  CHECK_RESULT(fep_correlator_insert(c, g_request, g_request_len, 2, 0, &err),
               FEP_RESULT_DUPLICATE_KEY, err);
  CHECK(fep_error_code(err) == FEP_RESULT_DUPLICATE_KEY);
  CHECK(fep_error_category(err) == FEP_CATEGORY_DATA);
  CHECK(strstr(fep_error_message(err), "20240315|004|TESTCO0001|000123") !=
        NULL);
  clear_error(&err);

  /* Full at two. */
  CHECK_RESULT(fep_correlator_insert(
                   c, numbered(buf, g_request, g_request_len, 7),
                   g_request_len, 3, 0, &err),
               FEP_RESULT_OK, err);
  CHECK_RESULT(fep_correlator_insert(
                   c, numbered(buf, g_request, g_request_len, 8),
                   g_request_len, 4, 0, &err),
               FEP_RESULT_CORRELATOR_FULL, err);
  CHECK(strstr(fep_error_message(err), "full") != NULL);
  CHECK_STR(fep_result_name(fep_error_code(err)), "FEP_RESULT_CORRELATOR_FULL");
  clear_error(&err);
  CHECK(fep_correlator_len(c) == 2);

  /* A response nobody waits for: the error names its key and the nearest
   * pending request; the outputs stay as they were. */
  CHECK_RESULT(fep_correlator_complete(
                   c, numbered(buf, g_response, g_response_len, 9),
                   g_response_len, &token, &us, &err),
               FEP_RESULT_UNMATCHED, err);
  CHECK(token == 7 && us == 7);
  CHECK(strstr(fep_error_message(err), "20240315|004|TESTCO0001|000009") !=
        NULL);
  CHECK(strstr(fep_error_message(err), "header.seq_no") != NULL);
  clear_error(&err);
  CHECK(fep_correlator_len(c) == 2);

  /* Telegrams of no message, and a layout without a key. */
  CHECK_RESULT(fep_correlator_insert(c, (const uint8_t *)"zz", 2, 5, 0, &err),
               FEP_RESULT_DATA, err);
  clear_error(&err);
  CHECK_RESULT(fep_schema_parse("encoding ascii\nmessage m 3 {\n a X(3)\n}\n",
                                FEP_NUL_TERMINATED, &nokey, NULL),
               FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_correlator_new(nokey, 10, 1000, &k, &err), FEP_RESULT_OK,
               err);
  CHECK_RESULT(fep_correlator_insert(k, (const uint8_t *)"abc", 3, 1, 0, &err),
               FEP_RESULT_NO_KEY, err);
  clear_error(&err);
  fep_correlator_free(k);
  fep_schema_free(nokey);

  /* Arguments: NULLs, a zero capacity or timeout; outputs untouched. */
  k = (fep_correlator *)&token;
  CHECK_RESULT(fep_correlator_new(schema, 0, 1000, &k, &err),
               FEP_RESULT_INVALID_PARAMETER, err);
  clear_error(&err);
  CHECK_RESULT(fep_correlator_new(schema, 10, 0, &k, &err),
               FEP_RESULT_INVALID_PARAMETER, err);
  clear_error(&err);
  CHECK_RESULT(fep_correlator_new(NULL, 10, 1000, &k, &err),
               FEP_RESULT_NULL_PARAMETER, err);
  clear_error(&err);
  CHECK(k == (fep_correlator *)&token);
  CHECK_RESULT(fep_correlator_new(schema, 10, 1000, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_correlator_insert(NULL, g_request, g_request_len, 1, 0,
                                     &err),
               FEP_RESULT_NULL_PARAMETER, err);
  CHECK(strstr(fep_error_message(err), "correlator") != NULL);
  clear_error(&err);
  CHECK_RESULT(fep_correlator_insert(c, NULL, 3, 1, 0, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_correlator_complete(c, g_response, g_response_len, NULL,
                                       NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_correlator_complete(NULL, g_response, g_response_len,
                                       &token, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK(fep_correlator_len(NULL) == 0);
  fep_correlator_free(NULL);

  /* The pending ones are still there. */
  CHECK_RESULT(fep_correlator_complete(c, g_response, g_response_len, &token,
                                       NULL, &err),
               FEP_RESULT_OK, err);
  CHECK(token == 1);
  fep_correlator_free(c); /* one request still pending: freed with it */
}

static void test_cancel(const fep_schema *schema) {
  fep_correlator *c = NULL;
  fep_error *err = NULL;
  uint64_t token = 0;
  bool found = false;

  CHECK_RESULT(fep_correlator_new(schema, 10, 30000, &c, &err), FEP_RESULT_OK,
               err);
  CHECK_RESULT(fep_correlator_insert(c, g_request, g_request_len, 11, 0, &err),
               FEP_RESULT_OK, err);
  CHECK_RESULT(fep_correlator_cancel(c, g_request, g_request_len, &token,
                                     &found, &err),
               FEP_RESULT_OK, err);
  CHECK(found && token == 11);
  CHECK(fep_correlator_len(c) == 0);
  token = 99;
  CHECK_RESULT(fep_correlator_cancel(c, g_request, g_request_len, &token,
                                     &found, &err),
               FEP_RESULT_OK, err);
  CHECK(!found && token == 99);
  CHECK_RESULT(fep_correlator_complete(c, g_response, g_response_len, &token,
                                       NULL, &err),
               FEP_RESULT_UNMATCHED, err);
  clear_error(&err);
  CHECK_RESULT(fep_correlator_cancel(c, g_request, g_request_len, &token, NULL,
                                     NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_correlator_cancel(NULL, g_request, g_request_len, &token,
                                     &found, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_correlator_cancel(c, (const uint8_t *)"zz", 2, &token,
                                     &found, &err),
               FEP_RESULT_DATA, err);
  clear_error(&err);
  fep_correlator_free(c);
}

/* Every token of expire (or drain) through an array of cap; the calls taken. */
static size_t take_all(fep_correlator *c, int drain, uint64_t *all,
                       size_t max, size_t cap, int *calls) {
  uint64_t small[8];
  size_t total = 0, n;
  *calls = 0;
  for (;;) {
    fep_error *err = NULL;
    fep_result r = drain ? fep_correlator_drain(c, small, cap, &n, &err)
                         : fep_correlator_expire(c, small, cap, &n, &err);
    CHECK_RESULT(r, FEP_RESULT_OK, err);
    clear_error(&err);
    if (r != FEP_RESULT_OK) {
      return total;
    }
    (*calls)++;
    CHECK(n <= cap);
    if (total + n <= max) {
      memcpy(all + total, small, n * sizeof small[0]);
    }
    total += n;
    if (n < cap) {
      return total;
    }
  }
}

static void test_expire_and_drain(const fep_schema *schema) {
  fep_correlator *c = NULL;
  fep_error *err = NULL;
  uint8_t buf[1024];
  uint64_t got[64];
  int seen[23], calls = 0;
  size_t n = 99, i, total;
  unsigned k;

  CHECK_RESULT(fep_correlator_new(schema, 100, 60000, &c, &err), FEP_RESULT_OK,
               err);
  /* 23 requests that expire in 1 ms, 5 that wait a minute. */
  for (k = 0; k < 23; k++) {
    CHECK_RESULT(fep_correlator_insert(
                     c, numbered(buf, g_request, g_request_len, k),
                     g_request_len, 1000 + k, 1, &err),
                 FEP_RESULT_OK, err);
  }
  for (k = 100; k < 105; k++) {
    CHECK_RESULT(fep_correlator_insert(
                     c, numbered(buf, g_request, g_request_len, k),
                     g_request_len, k, 0, &err),
                 FEP_RESULT_OK, err);
  }
  CHECK(fep_correlator_len(c) == 28);
  sleep_ms(20);

  /* An empty array: the expired requests are only set aside. */
  CHECK_RESULT(fep_correlator_expire(c, NULL, 0, &n, &err), FEP_RESULT_OK, err);
  CHECK(n == 0);
  CHECK(fep_correlator_len(c) == 5);
  CHECK_RESULT(fep_correlator_expire(c, NULL, 3, &n, &err),
               FEP_RESULT_NULL_PARAMETER, err);
  clear_error(&err);
  CHECK_RESULT(fep_correlator_expire(c, got, 3, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_correlator_expire(NULL, got, 3, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);

  /* Four at a time: 23 tokens in six calls, each exactly once. */
  total = take_all(c, 0, got, 64, 4, &calls);
  CHECK(total == 23);
  CHECK(calls == 6);
  memset(seen, 0, sizeof seen);
  for (i = 0; i < total && i < 64; i++) {
    CHECK(got[i] >= 1000 && got[i] < 1023);
    if (got[i] >= 1000 && got[i] < 1023) {
      seen[got[i] - 1000]++;
    }
  }
  for (k = 0; k < 23; k++) {
    CHECK(seen[k] == 1);
  }
  CHECK(fep_correlator_len(c) == 5);

  /* Drain, two at a time: the five left, then nothing. */
  total = take_all(c, 1, got, 64, 2, &calls);
  CHECK(total == 5);
  CHECK(calls == 3);
  memset(seen, 0, sizeof seen);
  for (i = 0; i < total && i < 64; i++) {
    CHECK(got[i] >= 100 && got[i] < 105);
    if (got[i] >= 100 && got[i] < 105) {
      seen[got[i] - 100]++;
    }
  }
  for (k = 0; k < 5; k++) {
    CHECK(seen[k] == 1);
  }
  CHECK(fep_correlator_len(c) == 0);
  CHECK(take_all(c, 1, got, 64, 8, &calls) == 0);
  CHECK(take_all(c, 0, got, 64, 8, &calls) == 0);
  CHECK_RESULT(fep_correlator_drain(NULL, got, 3, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  fep_correlator_free(c);
}

typedef struct {
  fep_correlator *c;
  unsigned base;
  int iterations;
  int checks;
  int failures;
} worker;

#define T_CHECK(w, cond)                                                     \
  do {                                                                       \
    (w)->checks++;                                                           \
    if (!(cond)) {                                                           \
      (w)->failures++;                                                       \
      fprintf(stderr, "%s:%d: CHECK failed in a thread: %s\n", __FILE__,     \
              __LINE__, #cond);                                              \
    }                                                                        \
  } while (0)

static void *work(void *arg) {
  worker *w = arg;
  uint8_t req[1024], res[1024];
  int i;
  for (i = 0; i < w->iterations; i++) {
    unsigned n = w->base + (unsigned)i;
    uint64_t token = 0;
    T_CHECK(w, fep_correlator_insert(
                   w->c, numbered(req, g_request, g_request_len, n),
                   g_request_len, n, 0, NULL) == FEP_RESULT_OK);
    T_CHECK(w, fep_correlator_complete(
                   w->c, numbered(res, g_response, g_response_len, n),
                   g_response_len, &token, NULL, NULL) == FEP_RESULT_OK);
    T_CHECK(w, token == n);
  }
  return NULL;
}

static void test_threads(const fep_schema *schema, int iterations) {
  fep_correlator *c = NULL;
  worker workers[THREADS];
  pthread_t threads[THREADS];
  int t;

  CHECK(g_request_len <= 1024 && g_response_len <= 1024);
  CHECK_RESULT(fep_correlator_new(schema, 10000, 60000, &c, NULL),
               FEP_RESULT_OK, NULL);
  for (t = 0; t < THREADS; t++) {
    workers[t].c = c;
    workers[t].base = (unsigned)t * 1000u;
    workers[t].iterations = iterations;
    workers[t].checks = 0;
    workers[t].failures = 0;
    CHECK(pthread_create(&threads[t], NULL, work, &workers[t]) == 0);
  }
  for (t = 0; t < THREADS; t++) {
    CHECK(pthread_join(threads[t], NULL) == 0);
    g_checks += workers[t].checks;
    g_failures += workers[t].failures;
  }
  CHECK(fep_correlator_len(c) == 0);
  printf("%d threads x %d requests on one correlator\n", THREADS, iterations);
  fep_correlator_free(c);
}

int main(int argc, char **argv) {
  const fep_schema *schema;
  int iterations;
  if (argc < 2) {
    fprintf(stderr, "usage: %s LAYOUTS_DIR [ITERATIONS]\n", argv[0]);
    return 2;
  }
  g_layouts = argv[1];
  iterations = argc > 2 ? atoi(argv[2]) : 500;
  if (iterations < 1 || iterations > 1000) {
    iterations = 500; /* the telegram numbers of a thread stay its own */
  }
  schema = load_firmbanking();
  g_request = unframed("firmbanking/transfer-request.bin", &g_request_len);
  g_response = unframed("firmbanking/transfer-response.bin", &g_response_len);
  if (schema != NULL && g_request != NULL && g_response != NULL) {
    test_match(schema);
    test_refusals(schema);
    test_cancel(schema);
    test_expire_and_drain(schema);
    test_threads(schema, iterations);
  }
  free(g_request);
  free(g_response);
  fep_schema_free(schema);
  return finish("test_correlator");
}
