/*
 * Every function of the C API, on its success path and on its error paths:
 * NULL arguments, a bad layout, bad telegrams, small buffers, freeing NULL.
 * Outputs must stay untouched when a call fails.
 *
 * Usage: test_api LAYOUTS_DIR
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>

#include "test_util.h"

static const char *g_layouts;

static char *layout_path(char *buf, size_t len, const char *rel) {
  snprintf(buf, len, "%s/%s", g_layouts, rel);
  return buf;
}

static const fep_schema *load(const char *rel) {
  char path[4096];
  const fep_schema *schema = NULL;
  fep_error *err = NULL;
  CHECK_RESULT(fep_schema_load(layout_path(path, sizeof path, rel),
                               FEP_NUL_TERMINATED, &schema, &err),
               FEP_RESULT_OK, err);
  clear_error(&err);
  return schema;
}

/* The first telegram of a framed sample, copied into buf; its length. */
static size_t first_telegram(const fep_schema *schema, const char *rel,
                             uint8_t *buf, size_t cap) {
  char path[4096];
  size_t wire_len = 0, len = 0;
  unsigned char *wire = read_file(layout_path(path, sizeof path, rel), &wire_len);
  fep_framer *framer = NULL;
  const uint8_t *telegram = NULL;
  CHECK(wire != NULL);
  CHECK_RESULT(fep_framer_new(schema, &framer, NULL), FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_framer_feed(framer, wire, wire_len, NULL), FEP_RESULT_OK,
               NULL);
  CHECK_RESULT(fep_framer_next(framer, &telegram, &len, NULL, NULL),
               FEP_RESULT_OK, NULL);
  CHECK(len <= cap);
  memcpy(buf, telegram, len);
  fep_framer_free(framer);
  free(wire);
  return len;
}

static void test_version_and_names(void) {
  const char *v = fep_version();
  CHECK(v != NULL && strchr(v, '.') != NULL);
  CHECK_STR(fep_result_name(FEP_RESULT_OK), "FEP_RESULT_OK");
  CHECK_STR(fep_result_name(FEP_RESULT_NULL_VALUE), "FEP_RESULT_NULL_VALUE");
  CHECK_STR(fep_result_name(12345), "FEP_RESULT_UNKNOWN");
  CHECK(FEP_RESULT_OK == 0 && FEP_RESULT_DATA == 101 && FEP_RESULT_NO_KEY == 110);
}

