/*
 * Several threads share one schema, one resolved field and one decoded
 * message, with no lock: each decodes, views, encodes, frames and reads keys
 * of the bundled firm-banking samples over and over, and must get what one
 * thread alone got first.
 *
 * Usage: test_threads LAYOUTS_DIR [ITERATIONS]
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdint.h>

#include "test_util.h"

#define THREADS 8
#define MAX_TELEGRAMS 16

static const char *const SAMPLES[] = {
    "firmbanking/transfer-request.bin",
    "firmbanking/transfer-response.bin",
    "firmbanking/balance-history.bin",
    "firmbanking/balance-inquiry-request.bin",
    "firmbanking/balance-inquiry-response.bin",
};

/* What every thread shares, read-only, and what one thread found first. */
typedef struct {
  const fep_schema *schema;
  const fep_field *seq_no;
  const fep_message *shared_message;
  unsigned char *wire;
  size_t wire_len;
  size_t count;
  uint8_t *telegrams[MAX_TELEGRAMS];
  size_t lens[MAX_TELEGRAMS];
  char *json[MAX_TELEGRAMS];
  char *key[MAX_TELEGRAMS];
  int64_t seq[MAX_TELEGRAMS];
  int iterations;
} shared_state;

typedef struct {
  const shared_state *shared;
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
  const shared_state *s = w->shared;
  int it;
  size_t i;
  for (it = 0; it < s->iterations; it++) {
    fep_framer *framer = NULL;
    const uint8_t *t = NULL;
    size_t n = 0, taken = 0;
    T_CHECK(w, fep_framer_new(s->schema, &framer, NULL) == FEP_RESULT_OK);
    T_CHECK(w, fep_framer_feed(framer, s->wire, s->wire_len, NULL) ==
                   FEP_RESULT_OK);
    while (fep_framer_next(framer, &t, &n, NULL, NULL) == FEP_RESULT_OK) {
      T_CHECK(w, taken < s->count && n == s->lens[taken] &&
                     memcmp(t, s->telegrams[taken], n) == 0);
      taken++;
    }
    T_CHECK(w, taken == s->count);
    fep_framer_free(framer);

    for (i = 0; i < s->count; i++) {
      const fep_message *msg = NULL, *view = NULL;
      fep_buffer *json = NULL, *telegram = NULL;
      int64_t seq = -1;
      char key[128];
      size_t key_len = 0;
      T_CHECK(w, fep_schema_decode(s->schema, s->telegrams[i], s->lens[i], &msg,
                                   NULL) == FEP_RESULT_OK);
      T_CHECK(w, fep_message_to_json(msg, 0, &json, NULL) == FEP_RESULT_OK);
      T_CHECK(w, strcmp((const char *)fep_buffer_data(json), s->json[i]) == 0);
      T_CHECK(w, fep_schema_encode_json_alloc(s->schema, NULL, 0, s->json[i],
                                              FEP_NUL_TERMINATED, &telegram,
                                              NULL) == FEP_RESULT_OK);
      T_CHECK(w, fep_buffer_len(telegram) == s->lens[i] &&
                     memcmp(fep_buffer_data(telegram), s->telegrams[i],
                            s->lens[i]) == 0);
      T_CHECK(w, fep_schema_view(s->schema, s->telegrams[i], s->lens[i], &view,
                                 NULL) == FEP_RESULT_OK);
      T_CHECK(w, fep_message_field_int(view, s->seq_no, &seq, NULL) ==
                     FEP_RESULT_OK);
      T_CHECK(w, seq == s->seq[i]);
      T_CHECK(w, fep_schema_key(s->schema, s->telegrams[i], s->lens[i], key,
                                sizeof key, &key_len, NULL) == FEP_RESULT_OK);
      T_CHECK(w, strcmp(key, s->key[i]) == 0);
      fep_buffer_free(json);
      fep_buffer_free(telegram);
      fep_message_free(msg);
      fep_message_free(view);
    }

    /* One message read by every thread at once. */
    {
      fep_buffer *json = NULL;
      char memo[64];
      size_t n_memo = 0;
      T_CHECK(w, fep_message_to_json(s->shared_message, 0, &json, NULL) ==
                     FEP_RESULT_OK);
      T_CHECK(w, strcmp((const char *)fep_buffer_data(json), s->json[0]) == 0);
      T_CHECK(w, fep_message_get_str(s->shared_message, "holder_name",
                                     FEP_NUL_TERMINATED, memo, sizeof memo,
                                     &n_memo, NULL) == FEP_RESULT_OK);
      T_CHECK(w, strcmp(memo, "홍길동") == 0);
      fep_buffer_free(json);
    }
  }
  return NULL;
}

