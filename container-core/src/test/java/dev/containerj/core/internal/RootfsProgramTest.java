package dev.containerj.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.ContainerSpec;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.internal.HelperProgram;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The order of the helper program's steps, without a kernel: who mounts, and when the tree is copied. */
class RootfsProgramTest {
  private static final List<IdMapping> RANGE = List.of(new IdMapping(0, ContainerStarter.ROOT_ID_BASE, 65536));

  private static List<String> steps(boolean rootless) {
    HelperProgram p = RootfsProgram.build(ContainerSpec.builder().command("true").build(), "/s/id", "/s", "h", rootless,
        RANGE, RANGE);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < p.size(); i++) {
      out.add(p.step(i));
    }
    return out;
  }

  @Test
  void aRootJvmAssemblesTheTreeBeforeTheContainersMountNamespaceAndThenCopiesIt() {
    List<String> s = steps(false);
    int clone = s.indexOf("clone(user,pid,uts,ipc,net,cgroup), then assemble its root"); // no mnt
    int proc = s.indexOf("mount(proc -> /proc, proc)");
    int pivot = s.indexOf("pivot_root(/s/id/root)");
    int end = s.indexOf("end of the root's assembly");
    int go = s.indexOf("wait for parent");
    int copy = s.indexOf("unshare(mnt, a copy of the assembled tree: its mounts locked)");
    assertThat(List.of(clone, proc, pivot, end, go, copy)).as("%s", s).doesNotContain(-1).isSorted();
    // The assembler creates as the container's root on the host; devpts gets no gid=, since the
    // host's id of 5 in the default range is above INT_MAX, which an older devpts refuses (EINVAL).
    assertThat(s).contains("owner of created files " + ContainerStarter.ROOT_ID_BASE + ":" + ContainerStarter.ROOT_ID_BASE)
        .anySatisfy(step -> assertThat(step).startsWith("mount(devpts").doesNotContain("gid="));
    // The generated /etc/hosts is made read-only right after its bind.
    int hosts = s.indexOf("mount(/s/id/" + ContainerNetwork.HOSTS + " -> /etc/hosts)");
    assertThat(s.get(hosts + 1)).isEqualTo("mount_setattr(/etc/hosts)");
  }

  @Test
  void anOrdinaryUsersContainerAssemblesInItsOwnMountNamespace() {
    List<String> s = steps(true);
    assertThat(s).contains("clone(user,mnt,pid,uts,ipc,net,cgroup)").doesNotContain("end of the root's assembly")
        .noneMatch(step -> step.startsWith("unshare(mnt, a copy"));
    assertThat(s.indexOf("wait for parent")).isLessThan(s.indexOf("mount(proc -> /proc, proc)"));
  }
}
