package fep;

import java.math.BigDecimal;

/**
 * A telegram with its message known, from {@link Schema#decode(byte[])} or {@link
 * Schema#view(byte[])}. Fields are read by path ({@code amount}, {@code header.seq_no}, {@code
 * items[2].amount}) or through a {@link Field}. A blank number, date or time reads as {@code
 * null}. Any number of threads may read one message; close it when done.
 */
public final class Message implements AutoCloseable {
  private final Handle handle;

  Message(long address) {
    this.handle = new Handle(address, "message");
  }

  /** {@return the message's name in the layout, such as {@code transfer}} */
  public String name() {
    return Lib.messageName(handle.get());
  }

  /**
   * A field as text: text without its pad, numbers as exact decimal text, dates and times in
   * ISO form, raw bytes in hex. {@code mask} and {@code secret} fields give their real value.
   *
   * @param path the field's path
   * @return the text, or null for a blank number, date or time
   * @throws FepException {@code RESULT_UNKNOWN_FIELD} or {@code RESULT_DATA}
   */
  public String getString(String path) {
    return Lib.messageStr(handle.get(), Schema.utf8(path), 0);
  }

  /**
   * As {@link #getString(String)}, through a resolved field.
   *
   * @param field the field
   * @return the text, or null
   */
  public String getString(Field field) {
    return Lib.messageStr(handle.get(), null, field.address());
  }

  /**
   * An integer field.
   *
   * @param path the field's path
   * @return the value, or null when blank
   * @throws FepException {@code RESULT_WRONG_TYPE} when it is not an integer that fits a long
   */
  public Long getLong(String path) {
    return Lib.messageInt(handle.get(), Schema.utf8(path), 0);
  }

  /**
   * As {@link #getLong(String)}, through a resolved field.
   *
   * @param field the field
   * @return the value, or null when blank
   */
  public Long getLong(Field field) {
    return Lib.messageInt(handle.get(), null, field.address());
  }

  /**
   * A numeric field, exactly (the field's scale, never a double).
   *
   * @param path the field's path
   * @return the value, or null when blank
   * @throws FepException {@code RESULT_WRONG_TYPE} when it is not numeric
   */
  public BigDecimal getDecimal(String path) {
    String text = Lib.messageDecimal(handle.get(), Schema.utf8(path), 0);
    return text == null ? null : new BigDecimal(text);
  }

  /**
   * As {@link #getDecimal(String)}, through a resolved field.
   *
   * @param field the field
   * @return the value, or null when blank
   */
  public BigDecimal getDecimal(Field field) {
    String text = Lib.messageDecimal(handle.get(), null, field.address());
    return text == null ? null : new BigDecimal(text);
  }

  /**
   * A field's bytes as they stand in the telegram (pad and all, in the layout's encoding).
   *
   * @param path the field's path
   * @return a copy of the bytes
   */
  public byte[] getRaw(String path) {
    return Lib.messageRaw(handle.get(), Schema.utf8(path), 0);
  }

  /**
   * As {@link #getRaw(String)}, through a resolved field.
   *
   * @param field the field
   * @return a copy of the bytes
   */
  public byte[] getRaw(Field field) {
    return Lib.messageRaw(handle.get(), null, field.address());
  }

  /**
   * Whether a field is blank (a number, date or time of spaces); text is never null.
   *
   * @param path the field's path
   * @return true when blank
   */
  public boolean isNull(String path) {
    return Lib.messageIsNull(handle.get(), Schema.utf8(path), 0);
  }

  /**
   * As {@link #isNull(String)}, through a resolved field.
   *
   * @param field the field
   * @return true when blank
   */
  public boolean isNull(Field field) {
    return Lib.messageIsNull(handle.get(), null, field.address());
  }

  /**
   * {@return the message as compact JSON with the real values, which encodes back to the same telegram}
   */
  public String toJson() {
    return Lib.messageToJson(handle.get(), 0);
  }

  /**
   * The message as JSON.
   *
   * @param redacted hide {@code mask} fields but their last 4 characters and {@code secret}
   *     fields whole, for logs and people
   * @param pretty indent over several lines
   * @return the JSON
   */
  public String toJson(boolean redacted, boolean pretty) {
    return Lib.messageToJson(handle.get(), (redacted ? 1 : 0) | (pretty ? 2 : 0));
  }

  /** Releases the message. Closing twice is harmless. */
  @Override
  public void close() {
    long address = handle.take();
    if (address != 0) {
      Lib.messageFree(address);
    }
  }
}
