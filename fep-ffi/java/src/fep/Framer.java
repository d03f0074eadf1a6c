package fep;

/**
 * Cuts whole telegrams out of one byte stream (length prefixes, lines) and frames telegrams
 * for sending, as the layout says. One framer per stream, used by one thread at a time; close
 * it when done.
 *
 * <pre>{@code
 * framer.feed(bytesFromSocket);
 * for (byte[] t; (t = framer.next()) != null; ) { ... }
 * }</pre>
 */
public final class Framer implements AutoCloseable {
  /** The line ending {@link #frame(byte[])} writes for {@code framing lines}. */
  public enum LineEnding {
    /** {@code \r\n}, the default. */
    CRLF,
    /** {@code \n}. */
    LF
  }

  private final Handle handle;
  private final long[] offset = new long[1];

  Framer(long address) {
    this.handle = new Handle(address, "framer");
  }

  /**
   * Sets the largest telegram accepted (64 KiB by default).
   *
   * @param max bytes
   * @return this framer
   */
  public Framer maxLength(long max) {
    Lib.framerSetMaxLength(handle.get(), max);
    return this;
  }

  /**
   * Sets the line ending written for {@code framing lines}.
   *
   * @param ending CRLF (the default) or LF
   * @return this framer
   */
  public Framer lineEnding(LineEnding ending) {
    Lib.framerSetLineEnding(handle.get(), ending == LineEnding.LF ? 1 : 0);
    return this;
  }

  /**
   * Appends bytes read from the stream, split anywhere.
   *
   * @param data the bytes (copied)
   */
  public void feed(byte[] data) {
    feed(data, 0, data == null ? 0 : data.length);
  }

  /**
   * Appends {@code len} bytes of {@code data} from {@code off}.
   *
   * @param data the buffer
   * @param off the first byte
   * @param len the number of bytes
   */
  public void feed(byte[] data, int off, int len) {
    Lib.framerFeed(handle.get(), data, off, len);
  }

  /**
   * Takes the next whole telegram (without its frame).
   *
   * @return the telegram, or null when more bytes are needed
   * @throws FepException {@code RESULT_FRAMING} (a length prefix that is not a length),
   *     {@code RESULT_FRAME_LENGTH_MISMATCH} or {@code RESULT_FRAME_TOO_LONG}, with the
   *     stream offset of the frame
   */
  public byte[] next() {
    return Lib.framerTake(handle.get(), false, offset);
  }

  /**
   * At the end of the stream: the last telegram when the framing allows one without its
   * terminator.
   *
   * @return the telegram, or null when nothing is left
   * @throws FepException {@code RESULT_FRAME_TRUNCATED} when bytes are left over (the error
   *     says what the frame's prefix promised and how many came)
   */
  public byte[] finish() {
    return Lib.framerTake(handle.get(), true, offset);
  }

  /** {@return the stream offset of the frame of the telegram last taken} */
  public long lastOffset() {
    return offset[0];
  }

  /** {@return the bytes fed but not yet taken} */
  public long buffered() {
    return Lib.framerBuffered(handle.get());
  }

  /**
   * Frames a telegram for sending.
   *
   * @param telegram the telegram
   * @return its length prefix (or line ending) and the telegram
   * @throws FepException {@code RESULT_ENCODING} when it is too long for the prefix
   */
  public byte[] frame(byte[] telegram) {
    return Lib.framerFrame(handle.get(), telegram);
  }

  /** Releases the framer. Closing twice is harmless. */
  @Override
  public void close() {
    long address = handle.take();
    if (address != 0) {
      Lib.framerFree(address);
    }
  }
}
