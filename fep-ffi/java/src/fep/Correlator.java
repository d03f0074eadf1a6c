package fep;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Matches responses to their pending requests by the layout's correlation key (its {@code key}
 * directive), and gives back each request's token: any object of the caller's (a future, a
 * reply channel, a trace id). Every request filed leaves exactly once: matched by {@link
 * #complete(byte[])}, or given back by {@link #expire()}, {@link #cancel(byte[])} or {@link
 * #drain()}.
 *
 * <p>Thread-safe: any number of threads may insert, complete, cancel and expire at once.
 * Deadlines and elapsed times follow the native library's monotonic clock. Close it when done
 * (the tokens still pending are dropped: {@link #drain()} first when they matter).
 *
 * <pre>{@code
 * try (Correlator pending = schema.correlator(10_000, Duration.ofSeconds(30))) {
 *   pending.insert(request, future);
 *   ...
 *   Correlator.Match m = pending.complete(response);
 *   ((CompletableFuture<byte[]>) m.token()).complete(response);
 *   for (Object late : pending.expire()) { ... }
 * }
 * }</pre>
 */
public final class Correlator implements AutoCloseable {
  /** A response matched with its request. */
  public static final class Match {
    private final Object token;
    private final Duration elapsed;

    Match(Object token, Duration elapsed) {
      this.token = token;
      this.elapsed = elapsed;
    }

    /** {@return the token the request was inserted with} */
    public Object token() {
      return token;
    }

    /** {@return the time from the request's insert to the response's completion} */
    public Duration elapsed() {
      return elapsed;
    }
  }

  /** How many tokens one native expire or drain call hands out at most. */
  private static final int BATCH = 64;

  private final Handle handle;
  /** The tokens of the pending requests (and of expired ones not yet handed out), by id. */
  private final ConcurrentHashMap<Long, Object> tokens = new ConcurrentHashMap<Long, Object>();

  private final AtomicLong nextId = new AtomicLong();

  Correlator(long address) {
    this.handle = new Handle(address, "correlator");
  }

  /**
   * Files a request under its key, with the correlator's timeout.
   *
   * @param telegram the request, without its frame (only its key is kept)
   * @param token what {@link #complete(byte[])} or {@link #expire()} gives back; not null
   * @throws FepException {@code RESULT_DUPLICATE_KEY} when a request with the same key is
   *     pending, {@code RESULT_CORRELATOR_FULL} at capacity, {@code RESULT_NO_KEY} or {@code
   *     RESULT_DATA} when the key cannot be read; nothing is filed then
   */
  public void insert(byte[] telegram, Object token) {
    insert(telegram, token, 0);
  }

  /**
   * Files a request under its key, to be given up after {@code timeout}.
   *
   * @param telegram the request, without its frame
   * @param token what {@link #complete(byte[])} or {@link #expire()} gives back; not null
   * @param timeout how long to wait for the response; positive (rounded up to milliseconds)
   * @throws FepException as {@link #insert(byte[], Object)}
   */
  public void insert(byte[] telegram, Object token, Duration timeout) {
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the timeout must be positive: " + timeout);
    }
    long ms = timeout.toMillis();
    insert(telegram, token, timeout.equals(Duration.ofMillis(ms)) ? ms : ms + 1);
  }

  private void insert(byte[] telegram, Object token, long timeoutMs) {
    if (token == null) {
      throw new NullPointerException("token");
    }
    long address = handle.get();
    long id = nextId.incrementAndGet();
    tokens.put(id, token);
    boolean filed = false;
    try {
      Lib.correlatorInsert(address, telegram, id, timeoutMs);
      filed = true;
    } finally {
      if (!filed) {
        tokens.remove(id);
      }
    }
  }

  /**
   * Matches a response with its pending request, which leaves the correlator.
   *
   * @param telegram the response, without its frame
   * @return the request's token and the time it waited
   * @throws FepException {@code RESULT_UNMATCHED} when no pending request has its key (the
   *     message names the key and the nearest pending request), {@code RESULT_NO_KEY} or
   *     {@code RESULT_DATA}
   */
  public Match complete(byte[] telegram) {
    long[] elapsedUs = new long[1];
    long id = Lib.correlatorComplete(handle.get(), telegram, elapsedUs);
    return new Match(tokens.remove(id), Duration.ofNanos(elapsedUs[0] * 1000L));
  }

  /**
   * Takes back the pending request of a request telegram (its key read again), without a
   * response.
   *
   * @param telegram the request
   * @return its token, or null when none was pending
   * @throws FepException {@code RESULT_NO_KEY} or {@code RESULT_DATA}
   */
  public Object cancel(byte[] telegram) {
    long[] id = new long[1];
    return Lib.correlatorCancel(handle.get(), telegram, id) ? tokens.remove(id[0]) : null;
  }

  /**
   * Gives back the tokens of the requests whose deadline has passed, which leave the
   * correlator, earliest deadline first.
   *
   * @return the tokens, empty when none expired
   */
  public List<Object> expire() {
    return giveBack(false);
  }

  /**
   * Gives back the tokens of every pending request (a session closed: fail them all).
   *
   * @return the tokens
   */
  public List<Object> drain() {
    return giveBack(true);
  }

  private List<Object> giveBack(boolean drain) {
    long address = handle.get();
    List<Object> out = new ArrayList<Object>();
    long[] ids = new long[BATCH];
    for (; ; ) {
      int n = Lib.correlatorGiveBack(address, drain, ids);
      for (int i = 0; i < n; i++) {
        out.add(tokens.remove(ids[i]));
      }
      if (n < ids.length) {
        return out;
      }
    }
  }

  /** {@return the number of pending requests} */
  public long size() {
    return Lib.correlatorLen(handle.get());
  }

  /** Releases the correlator; the tokens still pending are dropped. Closing twice is harmless. */
  @Override
  public void close() {
    long address = handle.take();
    if (address != 0) {
      Lib.correlatorFree(address);
      tokens.clear();
    }
  }
}
