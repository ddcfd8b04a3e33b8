package dev.containerj.core;

import dev.containerj.namespaces.ExitStatus;
import dev.containerj.namespaces.Redirect;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/** Test helper: run a spec to the end with stdout and stderr captured. */
final class Run {
  record Result(String out, String err, ExitStatus status, String id) {}

  private Run() {}

  static ContainerSpec.Builder sh(String script) {
    return ContainerSpec.builder().command("sh", "-c", script).stdout(Redirect.PIPE).stderr(Redirect.PIPE);
  }

  static Result run(ContainerSpec spec) throws Exception {
    try (Container c = Container.start(spec)) {
      CompletableFuture<String> err = drain(c.stderr());
      CompletableFuture<String> out = drain(c.stdout());
      ExitStatus s = c.waitFor();
      return new Result(out.get(), err.get(), s, c.id());
    }
  }

  static Result run(String script) throws Exception {
    return run(sh(script).build());
  }

  static CompletableFuture<String> drain(InputStream in) {
    if (in == null) {
      return CompletableFuture.completedFuture("");
    }
    return CompletableFuture.supplyAsync(() -> {
      try {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toString(StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }
}
