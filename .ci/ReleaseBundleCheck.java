import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/**
 * Checks a Central Portal bundle (the release profile's central-bundle.zip) the way the Portal
 * would, and that a second build of the same commit made the same bundle. Run by .ci/release-check:
 *
 * <pre>java .ci/ReleaseBundleCheck.java bundle-a.zip bundle-b.zip VERSION</pre>
 *
 * <ul>
 *   <li>The published artifacts are the parent POM, the BOM, and every module the BOM manages; a
 *       module of the parent's reactor must be in the BOM (but the examples application).
 *   <li>Each module has its POM, jar, sources jar and javadoc jar; nothing else is in the bundle.
 *   <li>Every file has an OpenPGP signature that verifies (gpg, GNUPGHOME of the throwaway key) and
 *       .md5, .sha1, .sha256 and .sha512 files that match.
 *   <li>Every POM has the metadata Central requires (https://central.sonatype.org/publish/requirements/):
 *       name and description of its own; url, licenses, developers, scm and issue management of its
 *       own or from the parent POM in the bundle.
 *   <li>The container-namespaces jar carries the native helper for x86_64 and aarch64, each an ELF
 *       of that machine, under native/linux-&lt;arch&gt;/.
 *   <li>The two bundles hold the same files, equal bit for bit except the signatures (an OpenPGP
 *       signature carries its creation time) and their checksums.
 * </ul>
 */
public final class ReleaseBundleCheck {
  private static final String GROUP_PATH = "dev/containerj/";
  private static final List<String> CHECKSUMS = List.of("md5", "sha1", "sha256", "sha512");
  private static final List<String> NOT_PUBLISHED = List.of("examples", "containerj-bom");
  private static final List<String> REQUIRED_OWN = List.of("name", "description");
  private static final List<String> REQUIRED_INHERITABLE =
      List.of("url", "licenses/license/name", "licenses/license/url", "developers/developer",
          "scm/url", "scm/connection", "issueManagement/url");
  private static final Map<String, Integer> HELPER_MACHINES = Map.of("x86_64", 62, "aarch64", 183);

