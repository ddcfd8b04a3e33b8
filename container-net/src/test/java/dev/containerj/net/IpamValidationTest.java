package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lease file contents and the checks before a lease is written; file system only. */
class IpamValidationTest {
  @TempDir Path root;

  private static final long ME = ProcessHandle.current().pid();

  @Test
  void anOwnerMustBeOneNonEmptyLineSoThatItCannotForgeLeaseFields() throws Exception {
    Ipam ipam = Ipam.open(root.resolve("n"), IpPrefix.parse("10.91.0.0/24"));
    // "x\npid=1" would otherwise write a second pid= line into the lease file
    assertThatThrownBy(() -> ipam.allocate("x\npid=1", ME)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("owner must be non-empty and one line: x\npid=1");
    assertThatThrownBy(() -> ipam.allocate("", ME)).hasMessage("owner must be non-empty and one line: ");
    assertThatThrownBy(() -> ipam.allocate(null, ME)).isInstanceOf(NullPointerException.class).hasMessage("owner");
    assertThatThrownBy(() -> ipam.allocate("x", 0)).hasMessage("ownerPid must be > 0: 0");
    assertThatThrownBy(() -> ipam.allocate("x", -5)).hasMessage("ownerPid must be > 0: -5");
    assertThat(ipam.leases()).isEmpty();
    assertThat(root.resolve("n/leases")).isEmptyDirectory();
  }

  @Test
  void aLeaseFileNamesOwnerPidAndStartTime() throws Exception {
    Ipam ipam = Ipam.open(root.resolve("n"), IpPrefix.parse("10.92.0.0/24"));
    Ipam.Lease l = ipam.allocate("c1", ME);
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String start = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19];
    assertThat(root.resolve("n/leases/10.92.0.2")).hasContent("owner=c1\npid=" + ME + "\nstarttime=" + start + "\n");
    assertThat(ipam.leaseOf("c1")).get().extracting(Ipam.Lease::owner).isEqualTo("c1");
    assertThat(ipam.leaseOf("c2")).isEmpty();
    assertThat(ipam.release(IpPrefix.parseAddress("10.92.0.2"), "c2")).isFalse();
    assertThat(ipam.release(IpPrefix.parseAddress("10.92.0.3"), "c1")).isFalse();
    assertThat(ipam.release(IpPrefix.parseAddress("10.92.0.2"), "c1")).isTrue();
    assertThat(ipam.leases()).isEmpty();
    ipam.allocate("c3", ME);
    ipam.allocate("c3", ME);
    ipam.allocate("c4", ME);
    assertThat(ipam.releaseAll("c3")).isEqualTo(2);
    assertThat(ipam.leases()).extracting(Ipam.Lease::owner).containsExactly("c4");
    l.close();
  }

  @Test
  void aLeaseWhosePidWasReusedByALaterProcessIsReclaimed() throws Exception {
    Ipam ipam = Ipam.open(root.resolve("n"), IpPrefix.parse("10.94.0.0/24"));
    ipam.allocate("mine", ME);
    ipam.allocate("reused", ME);
    // the pid is alive, but the lease names another start time: the pid was reused
    Path reused = root.resolve("n/leases/10.94.0.3");
    Files.writeString(reused, "owner=reused\npid=" + ME + "\nstarttime=1\n");
    // a lease of a pid that does not exist (pid_max is at most 2^22)
    Files.writeString(root.resolve("n/leases/10.94.0.9"), "owner=gone\npid=99999999\nstarttime=5\n");
    assertThat(ipam.reclaimDead()).extracting(Ipam.Lease::owner).containsExactlyInAnyOrder("reused", "gone");
    assertThat(ipam.leases()).extracting(Ipam.Lease::owner).containsExactly("mine");
    assertThat(reused).doesNotExist();
    // a lease without a start time (written by an older version) is kept while its pid lives
    Files.writeString(root.resolve("n/leases/10.94.0.4"), "owner=old\npid=" + ME + "\n");
    assertThat(ipam.reclaimDead()).isEmpty();
  }
}
