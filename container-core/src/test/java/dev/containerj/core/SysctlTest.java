package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.containerj.namespaces.Namespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kernel parameters of a container ({@link ContainerSpec.Builder#sysctl}): written by the
 * container's own process into its own namespaces, and only those; a parameter that is the host's
 * (outside any namespace, or of a namespace the container shares with the host) is refused before
 * anything starts. The protection-off run (Sysctl.refusal returning empty) started the refused spec
 * and wrote the host's kernel.shmmni: see the report of the change.
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class SysctlTest {
  private static String read(String file) throws Exception {
    return Files.readString(Path.of(file)).trim();
  }

  @Test
  void namespacedParametersAreWrittenInTheContainersNamespacesOnly() throws Exception {
    String hostPing = read("/proc/sys/net/ipv4/ping_group_range");
    String hostShm = read("/proc/sys/kernel/shmmni");
    // Without a user namespace, as Podman runs as root: the ipc namespace's parameters belong to the
    // namespace's root (ipc_permissions in ipc/ipc_sysctl.c), the host's root here.
    Run.Result r = Run.run(Run.sh("cat /proc/sys/net/ipv4/ping_group_range /proc/sys/kernel/shmmni")
        .namespaces(EnumSet.of(Namespace.MOUNT, Namespace.PID, Namespace.UTS, Namespace.IPC, Namespace.NET))
        .sysctl("net.ipv4.ping_group_range", "0 4242").sysctl("kernel.shmmni", "1234").build());
    assertThat(r.status().code()).as(r.err()).isZero();
    assertThat(r.out().lines().toList()).containsExactly("0\t4242", "1234");
    assertThat(read("/proc/sys/net/ipv4/ping_group_range")).isEqualTo(hostPing);
    assertThat(read("/proc/sys/kernel/shmmni")).isEqualTo(hostShm);
  }

  @Test
  void aParameterOfTheHostIsRefusedBeforeAnythingStarts() throws Exception {
    String hostShm = read("/proc/sys/kernel/shmmni");
    String other = Integer.toString(Integer.parseInt(hostShm) + 1);
    // No ipc namespace of its own: kernel.shmmni would be the host's. kernel.panic and vm.* are no
    // namespace's; a host network's net.* is the host's.
    ContainerSpec.Builder b = Run.sh("true")
        .namespaces(EnumSet.of(Namespace.USER, Namespace.MOUNT, Namespace.PID, Namespace.UTS, Namespace.NET))
        .sysctl("kernel.shmmni", other).sysctl("kernel.panic", "1").sysctl("vm.swappiness", "0")
        .sysctl("kernel.domainname", "x");
    SpecValidationException e = catchThrowableOfType(b::build, SpecValidationException.class);
    assertThat(e).as("a host parameter must be refused").isNotNull();
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field)
        .containsExactly("sysctls[kernel.shmmni]", "sysctls[kernel.panic]", "sysctls[vm.swappiness]",
            "sysctls[kernel.domainname]");
    assertThat(e.violations()).allSatisfy(v -> assertThat(v.rule()).isEqualTo(Sysctl.RULE));
    SpecValidationException hostNet = catchThrowableOfType(() -> Run.sh("true").network(Network.host())
        .sysctl("net.ipv4.ping_group_range", "0 1").build(), SpecValidationException.class);
    assertThat(hostNet).isNotNull();
    assertThat(hostNet.getMessage()).contains("sysctls[net.ipv4.ping_group_range]");
    assertThat(read("/proc/sys/kernel/shmmni")).isEqualTo(hostShm);
  }
}
