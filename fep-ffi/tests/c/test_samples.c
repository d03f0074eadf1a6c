/*
 * Every bundled sample, both ways, through the C API: each .bin of layouts/NAME/
 * (framed telegrams, as on the wire) is cut by the framer, decoded, and must
 * give the JSON of its .json file; that .json must encode and frame back to
 * exactly the bytes of the .bin.
 *
 * Usage: test_samples LAYOUTS_DIR
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdint.h>

#include "test_util.h"

#define MAX_TELEGRAMS 64

/* A growable byte string. */
typedef struct {
  char *data;
  size_t len, cap;
} text_buf;

static void append(text_buf *b, const void *data, size_t len) {
  if (b->len + len + 1 > b->cap) {
    size_t cap = (b->len + len + 1) * 2;
    char *bigger = realloc(b->data, cap);
    if (bigger == NULL) {
      abort();
    }
    b->data = bigger;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, len);
  b->len += len;
  b->data[b->len] = 0;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int has_crlf(const unsigned char *data, size_t len) {
  size_t i;
  for (i = 0; i + 1 < len; i++) {
    if (data[i] == '\r' && data[i + 1] == '\n') {
      return 1;
    }
  }
  return 0;
}

/* Cuts the telegrams out of a wire capture, feeding it in pieces of `step`. */
static size_t cut(const fep_schema *schema, const unsigned char *wire,
                  size_t wire_len, size_t step, uint8_t **telegrams,
                  size_t *lens) {
  fep_framer *framer = NULL;
  fep_error *err = NULL;
  size_t count = 0, at = 0;
  const uint8_t *t = NULL;
  size_t n = 0;
  fep_result r;
  CHECK_RESULT(fep_framer_new(schema, &framer, &err), FEP_RESULT_OK, err);
  while (at < wire_len) {
    size_t piece = wire_len - at < step ? wire_len - at : step;
    CHECK_RESULT(fep_framer_feed(framer, wire + at, piece, &err), FEP_RESULT_OK,
                 err);
    at += piece;
    while ((r = fep_framer_next(framer, &t, &n, NULL, &err)) == FEP_RESULT_OK) {
      if (count < MAX_TELEGRAMS) {
        telegrams[count] = malloc(n ? n : 1);
        memcpy(telegrams[count], t, n);
        lens[count++] = n;
      }
    }
    CHECK_RESULT(r, FEP_RESULT_NO_TELEGRAM, err);
    clear_error(&err);
  }
  while ((r = fep_framer_finish(framer, &t, &n, NULL, &err)) == FEP_RESULT_OK) {
    if (count < MAX_TELEGRAMS) {
      telegrams[count] = malloc(n ? n : 1);
      memcpy(telegrams[count], t, n);
      lens[count++] = n;
    }
  }
  CHECK_RESULT(r, FEP_RESULT_NO_TELEGRAM, err);
  clear_error(&err);
  CHECK(fep_framer_buffered(framer) == 0);
  fep_framer_free(framer);
  return count;
}

static void check_sample(const char *layouts, const char *layout,
                         const char *stem) {
  char path[4096];
  const fep_schema *schema = NULL;
  fep_error *err = NULL;
  unsigned char *wire;
  char *want;
  size_t wire_len = 0, want_len = 0, count, i, steps[] = {1, 7, 4096};
  uint8_t *telegrams[MAX_TELEGRAMS];
  size_t lens[MAX_TELEGRAMS];
  const char *elements[MAX_TELEGRAMS];
  size_t element_lens[MAX_TELEGRAMS];
  text_buf got = {NULL, 0, 0}, reframed = {NULL, 0, 0};
  char *got_compact, *want_compact;
  fep_framer *framer = NULL;
  int is_array;
  size_t s;

  printf("%s/%s\n", layout, stem);
  snprintf(path, sizeof path, "%s/%s", layouts, layout);
  CHECK_RESULT(fep_schema_load(path, FEP_NUL_TERMINATED, &schema, &err),
               FEP_RESULT_OK, err);
  snprintf(path, sizeof path, "%s/%.*s/%s.bin", layouts,
           (int)(strlen(layout) - strlen(".layout")), layout, stem);
  wire = read_file(path, &wire_len);
  snprintf(path, sizeof path, "%s/%.*s/%s.json", layouts,
           (int)(strlen(layout) - strlen(".layout")), layout, stem);
  want = (char *)read_file(path, &want_len);
  CHECK(wire != NULL && want != NULL);
  if (schema == NULL || wire == NULL || want == NULL) {
    clear_error(&err);
    free(wire);
    free(want);
    fep_schema_free(schema);
    return;
  }

  /* The framer cuts the same telegrams wherever the reads split the stream. */
  count = cut(schema, wire, wire_len, steps[0], telegrams, lens);
  for (s = 1; s < sizeof steps / sizeof steps[0]; s++) {
    uint8_t *again[MAX_TELEGRAMS];
    size_t again_lens[MAX_TELEGRAMS];
    size_t k, again_count = cut(schema, wire, wire_len, steps[s], again, again_lens);
    CHECK(again_count == count);
    for (k = 0; k < again_count; k++) {
      CHECK(k < count && again_lens[k] == lens[k] &&
            memcmp(again[k], telegrams[k], lens[k]) == 0);
      free(again[k]);
    }
  }

  /* Decode (and view) every telegram; the JSON is the sample's. */
  is_array = want[strspn(want, " \r\n")] == '[';
  if (is_array) {
    append(&got, "[", 1);
  }
  for (i = 0; i < count; i++) {
    const fep_message *msg = NULL, *view = NULL;
    fep_buffer *json = NULL, *json_view = NULL;
    CHECK_RESULT(fep_schema_decode(schema, telegrams[i], lens[i], &msg, &err),
                 FEP_RESULT_OK, err);
    clear_error(&err);
    CHECK_RESULT(fep_schema_view(schema, telegrams[i], lens[i], &view, &err),
                 FEP_RESULT_OK, err);
    clear_error(&err);
    CHECK_RESULT(fep_message_to_json(msg, 0, &json, &err), FEP_RESULT_OK, err);
    clear_error(&err);
    CHECK_RESULT(fep_message_to_json(view, 0, &json_view, &err), FEP_RESULT_OK,
                 err);
    clear_error(&err);
    CHECK(strcmp(fep_message_name(msg), fep_message_name(view)) == 0);
    CHECK(fep_buffer_len(json) == fep_buffer_len(json_view) &&
          memcmp(fep_buffer_data(json), fep_buffer_data(json_view),
                 fep_buffer_len(json)) == 0);
    if (i > 0) {
      append(&got, ",", 1);
    }
    append(&got, fep_buffer_data(json), fep_buffer_len(json));
    if (!is_array) {
      /* One message: the pretty form is the file, byte for byte. */
      fep_buffer *pretty = NULL;
      size_t want_trimmed = want_len;
      while (want_trimmed > 0 && (want[want_trimmed - 1] == '\n' ||
                                  want[want_trimmed - 1] == '\r')) {
        want_trimmed--;
      }
      CHECK_RESULT(fep_message_to_json(msg, FEP_JSON_PRETTY, &pretty, &err),
                   FEP_RESULT_OK, err);
      clear_error(&err);
      CHECK(fep_buffer_len(pretty) == want_trimmed &&
            memcmp(fep_buffer_data(pretty), want, want_trimmed) == 0);
      fep_buffer_free(pretty);
    }
    fep_buffer_free(json);
    fep_buffer_free(json_view);
    fep_message_free(msg);
    fep_message_free(view);
  }
  if (is_array) {
    append(&got, "]", 1);
  }
  got_compact = compact_json(got.data, got.len);
  want_compact = compact_json(want, want_len);
  CHECK(got_compact != NULL && want_compact != NULL &&
        strcmp(got_compact, want_compact) == 0);
  if (got_compact && want_compact && strcmp(got_compact, want_compact) != 0) {
    fprintf(stderr, "  got:  %s\n  want: %s\n", got_compact, want_compact);
  }
  free(got_compact);
  free(want_compact);

  /* The .json encodes and frames back to the .bin. */
  CHECK_RESULT(fep_framer_new(schema, &framer, &err), FEP_RESULT_OK, err);
  clear_error(&err);
  if (!has_crlf(wire, wire_len)) {
    CHECK_RESULT(fep_framer_set_line_ending(framer, FEP_LINE_ENDING_LF, &err),
                 FEP_RESULT_OK, err);
  }
  {
    size_t n_elements = split_json(want, want_len, elements, element_lens,
                                   MAX_TELEGRAMS);
    CHECK(n_elements == count);
    for (i = 0; i < n_elements; i++) {
      size_t needed = 0, written = 0, framed_len = 0;
      uint8_t *telegram, *framed;
      CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, elements[i],
                                          element_lens[i], NULL, 0, &needed,
                                          NULL),
                   FEP_RESULT_INSUFFICIENT_SIZE, NULL);
      telegram = malloc(needed ? needed : 1);
      CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, elements[i],
                                          element_lens[i], telegram, needed,
                                          &written, &err),
                   FEP_RESULT_OK, err);
      clear_error(&err);
      CHECK(written == needed);
      CHECK(i < count && written == lens[i] &&
            memcmp(telegram, telegrams[i], written) == 0);
      CHECK_RESULT(fep_framer_frame(framer, telegram, written, NULL, 0,
                                    &framed_len, NULL),
                   FEP_RESULT_INSUFFICIENT_SIZE, NULL);
      framed = malloc(framed_len);
      CHECK_RESULT(fep_framer_frame(framer, telegram, written, framed,
                                    framed_len, &framed_len, &err),
                   FEP_RESULT_OK, err);
      clear_error(&err);
      append(&reframed, framed, framed_len);
      free(framed);
      free(telegram);
    }
  }
  CHECK(reframed.len == wire_len && memcmp(reframed.data, wire, wire_len) == 0);

  /* The key: read straight from the bytes, or no `key` directive. */
  for (i = 0; i < count; i++) {
    char key[256];
    size_t n = 0;
    fep_result r = fep_schema_key(schema, telegrams[i], lens[i], key, sizeof key,
                                  &n, NULL);
    CHECK(r == FEP_RESULT_OK || r == FEP_RESULT_NO_KEY);
    CHECK(r != FEP_RESULT_OK || strlen(key) == n);
  }

  for (i = 0; i < count; i++) {
    free(telegrams[i]);
  }
  free(got.data);
  free(reframed.data);
  fep_framer_free(framer);
  free(wire);
  free(want);
  fep_schema_free(schema);
}

