package dev.containerj.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerStartException;
import dev.containerj.core.ContainerStartException.Step;
import dev.containerj.namespaces.LaunchException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The typed step and the errno of a failed start, without a kernel. */
class StartFailureUnitTest {
  private static final String ID = "0123456789ab".repeat(2) + "01234567";

  @Test
  void aFailureWithoutASystemCallHasNoErrno() {
    // The helper died without a report: no errno is made up for it (it was EPERM before).
    ContainerStartException e = StartFailure.of(ID, Step.HELPER,
        new LaunchException("native helper", "it exited without reporting (killed?)"));
    assertThat(e.errno()).isEmpty();
    assertThat(e.error()).isEmpty();
    assertThat(e.step()).isEqualTo(Step.HELPER);
    assertThat(e.getMessage()).isEqualTo("container " + ID + ": native helper failed: it exited without reporting (killed?)");
    ContainerStartException io = StartFailure.of(ID, Step.IMAGE_ROOT,
        new LaunchException("prepare container x", new java.io.IOException("disk full")));
    assertThat(io.errno()).isEmpty();
    assertThat(io.step()).isEqualTo(Step.IMAGE_ROOT);
  }

  @Test
  void theKernelsErrnoIsKept() {
    ContainerStartException e = StartFailure.of(ID, Step.HELPER, new LaunchException("execve(sh)", 2, null));
    assertThat(e.errno()).hasValue(2);
    assertThat(e.error()).contains(dev.containerj.linux.Errno.ENOENT);
    assertThat(e.step()).isEqualTo(Step.EXEC);
    assertThat(e.commandNotFound()).isTrue();
  }

  @Test
  void everyOperationOfAContainersProgramHasItsStep() {
    // The step names the HelperProgram gives its operations, one of each kind.
    List<String> calls = new ArrayList<>(List.of("setns(net of container x)", "unshare(mnt)",
        "clone(user|pid), then assemble its root", "write(/proc/42/uid_map)", "write(/proc/42/setgroups)",
        "newgidmap 42 0 1000 1", "mount(proc -> /x/proc)", "mount_setattr(/x)", "pivot_root(/x)", "chdir(/)",
        "idmapped mount of the root (/a -> /b)", "user namespace for idmapped mounts (uid_map 0 1 1)",
        "setresuid(0)", "capset", "prctl(PR_SET_NO_NEW_PRIVS)", "seccomp(default profile)", "execve(sh)",
        "join cgroup", "prepare container", "posix_spawn(containerj-helper)", "write(go)", "open(/proc/42/ns/pid)"));
    List<Step> steps = calls.stream().map(StartFailure::ofHelperStep).toList();
    assertThat(steps).containsExactly(Step.NAMESPACES, Step.NAMESPACES, Step.NAMESPACES, Step.ID_MAPS,
        Step.ID_MAPS, Step.ID_MAPS, Step.ROOTFS, Step.ROOTFS, Step.ROOTFS, Step.ROOTFS, Step.ROOTFS, Step.ROOTFS,
        Step.CREDENTIALS, Step.CREDENTIALS, Step.CREDENTIALS, Step.SECCOMP, Step.EXEC, Step.CGROUP, Step.NETWORK,
        Step.HELPER, Step.HELPER, Step.NAMESPACES);
  }
}
