package dev.containerj.examples.cli;

import dev.containerj.core.ContainerRuntime;
import dev.containerj.core.Images;
import dev.containerj.layers.Image;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code containerj image import|ls|rm|gc}: the images of this user's layer store. */
@Command(name = "image", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Manages the images of the layer store (/var/lib/containerj as root, else $XDG_DATA_HOME/containerj or $HOME/.local/share/containerj).",
    subcommands = {ImageCommand.Import.class, ImageCommand.Ls.class, ImageCommand.Rm.class, ImageCommand.Gc.class})
final class ImageCommand implements Callable<Integer> {
  @Spec
  @Nullable CommandSpec spec;

  @Override
  public Integer call() {
    if (spec != null) {
      spec.commandLine().usage(spec.commandLine().getErr());
    }
    return ExitCodes.CONTAINERJ_ERROR;
  }

  static PrintWriter out(@Nullable CommandSpec spec) {
    return spec == null ? new PrintWriter(System.out, true) : spec.commandLine().getOut();
  }

  /** {@code image import REF}. */
  @Command(name = "import", mixinStandardHelpOptions = true, description = "Imports oci:DIR[:TAG] or docker-archive:FILE.")
  static final class Import implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Parameters(paramLabel = "REF", description = "oci:DIR[:TAG] or docker-archive:FILE")
    String reference = "";

    @Override
    public Integer call() throws IOException {
      Image image = ContainerRuntime.defaults().images().importImage(reference);
      PrintWriter out = out(spec);
      out.println(image.id());
      out.flush();
      return 0;
    }
  }

  /** {@code image ls}. */
  @Command(name = "ls", mixinStandardHelpOptions = true, description = "Lists the imported images.")
  static final class Ls implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PrintWriter out = out(spec);
      List<Image> images = ContainerRuntime.defaults().images().list();
      out.printf("%-12s  %6s  %-20s  %-71s  %s%n", "ID", "LAYERS", "IMPORTED", "DIGEST", "REFERENCE");
      for (Image i : images) {
        String id = i.id().startsWith("sha256:") ? i.id().substring(7) : i.id();
        out.printf("%-12s  %6d  %-20s  %-71s  %s%n", id.substring(0, Math.min(12, id.length())), i.layers().size(),
            i.imported().truncatedTo(ChronoUnit.SECONDS), i.id(), i.reference());
      }
      out.flush();
      return 0;
    }
  }

  /** {@code image rm ID}. */
  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Removes an image (its layers go with 'image gc').")
  static final class Rm implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "image id, id prefix or reference")
    String id = "";

    @Override
    public Integer call() throws IOException {
      Image image = ContainerRuntime.defaults().images().find(id).orElseThrow(() -> new IllegalArgumentException("no image " + id));
      ContainerRuntime.defaults().images().remove(image.id());
      out(spec).println("removed " + image.id());
      out(spec).flush();
      return 0;
    }
  }

  /** {@code image gc}. */
  @Command(name = "gc", mixinStandardHelpOptions = true, description = "Deletes the layers no image uses.")
  static final class Gc implements Callable<Integer> {
    @Spec
    @Nullable CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      List<String> gone = ContainerRuntime.defaults().images().gc();
      PrintWriter out = out(spec);
      gone.forEach(d -> out.println("deleted " + d));
      out.println(gone.size() + " layer(s) deleted");
      out.flush();
      return 0;
    }
  }
}
