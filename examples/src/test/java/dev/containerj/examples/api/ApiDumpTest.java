package dev.containerj.examples.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The public API of each library module, as {@code javap -public} prints the classes of its
 * unqualified exports, must equal the committed dump {@code MODULE/api/MODULE.api} (as OkHttp keeps
 * its API files): an API change is then a reviewed change of that file. After a deliberate change,
 * update the dumps with {@code ./mvnw -B -o verify -pl examples -am -Dtest=ApiDumpTest -Dapi.update=true}
 * and commit them.
 */
class ApiDumpTest {

  @ParameterizedTest
  @ValueSource(strings = {"container-linux", "container-namespaces", "container-cgroups", "container-layers",
      "container-net", "container-core", "container-oci", "container-junit5"})
  void publicApiMatchesTheCommittedDump(String module) throws IOException {
    Path classes = Path.of("..", module, "target", "classes");
    assertThat(classes.resolve("module-info.class")).as("%s is built (run with -am)", module).exists();
    String dump = dump(classes);
    Path file = Path.of("..", module, "api", module + ".api");
    if (Boolean.getBoolean("api.update")) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, dump);
    }
    assertThat(file).as("the API dump of %s (create it with -Dapi.update=true)", module).exists();
    assertThat(dump).as("the public API of %s differs from %s: if the change is meant, update the dump with "
        + "-Dapi.update=true (see ApiDumpTest) and commit it", module, file)
        .isEqualTo(Files.readString(file));
  }

  /** Writes the dumps of every module (run from the examples directory): what -Dapi.update=true does. */
  public static void main(String[] args) throws IOException {
    for (String module : args) {
      Path file = Path.of("..", module, "api", module + ".api");
      Files.createDirectories(file.getParent());
      Files.writeString(file, dump(Path.of("..", module, "target", "classes")));
    }
  }

  /** The javap -public output of every public class of the module's unqualified exports, sorted. */
  static String dump(Path classes) throws IOException {
    Set<String> exported;
    try (InputStream in = Files.newInputStream(classes.resolve("module-info.class"))) {
      exported = ModuleDescriptor.read(in).exports().stream().filter(e -> !e.isQualified())
          .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
    }
    List<String> names = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(classes)) {
      for (Path p : walk.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
        String rel = classes.relativize(p).toString();
        String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
        int dot = name.lastIndexOf('.');
        if (dot > 0 && exported.contains(name.substring(0, dot)) && !name.matches(".*\\$[0-9].*")) {
          names.add(name);
        }
      }
    }
    ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
    StringBuilder out = new StringBuilder();
    for (String name : names) {
      StringWriter text = new StringWriter();
      StringWriter err = new StringWriter();
      int code = javap.run(new PrintWriter(text), new PrintWriter(err), "-public", "-cp", classes.toString(), name);
      if (code != 0) {
        throw new IllegalStateException("javap " + name + " failed: " + err);
      }
      List<String> lines = text.toString().lines().filter(l -> !l.startsWith("Compiled from")).toList();
      if (!lines.isEmpty() && lines.get(0).startsWith("public ")) {
        lines.forEach(l -> out.append(l).append('\n'));
      }
    }
    return out.toString();
  }
}
