package fep;

import com.sun.jna.IntegerType;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.ByReference;
import com.sun.jna.ptr.ByteByReference;
import com.sun.jna.ptr.LongByReference;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The native calls, over JNA (Java 8 and later): each converts its arguments, calls the C
 * function, and turns a failure into a {@link FepException}. Handles travel as addresses.
 */
final class Lib {
  private Lib() {}

  private static final int OK = 0;
  private static final int INSUFFICIENT_SIZE = 3;
  private static final int NO_TELEGRAM = 5;
  private static final int NULL_VALUE = 108;

  /** {@code size_t}, as wide as the platform's. */
  public static final class SizeT extends IntegerType {
    private static final long serialVersionUID = 1L;

    /** Zero (JNA makes return values with this). */
    public SizeT() {
      this(0);
    }

    SizeT(long value) {
      super(Native.SIZE_T_SIZE, value, true);
    }
  }

  /** {@code size_t *}. */
  public static final class SizeTByReference extends ByReference {
    /** A zeroed slot. */
    public SizeTByReference() {
      super(Native.SIZE_T_SIZE);
      getPointer().setLong(0, 0);
    }

    long value() {
      return Native.SIZE_T_SIZE == 8
          ? getPointer().getLong(0)
          : getPointer().getInt(0) & 0xffffffffL;
    }
  }

  /** The C functions, by their names in fep.h. */
  interface C extends Library {
    Pointer fep_version();

    int fep_schema_load(byte[] path, SizeT len, PointerByReference out, PointerByReference err);

    int fep_schema_parse(byte[] text, SizeT len, PointerByReference out, PointerByReference err);

    void fep_schema_free(Pointer schema);

    int fep_schema_field(
        Pointer schema, byte[] path, SizeT len, PointerByReference out, PointerByReference err);

    Pointer fep_field_path(Pointer field);

    void fep_field_free(Pointer field);

    int fep_schema_key(
        Pointer schema,
        byte[] telegram,
        SizeT len,
        Pointer buf,
        SizeT bufLen,
        SizeTByReference outLen,
        PointerByReference err);

    int fep_schema_decode(
        Pointer schema, byte[] telegram, SizeT len, PointerByReference out, PointerByReference err);

    int fep_schema_view(
        Pointer schema, byte[] telegram, SizeT len, PointerByReference out, PointerByReference err);

    Pointer fep_message_name(Pointer message);

    int fep_message_to_json(
        Pointer message, int flags, PointerByReference out, PointerByReference err);

    void fep_message_free(Pointer message);

    int fep_message_get_str(
        Pointer message,
        byte[] path,
        SizeT pathLen,
        Pointer buf,
        SizeT bufLen,
        SizeTByReference outLen,
        PointerByReference err);

    int fep_message_field_str(
        Pointer message,
        Pointer field,
        Pointer buf,
        SizeT bufLen,
        SizeTByReference outLen,
        PointerByReference err);

    int fep_message_get_int(
        Pointer message, byte[] path, SizeT pathLen, LongByReference out, PointerByReference err);

    int fep_message_field_int(
        Pointer message, Pointer field, LongByReference out, PointerByReference err);

    int fep_message_get_decimal(
        Pointer message,
        byte[] path,
        SizeT pathLen,
        Pointer buf,
        SizeT bufLen,
        SizeTByReference outLen,
        PointerByReference err);

    int fep_message_field_decimal(
        Pointer message,
        Pointer field,
        Pointer buf,
        SizeT bufLen,
        SizeTByReference outLen,
        PointerByReference err);

    int fep_message_get_raw(
        Pointer message,
        byte[] path,
        SizeT pathLen,
        PointerByReference out,
        SizeTByReference outLen,
        PointerByReference err);

    int fep_message_field_raw(
        Pointer message,
        Pointer field,
        PointerByReference out,
        SizeTByReference outLen,
        PointerByReference err);

    int fep_message_get_is_null(
        Pointer message, byte[] path, SizeT pathLen, ByteByReference out, PointerByReference err);

    int fep_message_field_is_null(
        Pointer message, Pointer field, ByteByReference out, PointerByReference err);

    int fep_schema_encode_json_alloc(
        Pointer schema,
        byte[] message,
        SizeT messageLen,
        byte[] json,
        SizeT jsonLen,
        PointerByReference out,
        PointerByReference err);

    int fep_framer_new(Pointer schema, PointerByReference out, PointerByReference err);

    int fep_framer_set_max_length(Pointer framer, SizeT max, PointerByReference err);

    int fep_framer_set_line_ending(Pointer framer, int ending, PointerByReference err);

    int fep_framer_feed(Pointer framer, byte[] data, SizeT len, PointerByReference err);

