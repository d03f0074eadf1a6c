package fep;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The native calls, over {@code java.lang.foreign} (Java 22 and later, no dependency): each
 * converts its arguments, calls the C function, and turns a failure into a {@link
 * FepException}. Handles travel as addresses. Run with {@code --enable-native-access=ALL-UNNAMED}
 * (or the module's name) to allow the native calls.
 */
// The restricted methods (library lookup, downcalls, reinterpreting addresses the C API hands
// out with their lengths) are what this class is for.
@SuppressWarnings("restricted")
final class Lib {
  private Lib() {}

  private static final int OK = 0;
  private static final int INSUFFICIENT_SIZE = 3;
  private static final int NO_TELEGRAM = 5;
  private static final int NULL_VALUE = 108;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LOOKUP = lookup();

  static {
    MemoryLayout sizeT = LINKER.canonicalLayouts().get("size_t");
    if (sizeT.byteSize() != 8) {
      throw new UnsupportedOperationException("fep's FFM binding needs a 64-bit platform");
    }
  }

  /** The library, found as {@link Loader} says; loaded once, for the JVM's lifetime. */
  private static SymbolLookup lookup() {
    return Loader.load(
        new Loader.Opener<SymbolLookup>() {
          @Override
          public SymbolLookup file(String path) {
            return SymbolLookup.libraryLookup(Path.of(path), Arena.global());
          }

          @Override
          public SymbolLookup name(String name) {
            return SymbolLookup.libraryLookup(System.mapLibraryName(name), Arena.global());
          }
        },
        "LD_LIBRARY_PATH, the loader's cache");
  }

  private static MethodHandle fn(String name, MemoryLayout result, MemoryLayout... args) {
    MemorySegment symbol =
        LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError("no symbol " + name));
    FunctionDescriptor d =
        result == null ? FunctionDescriptor.ofVoid(args) : FunctionDescriptor.of(result, args);
    return LINKER.downcallHandle(symbol, d);
  }

  // size_t is JAVA_LONG (checked above); handles and pointers are ADDRESS.
  private static final MethodHandle VERSION = fn("fep_version", ADDRESS);

  // Before any other function is looked up: a library too old for these classes is reported
  // as such, not as a missing symbol.
  static {
    Loader.checkVersion(version());
  }

  private static final MethodHandle SCHEMA_LOAD =
      fn("fep_schema_load", JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle SCHEMA_PARSE =
      fn("fep_schema_parse", JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle SCHEMA_FREE = fn("fep_schema_free", null, ADDRESS);
  private static final MethodHandle SCHEMA_FIELD =
      fn("fep_schema_field", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle FIELD_PATH = fn("fep_field_path", ADDRESS, ADDRESS);
  private static final MethodHandle FIELD_FREE = fn("fep_field_free", null, ADDRESS);
  private static final MethodHandle SCHEMA_KEY =
      fn("fep_schema_key", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS,
          ADDRESS);
  private static final MethodHandle SCHEMA_DECODE =
      fn("fep_schema_decode", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle SCHEMA_VIEW =
      fn("fep_schema_view", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle MESSAGE_NAME = fn("fep_message_name", ADDRESS, ADDRESS);
  private static final MethodHandle MESSAGE_TO_JSON =
      fn("fep_message_to_json", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
  private static final MethodHandle MESSAGE_FREE = fn("fep_message_free", null, ADDRESS);
  private static final MethodHandle GET_STR =
      fn("fep_message_get_str", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS,
          ADDRESS);
  private static final MethodHandle FIELD_STR =
      fn("fep_message_field_str", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle GET_INT =
      fn("fep_message_get_int", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle FIELD_INT =
      fn("fep_message_field_int", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  private static final MethodHandle GET_DECIMAL =
      fn("fep_message_get_decimal", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG,
          ADDRESS, ADDRESS);
  private static final MethodHandle FIELD_DECIMAL =
      fn("fep_message_field_decimal", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS,
          ADDRESS);
  private static final MethodHandle GET_RAW =
      fn("fep_message_get_raw", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS);
  private static final MethodHandle FIELD_RAW =
      fn("fep_message_field_raw", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  private static final MethodHandle GET_IS_NULL =
      fn("fep_message_get_is_null", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle FIELD_IS_NULL =
      fn("fep_message_field_is_null", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  private static final MethodHandle ENCODE_JSON_ALLOC =
      fn("fep_schema_encode_json_alloc", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG,
          ADDRESS, ADDRESS);
  private static final MethodHandle FRAMER_NEW =
      fn("fep_framer_new", JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
  private static final MethodHandle FRAMER_SET_MAX_LENGTH =
      fn("fep_framer_set_max_length", JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS);
  private static final MethodHandle FRAMER_SET_LINE_ENDING =
      fn("fep_framer_set_line_ending", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
  private static final MethodHandle FRAMER_FEED =
      fn("fep_framer_feed", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
  private static final MethodHandle FRAMER_NEXT =
      fn("fep_framer_next", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  private static final MethodHandle FRAMER_FINISH =
      fn("fep_framer_finish", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  private static final MethodHandle FRAMER_BUFFERED =
      fn("fep_framer_buffered", JAVA_LONG, ADDRESS);
  private static final MethodHandle FRAMER_FRAME_ALLOC =
      fn("fep_framer_frame_alloc", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle FRAMER_FREE = fn("fep_framer_free", null, ADDRESS);
  // uint64_t is JAVA_LONG too.
  private static final MethodHandle CORRELATOR_NEW =
      fn("fep_correlator_new", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle CORRELATOR_INSERT =
      fn("fep_correlator_insert", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG,
          ADDRESS);
  private static final MethodHandle CORRELATOR_COMPLETE =
      fn("fep_correlator_complete", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS,
          ADDRESS);
  private static final MethodHandle CORRELATOR_CANCEL =
      fn("fep_correlator_cancel", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS,
          ADDRESS);
  private static final MethodHandle CORRELATOR_EXPIRE =
      fn("fep_correlator_expire", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle CORRELATOR_DRAIN =
      fn("fep_correlator_drain", JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS);
  private static final MethodHandle CORRELATOR_LEN = fn("fep_correlator_len", JAVA_LONG, ADDRESS);
  private static final MethodHandle CORRELATOR_FREE = fn("fep_correlator_free", null, ADDRESS);
  private static final MethodHandle BUFFER_DATA = fn("fep_buffer_data", ADDRESS, ADDRESS);
  private static final MethodHandle BUFFER_LEN = fn("fep_buffer_len", JAVA_LONG, ADDRESS);
  private static final MethodHandle BUFFER_FREE = fn("fep_buffer_free", null, ADDRESS);
  private static final MethodHandle ERROR_CATEGORY = fn("fep_error_category", JAVA_INT, ADDRESS);
  private static final MethodHandle ERROR_MESSAGE = fn("fep_error_message", ADDRESS, ADDRESS);
  private static final MethodHandle ERROR_PATH = fn("fep_error_path", ADDRESS, ADDRESS);
  private static final MethodHandle ERROR_MESSAGE_NAME =
      fn("fep_error_message_name", ADDRESS, ADDRESS);
  private static final MethodHandle ERROR_OFFSET = fn("fep_error_offset", JAVA_LONG, ADDRESS);
  private static final MethodHandle ERROR_LENGTH = fn("fep_error_length", JAVA_LONG, ADDRESS);
  private static final MethodHandle ERROR_LINE = fn("fep_error_line", JAVA_INT, ADDRESS);
  private static final MethodHandle ERROR_COLUMN = fn("fep_error_column", JAVA_INT, ADDRESS);
  private static final MethodHandle ERROR_FREE = fn("fep_error_free", null, ADDRESS);
  private static final MethodHandle RESULT_NAME = fn("fep_result_name", ADDRESS, JAVA_INT);

  // ---------------------------------------------------------------- helpers

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException(t);
  }

  private static MemorySegment handle(long address) {
    return MemorySegment.ofAddress(address);
  }

  /** A copy of {@code bytes} in the arena (NULL for null). */
  private static MemorySegment bytes(Arena arena, byte[] bytes) {
    if (bytes == null) {
      return MemorySegment.NULL;
    }
    MemorySegment s = arena.allocate(Math.max(1, bytes.length));
    MemorySegment.copy(bytes, 0, s, JAVA_BYTE, 0, bytes.length);
    return s;
  }

  private static long len(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }

  private static String string(MemorySegment p) {
    return p.equals(MemorySegment.NULL) ? null : p.reinterpret(Long.MAX_VALUE).getString(0);
  }

  private static byte[] read(MemorySegment p, long n) {
    return p.reinterpret(n).toArray(JAVA_BYTE);
  }

  /** The exception for a failed call; frees the native error. */
  private static FepException error(int rc, MemorySegment errSlot) throws Throwable {
    MemorySegment e = errSlot.get(ADDRESS, 0);
    try {
      return new FepException(
          rc,
          string((MemorySegment) RESULT_NAME.invokeExact(rc)),
          (int) ERROR_CATEGORY.invokeExact(e),
          string((MemorySegment) ERROR_MESSAGE.invokeExact(e)),
          string((MemorySegment) ERROR_PATH.invokeExact(e)),
          string((MemorySegment) ERROR_MESSAGE_NAME.invokeExact(e)),
          (long) ERROR_OFFSET.invokeExact(e),
          (long) ERROR_LENGTH.invokeExact(e),
          (int) ERROR_LINE.invokeExact(e),
          (int) ERROR_COLUMN.invokeExact(e));
    } finally {
      ERROR_FREE.invokeExact(e);
    }
  }

  private static void freeError(MemorySegment errSlot) throws Throwable {
    ERROR_FREE.invokeExact(errSlot.get(ADDRESS, 0));
  }

  private static void check(int rc, MemorySegment errSlot) throws Throwable {
    if (rc != OK) {
      throw error(rc, errSlot);
    }
  }

  /** Takes a library-owned buffer's bytes and frees it. */
  private static byte[] take(MemorySegment bufferSlot) throws Throwable {
    MemorySegment b = bufferSlot.get(ADDRESS, 0);
    try {
      return read((MemorySegment) BUFFER_DATA.invokeExact(b), (long) BUFFER_LEN.invokeExact(b));
    } finally {
      BUFFER_FREE.invokeExact(b);
    }
  }

  /** A call that writes text to a caller buffer. */
  private interface TextCall {
    int call(MemorySegment buf, long cap, MemorySegment outLen, MemorySegment err)
        throws Throwable;
  }

  /** Runs a text call, growing the buffer once when it is too small; null for a blank field. */
  private static String text(Arena arena, TextCall call) throws Throwable {
    long cap = 256;
    MemorySegment n = arena.allocate(JAVA_LONG);
    MemorySegment err = arena.allocate(ADDRESS);
    for (; ; ) {
      MemorySegment buf = arena.allocate(cap);
      int rc = call.call(buf, cap, n, err);
      if (rc == OK) {
        return new String(read(buf, n.get(JAVA_LONG, 0)), StandardCharsets.UTF_8);
      }
      if (rc == INSUFFICIENT_SIZE) {
        freeError(err);
        cap = n.get(JAVA_LONG, 0);
        continue;
      }
      if (rc == NULL_VALUE) {
        freeError(err);
        return null;
      }
      throw error(rc, err);
    }
  }

  // ---------------------------------------------------------------- calls

  static String version() {
    try {
      return string((MemorySegment) VERSION.invokeExact());
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  private static long newHandle(MethodHandle f, long owner, byte[] data) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          owner == 0
              ? (int) f.invokeExact(bytes(a, data), len(data), out, err)
              : (int) f.invokeExact(handle(owner), bytes(a, data), len(data), out, err);
      check(rc, err);
      return out.get(ADDRESS, 0).address();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long schemaLoad(byte[] path) {
    return newHandle(SCHEMA_LOAD, 0, path);
  }

  static long schemaParse(byte[] text) {
    return newHandle(SCHEMA_PARSE, 0, text);
  }

  static void schemaFree(long schema) {
    free(SCHEMA_FREE, schema);
  }

  private static void free(MethodHandle f, long address) {
    try {
      f.invokeExact(handle(address));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long schemaField(long schema, byte[] path) {
    return newHandle(SCHEMA_FIELD, schema, path);
  }

  static String fieldPath(long field) {
    try {
      return string((MemorySegment) FIELD_PATH.invokeExact(handle(field)));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void fieldFree(long field) {
    free(FIELD_FREE, field);
  }

  static String schemaKey(long schema, byte[] telegram) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment t = bytes(a, telegram);
      return text(
          a,
          (buf, cap, n, err) ->
              (int) SCHEMA_KEY.invokeExact(handle(schema), t, len(telegram), buf, cap, n, err));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long schemaDecode(long schema, byte[] telegram) {
    return newHandle(SCHEMA_DECODE, schema, telegram);
  }

  static long schemaView(long schema, byte[] telegram) {
    return newHandle(SCHEMA_VIEW, schema, telegram);
  }

  static String messageName(long message) {
    try {
      return string((MemorySegment) MESSAGE_NAME.invokeExact(handle(message)));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static String messageToJson(long message, int flags) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment err = a.allocate(ADDRESS);
      check((int) MESSAGE_TO_JSON.invokeExact(handle(message), flags, out, err), err);
      return new String(take(out), StandardCharsets.UTF_8);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void messageFree(long message) {
    free(MESSAGE_FREE, message);
  }

  static String messageStr(long message, byte[] path, long field) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = bytes(a, path);
      return text(
          a,
          (buf, cap, n, err) ->
              path != null
                  ? (int) GET_STR.invokeExact(handle(message), p, len(path), buf, cap, n, err)
                  : (int) FIELD_STR.invokeExact(handle(message), handle(field), buf, cap, n, err));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static String messageDecimal(long message, byte[] path, long field) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment p = bytes(a, path);
      return text(
          a,
          (buf, cap, n, err) ->
              path != null
                  ? (int) GET_DECIMAL.invokeExact(handle(message), p, len(path), buf, cap, n, err)
                  : (int)
                      FIELD_DECIMAL.invokeExact(handle(message), handle(field), buf, cap, n, err));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static Long messageInt(long message, byte[] path, long field) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(JAVA_LONG);
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          path != null
              ? (int) GET_INT.invokeExact(handle(message), bytes(a, path), len(path), out, err)
              : (int) FIELD_INT.invokeExact(handle(message), handle(field), out, err);
      if (rc == NULL_VALUE) {
        freeError(err);
        return null;
      }
      check(rc, err);
      return out.get(JAVA_LONG, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static byte[] messageRaw(long message, byte[] path, long field) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment n = a.allocate(JAVA_LONG);
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          path != null
              ? (int) GET_RAW.invokeExact(handle(message), bytes(a, path), len(path), out, n, err)
              : (int) FIELD_RAW.invokeExact(handle(message), handle(field), out, n, err);
      check(rc, err);
      return read(out.get(ADDRESS, 0), n.get(JAVA_LONG, 0));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static boolean messageIsNull(long message, byte[] path, long field) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(JAVA_BYTE);
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          path != null
              ? (int) GET_IS_NULL.invokeExact(handle(message), bytes(a, path), len(path), out, err)
              : (int) FIELD_IS_NULL.invokeExact(handle(message), handle(field), out, err);
      check(rc, err);
      return out.get(JAVA_BYTE, 0) != 0;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static byte[] encodeJson(long schema, byte[] message, byte[] json) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          (int)
              ENCODE_JSON_ALLOC.invokeExact(
                  handle(schema), bytes(a, message), len(message), bytes(a, json), len(json), out,
                  err);
      check(rc, err);
      return take(out);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long framerNew(long schema) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment err = a.allocate(ADDRESS);
      check((int) FRAMER_NEW.invokeExact(handle(schema), out, err), err);
      return out.get(ADDRESS, 0).address();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void framerSetMaxLength(long framer, long max) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment err = a.allocate(ADDRESS);
      check((int) FRAMER_SET_MAX_LENGTH.invokeExact(handle(framer), max, err), err);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void framerSetLineEnding(long framer, int ending) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment err = a.allocate(ADDRESS);
      check((int) FRAMER_SET_LINE_ENDING.invokeExact(handle(framer), ending, err), err);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void framerFeed(long framer, byte[] data, int off, int n) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment err = a.allocate(ADDRESS);
      MemorySegment d = MemorySegment.NULL;
      if (data != null) {
        d = a.allocate(Math.max(1, n));
        MemorySegment.copy(data, off, d, JAVA_BYTE, 0, n);
      }
      check((int) FRAMER_FEED.invokeExact(handle(framer), d, (long) n, err), err);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The next (or last) telegram, or null; its frame's stream offset into offset[0]. */
  static byte[] framerTake(long framer, boolean atEnd, long[] offset) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment n = a.allocate(JAVA_LONG);
      MemorySegment at = a.allocate(JAVA_LONG);
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          atEnd
              ? (int) FRAMER_FINISH.invokeExact(handle(framer), out, n, at, err)
              : (int) FRAMER_NEXT.invokeExact(handle(framer), out, n, at, err);
      if (rc == NO_TELEGRAM) {
        return null;
      }
      check(rc, err);
      offset[0] = at.get(JAVA_LONG, 0);
      return read(out.get(ADDRESS, 0), n.get(JAVA_LONG, 0));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long framerBuffered(long framer) {
    try {
      return (long) FRAMER_BUFFERED.invokeExact(handle(framer));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static byte[] framerFrame(long framer, byte[] telegram) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          (int)
              FRAMER_FRAME_ALLOC.invokeExact(
                  handle(framer), bytes(a, telegram), len(telegram), out, err);
      check(rc, err);
      return take(out);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void framerFree(long framer) {
    free(FRAMER_FREE, framer);
  }

  static long correlatorNew(long schema, long capacity, long timeoutMs) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(ADDRESS);
      MemorySegment err = a.allocate(ADDRESS);
      check(
          (int) CORRELATOR_NEW.invokeExact(handle(schema), capacity, timeoutMs, out, err), err);
      return out.get(ADDRESS, 0).address();
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void correlatorInsert(long correlator, byte[] telegram, long token, long timeoutMs) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          (int)
              CORRELATOR_INSERT.invokeExact(
                  handle(correlator), bytes(a, telegram), len(telegram), token, timeoutMs, err);
      check(rc, err);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** The request's token; the microseconds it waited into elapsedUs[0]. */
  static long correlatorComplete(long correlator, byte[] telegram, long[] elapsedUs) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment token = a.allocate(JAVA_LONG);
      MemorySegment us = a.allocate(JAVA_LONG);
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          (int)
              CORRELATOR_COMPLETE.invokeExact(
                  handle(correlator), bytes(a, telegram), len(telegram), token, us, err);
      check(rc, err);
      elapsedUs[0] = us.get(JAVA_LONG, 0);
      return token.get(JAVA_LONG, 0);
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Whether a request was pending; its token into token[0]. */
  static boolean correlatorCancel(long correlator, byte[] telegram, long[] token) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(JAVA_LONG);
      MemorySegment found = a.allocate(JAVA_BYTE);
      MemorySegment err = a.allocate(ADDRESS);
      int rc =
          (int)
              CORRELATOR_CANCEL.invokeExact(
                  handle(correlator), bytes(a, telegram), len(telegram), out, found, err);
      check(rc, err);
      token[0] = out.get(JAVA_LONG, 0);
      return found.get(JAVA_BYTE, 0) != 0;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  /** Expired (or drained) tokens into ids, at most ids.length; their number. */
  static int correlatorGiveBack(long correlator, boolean drain, long[] ids) {
    try (Arena a = Arena.ofConfined()) {
      MemorySegment out = a.allocate(JAVA_LONG, Math.max(1, ids.length));
      MemorySegment n = a.allocate(JAVA_LONG);
      MemorySegment err = a.allocate(ADDRESS);
      long cap = ids.length;
      int rc =
          drain
              ? (int) CORRELATOR_DRAIN.invokeExact(handle(correlator), out, cap, n, err)
              : (int) CORRELATOR_EXPIRE.invokeExact(handle(correlator), out, cap, n, err);
      check(rc, err);
      int count = (int) n.get(JAVA_LONG, 0);
      MemorySegment.copy(out, JAVA_LONG, 0, ids, 0, count);
      return count;
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static long correlatorLen(long correlator) {
    try {
      return (long) CORRELATOR_LEN.invokeExact(handle(correlator));
    } catch (Throwable t) {
      throw rethrow(t);
    }
  }

  static void correlatorFree(long correlator) {
    free(CORRELATOR_FREE, correlator);
  }
}
