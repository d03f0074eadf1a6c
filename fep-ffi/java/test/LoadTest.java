import fep.Fep;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/**
 * Which libfep the binding loaded: prints the native version ({@code fep_version()}), the jar's
 * version and the file of the library as the kernel mapped it into this process ({@code
 * /proc/self/maps}, Linux), one per line:
 *
 * <pre>
 * version 0.1.0
 * binding 0.1.0
 * library /tmp/fep-123/libfep.so (deleted)
 * </pre>
 *
 * A failure to load prints the error's text and exits with 1.
 *
 * <p>Usage: java LoadTest
 */
public final class LoadTest {
  public static void main(String[] args) throws IOException {
    String version;
    try {
      version = Fep.version();
    } catch (UnsatisfiedLinkError e) {
      System.out.println(e.getMessage());
      System.exit(1);
      return;
    }
    System.out.println("version " + version);
    System.out.println("binding " + Fep.bindingVersion());
    String library = null;
    for (String line : Files.readAllLines(Paths.get("/proc/self/maps"), StandardCharsets.UTF_8)) {
      // address perms offset dev inode pathname: the path starts at the sixth column.
      String[] cols = line.trim().split("\\s+", 6);
      // A file deleted after loading shows as "PATH (deleted)".
      if (cols.length == 6 && cols[5].matches(".*/libfep[^/]*")) {
        if (library != null && !library.equals(cols[5])) {
          System.out.println("two libraries: " + library + " and " + cols[5]);
          System.exit(1);
        }
        library = cols[5];
      }
    }
    System.out.println("library " + library);
  }
}
