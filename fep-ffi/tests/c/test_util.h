/*
 * Helpers shared by the C tests: checks that count, file reading, and a JSON
 * comparison that ignores layout whitespace (the samples' .json files are
 * indented; the library writes compact JSON unless asked for FEP_JSON_PRETTY).
 */
#ifndef FEP_TEST_UTIL_H
#define FEP_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fep.h"

static int g_checks = 0;
static int g_failures = 0;

#define CHECK(cond)                                                          \
  do {                                                                       \
    g_checks++;                                                              \
    if (!(cond)) {                                                           \
      g_failures++;                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,       \
              #cond);                                                        \
    }                                                                        \
  } while (0)

/* Checks a call's result code; on a mismatch prints the error it stored. */
#define CHECK_RESULT(expr, want, err)                                        \
  do {                                                                       \
    fep_result got_ = (expr);                                                \
    g_checks++;                                                              \
    if (got_ != (fep_result)(want)) {                                        \
      g_failures++;                                                          \
      fprintf(stderr, "%s:%d: %s gave %s, expected %s: %s\n", __FILE__,      \
              __LINE__, #expr, fep_result_name(got_),                        \
              fep_result_name(want), fep_error_message(err));                \
    }                                                                        \
  } while (0)

#define CHECK_STR(got, want)                                                 \
  do {                                                                       \
    const char *g_ = (got);                                                  \
    const char *w_ = (want);                                                 \
    g_checks++;                                                              \
    if (g_ == NULL || strcmp(g_, w_) != 0) {                                 \
      g_failures++;                                                          \
      fprintf(stderr, "%s:%d: got \"%s\", expected \"%s\"\n", __FILE__,      \
              __LINE__, g_ ? g_ : "(null)", w_);                             \
    }                                                                        \
  } while (0)

/* Frees *err and sets it to NULL, ready for the next call. */
static inline void clear_error(fep_error **err) {
  fep_error_free(*err);
  *err = NULL;
}

/* Reads a whole file; NULL on failure. The caller frees the result. */
static inline unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  unsigned char *data = NULL;
  size_t cap = 0, n = 0;
  if (f == NULL) {
    return NULL;
  }
  for (;;) {
    size_t got;
    if (n == cap) {
      unsigned char *bigger;
      cap = cap ? cap * 2 : 4096;
      bigger = realloc(data, cap + 1);
      if (bigger == NULL) {
        free(data);
        fclose(f);
        return NULL;
      }
      data = bigger;
    }
    got = fread(data + n, 1, cap - n, f);
    n += got;
    if (got == 0) {
      break;
    }
  }
  fclose(f);
  data[n] = 0; /* room was kept: usable as a string */
  *len = n;
  return data;
}

/* JSON without the whitespace outside strings. The caller frees the result. */
static inline char *compact_json(const char *s, size_t len) {
  char *out = malloc(len + 1);
  size_t i, n = 0;
  int in_string = 0;
  if (out == NULL) {
    return NULL;
  }
  for (i = 0; i < len; i++) {
    char c = s[i];
    if (in_string) {
      out[n++] = c;
      if (c == '\\' && i + 1 < len) {
        out[n++] = s[++i];
      } else if (c == '"') {
        in_string = 0;
      }
    } else if (c == '"') {
      in_string = 1;
      out[n++] = c;
    } else if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
      out[n++] = c;
    }
  }
  out[n] = 0;
  return out;
}

/*
 * The elements of a top-level JSON array, or the whole text as one element
 * when it is not an array: starts[i] and lens[i], at most max of them.
 */
static inline size_t split_json(const char *s, size_t len, const char **starts,
                                size_t *lens, size_t max) {
  size_t i = 0, count = 0, depth = 0, start = 0;
  int in_string = 0;
  while (i < len && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r')) {
    i++;
  }
  if (i == len || s[i] != '[') {
    starts[0] = s;
    lens[0] = len;
    return 1;
  }
  for (i = i + 1; i < len; i++) {
    char c = s[i];
    if (in_string) {
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        in_string = 0;
      }
      continue;
    }
    if (c == '"') {
      in_string = 1;
    } else if (c == '{' || c == '[') {
      if (depth++ == 0) {
        start = i;
      }
    } else if (c == '}' || c == ']') {
      if (depth == 0) {
        break; /* the array's own end */
      }
      if (--depth == 0 && count < max) {
        starts[count] = s + start;
        lens[count] = i + 1 - start;
        count++;
      }
    }
  }
  return count;
}

/* Prints the summary line of a test program and gives its exit status. */
static inline int finish(const char *name) {
  printf("%s: %d checks, %d failed\n", name, g_checks, g_failures);
  return g_failures == 0 ? 0 : 1;
}

#endif /* FEP_TEST_UTIL_H */
