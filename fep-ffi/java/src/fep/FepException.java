package fep;

/**
 * A failed call into fep: the result code, a category to branch on, a one-line message, and
 * where it happened (field path, message name and byte offset for telegrams; line and column
 * for layouts and JSON).
 *
 * <p>The message never shows the value of a {@code mask} or {@code secret} field.
 */
public class FepException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The coarse class of an error. */
  public enum Category {
    /** No error. */
    NONE,
    /** The call itself is wrong: a null or invalid argument. */
    USAGE,
    /** The layout text is wrong. */
    LAYOUT,
    /** A telegram or a byte stream does not match the layout, or a field is read as a type it does not hold. */
    DATA,
    /** A value (or the JSON holding it) cannot be encoded. */
    ENCODING,
    /** Reading a file failed. */
    IO,
    /** A bug inside the library. */
    INTERNAL;

    static Category of(int n) {
      Category[] all = values();
      return n >= 0 && n < all.length ? all[n] : INTERNAL;
    }
  }

  /** The result code, one of {@code Fep.RESULT_*}. */
  private final int code;
  /** The result code's name, such as {@code FEP_RESULT_DATA}. */
  private final String codeName;
  /** What kind of failure it is. */
  private final Category category;
  /** The field path, or "". */
  private final String path;
  /** The message's name, or "". */
  private final String messageName;
  /** The byte offset, or -1. */
  private final long offset;
  /** The field's byte length, or -1. */
  private final long length;
  /** The 1-based line of a layout or JSON error, or 0. */
  private final int line;
  /** The 1-based column of a layout or JSON error, or 0. */
  private final int column;

  /**
   * An error as the library reported it (bindings build these; applications catch them).
   *
   * @param code the result code, one of {@code Fep.RESULT_*}
   * @param codeName the code's name, such as {@code FEP_RESULT_DATA}
   * @param category the category number
   * @param message the one-line message
   * @param path the field path, or "" when none
   * @param messageName the message's name, or "" when not known
   * @param offset the byte offset, or -1
   * @param length the field's byte length, or -1
   * @param line the 1-based line, or 0
   * @param column the 1-based column, or 0
   */
  public FepException(
      int code,
      String codeName,
      int category,
      String message,
      String path,
      String messageName,
      long offset,
      long length,
      int line,
      int column) {
    super(message);
    this.code = code;
    this.codeName = codeName;
    this.category = Category.of(category);
    this.path = path;
    this.messageName = messageName;
    this.offset = offset;
    this.length = length;
    this.line = line;
    this.column = column;
  }

  /** {@return the result code, one of {@code Fep.RESULT_*}} */
  public int code() {
    return code;
  }

  /** {@return the result code's name, such as {@code FEP_RESULT_DATA}} */
  public String codeName() {
    return codeName;
  }

  /** {@return the category} */
  public Category category() {
    return category;
  }

  /** {@return the field path, such as {@code items[3].amount}, or "" when the error has none} */
  public String path() {
    return path;
  }

  /** {@return the name of the message the error is about, or "" when not known} */
  public String messageName() {
    return messageName;
  }

  /** {@return the byte offset in the telegram (in the stream, for framing errors), or -1} */
  public long offset() {
    return offset;
  }

  /** {@return the byte length of the field, or -1} */
  public long length() {
    return length;
  }

  /** {@return the 1-based line of a layout or JSON error, or 0} */
  public int line() {
    return line;
  }

  /** {@return the 1-based column of a layout or JSON error, or 0} */
  public int column() {
    return column;
  }
}
