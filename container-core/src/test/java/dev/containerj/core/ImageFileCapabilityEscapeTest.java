package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.layers.Image;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image layer's file capabilities ({@code security.capability}, a PAX {@code SCHILY.xattr}
 * record): a root JVM's store keeps them, as Docker's does, so a payload running as an ordinary uid
 * would gain them at execve. no_new_privs (the default) makes execve grant nothing (prctl(2)); the
 * second run turns it off and the same execve gains the capability.
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class ImageFileCapabilityEscapeTest {

  @Test
  void aFileCapabilityOfAnImageGainsNothingUnderNoNewPrivs(@TempDir Path work) throws Exception {
    Assumptions.assumeTrue(LibC.geteuid() == 0, "umoci keeps security.capability in a layer only as root");
    // cap_kill: in the default bounding set, so only no_new_privs stands between it and the payload.
    Image image = UmociImage.build(work, rootfs -> {
      // busybox picks its applet by its name: a copy named grep, in a directory of its own.
      Path capbox = Files.createDirectories(rootfs.resolve("capbin")).resolve("grep");
      Files.copy(Path.of("/bin/busybox"), capbox);
      UmociImage.sh(work, "setcap", "cap_kill+ep", capbox.toString());
    });
    try {
      // The attack reaches the store: the unpacked copy carries the capability.
      assertThat(getcap(ContainerStarter.layers().directory())).as("/capbin/grep in the layer store").contains("cap_kill=ep");
      ContainerSpec.Builder b = ImageIds.forStore(ContainerSpec.builder().image(image)
          .command("/capbin/grep", "CapEff", "/proc/self/status").user(1000, 1000)
          .stdout(Redirect.PIPE).stderr(Redirect.PIPE), ContainerStarter.layers().directory());
      Run.Result on = Run.run(b.build());
      assertThat(on.out()).as(on.err()).isEqualTo("CapEff:\t0000000000000000\n");
      Run.Result off = Run.run(b.noNewPrivileges(false).build());
      assertThat(off.out()).as(off.err()).isEqualTo("CapEff:\t0000000000000020\n");
    } finally {
      ContainerRuntime.defaults().images().remove(image.id());
      ContainerRuntime.defaults().images().gc();
    }
  }

  private static String getcap(Path store) throws Exception {
    StringBuilder out = new StringBuilder();
    try (Stream<Path> s = Files.walk(store)) {
      for (Path p : (Iterable<Path>) s.filter(p -> p.endsWith("capbin/grep"))::iterator) {
        out.append(UmociImage.sh(store, "getcap", p.toString()));
      }
    }
    return out.toString();
  }
}
