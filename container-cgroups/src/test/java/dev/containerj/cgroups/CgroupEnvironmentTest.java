package dev.containerj.cgroups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CgroupEnvironmentTest {
  static final String HYBRID_MOUNTINFO = String.join("\n",
      "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
      "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct",
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
      "37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer",
      "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
      "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw");
  static final String HYBRID_CGROUP = String.join("\n", "9:name=systemd:/", "8:pids:/",
      "6:freezer:/", "4:memory:/process_api/abc", "2:cpuacct:/", "1:cpu:/", "0::/");

  @Test
  void hybridHost() throws CgroupException {
    CgroupEnvironment env = CgroupEnvironment.parse(HYBRID_MOUNTINFO, HYBRID_CGROUP);
    assertThat(env.hierarchy()).isEqualTo(CgroupHierarchy.HYBRID);
    assertThat(env.v1Mounts()).containsOnlyKeys("cpu", "cpuacct", "memory", "freezer", "pids");
    assertThat(env.ownV1Directory("memory")).contains(Path.of("/sys/fs/cgroup/memory/process_api/abc"));
    assertThat(env.ownV1Directory("cpu")).contains(Path.of("/sys/fs/cgroup/cpu"));
    assertThat(env.ownUnifiedDirectory()).contains(Path.of("/sys/fs/cgroup/unified"));
    assertThat(env.ownV1Directory("blkio")).isEmpty();
  }

  @Test
  void pureV2HostInANamespaceOrSubtreeMount() throws CgroupException {
    CgroupEnvironment env = CgroupEnvironment.parse(
        "30 23 0:26 /user.slice /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
        "0::/user.slice/user-1000.slice/session-1.scope\n");
    assertThat(env.hierarchy()).isEqualTo(CgroupHierarchy.UNIFIED);
    assertThat(env.ownUnifiedDirectory())
        .contains(Path.of("/sys/fs/cgroup/user-1000.slice/session-1.scope"));
    assertThat(env.v1Mounts()).isEmpty();
  }

  @Test
  void coMountedV1ControllersAndEscapedMountPoints() throws CgroupException {
    CgroupEnvironment env = CgroupEnvironment.parse(
        "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
            + "33 31 0:30 / /mnt/my\\040cg rw - cgroup cgroup rw,memory\n",
        "3:cpu,cpuacct:/a\n2:memory:/b\n");
    assertThat(env.hierarchy()).isEqualTo(CgroupHierarchy.LEGACY);
    assertThat(env.ownV1Directory("cpu")).isEqualTo(env.ownV1Directory("cpuacct"))
        .contains(Path.of("/sys/fs/cgroup/cpu,cpuacct/a"));
    assertThat(env.ownV1Directory("memory")).contains(Path.of("/mnt/my cg/b"));
    assertThat(env.unifiedMount()).isEmpty();
  }

  @Test
  void noCgroupsAtAll() {
    assertThatThrownBy(() -> CgroupEnvironment.parse("1 0 0:1 / / rw - ext4 /dev/vda rw\n", ""))
        .isInstanceOf(CgroupException.class)
        .hasMessage("no cgroup hierarchy is mounted (no cgroup or cgroup2 in mountinfo)");
  }
}
