package fep;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.jar.Manifest;

/**
 * Finds and opens the native library for either implementation of {@code Lib}, in this order:
 *
 * <ol>
 *   <li>the file named by the system property {@code fep.library}, when set: that file or an
 *       error, nothing else is tried;
 *   <li>{@code libfep.so} in a directory of {@code java.library.path};
 *   <li>{@code libfep.so} by name, through the system's loader ({@code LD_LIBRARY_PATH}, the
 *       loader's cache; with JNA also {@code jna.library.path});
 *   <li>the library inside the jar, {@code fep/native/PLATFORM/libfep.so} (PLATFORM such as
 *       {@code linux-x86_64}), copied to a temporary file under {@code java.io.tmpdir}, opened,
 *       and deleted again (the loaded library stays mapped).
 * </ol>
 *
 * When none works, an {@link UnsatisfiedLinkError} says what each step tried and why it failed.
 */
final class Loader {
  private Loader() {}

  /** The system property that names the library file. */
  static final String PROPERTY = "fep.library";

  /** Opens a library: a file, or a name for the system's loader. Throws when it cannot. */
  interface Opener<T> {
    T file(String path);

    T name(String name);
  }

  /** Where the library was opened from, for messages: set once {@link #load} succeeds. */
  private static volatile String loadedFrom = "(not loaded)";

  static String loadedFrom() {
    return loadedFrom;
  }

