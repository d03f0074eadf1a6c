import fep.Framer;
import fep.Message;
import fep.Schema;
import java.io.FileInputStream;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Decodes the telegrams of a capture and encodes them back, through the Java binding of fep.
 *
 * <p>Usage: java Decode LAYOUT CAPTURE
 */
public final class Decode {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: java Decode LAYOUT CAPTURE");
      System.exit(2);
    }
    boolean same = true;
    try (Schema schema = Schema.load(args[0]);
        Framer framer = schema.framer();
        InputStream capture = new FileInputStream(args[1])) {
      byte[] chunk = new byte[4096];
      for (int n; (n = capture.read(chunk)) > 0; ) {
        framer.feed(chunk, 0, n);
        for (byte[] telegram; (telegram = framer.next()) != null; ) {
          same &= handle(schema, telegram);
        }
      }
      for (byte[] telegram; (telegram = framer.finish()) != null; ) {
        same &= handle(schema, telegram);
      }
    }
    System.exit(same ? 0 : 1);
  }

  /** One telegram: decode, show (sensitive fields hidden), encode back. */
  private static boolean handle(Schema schema, byte[] telegram) {
    try (Message msg = schema.decode(telegram)) {
      System.out.println(msg.name() + " " + msg.toJson(true, false));
      byte[] again = schema.encodeJson(msg.toJson());
      boolean same = Arrays.equals(again, telegram);
      System.out.println("  encoded back: " + again.length + " bytes, "
          + (same ? "identical" : "DIFFERENT"));
      return same;
    }
  }
}
