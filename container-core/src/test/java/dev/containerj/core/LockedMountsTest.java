package dev.containerj.core;

import static dev.containerj.core.EscapeProbe.ROOT;
import static dev.containerj.core.EscapeProbe.python;
import static dev.containerj.core.EscapeProbe.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.core.internal.ProtectionsOff;
import dev.containerj.namespaces.Capability;
import dev.containerj.linux.IdMapping;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Masks and read-only binds hold against the container's own root (issue #11, classes 4 and 10): a
 * root JVM assembles the tree before the container's mount namespace exists, and the copy into the
 * container's user namespace locks every mount (mount_namespaces(7)), so unmounting one fails with
 * EINVAL, whatever the capabilities and even with the identity map. Each test runs the same script
 * a second time with the old assembly (inside the container's own mount namespace) to show what the
 * lock stops.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class LockedMountsTest {
  /** A file only in the host's /tmp: visible in a container only if its private /tmp is gone. */
  private static Path marker;

  @BeforeAll
  static void hostMarker() throws Exception {
    marker = Files.createTempFile(Path.of("/tmp"), "cj-locked-", ".marker");
  }

  @AfterAll
  static void removeMarker() throws Exception {
    Files.deleteIfExists(marker);
  }

  private static final String UNMOUNT = """
      for key, path in [('proc_sys', '/proc/sys'), ('sysrq', '/proc/sysrq-trigger'), ('kcore', '/proc/kcore'),
                        ('firmware', '/sys/firmware'), ('tmp', '/tmp'), ('hosts', '/etc/hosts')]:
          out(key, sc('umount2', path, 2) if os.path.lexists(path) else 'ABSENT')
      out('marker', os.path.exists('MARKER'))
      # MS_REMOUNT | MS_BIND without MS_RDONLY: make the read-only /etc/hosts writable again
      out('hosts_rw', sc('mount', 0, '/etc/hosts', 0, 32 | 4096, 0))
      # Only opened, never written: in an "off" run a write would change the host's kernel.
      out('core_pattern', os_call(lambda: os.close(os.open('/proc/sys/kernel/core_pattern', os.O_WRONLY))))
      """;

  private static ContainerSpec.Builder unmounter(boolean identity) {
    ContainerSpec.Builder b = python(UNMOUNT.replace("MARKER", marker.toString())).addCapability(Capability.CAP_SYS_ADMIN);
    if (identity) {
      b.uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()));
    }
    return b;
  }

  /** Whether the host's /tmp is a mount point (read from mountinfo, not from the library). */
  private static boolean hostTmpIsAMount() throws java.io.IOException {
    return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.split(" ")[4].equals("/tmp"));
  }

  private static Map<String, String> unlocked(ContainerSpec.Builder b) throws Exception {
    ProtectionsOff.unlockedMounts = true;
    try {
      return run(b);
    } finally {
      ProtectionsOff.unlockedMounts = false;
    }
  }

  @Test
  void withSysAdminNoMaskOrReadOnlyBindCanBeUnmounted() throws Exception {
    assumeTrue(ROOT, "an ordinary user's container cannot have locked mounts (that needs the host's root); "
        + "what it can unmount reveals only what the user can read anyway (docs/architecture.md)");
    for (boolean identity : new boolean[] {false, true}) {
      Map<String, String> r = run(unmounter(identity));
      for (String key : List.of("proc_sys", "sysrq", "kcore", "firmware", "tmp", "hosts")) {
        assertThat(r.get(key)).as("umount2 of %s (identity map: %s): %s", key, identity, r).isIn("EINVAL", "ABSENT");
      }
      assertThat(r).as("identity map: %s", identity).containsEntry("proc_sys", "EINVAL").containsEntry("tmp", "EINVAL")
          .containsEntry("hosts", "EINVAL").containsEntry("marker", "False").containsEntry("hosts_rw", "EPERM")
          // The identity map's root passes the permission check: the read-only mount refuses.
          .containsEntry("core_pattern", identity ? "EROFS" : "EACCES");
    }

    // Protection off (the old assembly, inside the container's own mount namespace): every unmount
    // works, the host's /tmp shows, and with the identity map the host's kernel.core_pattern opens
    // for writing.
    Map<String, String> off = unlocked(unmounter(true));
    assertThat(off).containsEntry("proc_sys", "OK").containsEntry("tmp", "OK").containsEntry("hosts", "OK")
        .containsEntry("core_pattern", "OK");
    // The host's marker shows under the container's unmounted /tmp only where the host's /tmp is a
    // directory of its root filesystem; where /tmp is a mount of its own (the QEMU lane's tmpfs), the
    // container's root, a bind of /, shows the directory below that mount instead.
    if (!hostTmpIsAMount()) {
      assertThat(off).containsEntry("marker", "True");
    }
    assertThat(off.get("kcore")).isIn("OK", "ABSENT");
    assertThat(off.get("sysrq")).isIn("OK", "ABSENT");
    assertThat(off.get("firmware")).isIn("OK", "ABSENT");
  }

  @Test
  void anOrdinaryUsersUnmountsRevealOnlyWhatTheUserCanReadAnyway() throws Exception {
    assumeTrue(!ROOT, "the bound of an ordinary user's container (a root JVM's mounts are locked: test above)");
    // Rootless, the mounts are the container's own and not locked: with CAP_SYS_ADMIN in its user
    // namespace it unmounts them. What shows is at most the user's own view of the host (under the
    // private /tmp of the rootless host root lies an empty mount point, so not even the host's /tmp),
    // while the host's sysctls and root-only files stay closed by their owners, whom the single-id
    // map does not contain.
    Map<String, String> r = run(unmounter(false));
    assertThat(r).containsEntry("proc_sys", "OK").containsEntry("tmp", "OK").containsEntry("marker", "False")
        .containsEntry("core_pattern", "EACCES");
    assertThat(run(python("out('shadow', os_call(lambda: os.close(os.open('/etc/shadow', os.O_RDONLY))))")
        .addCapability(Capability.CAP_SYS_ADMIN))).containsEntry("shadow", "EACCES");
  }

  @Test
  void etcHostsCannotGrowAHostFile() throws Exception {
    // Identity map as root: the container's root owns the state directory's file on the host.
    String script = """
        def grow():
            with open('/etc/hosts', 'a') as f:
                f.write('x' * (1 << 20))
        out('grow', os_call(grow))
        out('size_mib', os.stat('/etc/hosts').st_size >> 20)
        """;
    ContainerSpec.Builder b = python(script);
    if (ROOT) {
      b.uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()));
    }
    assertThat(run(b)).containsEntry("grow", "EROFS").containsEntry("size_mib", "0");
    // Protection off (a writable bind, as before): a MiB lands in the host's state directory.
    ProtectionsOff.writableGeneratedFiles = true;
    try {
      ContainerSpec.Builder off = python(script);
      if (ROOT) {
        off.uidMappings(List.of(IdMapping.identity())).gidMappings(List.of(IdMapping.identity()));
        assertThat(run(off)).containsEntry("grow", "OK").containsEntry("size_mib", "1");
      } else {
        // An ordinary user's container is the user, who owns the file too.
        assertThat(run(off)).containsEntry("grow", "OK");
      }
    } finally {
      ProtectionsOff.writableGeneratedFiles = false;
    }
  }
}