static void test_schema(void) {
  static const char layout[] =
      "encoding ascii\n"
      "message ping 10 {\n"
      "  kind X(4) = \"PING\"\n"
      "  seq  9(6)\n"
      "}\n";
  static const char bad[] = "message m {\n  f Q(3)\n}\n";
  char path[4096];
  int sentinel = 0;
  const fep_schema *untouched = (const fep_schema *)&sentinel;
  const fep_schema *schema = untouched;
  fep_error *err = NULL;

  /* Counted and NUL-terminated text. */
  CHECK_RESULT(fep_schema_parse(layout, sizeof layout - 1, &schema, &err),
               FEP_RESULT_OK, err);
  CHECK(schema != untouched && schema != NULL);
  fep_schema_free(schema);
  schema = untouched;
  CHECK_RESULT(fep_schema_parse(layout, FEP_NUL_TERMINATED, &schema, NULL),
               FEP_RESULT_OK, NULL);
  fep_schema_free(schema);
  schema = untouched;

  /* A bad layout: line and column. */
  CHECK_RESULT(fep_schema_parse(bad, FEP_NUL_TERMINATED, &schema, &err),
               FEP_RESULT_LAYOUT, err);
  CHECK(schema == untouched);
  CHECK(fep_error_code(err) == FEP_RESULT_LAYOUT);
  CHECK(fep_error_category(err) == FEP_CATEGORY_LAYOUT);
  CHECK(fep_error_line(err) == 2 && fep_error_column(err) == 5);
  CHECK(fep_error_offset(err) == -1 && fep_error_length(err) == -1);
  CHECK(strstr(fep_error_message(err), "2:5") != NULL);
  CHECK_STR(fep_error_path(err), "");
  CHECK_STR(fep_error_message_name(err), "");
  clear_error(&err);

  /* Text that is not UTF-8. */
  CHECK_RESULT(fep_schema_parse("\xff", 1, &schema, &err),
               FEP_RESULT_INVALID_PARAMETER, err);
  CHECK(fep_error_category(err) == FEP_CATEGORY_USAGE);
  clear_error(&err);

  /* NULL arguments. */
  CHECK_RESULT(fep_schema_parse(NULL, 0, &schema, &err),
               FEP_RESULT_NULL_PARAMETER, err);
  CHECK_STR(fep_error_message(err), "`text` is NULL");
  clear_error(&err);
  CHECK_RESULT(fep_schema_parse(layout, FEP_NUL_TERMINATED, NULL, &err),
               FEP_RESULT_NULL_PARAMETER, err);
  clear_error(&err);
  CHECK_RESULT(fep_schema_load(NULL, FEP_NUL_TERMINATED, &schema, &err),
               FEP_RESULT_NULL_PARAMETER, err);
  clear_error(&err);
  CHECK_RESULT(fep_schema_load("x", FEP_NUL_TERMINATED, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);

  /* A missing file. */
  CHECK_RESULT(fep_schema_load(layout_path(path, sizeof path, "missing.layout"),
                               FEP_NUL_TERMINATED, &schema, &err),
               FEP_RESULT_IO, err);
  CHECK(fep_error_category(err) == FEP_CATEGORY_IO);
  CHECK(strstr(fep_error_message(err), "missing.layout") != NULL);
  clear_error(&err);
  CHECK(schema == untouched);

  /* A counted path (no NUL needed). */
  layout_path(path, sizeof path, "firmbanking.layoutXYZ");
  CHECK_RESULT(fep_schema_load(path, strlen(path) - 3, &schema, &err),
               FEP_RESULT_OK, err);
  fep_schema_free(schema);
  fep_schema_free(NULL);
}

static void test_decode_and_read(void) {
  const fep_schema *schema = load("firmbanking.layout");
  const fep_schema *other = load("firmbanking.layout");
  uint8_t telegram[1024];
  size_t len = first_telegram(schema, "firmbanking/transfer-request.bin",
                              telegram, sizeof telegram);
  const fep_message *msg = NULL;
  const fep_field *amount = NULL, *fee = NULL, *name = NULL, *foreign = NULL;
  fep_error *err = NULL;
  char buf[64];
  size_t n = 0;
  int64_t value = -7;
  bool is_null = false;
  const uint8_t *raw = NULL;
  size_t raw_len = 0;

  CHECK(len == 300);
  CHECK_RESULT(fep_schema_decode(schema, telegram, len, &msg, &err),
               FEP_RESULT_OK, err);
  CHECK_STR(fep_message_name(msg), "transfer");
  /* The message owns its copy: the caller's bytes may change. */
  memset(telegram, 'x', len);

  /* Text, numbers, dates, by path. */
  CHECK_RESULT(fep_message_get_str(msg, "holder_name", FEP_NUL_TERMINATED, buf,
                                   sizeof buf, &n, &err),
               FEP_RESULT_OK, err);
  CHECK_STR(buf, "홍길동");
  CHECK(n == strlen("홍길동"));
  CHECK_RESULT(fep_message_get_str(msg, "debit_acct", FEP_NUL_TERMINATED, buf,
                                   sizeof buf, &n, &err),
               FEP_RESULT_OK, err);
  CHECK_STR(buf, "1002003004005"); /* programmatic access: the real value */
  CHECK_RESULT(fep_message_get_str(msg, "header.send_time", FEP_NUL_TERMINATED,
                                   buf, sizeof buf, &n, &err),
               FEP_RESULT_OK, err);
  CHECK_STR(buf, "09:30:15");
  CHECK_RESULT(fep_message_get_int(msg, "amount", 6, &value, &err),
               FEP_RESULT_OK, err);
  CHECK(value == 10000);
  CHECK_RESULT(fep_message_get_int(msg, "header.bank_code", FEP_NUL_TERMINATED,
                                   &value, &err),
               FEP_RESULT_OK, err);
  CHECK(value == 4);
  CHECK_RESULT(fep_message_get_decimal(msg, "credit_bank", FEP_NUL_TERMINATED,
                                       buf, sizeof buf, &n, &err),
               FEP_RESULT_OK, err);
  CHECK_STR(buf, "88");
  CHECK_RESULT(fep_message_get_raw(msg, "verify_code", FEP_NUL_TERMINATED, &raw,
                                   &raw_len, &err),
               FEP_RESULT_OK, err);
  CHECK(raw_len == 6 && memcmp(raw, "AB12CD", 6) == 0);
  CHECK_RESULT(fep_message_get_raw(msg, "holder_name", FEP_NUL_TERMINATED, &raw,
                                   &raw_len, &err),
               FEP_RESULT_OK, err);
  CHECK(raw_len == 12 && memcmp(raw, "\xc8\xab\xb1\xe6\xb5\xbf      ", 12) == 0);
  CHECK_RESULT(fep_message_get_is_null(msg, "fee", FEP_NUL_TERMINATED, &is_null,
                                       &err),
               FEP_RESULT_OK, err);
  CHECK(is_null);

  /* A blank number: NULL_VALUE with its place; the output stays as it was. */
  value = -7;
  CHECK_RESULT(fep_message_get_int(msg, "fee", FEP_NUL_TERMINATED, &value, &err),
               FEP_RESULT_NULL_VALUE, err);
  CHECK(value == -7);
  CHECK(fep_error_category(err) == FEP_CATEGORY_DATA);
  CHECK(fep_error_offset(err) == 174 && fep_error_length(err) == 9);
  CHECK_STR(fep_error_path(err), "fee");
  CHECK_STR(fep_error_message_name(err), "transfer");
  clear_error(&err);
  CHECK_RESULT(fep_message_get_decimal(msg, "balance", FEP_NUL_TERMINATED, buf,
                                       sizeof buf, &n, &err),
               FEP_RESULT_NULL_VALUE, err);
  clear_error(&err);
  CHECK_RESULT(fep_message_get_str(msg, "fee", FEP_NUL_TERMINATED, buf,
                                   sizeof buf, &n, NULL),
               FEP_RESULT_NULL_VALUE, NULL);

  /* The wrong type, an unknown field, a field of another message. */
  CHECK_RESULT(fep_message_get_int(msg, "memo", FEP_NUL_TERMINATED, &value, &err),
               FEP_RESULT_WRONG_TYPE, err);
  CHECK_STR(fep_error_path(err), "memo");
  clear_error(&err);
  CHECK_RESULT(fep_message_get_decimal(msg, "memo", FEP_NUL_TERMINATED, buf,
                                       sizeof buf, &n, &err),
               FEP_RESULT_WRONG_TYPE, err);
  clear_error(&err);
  CHECK_RESULT(fep_message_get_str(msg, "no_such", FEP_NUL_TERMINATED, buf,
                                   sizeof buf, &n, &err),
               FEP_RESULT_UNKNOWN_FIELD, err);
  clear_error(&err);
  CHECK_RESULT(fep_message_get_is_null(msg, "items[0].amount",
                                       FEP_NUL_TERMINATED, &is_null, &err),
               FEP_RESULT_UNKNOWN_FIELD, err);
  clear_error(&err);
  CHECK_RESULT(fep_message_get_raw(msg, "account", FEP_NUL_TERMINATED, &raw,
                                   &raw_len, &err),
               FEP_RESULT_UNKNOWN_FIELD, err);
  clear_error(&err);
  CHECK_RESULT(fep_message_get_int(msg, "am\xffount", FEP_NUL_TERMINATED, &value,
                                   &err),
               FEP_RESULT_INVALID_PARAMETER, err);
  clear_error(&err);

  /* A small buffer: the size needed (NUL included), the buffer untouched. */
  memset(buf, '#', sizeof buf);
  CHECK_RESULT(fep_message_get_str(msg, "holder_name", FEP_NUL_TERMINATED, buf,
                                   9, &n, &err),
               FEP_RESULT_INSUFFICIENT_SIZE, err);
  CHECK(n == 10 && buf[0] == '#' && buf[8] == '#');
  CHECK(fep_error_category(err) == FEP_CATEGORY_USAGE);
  clear_error(&err);
  CHECK_RESULT(fep_message_get_str(msg, "holder_name", FEP_NUL_TERMINATED, NULL,
                                   0, &n, NULL),
               FEP_RESULT_INSUFFICIENT_SIZE, NULL);
  CHECK(n == 10);
  CHECK_RESULT(fep_message_get_str(msg, "holder_name", FEP_NUL_TERMINATED, buf,
                                   10, &n, NULL),
               FEP_RESULT_OK, NULL);
  CHECK(n == 9);
  CHECK_RESULT(fep_message_get_decimal(msg, "amount", FEP_NUL_TERMINATED, buf, 5,
                                       &n, NULL),
               FEP_RESULT_INSUFFICIENT_SIZE, NULL);
  CHECK(n == 6);

  /* NULL arguments. */
  CHECK_RESULT(fep_message_get_str(NULL, "memo", FEP_NUL_TERMINATED, buf,
                                   sizeof buf, &n, &err),
               FEP_RESULT_NULL_PARAMETER, err);
  CHECK_STR(fep_error_message(err), "`message` is NULL");
  clear_error(&err);
  CHECK_RESULT(fep_message_get_str(msg, NULL, 0, buf, sizeof buf, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_get_str(msg, "memo", FEP_NUL_TERMINATED, NULL,
                                   sizeof buf, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_get_str(msg, "memo", FEP_NUL_TERMINATED, buf,
                                   sizeof buf, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_get_int(msg, "amount", FEP_NUL_TERMINATED, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_get_decimal(msg, "amount", FEP_NUL_TERMINATED, buf,
                                       sizeof buf, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_get_raw(msg, "amount", FEP_NUL_TERMINATED, NULL,
                                   &raw_len, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_get_raw(msg, "amount", FEP_NUL_TERMINATED, &raw, NULL,
                                   NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_get_is_null(msg, "amount", FEP_NUL_TERMINATED, NULL,
                                       NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_STR(fep_message_name(NULL), "");

  /* Through resolved fields. */
  CHECK_RESULT(fep_schema_field(schema, "amount", FEP_NUL_TERMINATED, &amount,
                                &err),
               FEP_RESULT_OK, err);
  CHECK_RESULT(fep_schema_field(schema, "fee", FEP_NUL_TERMINATED, &fee, &err),
               FEP_RESULT_OK, err);
  CHECK_RESULT(fep_schema_field(schema, "header.company_id", 17, &name, &err),
               FEP_RESULT_OK, err);
  CHECK_STR(fep_field_path(name), "header.company_id");
  CHECK_STR(fep_field_path(NULL), "");
  CHECK_RESULT(fep_message_field_int(msg, amount, &value, &err), FEP_RESULT_OK,
               err);
  CHECK(value == 10000);
  CHECK_RESULT(fep_message_field_decimal(msg, amount, buf, sizeof buf, &n, &err),
               FEP_RESULT_OK, err);
  CHECK_STR(buf, "10000");
  CHECK_RESULT(fep_message_field_str(msg, name, buf, sizeof buf, &n, &err),
               FEP_RESULT_OK, err);
  CHECK_STR(buf, "TESTCO0001");
  CHECK_RESULT(fep_message_field_raw(msg, name, &raw, &raw_len, &err),
               FEP_RESULT_OK, err);
  CHECK(raw_len == 12 && memcmp(raw, "TESTCO0001  ", 12) == 0);
  CHECK_RESULT(fep_message_field_is_null(msg, fee, &is_null, &err),
               FEP_RESULT_OK, err);
  CHECK(is_null);
  CHECK_RESULT(fep_message_field_is_null(msg, amount, &is_null, &err),
               FEP_RESULT_OK, err);
  CHECK(!is_null);
  CHECK_RESULT(fep_message_field_int(msg, fee, &value, &err),
               FEP_RESULT_NULL_VALUE, err);
  clear_error(&err);
  CHECK_RESULT(fep_message_field_int(msg, name, &value, &err),
               FEP_RESULT_WRONG_TYPE, err);
  clear_error(&err);
  CHECK_RESULT(fep_message_field_str(msg, name, buf, 3, &n, NULL),
               FEP_RESULT_INSUFFICIENT_SIZE, NULL);
  CHECK(n == 11);
  CHECK_RESULT(fep_message_field_decimal(msg, fee, buf, sizeof buf, &n, NULL),
               FEP_RESULT_NULL_VALUE, NULL);

  /* A field of another schema is refused, not misread. */
  CHECK_RESULT(fep_schema_field(other, "amount", FEP_NUL_TERMINATED, &foreign,
                                NULL),
               FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_message_field_int(msg, foreign, &value, &err),
               FEP_RESULT_INVALID_PARAMETER, err);
  clear_error(&err);

  /* Unknown paths and bounds. */
  {
    int sentinel = 0;
    const fep_field *none = (const fep_field *)&sentinel;
    CHECK_RESULT(fep_schema_field(schema, "nope", FEP_NUL_TERMINATED, &none,
                                  &err),
                 FEP_RESULT_UNKNOWN_FIELD, err);
    clear_error(&err);
    CHECK_RESULT(fep_schema_field(schema, "items[10].amount", FEP_NUL_TERMINATED,
                                  &none, &err),
                 FEP_RESULT_UNKNOWN_FIELD, err);
    CHECK(strstr(fep_error_message(err), "at most 10") != NULL);
    clear_error(&err);
    CHECK(none == (const fep_field *)&sentinel);
    CHECK_RESULT(fep_schema_field(NULL, "amount", FEP_NUL_TERMINATED, &none,
                                  NULL),
                 FEP_RESULT_NULL_PARAMETER, NULL);
    CHECK_RESULT(fep_schema_field(schema, NULL, 0, &none, NULL),
                 FEP_RESULT_NULL_PARAMETER, NULL);
    CHECK_RESULT(fep_schema_field(schema, "amount", FEP_NUL_TERMINATED, NULL,
                                  NULL),
                 FEP_RESULT_NULL_PARAMETER, NULL);
  }
  /* NULL arguments to the field readers. */
  CHECK_RESULT(fep_message_field_int(msg, NULL, &value, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_field_int(NULL, amount, &value, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_field_str(msg, NULL, buf, sizeof buf, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_field_decimal(msg, amount, buf, sizeof buf, NULL,
                                         NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_field_raw(msg, amount, NULL, &raw_len, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_field_is_null(msg, amount, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);

  /* Handles outlive the schema they came from. */
  fep_schema_free(schema);
  CHECK_RESULT(fep_message_field_int(msg, amount, &value, NULL), FEP_RESULT_OK,
               NULL);
  CHECK(value == 10000);

  fep_field_free(amount);
  fep_field_free(fee);
  fep_field_free(name);
  fep_field_free(foreign);
  fep_field_free(NULL);
  fep_message_free(msg);
  fep_message_free(NULL);
  fep_schema_free(other);
}

static void test_bad_telegrams(void) {
  const fep_schema *schema = load("firmbanking.layout");
  uint8_t telegram[1024];
  size_t len = first_telegram(schema, "firmbanking/transfer-request.bin",
                              telegram, sizeof telegram);
  int sentinel = 0;
  const fep_message *untouched = (const fep_message *)&sentinel;
  const fep_message *msg = untouched;
  fep_buffer *json = NULL;
  fep_error *err = NULL;
  int64_t value = 0;

  telegram[134] = 'O'; /* amount is bytes 129..142 */
  CHECK_RESULT(fep_schema_decode(schema, telegram, len, &msg, &err),
               FEP_RESULT_DATA, err);
  CHECK(msg == untouched);
  CHECK(fep_error_category(err) == FEP_CATEGORY_DATA);
  CHECK(fep_error_offset(err) == 129 && fep_error_length(err) == 13);
  CHECK_STR(fep_error_path(err), "amount");
  CHECK_STR(fep_error_message_name(err), "transfer");
  CHECK_STR(fep_error_message(err),
            "transfer.amount (bytes 129..142): expected digits, found "
            "\"00000O0010000\" (byte 5 of the field, 'O')");
  clear_error(&err);

  /* A view checks the length only; reading the field finds the fault. */
  CHECK_RESULT(fep_schema_view(schema, telegram, len, &msg, &err), FEP_RESULT_OK,
               err);
  CHECK_STR(fep_message_name(msg), "transfer");
  CHECK_RESULT(fep_message_get_int(msg, "amount", FEP_NUL_TERMINATED, &value,
                                   &err),
               FEP_RESULT_DATA, err);
  CHECK(fep_error_offset(err) == 129);
  clear_error(&err);
  CHECK_RESULT(fep_message_get_int(msg, "header.seq_no", FEP_NUL_TERMINATED,
                                   &value, &err),
               FEP_RESULT_OK, err);
  CHECK(value == 123);
  CHECK_RESULT(fep_message_to_json(msg, 0, &json, &err), FEP_RESULT_DATA, err);
  CHECK(json == NULL);
  clear_error(&err);
  fep_message_free(msg);
  msg = untouched;

  /* Too short, too long, no message at all. */
  CHECK_RESULT(fep_schema_decode(schema, telegram, len - 1, &msg, &err),
               FEP_RESULT_DATA, err);
  CHECK(strstr(fep_error_message(err), "too short") != NULL);
  clear_error(&err);
  CHECK_RESULT(fep_schema_view(schema, (const uint8_t *)"nonsense", 8, &msg, &err),
               FEP_RESULT_DATA, err);
  CHECK(strstr(fep_error_message(err), "no message matches") != NULL);
  clear_error(&err);
  CHECK_RESULT(fep_schema_decode(schema, telegram, 0, &msg, NULL), FEP_RESULT_DATA,
               NULL);

  /* A secret field's bytes never show in an error. */
  telegram[134] = '0';
  memset(telegram + 115, 0xff, 8); /* password */
  CHECK_RESULT(fep_schema_decode(schema, telegram, len, &msg, &err),
               FEP_RESULT_DATA, err);
  CHECK_STR(fep_error_path(err), "password");
  CHECK(strstr(fep_error_message(err), "FF") == NULL);
  clear_error(&err);
  CHECK(msg == untouched);

  /* NULL arguments. */
  CHECK_RESULT(fep_schema_decode(NULL, telegram, len, &msg, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_decode(schema, NULL, len, &msg, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_decode(schema, telegram, len, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_view(NULL, telegram, len, &msg, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_view(schema, NULL, 0, &msg, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_view(schema, telegram, len, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK(msg == untouched);
  fep_schema_free(schema);
}

static void test_json(void) {
  const fep_schema *schema = load("firmbanking.layout");
  uint8_t telegram[1024];
  size_t len = first_telegram(schema, "firmbanking/transfer-request.bin",
                              telegram, sizeof telegram);
  const fep_message *msg = NULL;
  fep_buffer *json = NULL;
  fep_error *err = NULL;
  const char *text;

  CHECK_RESULT(fep_schema_decode(schema, telegram, len, &msg, NULL),
               FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_message_to_json(msg, 0, &json, &err), FEP_RESULT_OK, err);
  text = (const char *)fep_buffer_data(json);
  CHECK(strlen(text) == fep_buffer_len(json));
  CHECK(strncmp(text, "{\"message\":\"transfer\",\"fields\":{", 32) == 0);
  CHECK(strstr(text, "\"password\":\"4321\"") != NULL);
  CHECK(strstr(text, "\"amount\":10000") != NULL);
  fep_buffer_free(json);

  CHECK_RESULT(fep_message_to_json(msg, FEP_JSON_REDACTED, &json, &err),
               FEP_RESULT_OK, err);
  text = (const char *)fep_buffer_data(json);
  CHECK(strstr(text, "\"password\":\"****\"") != NULL);
  CHECK(strstr(text, "\"debit_acct\":\"*********4005\"") != NULL);
  CHECK(strstr(text, "4321") == NULL);
  fep_buffer_free(json);

  CHECK_RESULT(
      fep_message_to_json(msg, FEP_JSON_REDACTED | FEP_JSON_PRETTY, &json, &err),
      FEP_RESULT_OK, err);
  text = (const char *)fep_buffer_data(json);
  CHECK(strncmp(text, "{\n  \"message\": \"transfer\"", 25) == 0);
  fep_buffer_free(json);
  json = NULL;

  CHECK_RESULT(fep_message_to_json(msg, 8, &json, &err),
               FEP_RESULT_INVALID_PARAMETER, err);
  CHECK(json == NULL);
  clear_error(&err);
  CHECK_RESULT(fep_message_to_json(NULL, 0, &json, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_message_to_json(msg, 0, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);

  CHECK(fep_buffer_len(NULL) == 0);
  CHECK(fep_buffer_data(NULL) != NULL && fep_buffer_data(NULL)[0] == 0);
  fep_buffer_free(NULL);
  fep_message_free(msg);
  fep_schema_free(schema);
}

static void test_encode(void) {
  char path[4096];
  const fep_schema *schema = load("firmbanking.layout");
  uint8_t telegram[1024], out[1024];
  size_t len = first_telegram(schema, "firmbanking/transfer-request.bin",
                              telegram, sizeof telegram);
  size_t json_len = 0, n = 0;
  char *json = (char *)read_file(
      layout_path(path, sizeof path, "firmbanking/transfer-request.json"),
      &json_len);
  const char *fields;
  fep_buffer *buf = NULL;
  fep_error *err = NULL;

  CHECK(json != NULL);
  /* The size first, then the telegram; a small buffer stays untouched. */
  CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, json, json_len, NULL, 0,
                                      &n, &err),
               FEP_RESULT_INSUFFICIENT_SIZE, err);
  CHECK(n == len);
  clear_error(&err);
  memset(out, '#', sizeof out);
  CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, json, json_len, out,
                                      len - 1, &n, NULL),
               FEP_RESULT_INSUFFICIENT_SIZE, NULL);
  CHECK(n == len && out[0] == '#' && out[len - 2] == '#');
  CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, json, FEP_NUL_TERMINATED,
                                      out, len, &n, &err),
               FEP_RESULT_OK, err);
  CHECK(n == len && memcmp(out, telegram, len) == 0);

  CHECK_RESULT(fep_schema_encode_json_alloc(schema, NULL, 0, json, json_len,
                                            &buf, &err),
               FEP_RESULT_OK, err);
  CHECK(fep_buffer_len(buf) == len &&
        memcmp(fep_buffer_data(buf), telegram, len) == 0);
  fep_buffer_free(buf);
  buf = NULL;

  /* The fields alone, with the message named. */
  fields = strstr(json, "\"fields\": ") + strlen("\"fields\": ");
  CHECK_RESULT(fep_schema_encode_json(schema, "transfer", FEP_NUL_TERMINATED,
                                      fields, strlen(fields) - 2, out,
                                      sizeof out, &n, &err),
               FEP_RESULT_OK, err);
  CHECK(n == len && memcmp(out, telegram, len) == 0);
  CHECK_RESULT(fep_schema_encode_json_alloc(schema, "transfer", 8, fields,
                                            strlen(fields) - 2, &buf, &err),
               FEP_RESULT_OK, err);
  fep_buffer_free(buf);
  buf = NULL;

  /* Errors: unknown message, bad values, bad JSON. */
  CHECK_RESULT(fep_schema_encode_json_alloc(schema, "nope", FEP_NUL_TERMINATED,
                                            "{}", 2, &buf, &err),
               FEP_RESULT_UNKNOWN_MESSAGE, err);
  CHECK(buf == NULL);
  clear_error(&err);
  CHECK_RESULT(
      fep_schema_encode_json_alloc(
          schema, NULL, 0,
          "{\"message\":\"transfer\",\"fields\":{\"amount\":\"12x\"}}",
          FEP_NUL_TERMINATED, &buf, &err),
      FEP_RESULT_ENCODING, err);
  CHECK(fep_error_category(err) == FEP_CATEGORY_ENCODING);
  CHECK_STR(fep_error_path(err), "amount");
  CHECK_STR(fep_error_message_name(err), "transfer");
  clear_error(&err);
  CHECK_RESULT(
      fep_schema_encode_json_alloc(
          schema, NULL, 0,
          "{\"message\":\"transfer\",\"fields\":{\"memo\":\"\xea\xb0\x80\xea\xb0"
          "\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea\xb0\x80\xea"
          "\xb0\x80\"}}",
          FEP_NUL_TERMINATED, &buf, &err),
      FEP_RESULT_ENCODING, err);
  CHECK(strstr(fep_error_message(err), "16 bytes") != NULL);
  clear_error(&err);
  CHECK_RESULT(
      fep_schema_encode_json_alloc(
          schema, NULL, 0,
          "{\"message\":\"transfer\",\"fields\":{\"zzz\":1}}",
          FEP_NUL_TERMINATED, &buf, &err),
      FEP_RESULT_UNKNOWN_FIELD, err);
  clear_error(&err);
  CHECK_RESULT(fep_schema_encode_json_alloc(
                   schema, NULL, 0,
                   "{\"message\":\"transfer\",\n\"fields\":{\"amount\":1.5}}",
                   FEP_NUL_TERMINATED, &buf, &err),
               FEP_RESULT_JSON, err);
  CHECK(fep_error_line(err) == 2 && fep_error_column(err) > 0);
  CHECK(fep_error_category(err) == FEP_CATEGORY_ENCODING);
  clear_error(&err);
  CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, "{\"message\":", 11, out,
                                      sizeof out, &n, &err),
               FEP_RESULT_JSON, err);
  clear_error(&err);
  CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, "\"\xff\"", 3, out,
                                      sizeof out, &n, &err),
               FEP_RESULT_JSON, err);
  clear_error(&err);
  CHECK_RESULT(fep_schema_encode_json(schema, "tr\xff", 3, "{}", 2, out,
                                      sizeof out, &n, &err),
               FEP_RESULT_INVALID_PARAMETER, err);
  clear_error(&err);

  /* NULL arguments. */
  CHECK_RESULT(fep_schema_encode_json(NULL, NULL, 0, json, json_len, out,
                                      sizeof out, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, NULL, 0, out, sizeof out,
                                      &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, json, json_len, NULL,
                                      sizeof out, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_encode_json(schema, NULL, 0, json, json_len, out,
                                      sizeof out, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_encode_json_alloc(schema, NULL, 0, json, json_len,
                                            NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_encode_json_alloc(NULL, NULL, 0, json, json_len, &buf,
                                            NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK(buf == NULL);
  free(json);
  fep_schema_free(schema);
}

static void test_framer(void) {
  const fep_schema *schema = load("firmbanking.layout");
  const fep_schema *lines = load("cms-batch.layout");
  fep_framer *framer = NULL;
  fep_error *err = NULL;
  const uint8_t *telegram = NULL;
  size_t n = 0;
  uint64_t offset = 99;
  uint8_t out[16];
  fep_buffer *framed = NULL;

  CHECK_RESULT(fep_framer_new(schema, &framer, &err), FEP_RESULT_OK, err);
  /* A partial frame waits: NO_TELEGRAM is not a failure and stores no error. */
  CHECK_RESULT(fep_framer_feed(framer, (const uint8_t *)"0003", 4, &err),
               FEP_RESULT_OK, err);
  CHECK_RESULT(fep_framer_next(framer, &telegram, &n, &offset, &err),
               FEP_RESULT_NO_TELEGRAM, err);
  CHECK(err == NULL && telegram == NULL && offset == 99);
  CHECK(fep_framer_buffered(framer) == 4);
  CHECK_RESULT(fep_framer_feed(framer, (const uint8_t *)"abc0003x", 8, &err),
               FEP_RESULT_OK, err);
  CHECK_RESULT(fep_framer_next(framer, &telegram, &n, &offset, &err),
               FEP_RESULT_OK, err);
  CHECK(n == 3 && memcmp(telegram, "abc", 3) == 0 && offset == 0);
  CHECK(fep_framer_buffered(framer) == 5);
  /* The stream ends inside a telegram. */
  CHECK_RESULT(fep_framer_finish(framer, &telegram, &n, &offset, &err),
               FEP_RESULT_FRAME_TRUNCATED, err);
  CHECK(strcmp(fep_error_message(err),
               "frame at byte 7: the length prefix says 3 bytes; 1 follows") == 0);
  CHECK(fep_error_offset(err) == 7);
  clear_error(&err);
  CHECK_RESULT(fep_framer_finish(framer, &telegram, &n, NULL, &err),
               FEP_RESULT_NO_TELEGRAM, err);
  /* A bad prefix: the stream offset in the error. */
  CHECK_RESULT(fep_framer_feed(framer, (const uint8_t *)"00x1", 4, NULL),
               FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_framer_next(framer, &telegram, &n, &offset, &err),
               FEP_RESULT_FRAMING, err);
  CHECK(fep_error_offset(err) == 12);
  CHECK(fep_error_category(err) == FEP_CATEGORY_DATA);
  CHECK(strstr(fep_error_message(err), "not digits") != NULL);
  clear_error(&err);
  fep_framer_free(framer);
  framer = NULL;

  /* An oversize frame is refused before anything is allocated for it. */
  CHECK_RESULT(fep_framer_new(schema, &framer, NULL), FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_framer_set_max_length(framer, 2, &err), FEP_RESULT_OK, err);
  CHECK_RESULT(fep_framer_feed(framer, (const uint8_t *)"9999", 4, NULL),
               FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_framer_next(framer, &telegram, &n, NULL, &err),
               FEP_RESULT_FRAME_TOO_LONG, err);
  CHECK(strstr(fep_error_message(err), "maximum of 2") != NULL);
  clear_error(&err);

  /* Framing for sending. */
  CHECK_RESULT(fep_framer_frame(framer, (const uint8_t *)"ab", 2, out,
                                sizeof out, &n, &err),
               FEP_RESULT_OK, err);
  CHECK(n == 6 && memcmp(out, "0002ab", 6) == 0);
  CHECK_RESULT(fep_framer_frame(framer, (const uint8_t *)"ab", 2, NULL, 0, &n,
                                NULL),
               FEP_RESULT_INSUFFICIENT_SIZE, NULL);
  CHECK(n == 6);
  CHECK_RESULT(fep_framer_frame(framer, (const uint8_t *)"abc", 3, out,
                                sizeof out, &n, &err),
               FEP_RESULT_ENCODING, err);
  clear_error(&err);
  CHECK_RESULT(fep_framer_frame_alloc(framer, (const uint8_t *)"ab", 2, &framed,
                                      &err),
               FEP_RESULT_OK, err);
  CHECK(fep_buffer_len(framed) == 6 &&
        memcmp(fep_buffer_data(framed), "0002ab", 6) == 0);
  fep_buffer_free(framed);
  framed = NULL;
  CHECK_RESULT(fep_framer_frame_alloc(framer, (const uint8_t *)"abc", 3, &framed,
                                      NULL),
               FEP_RESULT_ENCODING, NULL);
  CHECK(framed == NULL);
  fep_framer_free(framer);
  framer = NULL;

  /* Lines: CRLF by default, LF on request; a last line without its end. */
  CHECK_RESULT(fep_framer_new(lines, &framer, NULL), FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_framer_frame(framer, (const uint8_t *)"ab", 2, out,
                                sizeof out, &n, NULL),
               FEP_RESULT_OK, NULL);
  CHECK(n == 4 && memcmp(out, "ab\r\n", 4) == 0);
  CHECK_RESULT(fep_framer_set_line_ending(framer, FEP_LINE_ENDING_LF, &err),
               FEP_RESULT_OK, err);
  CHECK_RESULT(fep_framer_frame(framer, (const uint8_t *)"ab", 2, out,
                                sizeof out, &n, NULL),
               FEP_RESULT_OK, NULL);
  CHECK(n == 3 && memcmp(out, "ab\n", 3) == 0);
  CHECK_RESULT(fep_framer_set_line_ending(framer, FEP_LINE_ENDING_CRLF, NULL),
               FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_framer_set_line_ending(framer, 2, &err),
               FEP_RESULT_INVALID_PARAMETER, err);
  clear_error(&err);
  CHECK_RESULT(fep_framer_feed(framer, (const uint8_t *)"X1\nY2", 5, NULL),
               FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_framer_next(framer, &telegram, &n, &offset, NULL),
               FEP_RESULT_OK, NULL);
  CHECK(n == 2 && memcmp(telegram, "X1", 2) == 0);
  CHECK_RESULT(fep_framer_next(framer, &telegram, &n, &offset, NULL),
               FEP_RESULT_NO_TELEGRAM, NULL);
  CHECK_RESULT(fep_framer_finish(framer, &telegram, &n, &offset, NULL),
               FEP_RESULT_OK, NULL);
  CHECK(n == 2 && memcmp(telegram, "Y2", 2) == 0 && offset == 3);
  CHECK_RESULT(fep_framer_finish(framer, &telegram, &n, &offset, NULL),
               FEP_RESULT_NO_TELEGRAM, NULL);

  /* NULL arguments. */
  CHECK_RESULT(fep_framer_new(NULL, &framer, NULL), FEP_RESULT_NULL_PARAMETER,
               NULL);
  CHECK_RESULT(fep_framer_new(schema, NULL, NULL), FEP_RESULT_NULL_PARAMETER,
               NULL);
  CHECK_RESULT(fep_framer_feed(NULL, (const uint8_t *)"x", 1, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_framer_feed(framer, NULL, 1, NULL), FEP_RESULT_NULL_PARAMETER,
               NULL);
  CHECK_RESULT(fep_framer_next(NULL, &telegram, &n, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_framer_next(framer, NULL, &n, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_framer_next(framer, &telegram, NULL, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_framer_finish(NULL, &telegram, &n, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_framer_set_max_length(NULL, 10, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_framer_set_line_ending(NULL, FEP_LINE_ENDING_LF, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_framer_frame(NULL, (const uint8_t *)"ab", 2, out, sizeof out,
                                &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_framer_frame(framer, NULL, 2, out, sizeof out, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_framer_frame_alloc(framer, (const uint8_t *)"ab", 2, NULL,
                                      NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK(fep_framer_buffered(NULL) == 0);
  fep_framer_free(framer);
  fep_framer_free(NULL);
  fep_schema_free(lines);
  fep_schema_free(schema);
}

static void test_key(void) {
  const fep_schema *schema = load("firmbanking.layout");
  const fep_schema *nokey = NULL;
  uint8_t telegram[1024];
  size_t len = first_telegram(schema, "firmbanking/transfer-request.bin",
                              telegram, sizeof telegram);
  char key[64];
  size_t n = 0;
  fep_error *err = NULL;

  CHECK_RESULT(fep_schema_key(schema, telegram, len, key, sizeof key, &n, &err),
               FEP_RESULT_OK, err);
  CHECK_STR(key, "20240315|004|TESTCO0001|000123");
  CHECK(n == 30);
  memset(key, '#', sizeof key);
  CHECK_RESULT(fep_schema_key(schema, telegram, len, key, 30, &n, &err),
               FEP_RESULT_INSUFFICIENT_SIZE, err);
  CHECK(n == 31 && key[0] == '#');
  clear_error(&err);
  CHECK_RESULT(fep_schema_key(schema, (const uint8_t *)"zz", 2, key, sizeof key,
                              &n, &err),
               FEP_RESULT_DATA, err);
  clear_error(&err);
  CHECK_RESULT(fep_schema_parse("encoding ascii\nmessage m 3 {\n a X(3)\n}\n",
                                FEP_NUL_TERMINATED, &nokey, NULL),
               FEP_RESULT_OK, NULL);
  CHECK_RESULT(fep_schema_key(nokey, (const uint8_t *)"abc", 3, key, sizeof key,
                              &n, &err),
               FEP_RESULT_NO_KEY, err);
  CHECK(fep_error_category(err) == FEP_CATEGORY_LAYOUT);
  clear_error(&err);
  CHECK_RESULT(fep_schema_key(NULL, telegram, len, key, sizeof key, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_key(schema, NULL, len, key, sizeof key, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_key(schema, telegram, len, NULL, sizeof key, &n, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  CHECK_RESULT(fep_schema_key(schema, telegram, len, key, sizeof key, NULL, NULL),
               FEP_RESULT_NULL_PARAMETER, NULL);
  fep_schema_free(nokey);
  fep_schema_free(schema);
}

static void test_error_accessors_on_null(void) {
  CHECK(fep_error_code(NULL) == FEP_RESULT_OK);
  CHECK(fep_error_category(NULL) == FEP_CATEGORY_NONE);
  CHECK_STR(fep_error_message(NULL), "");
  CHECK_STR(fep_error_path(NULL), "");
  CHECK_STR(fep_error_message_name(NULL), "");
  CHECK(fep_error_offset(NULL) == -1);
  CHECK(fep_error_length(NULL) == -1);
  CHECK(fep_error_line(NULL) == 0);
  CHECK(fep_error_column(NULL) == 0);
  fep_error_free(NULL);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s LAYOUTS_DIR\n", argv[0]);
    return 2;
  }
  g_layouts = argv[1];
  test_version_and_names();
  test_schema();
  test_decode_and_read();
  test_bad_telegrams();
  test_json();
  test_encode();
  test_framer();
  test_key();
  test_error_accessors_on_null();
  return finish("test_api");
}
