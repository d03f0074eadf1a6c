/*
 * Batch files through fep_checker: the cms-batch sample framed and decoded in C,
 * each record handed to the checker, and the same failures as `fep check -l`:
 * FEP_RESULT_CHECK_FAILED with the record's offset, the field and the text.
 * Usage: test_checker LAYOUTS_DIR
 */
#include "test_util.h"

static const char *g_layouts;

/* Checks every record of `wire`; writes each failure's text into `out` (one a line). */
static void check_file(const fep_schema *schema, const unsigned char *wire,
                       size_t len, char *out, size_t cap) {
  fep_framer *framer = NULL;
  fep_checker *checker = NULL;
  fep_error *err = NULL;
  const uint8_t *t;
  size_t n;
  uint64_t offset;
  fep_result r;
  out[0] = 0;
  CHECK_RESULT(fep_framer_new(schema, &framer, &err), FEP_RESULT_OK, err);
  CHECK_RESULT(fep_checker_new(schema, &checker, &err), FEP_RESULT_OK, err);
  CHECK_RESULT(fep_framer_feed(framer, wire, len, &err), FEP_RESULT_OK, err);
  while ((r = fep_framer_next(framer, &t, &n, &offset, &err)) == FEP_RESULT_OK) {
    const fep_message *msg = NULL;
    if (fep_schema_decode(schema, t, n, &msg, &err) != FEP_RESULT_OK) {
      clear_error(&err);
      CHECK_RESULT(fep_checker_unreadable(checker, offset, &err), FEP_RESULT_OK, err);
      continue;
    }
    r = fep_checker_record(checker, msg, offset, &err);
    while (r == FEP_RESULT_CHECK_FAILED) {
      CHECK(fep_error_code(err) == FEP_RESULT_CHECK_FAILED);
      CHECK(fep_error_category(err) == FEP_CATEGORY_DATA);
      CHECK(fep_error_offset(err) == (int64_t)offset);
      strncat(out, fep_error_message(err), cap - strlen(out) - 2);
      strcat(out, "\n");
      clear_error(&err);
      r = fep_checker_next_failure(checker, &err);
    }
    CHECK_RESULT(r, FEP_RESULT_OK, err);
    fep_message_free(msg);
  }
  CHECK_RESULT(r, FEP_RESULT_NO_TELEGRAM, err);
  r = fep_checker_finish(checker, &err);
  if (r == FEP_RESULT_CHECK_FAILED) {
    strncat(out, fep_error_message(err), cap - strlen(out) - 2);
    strcat(out, "\n");
    clear_error(&err);
  }
  fep_checker_free(checker);
  fep_framer_free(framer);
}

int main(int argc, char **argv) {
  char path[4096];
  const fep_schema *schema = NULL;
  fep_error *err = NULL;
  fep_checker *checker = NULL;
  unsigned char *wire;
  size_t len;
  char got[4096];
  if (argc < 2) {
    fprintf(stderr, "usage: %s LAYOUTS_DIR\n", argv[0]);
    return 2;
  }
  g_layouts = argv[1];
  snprintf(path, sizeof path, "%s/cms-batch.layout", g_layouts);
  CHECK_RESULT(fep_schema_load(path, FEP_NUL_TERMINATED, &schema, &err), FEP_RESULT_OK, err);
  snprintf(path, sizeof path, "%s/cms-batch/batch-file.bin", g_layouts);
  wire = read_file(path, &len);
  CHECK(wire != NULL && len == 610);
  if (schema == NULL || wire == NULL || len != 610) {
    return finish("test_checker");
  }

  /* The sample passes. */
  check_file(schema, wire, len, got, sizeof got);
  CHECK_STR(got, "");

  /* A bad amount (record 3) and a trailer whose count and company are wrong. */
  wire[122 * 2 + 30] = 'X';
  memcpy(wire + 122 * 4 + 18, "0000009", 7);
  memcpy(wire + 122 * 4 + 8, "HANBIT0002", 10);
  check_file(schema, wire, len, got, sizeof got);
  CHECK_STR(got,
            "record 5 (byte 488): file_trailer.total_count is 9, the batch has 2 "
            "data_record records (and 1 record that could not be read)\n"
            "record 5 (byte 488): file_trailer.total_amount is 5050500, the "
            "data_record.amount of the batch add up to 3220500 (and 1 record that "
            "could not be read)\n"
            "record 5 (byte 488): file_trailer.company_id is \"HANBIT0002\", "
            "file_header.company_id of the batch is \"HANBIT0001\"\n");

  /* Without its trailer, the batch fails at the end. */
  check_file(schema, wire, 122 * 4, got, sizeof got);
  CHECK_STR(got,
            "record 4 (byte 366): the input ends in a batch without its "
            "file_trailer record (4 records after the last one)\n");

  /* NULL handles are refused. */
  CHECK_RESULT(fep_checker_new(NULL, &checker, &err), FEP_RESULT_NULL_PARAMETER, err);
  clear_error(&err);
  CHECK_RESULT(fep_checker_finish(NULL, &err), FEP_RESULT_NULL_PARAMETER, err);
  clear_error(&err);
  fep_checker_free(NULL);

  free(wire);
  fep_schema_free(schema);
  return finish("test_checker");
}
