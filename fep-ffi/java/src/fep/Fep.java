package fep;

/**
 * The library as a whole: its version and the result codes of {@link FepException#code()}.
 *
 * <p>The native library {@code libfep} is looked for, in this order: the file named by the
 * system property {@code fep.library} (when set, nothing else is tried); {@code libfep.so} in a
 * directory of {@code java.library.path}; {@code libfep.so} by name through the system's loader
 * ({@code LD_LIBRARY_PATH}, the loader's cache; with JNA also {@code jna.library.path}); the
 * library inside fep's jar (for linux-x86_64), copied to a temporary file under {@code
 * java.io.tmpdir} and loaded from there. An {@link UnsatisfiedLinkError} says what each step
 * tried when none works, and also when the library found is older than these classes or of
 * another major version.
 */
public final class Fep {
  private Fep() {}

  /** A required argument is null. */
  public static final int RESULT_NULL_PARAMETER = 1;
  /** An argument is not valid (a field handle of another schema, unknown flags). */
  public static final int RESULT_INVALID_PARAMETER = 2;
  /** A bug inside the library was caught. */
  public static final int RESULT_PANIC = 4;
  /** The layout text is wrong. */
  public static final int RESULT_LAYOUT = 100;
  /** The telegram does not match the layout. */
  public static final int RESULT_DATA = 101;
  /** A value cannot be encoded into a telegram. */
  public static final int RESULT_ENCODING = 102;
  /** Reading a file failed. */
  public static final int RESULT_IO = 103;
  /** The JSON to encode is malformed or not shaped as a message. */
  public static final int RESULT_JSON = 104;
  /** No message of the layout has that name. */
  public static final int RESULT_UNKNOWN_MESSAGE = 105;
  /** No field at that path. */
  public static final int RESULT_UNKNOWN_FIELD = 106;
  /** The field holds another type than the one asked for. */
  public static final int RESULT_WRONG_TYPE = 107;
  /** The byte stream is not framed as the layout says. */
  public static final int RESULT_FRAMING = 109;
  /** The layout has no {@code key} directive, or the message lacks a key field. */
  public static final int RESULT_NO_KEY = 110;
  /** A request with the same correlation key is already pending in the correlator. */
  public static final int RESULT_DUPLICATE_KEY = 111;
  /** The correlator holds as many pending requests as its capacity allows. */
  public static final int RESULT_CORRELATOR_FULL = 112;
  /** No pending request has the response's correlation key. */
  public static final int RESULT_UNMATCHED = 113;
  /** The stream ends inside a frame (the error says what its prefix promised and what came). */
  public static final int RESULT_FRAME_TRUNCATED = 114;
  /** A frame whose length disagrees with its message's length (it is skipped). */
  public static final int RESULT_FRAME_LENGTH_MISMATCH = 115;
  /** A frame longer than the framer's maximum. */
  public static final int RESULT_FRAME_TOO_LONG = 116;
  /** A record of a batch file fails one of the layout's {@code check} statements. */
  public static final int RESULT_CHECK_FAILED = 117;

  /**
   * The version of the native library actually loaded, as {@code fep_version()} gives it.
   *
   * @return the native library's version, such as {@code 0.1.0}
   */
  public static String version() {
    return Lib.version();
  }

  /**
   * The version of these Java classes, from the jar's manifest ({@code Implementation-Version}).
   * With fep's jar it equals {@link #version()} unless {@code fep.library} or the library path
   * chose another library (which must then be of the same major version and not older).
   *
   * @return the jar's version, such as {@code 0.1.0}; null when the classes are not loaded from
   *     fep's jar (compiled into a class directory, for instance)
   */
  public static String bindingVersion() {
    return Loader.classesVersion();
  }
}
