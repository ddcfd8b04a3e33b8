package dev.containerj.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Plants no bug: checks that this module's own link creation agrees with the independent probe the
 * kernel tests skip on ({@link TestNet#linkKindProblem}, iproute2 in a throw-away namespace). If the
 * kernel can make the link, so must {@link Rtnetlink}; a {@link NetlinkException} here is a failure.
 * If the kernel cannot, both must say so (then the other link tests are listed as skipped in the
 * lane's .ci/skips list).
 */
@Tag("kernel")
class LinkProbeTwinTest {
  @ParameterizedTest
  @ValueSource(strings = {"veth", "bridge"})
  void rtnetlinkCreatesALinkExactlyWhenIpLinkCan(String kind) throws Exception {
    TestNet.assumeRoot();
    String independent = TestNet.linkKindProblem(kind);
    String library;
    try (NetworkNamespace ns = NetworkNamespace.create()) {
      if (kind.equals("veth")) {
        ns.rtnetlink().createVeth("probe0", "probe1");
      } else {
        ns.rtnetlink().createBridge("probe0");
      }
      String links = TestNet.run("nsenter", "--net=/proc/" + ProcessHandle.current().pid() + "/fd/" + ns.fd(), "ip", "-o", "link", "show", "probe0");
      assertThat(links).as("ip link show in the namespace").contains("probe0");
      library = "";
    } catch (NetlinkException e) {
      library = e.getMessage();
    }
    if (independent.isEmpty()) {
      assertThat(library).as("Rtnetlink creating a %s link, which ip link add can make here", kind).isEmpty();
    } else {
      assertThat(library).as("Rtnetlink must fail where ip link add type %s fails: %s", kind, independent).isNotEmpty();
    }
  }
}