  /** The platform's directory inside the jar: {@code linux-x86_64}, {@code linux-aarch64}... */
  static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("linux")) {
      os = "linux";
    } else if (os.startsWith("mac") || os.startsWith("darwin")) {
      os = "macos";
    } else if (os.startsWith("windows")) {
      os = "windows";
    } else {
      os = os.replaceAll("[^a-z0-9]", "");
    }
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    if (arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86-64")) {
      arch = "x86_64";
    } else if (arch.equals("arm64")) {
      arch = "aarch64";
    }
    return os + "-" + arch;
  }

  /**
   * Opens the library with {@code opener}, trying each place in turn.
   *
   * @param searched what the system's loader searches by name, for the error message
   */
  static <T> T load(Opener<T> opener, String searched) {
    String libName = System.mapLibraryName("fep");

    // 1. fep.library: the user's explicit choice wins, and is not second-guessed.
    String file = System.getProperty(PROPERTY);
    if (file != null && !file.isEmpty()) {
      Path path;
      try {
        path = Paths.get(file).toAbsolutePath();
      } catch (InvalidPathException e) {
        throw new UnsatisfiedLinkError(
            "libfep: -D" + PROPERTY + "=" + file + " is not a path: " + e.getMessage());
      }
      if (!Files.isRegularFile(path)) {
        throw new UnsatisfiedLinkError(
            "libfep: -D" + PROPERTY + "=" + file + " names no file (" + path + ")");
      }
      try {
        T lib = opener.file(path.toString());
        loadedFrom = path.toString();
        return lib;
      } catch (RuntimeException | LinkageError e) {
        throw new UnsatisfiedLinkError(
            "libfep: cannot load -D" + PROPERTY + "=" + file + ": " + firstLine(e));
      }
    }

    List<String> tried = new ArrayList<String>();
    tried.add("-D" + PROPERTY + ": not set");

    // 2. java.library.path, as System.loadLibrary searches it (an empty entry is ".").
    String libraryPath = System.getProperty("java.library.path", "");
    boolean found = false;
    for (String dir : libraryPath.split(File.pathSeparator, -1)) {
      Path candidate;
      try {
        candidate = Paths.get(dir.isEmpty() ? "." : dir, libName).toAbsolutePath();
      } catch (InvalidPathException e) {
        continue;
      }
      if (!Files.isRegularFile(candidate)) {
        continue;
      }
      found = true;
      try {
        T lib = opener.file(candidate.toString());
        loadedFrom = candidate.toString();
        return lib;
      } catch (RuntimeException | LinkageError e) {
        tried.add("java.library.path: " + candidate + ": " + firstLine(e));
      }
    }
    if (!found) {
      tried.add("java.library.path (" + libraryPath + "): no " + libName + " in it");
    }

    // 3. By name, through the system's loader.
    try {
      T lib = opener.name("fep");
      loadedFrom = libName + " by name (" + searched + ")";
      return lib;
    } catch (RuntimeException | LinkageError e) {
      tried.add(libName + " by name (" + searched + "): " + firstLine(e));
    }

    // 4. The library inside the jar.
    String resource = "native/" + platform() + "/" + libName;
    InputStream in = Loader.class.getResourceAsStream(resource);
    if (in == null) {
      tried.add(
          "inside the jar: no fep/"
              + resource
              + " (the jar carries the library for linux-x86_64; this is "
              + System.getProperty("os.name")
              + " on "
              + System.getProperty("os.arch")
              + ", or the classes are not fep's release jar)");
    } else {
      Path dir = null;
      Path copy = null;
      boolean copied = false;
      try {
        try {
          dir = Files.createTempDirectory("fep-");
          copy = dir.resolve(libName);
          Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
          copied = true;
        } finally {
          in.close();
        }
        T lib = opener.file(copy.toString());
        loadedFrom = "fep/" + resource + " inside the jar, copied to " + copy;
        return lib;
      } catch (IOException | RuntimeException | LinkageError e) {
        tried.add(
            "inside the jar: fep/"
                + resource
                + (copied ? ", copied to " + copy : ", copying to java.io.tmpdir")
                + ": "
                + firstLine(e)
                + (copied
                    ? " (a java.io.tmpdir mounted noexec cannot load libraries: set"
                        + " -Djava.io.tmpdir to another directory)"
                    : ""));
      } finally {
        // Once loaded, the library stays mapped: the file is not needed any more, and no
        // copy is left behind, even when the JVM is killed.
        deleteQuietly(copy);
        deleteQuietly(dir);
      }
    }

    StringBuilder message = new StringBuilder("libfep not found; tried, in order:");
    for (int i = 0; i < tried.size(); i++) {
      message.append("\n  ").append(i + 1).append(". ").append(tried.get(i));
    }
    message.append("\nSet -D" + PROPERTY + "=/path/to/" + libName + " to name the file.");
    throw new UnsatisfiedLinkError(message.toString());
  }

  private static void deleteQuietly(Path path) {
    if (path == null) {
      return;
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      path.toFile().deleteOnExit();
    }
  }

  /** The first line of an error's text, and the second when the first ends with a colon. */
  private static String firstLine(Throwable e) {
    String m = e.getMessage();
    if (m == null) {
      return e.getClass().getName();
    }
    String[] lines = m.split("\n", 3);
    String first = lines[0].trim();
    return first.endsWith(":") && lines.length > 1 ? first + " " + lines[1].trim() : first;
  }

  /**
   * The version of these classes, from the jar's manifest ({@code Implementation-Version}); null
   * when they are not loaded from fep's jar (a class directory, for instance).
   */
  static String classesVersion() {
    Package p = Loader.class.getPackage();
    String version = p == null ? null : p.getImplementationVersion();
    if (version != null) {
      return version;
    }
    // In a named module (the jar on the module path) a package has no manifest attributes:
    // read the manifest of the jar this class comes from.
    URL self = Loader.class.getResource("Loader.class");
    if (self == null || !"jar".equals(self.getProtocol())) {
      return null;
    }
    String url = self.toString();
    int end = url.lastIndexOf("!/");
    if (end < 0) {
      return null;
    }
    try (InputStream in = new URL(url.substring(0, end + 2) + "META-INF/MANIFEST.MF").openStream()) {
      return new Manifest(in).getMainAttributes().getValue("Implementation-Version");
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * Checks that the loaded library can serve these classes: the same major version, and not
   * older than the classes (the C ABI only grows within a major version, so a later library is
   * fine, an earlier one may lack a function). Nothing to check when the classes' version is
   * unknown.
   */
  static void checkVersion(String library) {
    String classes = classesVersion();
    if (classes == null) {
      return;
    }
    long[] want = parse(classes);
    long[] got = parse(library);
    if (want == null || got == null) {
      return;
    }
    boolean compatible = got[0] == want[0] && compare(got, want) >= 0;
    if (!compatible) {
      throw new UnsatisfiedLinkError(
          "libfep "
              + library
              + " (loaded from "
              + loadedFrom
              + ") cannot serve fep's Java classes "
              + classes
              + ": they need libfep "
              + want[0]
              + ".x, "
              + classes
              + " or later");
    }
  }

  /** MAJOR.MINOR.PATCH (anything after the patch number ignored); null when not so shaped. */
  private static long[] parse(String version) {
    String[] parts = version.split("[.\\-+]", 4);
    if (parts.length < 3) {
      return null;
    }
    long[] v = new long[3];
    try {
      for (int i = 0; i < 3; i++) {
        v[i] = Long.parseLong(parts[i]);
      }
    } catch (NumberFormatException e) {
      return null;
    }
    return v;
  }

  private static int compare(long[] a, long[] b) {
    for (int i = 0; i < 3; i++) {
      if (a[i] != b[i]) {
        return a[i] < b[i] ? -1 : 1;
      }
    }
    return 0;
  }
}
