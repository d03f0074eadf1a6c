package fep;

/**
 * A field path resolved once against a schema ({@link Schema#field(String)}), for reading the
 * field from many messages without a lookup each time. Thread-safe; valid only with messages of
 * the same schema. Close it when done.
 */
public final class Field implements AutoCloseable {
  private final Handle handle;

  Field(long address) {
    this.handle = new Handle(address, "field");
  }

  long address() {
    return handle.get();
  }

  /** {@return the path the field was resolved from} */
  public String path() {
    return Lib.fieldPath(handle.get());
  }

  /** Releases the field. Closing twice is harmless. */
  @Override
  public void close() {
    long address = handle.take();
    if (address != 0) {
      Lib.fieldFree(address);
    }
  }
}
