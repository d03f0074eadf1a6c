/*
 * Decodes the telegrams of a capture and encodes them back, through the C API
 * of fep.
 *
 *   decode LAYOUT CAPTURE
 *
 * CAPTURE holds telegrams framed as on the wire (length prefixes, lines). For
 * each telegram: its message and correlation key, its JSON with sensitive
 * fields hidden, and a check that its JSON encodes back to the same bytes.
 */
#include <stdio.h>
#include <string.h>

#include "fep.h"

/* Prints the error of a failed call and frees it. */
static int report(const char *what, fep_error *err) {
  fprintf(stderr, "%s: %s\n", what, fep_error_message(err));
  fep_error_free(err);
  return 1;
}

/* One telegram: decode, show, encode back. Returns 0 when all went well. */
static int handle(const fep_schema *schema, const uint8_t *telegram, size_t len) {
  const fep_message *msg = NULL;
  fep_buffer *shown = NULL, *json = NULL, *again = NULL;
  fep_error *err = NULL;
  char key[256];
  size_t key_len;
  int same;

  if (fep_schema_decode(schema, telegram, len, &msg, &err) != FEP_RESULT_OK) {
    return report("decode", err);
  }
  if (fep_schema_key(schema, telegram, len, key, sizeof key, &key_len, NULL) !=
      FEP_RESULT_OK) {
    strcpy(key, "-"); /* the layout has no `key` directive */
  }
  /* For people: `mask` and `secret` fields hidden. */
  if (fep_message_to_json(msg, FEP_JSON_REDACTED, &shown, &err) != FEP_RESULT_OK) {
    fep_message_free(msg);
    return report("json", err);
  }
  printf("%s [%s] %s\n", fep_message_name(msg), key,
         (const char *)fep_buffer_data(shown));

  /* For programs: the real values, which encode back to the same bytes. */
  if (fep_message_to_json(msg, 0, &json, &err) != FEP_RESULT_OK ||
      fep_schema_encode_json_alloc(schema, NULL, 0,
                                   (const char *)fep_buffer_data(json),
                                   fep_buffer_len(json), &again,
                                   &err) != FEP_RESULT_OK) {
    fep_buffer_free(shown);
    fep_buffer_free(json);
    fep_message_free(msg);
    return report("encode", err);
  }
  same = fep_buffer_len(again) == len &&
         memcmp(fep_buffer_data(again), telegram, len) == 0;
  printf("  encoded back: %zu bytes, %s\n", fep_buffer_len(again),
         same ? "identical" : "DIFFERENT");

  fep_buffer_free(shown);
  fep_buffer_free(json);
  fep_buffer_free(again);
  fep_message_free(msg);
  return same ? 0 : 1;
}

int main(int argc, char **argv) {
  const fep_schema *schema = NULL;
  fep_framer *framer = NULL;
  fep_error *err = NULL;
  const uint8_t *telegram;
  size_t len, n;
  uint8_t chunk[4096];
  fep_result r = FEP_RESULT_OK;
  int failed = 0;
  FILE *capture;

  if (argc != 3) {
    fprintf(stderr, "usage: %s LAYOUT CAPTURE\n", argv[0]);
    return 2;
  }
  printf("fep %s\n", fep_version());
  if (fep_schema_load(argv[1], FEP_NUL_TERMINATED, &schema, &err) != FEP_RESULT_OK) {
    return report(argv[1], err);
  }
  capture = fopen(argv[2], "rb");
  if (capture == NULL) {
    perror(argv[2]);
    fep_schema_free(schema);
    return 1;
  }
  if (fep_framer_new(schema, &framer, &err) != FEP_RESULT_OK) {
    fclose(capture);
    fep_schema_free(schema);
    return report("framer", err);
  }

  /* Feed the bytes as they come (a socket gives them in any pieces) and take
   * whole telegrams out; at the end, the last line may lack its newline. */
  while (!failed && (n = fread(chunk, 1, sizeof chunk, capture)) > 0) {
    r = fep_framer_feed(framer, chunk, n, &err);
    while (r == FEP_RESULT_OK &&
           (r = fep_framer_next(framer, &telegram, &len, NULL, &err)) ==
               FEP_RESULT_OK) {
      failed |= handle(schema, telegram, len);
    }
    if (r != FEP_RESULT_NO_TELEGRAM) {
      failed = report("framing", err);
    }
  }
  while (!failed && (r = fep_framer_finish(framer, &telegram, &len, NULL,
                                           &err)) == FEP_RESULT_OK) {
    failed |= handle(schema, telegram, len);
  }
  if (!failed && r != FEP_RESULT_NO_TELEGRAM) {
    failed = report("framing", err);
  }

  fclose(capture);
  fep_framer_free(framer);
  fep_schema_free(schema);
  return failed;
}