  private final List<String> problems = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: java ReleaseBundleCheck.java bundle-a.zip bundle-b.zip VERSION");
      System.exit(2);
    }
    ReleaseBundleCheck check = new ReleaseBundleCheck();
    Map<String, byte[]> a = read(Path.of(args[0]));
    Map<String, byte[]> b = read(Path.of(args[1]));
    check.layout(a, args[2]);
    check.signatures(a);
    check.sameBits(a, b);
    if (!check.problems.isEmpty()) {
      check.problems.forEach(p -> System.err.println("bundle: " + p));
      System.err.println("ReleaseBundleCheck: " + check.problems.size() + " problem(s) in " + args[0]);
      System.exit(1);
    }
    System.out.println("ReleaseBundleCheck: " + a.size() + " files in " + args[0]
        + ": layout, signatures and checksums right; equal to " + args[1] + " but for the signatures");
  }

  private static Map<String, byte[]> read(Path zip) throws IOException {
    Map<String, byte[]> files = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        if (!e.isDirectory()) {
          files.put(e.getName(), in.readAllBytes());
        }
      }
    }
    return files;
  }

  private void layout(Map<String, byte[]> files, String version) throws Exception {
    String parentPom = path("containerj-parent", version, ".pom");
    String bomPom = path("containerj-bom", version, ".pom");
    Set<String> modules = new TreeSet<>();
    Document bom = pom(files, bomPom);
    if (bom != null) {
      for (Element d : children(bom.getDocumentElement(), "dependencyManagement/dependencies/dependency")) {
        modules.add(text(d, "artifactId"));
      }
    }
    Document parent = pom(files, parentPom);
    if (parent != null) {
      for (Element m : children(parent.getDocumentElement(), "modules/module")) {
        String module = m.getTextContent().trim();
        if (!NOT_PUBLISHED.contains(module) && !modules.contains(module)) {
          problems.add("module " + module + " of the reactor is missing from the BOM");
        }
      }
    }
    if (modules.isEmpty()) {
      problems.add("the BOM manages no module");
    }
    Set<String> expected = new TreeSet<>(List.of(parentPom, bomPom));
    for (String m : modules) {
      for (String suffix : List.of(".pom", ".jar", "-sources.jar", "-javadoc.jar")) {
        expected.add(path(m, version, suffix));
      }
    }
    Set<String> allowed = new TreeSet<>();
    for (String f : expected) {
      allowed.add(f);
      allowed.add(f + ".asc");
      for (String c : CHECKSUMS) {
        allowed.add(f + "." + c);
        allowed.add(f + ".asc." + c); // the Portal accepts checksums of signatures too
      }
      if (!files.containsKey(f)) {
        problems.add("missing " + f);
        continue;
      }
      if (!files.containsKey(f + ".asc")) {
        problems.add("missing signature " + f + ".asc");
      }
      for (String c : CHECKSUMS) {
        byte[] sum = files.get(f + "." + c);
        String want = HexFormat.of().formatHex(MessageDigest.getInstance(algorithm(c)).digest(files.get(f)));
        if (sum == null) {
          problems.add("missing checksum " + f + "." + c);
        } else if (!new String(sum, StandardCharsets.US_ASCII).trim().split("\\s+")[0].equalsIgnoreCase(want)) {
          problems.add("wrong checksum " + f + "." + c);
        }
      }
      if (f.endsWith(".pom")) {
        metadata(f, pom(files, f), parent);
      }
    }
    for (String f : files.keySet()) {
      if (!allowed.contains(f)) {
        problems.add("unexpected file " + f);
      }
    }
    for (String m : modules) {
      jarContents(files, m, version);
    }
  }

  private void metadata(String file, Document pom, Document parent) {
    if (pom == null) {
      return;
    }
    Element own = pom.getDocumentElement();
    boolean hasParent = !children(own, "parent").isEmpty();
    for (String field : REQUIRED_OWN) {
      if (text(own, field).isEmpty()) {
        problems.add(file + " has no <" + field + ">");
      }
    }
    for (String field : REQUIRED_INHERITABLE) {
      boolean present = !text(own, field).isEmpty()
          || (hasParent && parent != null && !text(parent.getDocumentElement(), field).isEmpty());
      if (!present) {
        problems.add(file + " has no <" + field + "> (nor its parent)");
      }
    }
  }

  private void jarContents(Map<String, byte[]> files, String module, String version) throws IOException {
    Map<String, byte[]> jar = unzip(files.get(path(module, version, ".jar")));
    Map<String, byte[]> sources = unzip(files.get(path(module, version, "-sources.jar")));
    Map<String, byte[]> javadoc = unzip(files.get(path(module, version, "-javadoc.jar")));
    if (jar != null && !jar.containsKey("module-info.class")) {
      problems.add(module + ".jar has no module-info.class");
    }
    if (sources != null && sources.keySet().stream().noneMatch(n -> n.endsWith(".java"))) {
      problems.add(module + "-sources.jar has no .java file");
    }
    if (javadoc != null && !javadoc.containsKey("index.html")) {
      problems.add(module + "-javadoc.jar has no index.html");
    }
    if (jar != null && module.equals("container-namespaces")) {
      HELPER_MACHINES.forEach((arch, machine) -> {
        String name = "dev/containerj/namespaces/native/linux-" + arch + "/containerj-helper";
        byte[] elf = jar.get(name);
        if (elf == null) {
          problems.add(module + ".jar has no " + name);
        } else if (elf.length < 20 || elf[0] != 0x7f || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F'
            || ((elf[18] & 0xff) | (elf[19] & 0xff) << 8) != machine) {
          problems.add(module + ".jar: " + name + " is not an ELF for " + arch + " (e_machine " + machine + ")");
        }
      });
    }
  }

  private void signatures(Map<String, byte[]> files) throws Exception {
    Path dir = Files.createTempDirectory("bundle-check");
    try {
      for (String f : files.keySet()) {
        if (!f.endsWith(".asc") || !files.containsKey(f.substring(0, f.length() - 4))) {
          continue;
        }
        Path data = dir.resolve("data");
        Path sig = dir.resolve("data.asc");
        Files.write(data, files.get(f.substring(0, f.length() - 4)));
        Files.write(sig, files.get(f));
        Process p = new ProcessBuilder("gpg", "--batch", "--quiet", "--verify", sig.toString(), data.toString())
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
          problems.add("signature does not verify: " + f + ": " + out.strip());
        }
      }
    } finally {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(q -> q.toFile().delete());
      }
    }
  }

  private void sameBits(Map<String, byte[]> a, Map<String, byte[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      Set<String> onlyA = new TreeSet<>(a.keySet());
      onlyA.removeAll(b.keySet());
      Set<String> onlyB = new TreeSet<>(b.keySet());
      onlyB.removeAll(a.keySet());
      problems.add("the second build's bundle differs in files: only in the first " + onlyA
          + ", only in the second " + onlyB);
    }
    for (String f : a.keySet()) {
      if (f.endsWith(".asc") || f.contains(".asc.") || !b.containsKey(f)) {
        continue;
      }
      if (!java.util.Arrays.equals(a.get(f), b.get(f))) {
        problems.add("not reproducible: " + f + " differs between the two builds");
      }
    }
  }

  private static String algorithm(String ext) {
    return switch (ext) {
      case "md5" -> "MD5";
      case "sha1" -> "SHA-1";
      case "sha256" -> "SHA-256";
      default -> "SHA-512";
    };
  }

  private static String path(String artifactId, String version, String suffix) {
    return GROUP_PATH + artifactId + "/" + version + "/" + artifactId + "-" + version + suffix;
  }

  private Document pom(Map<String, byte[]> files, String name) throws Exception {
    byte[] bytes = files.get(name);
    if (bytes == null) {
      return null;
    }
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
  }

  private Map<String, byte[]> unzip(byte[] zip) throws IOException {
    if (zip == null) {
      return null;
    }
    Map<String, byte[]> files = new TreeMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
        files.put(e.getName(), in.readAllBytes());
      }
    }
    return files;
  }

  /** The elements at a slash-separated path of child element names. */
  private static List<Element> children(Element root, String path) {
    List<Element> level = List.of(root);
    for (String name : path.split("/")) {
      List<Element> next = new ArrayList<>();
      for (Element e : level) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
          if (n instanceof Element c && c.getTagName().equals(name)) {
            next.add(c);
          }
        }
      }
      level = next;
    }
    return level;
  }

  private static String text(Element root, String path) {
    List<Element> found = children(root, path);
    return found.isEmpty() ? "" : found.get(0).getTextContent().trim();
  }
}