    int fep_framer_next(
        Pointer framer,
        PointerByReference out,
        SizeTByReference outLen,
        LongByReference outOffset,
        PointerByReference err);

    int fep_framer_finish(
        Pointer framer,
        PointerByReference out,
        SizeTByReference outLen,
        LongByReference outOffset,
        PointerByReference err);

    SizeT fep_framer_buffered(Pointer framer);

    int fep_framer_frame_alloc(
        Pointer framer, byte[] telegram, SizeT len, PointerByReference out, PointerByReference err);

    void fep_framer_free(Pointer framer);

    int fep_correlator_new(
        Pointer schema, SizeT capacity, long timeoutMs, PointerByReference out, PointerByReference err);

    int fep_correlator_insert(
        Pointer correlator,
        byte[] telegram,
        SizeT len,
        long token,
        long timeoutMs,
        PointerByReference err);

    int fep_correlator_complete(
        Pointer correlator,
        byte[] telegram,
        SizeT len,
        LongByReference outToken,
        LongByReference outElapsedUs,
        PointerByReference err);

    int fep_correlator_cancel(
        Pointer correlator,
        byte[] telegram,
        SizeT len,
        LongByReference outToken,
        ByteByReference outFound,
        PointerByReference err);

    int fep_correlator_expire(
        Pointer correlator, long[] outTokens, SizeT cap, SizeTByReference outN, PointerByReference err);

    int fep_correlator_drain(
        Pointer correlator, long[] outTokens, SizeT cap, SizeTByReference outN, PointerByReference err);

    SizeT fep_correlator_len(Pointer correlator);

    void fep_correlator_free(Pointer correlator);

    Pointer fep_buffer_data(Pointer buffer);

    SizeT fep_buffer_len(Pointer buffer);

    void fep_buffer_free(Pointer buffer);

    int fep_error_category(Pointer err);

    Pointer fep_error_message(Pointer err);

    Pointer fep_error_path(Pointer err);

    Pointer fep_error_message_name(Pointer err);

    long fep_error_offset(Pointer err);

    long fep_error_length(Pointer err);

    int fep_error_line(Pointer err);

    int fep_error_column(Pointer err);

    void fep_error_free(Pointer err);

    Pointer fep_result_name(int result);
  }

  private static final C NATIVE =
      Loader.load(
          new Loader.Opener<C>() {
            @Override
            public C file(String path) {
              return Native.load(path, C.class);
            }

            @Override
            public C name(String name) {
              return Native.load(name, C.class);
            }
          },
          "LD_LIBRARY_PATH, jna.library.path, the loader's cache");

  static {
    Loader.checkVersion(string(NATIVE.fep_version()));
  }

  private static Pointer ptr(long address) {
    return address == 0 ? null : new Pointer(address);
  }

  private static long address(PointerByReference ref) {
    return Pointer.nativeValue(ref.getValue());
  }

  private static SizeT len(byte[] bytes) {
    return new SizeT(bytes == null ? 0 : bytes.length);
  }

  private static String string(Pointer p) {
    return p == null ? null : p.getString(0, "UTF-8");
  }

  /** The exception for a failed call; frees the native error. */
  private static FepException error(int rc, PointerByReference err) {
    Pointer e = err.getValue();
    try {
      return new FepException(
          rc,
          string(NATIVE.fep_result_name(rc)),
          NATIVE.fep_error_category(e),
          string(NATIVE.fep_error_message(e)),
          string(NATIVE.fep_error_path(e)),
          string(NATIVE.fep_error_message_name(e)),
          NATIVE.fep_error_offset(e),
          NATIVE.fep_error_length(e),
          NATIVE.fep_error_line(e),
          NATIVE.fep_error_column(e));
    } finally {
      NATIVE.fep_error_free(e);
    }
  }

  private static void check(int rc, PointerByReference err) {
    if (rc != OK) {
      throw error(rc, err);
    }
  }

  /** Takes a library-owned buffer's bytes and frees it. */
  private static byte[] take(PointerByReference buffer) {
    Pointer b = buffer.getValue();
    try {
      return NATIVE.fep_buffer_data(b).getByteArray(0, (int) NATIVE.fep_buffer_len(b).longValue());
    } finally {
      NATIVE.fep_buffer_free(b);
    }
  }

  /** A call that writes text to a caller buffer. */
  private interface TextCall {
    int call(Pointer buf, SizeT cap, SizeTByReference outLen, PointerByReference err);
  }