int main(int argc, char **argv) {
  char path[4096];
  shared_state s;
  worker workers[THREADS];
  pthread_t threads[THREADS];
  fep_error *err = NULL;
  size_t f, i;
  int t;

  if (argc < 2) {
    fprintf(stderr, "usage: %s LAYOUTS_DIR [ITERATIONS]\n", argv[0]);
    return 2;
  }
  memset(&s, 0, sizeof s);
  s.iterations = argc > 2 ? atoi(argv[2]) : 50;
  snprintf(path, sizeof path, "%s/firmbanking.layout", argv[1]);
  CHECK_RESULT(fep_schema_load(path, FEP_NUL_TERMINATED, &s.schema, &err),
               FEP_RESULT_OK, err);
  CHECK_RESULT(fep_schema_field(s.schema, "header.seq_no", FEP_NUL_TERMINATED,
                                &s.seq_no, &err),
               FEP_RESULT_OK, err);
  if (s.schema == NULL || s.seq_no == NULL) {
    return finish("test_threads");
  }

  /* One wire stream of every sample; what one thread finds first. */
  for (f = 0; f < sizeof SAMPLES / sizeof SAMPLES[0]; f++) {
    size_t len = 0;
    unsigned char *data, *bigger;
    snprintf(path, sizeof path, "%s/%s", argv[1], SAMPLES[f]);
    data = read_file(path, &len);
    CHECK(data != NULL);
    if (data == NULL) {
      continue;
    }
    bigger = realloc(s.wire, s.wire_len + len);
    CHECK(bigger != NULL);
    s.wire = bigger;
    memcpy(s.wire + s.wire_len, data, len);
    s.wire_len += len;
    free(data);
  }
  {
    fep_framer *framer = NULL;
    const uint8_t *t_ptr = NULL;
    size_t n = 0;
    CHECK_RESULT(fep_framer_new(s.schema, &framer, NULL), FEP_RESULT_OK, NULL);
    CHECK_RESULT(fep_framer_feed(framer, s.wire, s.wire_len, NULL),
                 FEP_RESULT_OK, NULL);
    while (s.count < MAX_TELEGRAMS &&
           fep_framer_next(framer, &t_ptr, &n, NULL, NULL) == FEP_RESULT_OK) {
      s.telegrams[s.count] = malloc(n);
      memcpy(s.telegrams[s.count], t_ptr, n);
      s.lens[s.count++] = n;
    }
    fep_framer_free(framer);
  }
  CHECK(s.count == 5);
  for (i = 0; i < s.count; i++) {
    const fep_message *msg = NULL;
    fep_buffer *json = NULL;
    char key[128];
    size_t n = 0;
    CHECK_RESULT(fep_schema_decode(s.schema, s.telegrams[i], s.lens[i], &msg,
                                   &err),
                 FEP_RESULT_OK, err);
    CHECK_RESULT(fep_message_to_json(msg, 0, &json, &err), FEP_RESULT_OK, err);
    s.json[i] = malloc(fep_buffer_len(json) + 1);
    memcpy(s.json[i], fep_buffer_data(json), fep_buffer_len(json) + 1);
    CHECK_RESULT(fep_message_field_int(msg, s.seq_no, &s.seq[i], &err),
                 FEP_RESULT_OK, err);
    CHECK_RESULT(fep_schema_key(s.schema, s.telegrams[i], s.lens[i], key,
                                sizeof key, &n, &err),
                 FEP_RESULT_OK, err);
    s.key[i] = malloc(n + 1);
    memcpy(s.key[i], key, n + 1);
    fep_buffer_free(json);
    fep_message_free(msg);
  }
  CHECK_RESULT(fep_schema_view(s.schema, s.telegrams[0], s.lens[0],
                               &s.shared_message, &err),
               FEP_RESULT_OK, err);

  for (t = 0; t < THREADS; t++) {
    workers[t].shared = &s;
    workers[t].checks = 0;
    workers[t].failures = 0;
    CHECK(pthread_create(&threads[t], NULL, work, &workers[t]) == 0);
  }
  for (t = 0; t < THREADS; t++) {
    CHECK(pthread_join(threads[t], NULL) == 0);
    g_checks += workers[t].checks;
    g_failures += workers[t].failures;
  }
  printf("%d threads x %d iterations over %zu telegrams\n", THREADS,
         s.iterations, s.count);

  fep_message_free(s.shared_message);
  fep_field_free(s.seq_no);
  fep_schema_free(s.schema);
  for (i = 0; i < s.count; i++) {
    free(s.telegrams[i]);
    free(s.json[i]);
    free(s.key[i]);
  }
  free(s.wire);
  clear_error(&err);
  return finish("test_threads");
}
