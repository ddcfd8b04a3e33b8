package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.containerj.linux.internal.LibC;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an ordinary user gets: reading works, changing fails with errors that say why. */
@Tag("rootless")
@Tag("kernel")
class RootlessNetTest {
  @TempDir Path state;

  @BeforeEach
  void ordinaryUser() {
    assumeTrue(LibC.geteuid() != 0,
        "not tested as root: this checks the errors an ordinary user gets (CI's rootless lane runs it as nobody)");
  }

  @Test
  void readingWorksChangingIsRefusedWithClearErrors() throws Exception {
    try (Rtnetlink nl = Rtnetlink.open()) {
      assertThat(nl.links()).extracting(Link::name).contains("lo");
      assertThat(nl.requireLink("lo").loopback()).isTrue();
      assertThatThrownBy(() -> nl.createBridge("cjtrootless0"))
          .isInstanceOf(NetlinkException.class)
          .hasMessage("RTM_NEWLINK bridge cjtrootless0: EPERM (Operation not permitted)");
    }
    assertThatThrownBy(NetworkNamespace::create)
        .hasMessage("unshare(CLONE_NEWNET) failed: EPERM (Operation not permitted)");
    try (BridgeNetwork net = BridgeNetwork.builder().bridgeName("cjtrl0").subnet("10.201.0.0/24")
        .ipamDirectory(state.resolve("cjtrl0")).build()) {
      assertThatThrownBy(net::ensureBridge)
          .hasMessage("bridge networking needs CAP_NET_ADMIN on the host (run as root, or use the loopback or none network):"
              + " RTM_NEWLINK bridge cjtrl0: EPERM (Operation not permitted)");
    }
  }
}
