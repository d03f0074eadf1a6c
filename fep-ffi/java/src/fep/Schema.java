package fep;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A compiled layout. Build it once and share it: any number of threads may use one schema at
 * once. Close it when done (messages, fields and framers made from it stay valid: they keep it
 * alive on the native side).
 *
 * <pre>{@code
 * try (Schema schema = Schema.load("layouts/firmbanking.layout");
 *      Message msg = schema.decode(telegram)) {
 *   long amount = msg.getLong("amount");
 * }
 * }</pre>
 */
public final class Schema implements AutoCloseable {
  private final Handle handle;

  private Schema(long address) {
    this.handle = new Handle(address, "schema");
  }

  /**
   * Reads and compiles a layout file.
   *
   * @param path the file
   * @return the schema
   * @throws FepException {@code RESULT_IO} or {@code RESULT_LAYOUT} (with line and column)
   */
  public static Schema load(String path) {
    return new Schema(Lib.schemaLoad(utf8(path)));
  }

  /**
   * Compiles a layout from its text.
   *
   * @param text the layout
   * @return the schema
   * @throws FepException {@code RESULT_LAYOUT}, with line and column
   */
  public static Schema parse(String text) {
    return new Schema(Lib.schemaParse(utf8(text)));
  }

  /**
   * Decodes a telegram (without its frame), checking every field.
   *
   * @param telegram the bytes; copied, so the array may be reused at once
   * @return the message, to close
   * @throws FepException {@code RESULT_DATA} with the field path and byte offset
   */
  public Message decode(byte[] telegram) {
    return new Message(Lib.schemaDecode(handle.get(), telegram));
  }

  /**
   * Views a telegram: chooses its message and checks its length only; fields are checked as
   * they are read. For reading a few fields of a long telegram.
   *
   * @param telegram the bytes; copied
   * @return the message, to close
   * @throws FepException {@code RESULT_DATA}
   */
  public Message view(byte[] telegram) {
    return new Message(Lib.schemaView(handle.get(), telegram));
  }

  /**
   * Resolves a field path once, for fast repeated reads: {@code header.seq_no}, {@code
   * items[2].amount}.
   *
   * @param path the path
   * @return the field, to close
   * @throws FepException {@code RESULT_UNKNOWN_FIELD}
   */
  public Field field(String path) {
    return new Field(Lib.schemaField(handle.get(), utf8(path)));
  }

  /**
   * Encodes a whole message given as JSON, {@code {"message": NAME, "fields": {...}}}.
   *
   * @param json the message
   * @return the telegram, without its frame
   * @throws FepException {@code RESULT_JSON}, {@code RESULT_ENCODING} (with the field path),
   *     {@code RESULT_UNKNOWN_MESSAGE}, {@code RESULT_UNKNOWN_FIELD}
   */
  public byte[] encodeJson(String json) {
    return Lib.encodeJson(handle.get(), null, utf8(json));
  }

  /**
   * Encodes the fields of the named message, given as a JSON object.
   *
   * @param message the message's name in the layout
   * @param fieldsJson the object of fields
   * @return the telegram, without its frame
   * @throws FepException as {@link #encodeJson(String)}
   */
  public byte[] encodeJson(String message, String fieldsJson) {
    return Lib.encodeJson(handle.get(), utf8(message), utf8(fieldsJson));
  }

  /**
   * The correlation key of a telegram (the layout's {@code key} directive), read straight
   * from the bytes: {@code 20240315|004|TESTCO0001|000123}.
   *
   * @param telegram the bytes
   * @return the key
   * @throws FepException {@code RESULT_NO_KEY} or {@code RESULT_DATA}
   */
  public String key(byte[] telegram) {
    return Lib.schemaKey(handle.get(), telegram);
  }

  /** {@return a new framer for one byte stream of this layout, to close} */
  public Framer framer() {
    return new Framer(Lib.framerNew(handle.get()));
  }

  /**
   * A new correlator for this layout's telegrams (the layout needs a {@code key} directive),
   * to close.
   *
   * @param capacity the most requests pending at once; positive
   * @param timeout how long a request waits for its response unless its insert says otherwise;
   *     positive (rounded up to milliseconds)
   * @return the correlator
   * @throws FepException {@code RESULT_INVALID_PARAMETER} for a capacity of 0
   */
  public Correlator correlator(long capacity, Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the timeout must be positive: " + timeout);
    }
    if (capacity < 0) {
      throw new IllegalArgumentException("the capacity must be positive: " + capacity);
    }
    long ms = timeout.toMillis();
    long timeoutMs = timeout.equals(Duration.ofMillis(ms)) ? ms : ms + 1;
    return new Correlator(Lib.correlatorNew(handle.get(), capacity, timeoutMs));
  }

  /** Releases the schema. Closing twice is harmless. */
  @Override
  public void close() {
    long address = handle.take();
    if (address != 0) {
      Lib.schemaFree(address);
    }
  }

  static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }
}