int main(int argc, char **argv) {
  DIR *dir;
  struct dirent *entry;
  int samples = 0;
  if (argc != 2) {
    fprintf(stderr, "usage: %s LAYOUTS_DIR\n", argv[0]);
    return 2;
  }
  dir = opendir(argv[1]);
  if (dir == NULL) {
    perror(argv[1]);
    return 2;
  }
  while ((entry = readdir(dir)) != NULL) {
    char sub[4096];
    DIR *samples_dir;
    struct dirent *s;
    if (!ends_with(entry->d_name, ".layout")) {
      continue;
    }
    snprintf(sub, sizeof sub, "%s/%.*s", argv[1],
             (int)(strlen(entry->d_name) - strlen(".layout")), entry->d_name);
    samples_dir = opendir(sub);
    CHECK(samples_dir != NULL);
    if (samples_dir == NULL) {
      continue;
    }
    while ((s = readdir(samples_dir)) != NULL) {
      char stem[1024];
      if (!ends_with(s->d_name, ".bin")) {
        continue;
      }
      snprintf(stem, sizeof stem, "%.*s",
               (int)(strlen(s->d_name) - strlen(".bin")), s->d_name);
      check_sample(argv[1], entry->d_name, stem);
      samples++;
    }
    closedir(samples_dir);
  }
  closedir(dir);
  CHECK(samples >= 10);
  printf("%d samples\n", samples);
  return finish("test_samples");
}
