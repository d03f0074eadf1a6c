package fep;

import java.util.concurrent.atomic.AtomicLong;

/** A native handle: its address until closed, then 0. */
final class Handle {
  private final AtomicLong address;
  private final String what;

  Handle(long address, String what) {
    this.address = new AtomicLong(address);
    this.what = what;
  }

  /** The address; an IllegalStateException once closed. */
  long get() {
    long a = address.get();
    if (a == 0) {
      throw new IllegalStateException("the " + what + " is closed");
    }
    return a;
  }

  /** The address for freeing, once: 0 on the second call. */
  long take() {
    return address.getAndSet(0);
  }
}
