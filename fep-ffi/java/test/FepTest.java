import fep.Correlator;
import fep.Fep;
import fep.FepException;
import fep.Field;
import fep.Framer;
import fep.Message;
import fep.Schema;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tests of the Java binding (either implementation: JNA or FFM): every bundled sample decodes
 * to its JSON and encodes back to its bytes; fields read by path and by handle; errors carry
 * their code, path and offset; handles close deterministically; threads share a schema; a
 * correlator gives back the objects its requests were filed with.
 *
 * <p>Usage: java [-Dfep.test.version=VERSION] FepTest LAYOUTS_DIR
 *
 * <p>With {@code fep.test.version} (the workspace version of Cargo.toml), the native library's
 * {@code fep_version()} and the jar's manifest must both be that version.
 */
public final class FepTest {
  private static int checks;
  private static int failures;

  private static void check(boolean ok, String what) {
    checks++;
    if (!ok) {
      failures++;
      System.err.println("CHECK failed: " + what);
    }
  }

  private static void equal(Object got, Object want, String what) {
    check(got == null ? want == null : got.equals(want), what + ": got " + got + ", want " + want);
  }

  /** Runs {@code body}, which must throw a FepException with {@code code}; returns it. */
  private static FepException fails(int code, Runnable body) {
    try {
      body.run();
    } catch (FepException e) {
      equal(e.code(), code, "code of \"" + e.getMessage() + "\"");
      return e;
    }
    check(false, "expected " + code + ", nothing thrown");
    return new FepException(0, "", 0, "", "", "", -1, -1, 0, 0);
  }

  private static byte[] read(File f) throws IOException {
    return Files.readAllBytes(f.toPath());
  }