  /** Runs a text call, growing the buffer once when it is too small; null for a blank field. */
  private static String text(TextCall call) {
    long cap = 256;
    for (; ; ) {
      Memory buf = new Memory(cap);
      SizeTByReference n = new SizeTByReference();
      PointerByReference err = new PointerByReference();
      int rc = call.call(buf, new SizeT(cap), n, err);
      if (rc == OK) {
        return new String(buf.getByteArray(0, (int) n.value()), StandardCharsets.UTF_8);
      }
      if (rc == INSUFFICIENT_SIZE) {
        NATIVE.fep_error_free(err.getValue());
        cap = n.value();
        continue;
      }
      if (rc == NULL_VALUE) {
        NATIVE.fep_error_free(err.getValue());
        return null;
      }
      throw error(rc, err);
    }
  }

  static String version() {
    return string(NATIVE.fep_version());
  }

  static long schemaLoad(byte[] path) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_schema_load(path, len(path), out, err), err);
    return address(out);
  }

  static long schemaParse(byte[] text) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_schema_parse(text, len(text), out, err), err);
    return address(out);
  }

  static void schemaFree(long schema) {
    NATIVE.fep_schema_free(ptr(schema));
  }

  static long schemaField(long schema, byte[] path) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_schema_field(ptr(schema), path, len(path), out, err), err);
    return address(out);
  }

  static String fieldPath(long field) {
    return string(NATIVE.fep_field_path(ptr(field)));
  }

  static void fieldFree(long field) {
    NATIVE.fep_field_free(ptr(field));
  }

  static String schemaKey(final long schema, final byte[] telegram) {
    String key =
        text(
            new TextCall() {
              @Override
              public int call(
                  Pointer buf, SizeT cap, SizeTByReference outLen, PointerByReference err) {
                return NATIVE.fep_schema_key(
                    ptr(schema), telegram, len(telegram), buf, cap, outLen, err);
              }
            });
    return key;
  }

  static long schemaDecode(long schema, byte[] telegram) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_schema_decode(ptr(schema), telegram, len(telegram), out, err), err);
    return address(out);
  }

  static long schemaView(long schema, byte[] telegram) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_schema_view(ptr(schema), telegram, len(telegram), out, err), err);
    return address(out);
  }

  static String messageName(long message) {
    return string(NATIVE.fep_message_name(ptr(message)));
  }

  static String messageToJson(long message, int flags) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_message_to_json(ptr(message), flags, out, err), err);
    return new String(take(out), StandardCharsets.UTF_8);
  }

  static void messageFree(long message) {
    NATIVE.fep_message_free(ptr(message));
  }

  static String messageStr(final long message, final byte[] path, final long field) {
    return text(
        new TextCall() {
          @Override
          public int call(Pointer buf, SizeT cap, SizeTByReference outLen, PointerByReference err) {
            return path != null
                ? NATIVE.fep_message_get_str(ptr(message), path, len(path), buf, cap, outLen, err)
                : NATIVE.fep_message_field_str(ptr(message), ptr(field), buf, cap, outLen, err);
          }
        });
  }

  static String messageDecimal(final long message, final byte[] path, final long field) {
    return text(
        new TextCall() {
          @Override
          public int call(Pointer buf, SizeT cap, SizeTByReference outLen, PointerByReference err) {
            return path != null
                ? NATIVE.fep_message_get_decimal(ptr(message), path, len(path), buf, cap, outLen, err)
                : NATIVE.fep_message_field_decimal(ptr(message), ptr(field), buf, cap, outLen, err);
          }
        });
  }

  static Long messageInt(long message, byte[] path, long field) {
    LongByReference out = new LongByReference();
    PointerByReference err = new PointerByReference();
    int rc =
        path != null
            ? NATIVE.fep_message_get_int(ptr(message), path, len(path), out, err)
            : NATIVE.fep_message_field_int(ptr(message), ptr(field), out, err);
    if (rc == NULL_VALUE) {
      NATIVE.fep_error_free(err.getValue());
      return null;
    }
    check(rc, err);
    return out.getValue();
  }

  static byte[] messageRaw(long message, byte[] path, long field) {
    PointerByReference out = new PointerByReference();
    SizeTByReference n = new SizeTByReference();
    PointerByReference err = new PointerByReference();
    check(
        path != null
            ? NATIVE.fep_message_get_raw(ptr(message), path, len(path), out, n, err)
            : NATIVE.fep_message_field_raw(ptr(message), ptr(field), out, n, err),
        err);
    return out.getValue().getByteArray(0, (int) n.value());
  }

  static boolean messageIsNull(long message, byte[] path, long field) {
    ByteByReference out = new ByteByReference();
    PointerByReference err = new PointerByReference();
    check(
        path != null
            ? NATIVE.fep_message_get_is_null(ptr(message), path, len(path), out, err)
            : NATIVE.fep_message_field_is_null(ptr(message), ptr(field), out, err),
        err);
    return out.getValue() != 0;
  }

  static byte[] encodeJson(long schema, byte[] message, byte[] json) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(
        NATIVE.fep_schema_encode_json_alloc(
            ptr(schema), message, len(message), json, len(json), out, err),
        err);
    return take(out);
  }

  static long framerNew(long schema) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_framer_new(ptr(schema), out, err), err);
    return address(out);
  }

  static void framerSetMaxLength(long framer, long max) {
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_framer_set_max_length(ptr(framer), new SizeT(max), err), err);
  }

  static void framerSetLineEnding(long framer, int ending) {
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_framer_set_line_ending(ptr(framer), ending, err), err);
  }

  static void framerFeed(long framer, byte[] data, int off, int n) {
    PointerByReference err = new PointerByReference();
    byte[] piece =
        data == null || (off == 0 && n == data.length) ? data : Arrays.copyOfRange(data, off, off + n);
    check(NATIVE.fep_framer_feed(ptr(framer), piece, new SizeT(piece == null ? 0 : n), err), err);
  }

  /** The next (or last) telegram, or null; its frame's stream offset into offset[0]. */
  static byte[] framerTake(long framer, boolean atEnd, long[] offset) {
    PointerByReference out = new PointerByReference();
    SizeTByReference n = new SizeTByReference();
    LongByReference at = new LongByReference();
    PointerByReference err = new PointerByReference();
    int rc =
        atEnd
            ? NATIVE.fep_framer_finish(ptr(framer), out, n, at, err)
            : NATIVE.fep_framer_next(ptr(framer), out, n, at, err);
    if (rc == NO_TELEGRAM) {
      return null;
    }
    check(rc, err);
    offset[0] = at.getValue();
    return out.getValue().getByteArray(0, (int) n.value());
  }

  static long framerBuffered(long framer) {
    return NATIVE.fep_framer_buffered(ptr(framer)).longValue();
  }

  static byte[] framerFrame(long framer, byte[] telegram) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_framer_frame_alloc(ptr(framer), telegram, len(telegram), out, err), err);
    return take(out);
  }

  static void framerFree(long framer) {
    NATIVE.fep_framer_free(ptr(framer));
  }

  static long correlatorNew(long schema, long capacity, long timeoutMs) {
    PointerByReference out = new PointerByReference();
    PointerByReference err = new PointerByReference();
    check(NATIVE.fep_correlator_new(ptr(schema), new SizeT(capacity), timeoutMs, out, err), err);
    return address(out);
  }

  static void correlatorInsert(long correlator, byte[] telegram, long token, long timeoutMs) {
    PointerByReference err = new PointerByReference();
    check(
        NATIVE.fep_correlator_insert(
            ptr(correlator), telegram, len(telegram), token, timeoutMs, err),
        err);
  }

  /** The request's token; the microseconds it waited into elapsedUs[0]. */
  static long correlatorComplete(long correlator, byte[] telegram, long[] elapsedUs) {
    LongByReference token = new LongByReference();
    LongByReference us = new LongByReference();
    PointerByReference err = new PointerByReference();
    check(
        NATIVE.fep_correlator_complete(ptr(correlator), telegram, len(telegram), token, us, err),
        err);
    elapsedUs[0] = us.getValue();
    return token.getValue();
  }

  /** Whether a request was pending; its token into token[0]. */
  static boolean correlatorCancel(long correlator, byte[] telegram, long[] token) {
    LongByReference out = new LongByReference();
    ByteByReference found = new ByteByReference();
    PointerByReference err = new PointerByReference();
    check(
        NATIVE.fep_correlator_cancel(ptr(correlator), telegram, len(telegram), out, found, err),
        err);
    token[0] = out.getValue();
    return found.getValue() != 0;
  }

  /** Expired (or drained) tokens into ids, at most ids.length; their number. */
  static int correlatorGiveBack(long correlator, boolean drain, long[] ids) {
    SizeTByReference n = new SizeTByReference();
    PointerByReference err = new PointerByReference();
    SizeT cap = new SizeT(ids.length);
    check(
        drain
            ? NATIVE.fep_correlator_drain(ptr(correlator), ids, cap, n, err)
            : NATIVE.fep_correlator_expire(ptr(correlator), ids, cap, n, err),
        err);
    return (int) n.value();
  }

  static long correlatorLen(long correlator) {
    return NATIVE.fep_correlator_len(ptr(correlator)).longValue();
  }

  static void correlatorFree(long correlator) {
    NATIVE.fep_correlator_free(ptr(correlator));
  }
}