  /** JSON without the whitespace outside strings. */
  static String compact(String json) {
    StringBuilder out = new StringBuilder();
    boolean inString = false;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (inString) {
        out.append(c);
        if (c == '\\') {
          out.append(json.charAt(++i));
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
        out.append(c);
      } else if (!Character.isWhitespace(c)) {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The elements of a top-level JSON array, or the text itself when it is not an array. */
  static List<String> elements(String json) {
    List<String> out = new ArrayList<String>();
    String t = json.trim();
    if (!t.startsWith("[")) {
      out.add(t);
      return out;
    }
    int depth = 0;
    int start = 0;
    boolean inString = false;
    for (int i = 1; i < t.length(); i++) {
      char c = t.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (depth++ == 0) {
          start = i;
        }
      } else if (c == '}' || c == ']') {
        if (depth == 0) {
          break;
        }
        if (--depth == 0) {
          out.add(t.substring(start, i + 1));
        }
      }
    }
    return out;
  }

  private static List<byte[]> cut(Schema schema, byte[] wire, int step) {
    List<byte[]> out = new ArrayList<byte[]>();
    try (Framer framer = schema.framer()) {
      for (int at = 0; at < wire.length; at += step) {
        framer.feed(wire, at, Math.min(step, wire.length - at));
        for (byte[] t; (t = framer.next()) != null; ) {
          out.add(t);
        }
      }
      for (byte[] t; (t = framer.finish()) != null; ) {
        out.add(t);
      }
      equal(framer.buffered(), 0L, "nothing left in the framer");
    }
    return out;
  }

  private static boolean hasCrLf(byte[] data) {
    for (int i = 0; i + 1 < data.length; i++) {
      if (data[i] == '\r' && data[i + 1] == '\n') {
        return true;
      }
    }
    return false;
  }

  private static int samples(File layouts) throws IOException {
    int count = 0;
    File[] files = layouts.listFiles();
    Arrays.sort(files);
    for (File layout : files) {
      if (!layout.getName().endsWith(".layout")) {
        continue;
      }
      File dir = new File(layouts, layout.getName().replace(".layout", ""));
      File[] bins = dir.listFiles();
      Arrays.sort(bins);
      try (Schema schema = Schema.load(layout.getPath())) {
        for (File bin : bins) {
          if (!bin.getName().endsWith(".bin")) {
            continue;
          }
          String name = dir.getName() + "/" + bin.getName();
          byte[] wire = read(bin);
          String want =
              new String(
                  read(new File(dir, bin.getName().replace(".bin", ".json"))),
                  StandardCharsets.UTF_8);
          List<byte[]> telegrams = cut(schema, wire, 7);
          equal(cut(schema, wire, 1).size(), telegrams.size(), name + " byte by byte");

          // Decode: the JSON of the sample.
          StringBuilder got = new StringBuilder();
          boolean array = want.trim().startsWith("[");
          got.append(array ? "[" : "");
          for (int i = 0; i < telegrams.size(); i++) {
            try (Message m = schema.decode(telegrams.get(i));
                Message v = schema.view(telegrams.get(i))) {
              String json = m.toJson();
              equal(v.toJson(), json, name + " view");
              equal(v.name(), m.name(), name + " name");
              got.append(i > 0 ? "," : "").append(json);
              if (!array) {
                equal(m.toJson(false, true), want.trim(), name + " pretty");
              }
            }
          }
          got.append(array ? "]" : "");
          equal(compact(got.toString()), compact(want), name + " JSON");

          // Encode: the bytes of the sample.
          List<String> jsons = elements(want);
          equal(jsons.size(), telegrams.size(), name + " messages");
          try (Framer framer = schema.framer()) {
            framer.lineEnding(hasCrLf(wire) ? Framer.LineEnding.CRLF : Framer.LineEnding.LF);
            java.io.ByteArrayOutputStream again = new java.io.ByteArrayOutputStream();
            for (int i = 0; i < jsons.size(); i++) {
              byte[] t = schema.encodeJson(jsons.get(i));
              check(Arrays.equals(t, telegrams.get(i)), name + " encodes message " + i);
              byte[] framed = framer.frame(t);
              again.write(framed, 0, framed.length);
            }
            check(Arrays.equals(again.toByteArray(), wire), name + " frames back to the .bin");
          }
          count++;
        }
      }
    }
    return count;
  }

  private static byte[] firstTelegram(Schema schema, File bin) throws IOException {
    return cut(schema, read(bin), 4096).get(0);
  }

  private static void fields(File layouts) throws IOException {
    try (Schema schema = Schema.load(new File(layouts, "firmbanking.layout").getPath());
        Schema other = Schema.load(new File(layouts, "firmbanking.layout").getPath())) {
      final byte[] t = firstTelegram(schema, new File(layouts, "firmbanking/transfer-request.bin"));
      try (final Message m = schema.decode(t);
          Field amount = schema.field("amount");
          final Field foreign = other.field("amount")) {
        equal(m.name(), "transfer", "name");
        equal(m.getString("holder_name"), "홍길동", "text");
        equal(m.getString("debit_acct"), "1002003004005", "a masked field's real value");
        equal(m.getString("header.send_date"), "2024-03-15", "a date as text");
        equal(m.getLong("amount"), 10000L, "integer");
        equal(m.getLong("fee"), null, "a blank integer");
        equal(m.getString("fee"), null, "a blank integer as text");
        equal(m.getDecimal("balance"), null, "a blank decimal");
        check(m.isNull("fee") && !m.isNull("amount"), "isNull");
        equal(m.getDecimal("amount"), new BigDecimal("10000"), "decimal");
        check(Arrays.equals(m.getRaw("verify_code"), "AB12CD".getBytes("US-ASCII")), "raw");
        equal(amount.path(), "amount", "field path");
        equal(m.getLong(amount), 10000L, "integer by field");
        equal(m.getDecimal(amount), new BigDecimal("10000"), "decimal by field");
        equal(m.getString(amount), "10000", "text by field");
        check(!m.isNull(amount), "isNull by field");
        equal(m.getRaw(amount).length, 13, "raw by field");
        equal(schema.key(t), "20240315|004|TESTCO0001|000123", "key");

        String redacted = m.toJson(true, false);
        check(redacted.contains("\"password\":\"****\""), "secret hidden");
        check(!redacted.contains("4321"), "secret not shown");
        check(m.toJson().contains("\"password\":\"4321\""), "secret for programs");

        FepException e = fails(Fep.RESULT_WRONG_TYPE, () -> m.getLong("memo"));
        equal(e.path(), "memo", "wrong type path");
        equal(e.category(), FepException.Category.DATA, "wrong type category");
        fails(Fep.RESULT_UNKNOWN_FIELD, () -> m.getString("no_such"));
        fails(Fep.RESULT_INVALID_PARAMETER, () -> m.getLong(foreign));
        fails(Fep.RESULT_NULL_PARAMETER, () -> m.getString((String) null));
      }

      // Exact decimals keep their scale.
      try (Schema fx = Schema.load(new File(layouts, "forex-remittance.layout").getPath());
          Message m =
              fx.decode(
                  firstTelegram(fx, new File(layouts, "forex-remittance/remittance-request.bin")))) {
        equal(m.getDecimal("remit_amount"), new BigDecimal("12500.750"), "scaled decimal");
        equal(m.getString("remit_amount"), "12500.750", "scaled decimal as text");
      }

      // Bad telegrams: the path and the offset.
      final byte[] bad = t.clone();
      bad[134] = 'O';
      FepException e = fails(Fep.RESULT_DATA, () -> schema.decode(bad));
      equal(e.path(), "amount", "data error path");
      equal(e.offset(), 129L, "data error offset");
      equal(e.length(), 13L, "data error length");
      equal(e.messageName(), "transfer", "data error message");
      equal(e.category(), FepException.Category.DATA, "data error category");
      equal(e.codeName(), "FEP_RESULT_DATA", "code name");
      equal(
          e.getMessage(),
          "transfer.amount (bytes 129..142): expected digits, found \"00000O0010000\""
              + " (byte 5 of the field, 'O')",
          "data error text");
      try (final Message v = schema.view(bad)) {
        equal(v.getLong("header.seq_no"), 123L, "a view reads the good fields");
        equal(fails(Fep.RESULT_DATA, () -> v.getLong("amount")).offset(), 129L, "view offset");
      }
      fails(Fep.RESULT_DATA, () -> schema.decode(Arrays.copyOf(t, 299)));
      fails(Fep.RESULT_NULL_PARAMETER, () -> schema.decode(null));
      fails(Fep.RESULT_UNKNOWN_FIELD, () -> schema.field("nope"));

      // Encoding errors.
      e = fails(Fep.RESULT_ENCODING,
          () -> schema.encodeJson("{\"message\":\"transfer\",\"fields\":{\"amount\":\"12x\"}}"));
      equal(e.path(), "amount", "encoding error path");
      equal(e.category(), FepException.Category.ENCODING, "encoding category");
      e = fails(Fep.RESULT_JSON,
          () -> schema.encodeJson("{\"message\":\"transfer\",\n\"fields\":{\"amount\":1.5}}"));
      equal(e.line(), 2, "JSON error line");
      fails(Fep.RESULT_UNKNOWN_MESSAGE, () -> schema.encodeJson("nope", "{}"));
      try (Message m = schema.decode(t)) {
        String json = m.toJson();
        String fieldsJson = json.substring(json.indexOf("\"fields\":") + 9, json.length() - 1);
        check(Arrays.equals(schema.encodeJson("transfer", fieldsJson), t), "encode fields alone");
      }

      // Framing errors carry the stream offset.
      try (final Framer framer = schema.framer()) {
        framer.feed("0003abc00x3".getBytes("US-ASCII"));
        check(Arrays.equals(framer.next(), "abc".getBytes("US-ASCII")), "a frame");
        equal(framer.lastOffset(), 0L, "its offset");
        equal(fails(Fep.RESULT_FRAMING, () -> framer.next()).offset(), 7L, "framing offset");
        check(Arrays.equals(framer.maxLength(10).frame("ab".getBytes("US-ASCII")),
            "0002ab".getBytes("US-ASCII")), "frame for sending");
      }

      // No key directive.
      try (final Schema nokey = Schema.parse("encoding ascii\nmessage m 3 {\n a X(3)\n}\n")) {
        fails(Fep.RESULT_NO_KEY, () -> nokey.key("abc".getBytes()));
      }
    }

    // A bad layout: line and column.
    FepException e = fails(Fep.RESULT_LAYOUT, () -> Schema.parse("message m {\n  f Q(3)\n}\n"));
    equal(e.line(), 2, "layout line");
    equal(e.column(), 5, "layout column");
    equal(e.category(), FepException.Category.LAYOUT, "layout category");
    equal(fails(Fep.RESULT_IO, () -> Schema.load("/nonexistent.layout")).category(),
        FepException.Category.IO, "io category");
  }

  private static void lifecycle(File layouts) throws IOException {
    final Schema schema = Schema.load(new File(layouts, "firmbanking.layout").getPath());
    byte[] t = firstTelegram(schema, new File(layouts, "firmbanking/transfer-request.bin"));
    final Message m = schema.decode(t);
    schema.close();
    schema.close(); // harmless
    equal(m.getLong("amount"), 10000L, "a message outlives its schema");
    m.close();
    m.close();
    try {
      m.name();
      check(false, "use after close");
    } catch (IllegalStateException expected) {
      check(true, "use after close");
    }
    try {
      schema.decode(t);
      check(false, "schema use after close");
    } catch (IllegalStateException expected) {
      check(true, "schema use after close");
    }
  }

  private static void threads(File layouts) throws Exception {
    try (final Schema schema = Schema.load(new File(layouts, "firmbanking.layout").getPath());
        final Field seq = schema.field("header.seq_no")) {
      final byte[] t = firstTelegram(schema, new File(layouts, "firmbanking/transfer-request.bin"));
      final String want;
      try (Message m = schema.decode(t)) {
        want = m.toJson();
      }
      final AtomicInteger bad = new AtomicInteger();
      Thread[] threads = new Thread[8];
      for (int i = 0; i < threads.length; i++) {
        threads[i] =
            new Thread(
                new Runnable() {
                  @Override
                  public void run() {
                    for (int k = 0; k < 200; k++) {
                      try (Message m = schema.decode(t)) {
                        if (!m.toJson().equals(want) || m.getLong(seq) != 123L) {
                          bad.incrementAndGet();
                        }
                        if (!Arrays.equals(schema.encodeJson(want), t)) {
                          bad.incrementAndGet();
                        }
                      }
                    }
                  }
                });
        threads[i].start();
      }
      for (Thread th : threads) {
        th.join();
      }
      equal(bad.get(), 0, "threads sharing one schema");
    }
  }

  /** The telegram with its telegram number (header.seq_no, bytes 32..38) set to n. */
  private static byte[] numbered(byte[] t, int n) {
    byte[] out = t.clone();
    byte[] digits = String.format("%06d", n).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(digits, 0, out, 32, 6);
    return out;
  }

  private static void correlator(File layouts) throws Exception {
    try (final Schema schema = Schema.load(new File(layouts, "firmbanking.layout").getPath())) {
      final byte[] req =
          firstTelegram(schema, new File(layouts, "firmbanking/transfer-request.bin"));
      final byte[] res =
          firstTelegram(schema, new File(layouts, "firmbanking/transfer-response.bin"));

      // A response gives back the object its request was filed with.
      try (final Correlator c = schema.correlator(2, Duration.ofSeconds(30))) {
        final Object token = new Object();
        c.insert(req, token);
        equal(c.size(), 1L, "one pending");
        Correlator.Match m = c.complete(res);
        check(m.token() == token, "the same object back");
        check(!m.elapsed().isNegative() && m.elapsed().getSeconds() < 10, "elapsed " + m.elapsed());
        equal(c.size(), 0L, "none pending");

        // Refusals: the first request stays, the second's token is not kept.
        c.insert(req, "first");
        FepException e = fails(Fep.RESULT_DUPLICATE_KEY, () -> c.insert(req, "again"));
        check(e.getMessage().contains("20240315|004|TESTCO0001|000123"), e.getMessage());
        equal(e.category(), FepException.Category.DATA, "duplicate category");
        c.insert(numbered(req, 7), "seventh");
        e = fails(Fep.RESULT_CORRELATOR_FULL, () -> c.insert(numbered(req, 8), "eighth"));
        equal(e.codeName(), "FEP_RESULT_CORRELATOR_FULL", "full code name");
        e = fails(Fep.RESULT_UNMATCHED, () -> c.complete(numbered(res, 9)));
        check(e.getMessage().contains("20240315|004|TESTCO0001|000009"), e.getMessage());
        fails(Fep.RESULT_DATA, () -> c.insert("zz".getBytes(StandardCharsets.US_ASCII), "x"));
        fails(Fep.RESULT_NULL_PARAMETER, () -> c.insert(null, "x"));
        equal(c.complete(res).token(), "first", "the first stays");

        // Cancel.
        equal(c.cancel(numbered(req, 7)), "seventh", "cancelled");
        equal(c.cancel(numbered(req, 7)), null, "nothing to cancel");
        equal(c.size(), 0L, "empty again");
        try {
          c.insert(req, "x", Duration.ZERO);
          check(false, "a zero timeout");
        } catch (IllegalArgumentException expected) {
          check(true, "a zero timeout");
        }
      }

      // Expire and drain: more than one native batch, each token once.
      try (final Correlator c = schema.correlator(1000, Duration.ofMinutes(1))) {
        for (int i = 0; i < 150; i++) {
          c.insert(numbered(req, i), "expired-" + i, Duration.ofMillis(1));
        }
        for (int i = 500; i < 570; i++) {
          c.insert(numbered(req, i), "drained-" + i);
        }
        Thread.sleep(20);
        List<Object> expired = c.expire();
        equal(expired.size(), 150, "expired");
        equal(new HashSet<Object>(expired).size(), 150, "each expired once");
        check(expired.contains("expired-0") && expired.contains("expired-149"), "expired tokens");
        equal(c.expire().size(), 0, "nothing more expired");
        equal(c.size(), 70L, "the rest pending");
        List<Object> drained = c.drain();
        equal(drained.size(), 70, "drained");
        check(drained.contains("drained-500") && drained.contains("drained-569"), "drained tokens");
        equal(c.size(), 0L, "drained all");
        equal(c.drain().size(), 0, "nothing left");
      }

      // Threads share one correlator.
      try (final Correlator c = schema.correlator(10000, Duration.ofMinutes(1))) {
        final AtomicInteger bad = new AtomicInteger();
        Thread[] threads = new Thread[8];
        for (int t = 0; t < threads.length; t++) {
          final int base = t * 1000;
          threads[t] =
              new Thread(
                  new Runnable() {
                    @Override
                    public void run() {
                      for (int i = 0; i < 200; i++) {
                        Integer token = base + i;
                        c.insert(numbered(req, base + i), token);
                        if (!token.equals(c.complete(numbered(res, base + i)).token())) {
                          bad.incrementAndGet();
                        }
                      }
                    }
                  });
          threads[t].start();
        }
        for (Thread th : threads) {
          th.join();
        }
        equal(bad.get(), 0, "threads sharing one correlator");
        equal(c.size(), 0L, "all matched");
      }

      // Closed.
      final Correlator closed = schema.correlator(1, Duration.ofSeconds(1));
      closed.close();
      closed.close();
      try {
        closed.size();
        check(false, "correlator use after close");
      } catch (IllegalStateException expected) {
        check(true, "correlator use after close");
      }
      fails(Fep.RESULT_INVALID_PARAMETER, () -> schema.correlator(0, Duration.ofSeconds(1)));
    }
    // A layout without a key.
    try (Schema nokey = Schema.parse("encoding ascii\nmessage m 3 {\n a X(3)\n}\n");
        final Correlator c = nokey.correlator(10, Duration.ofSeconds(1))) {
      fails(Fep.RESULT_NO_KEY, () -> c.insert("abc".getBytes(StandardCharsets.US_ASCII), "x"));
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: java FepTest LAYOUTS_DIR");
      System.exit(2);
    }
    File layouts = new File(args[0]);
    check(Fep.version().matches("\\d+\\.\\d+\\.\\d+.*"), "version " + Fep.version());
    String expected = System.getProperty("fep.test.version");
    if (expected != null) {
      equal(Fep.version(), expected, "fep_version() against Cargo.toml's version");
      equal(Fep.bindingVersion(), expected, "the jar's Implementation-Version against Cargo.toml's");
    }
    int n = samples(layouts);
    check(n >= 10, "samples: " + n);
    fields(layouts);
    lifecycle(layouts);
    threads(layouts);
    correlator(layouts);
    System.out.println(
        "FepTest (java " + System.getProperty("java.version") + ", " + n + " samples): "
            + checks + " checks, " + failures + " failed");
    System.exit(failures == 0 ? 0 : 1);
  }
}
