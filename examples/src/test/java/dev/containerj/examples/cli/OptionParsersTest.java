package dev.containerj.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.core.MountSpec;
import dev.containerj.core.Network;
import dev.containerj.namespaces.Capability;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionParsersTest {
  @Test
  void durationsTakeUnitsAndDefaultToSeconds() {
    assertThat(OptionParsers.duration("--timeout", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(OptionParsers.duration("--timeout", "10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(OptionParsers.duration("--timeout", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(OptionParsers.duration("--timeout", "1h")).isEqualTo(Duration.ofHours(1));
    assertThat(OptionParsers.duration("--timeout", "1d")).isEqualTo(Duration.ofDays(1));
    assertThat(OptionParsers.duration("--timeout", "1.5")).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void badDurationsNameOptionRuleAndValue() {
    assertThatThrownBy(() -> OptionParsers.duration("--timeout", "10x"))
        .hasMessage("--timeout must be a number with unit ms, s, m, h or d (as 500ms, 10s, 2m): 10x");
    assertThatThrownBy(() -> OptionParsers.duration("--timeout", "-1s"))
        .hasMessageStartingWith("--timeout must be a number");
    assertThatThrownBy(() -> OptionParsers.duration("--timeout", "0ms")).hasMessage("--timeout must be > 0: 0ms");
  }

  @Test
  void pidsLimitIsANumberOrUnlimited() {
    assertThat(OptionParsers.pidsLimit("64")).isEqualTo(64);
    assertThat(OptionParsers.pidsLimit("unlimited")).isEqualTo(dev.containerj.cgroups.CgroupLimits.PIDS_UNLIMITED);
    assertThat(OptionParsers.pidsLimit("-1")).isEqualTo(dev.containerj.cgroups.CgroupLimits.PIDS_UNLIMITED);
    assertThatThrownBy(() -> OptionParsers.pidsLimit("0"))
        .hasMessage("--pids-limit must be a number > 0, or unlimited (or -1): 0");
    assertThatThrownBy(() -> OptionParsers.pidsLimit("many"))
        .hasMessage("--pids-limit must be a number > 0, or unlimited (or -1): many");
  }

  @Test
  void userIsNumericWithGidDefaultingToZero() {
    assertThat(OptionParsers.user("1000:1001")).isEqualTo(new OptionParsers.User(1000, 1001));
    assertThat(OptionParsers.user("1000")).isEqualTo(new OptionParsers.User(1000, 0));
    assertThatThrownBy(() -> OptionParsers.user("alice"))
        .hasMessage("--user must be UID[:GID] with numeric ids: alice");
    assertThatThrownBy(() -> OptionParsers.user("-1")).hasMessage("--user must be UID[:GID] with numeric ids: -1");
  }

  @Test
  void envTakesValueOrCopiesItFromHost() {
    Map<String, String> host = Map.of("HOSTVAR", "from-host");
    assertThat(OptionParsers.env("A=b=c", host::get)).isEqualTo(Map.entry("A", "b=c"));
    assertThat(OptionParsers.env("A=", host::get)).isEqualTo(Map.entry("A", ""));
    assertThat(OptionParsers.env("HOSTVAR", host::get)).isEqualTo(Map.entry("HOSTVAR", "from-host"));
    assertThat(OptionParsers.env("UNSET", host::get)).isNull();
  }

  @Test
  void tmpfsTakesSizeAndMode() {
    assertThat(OptionParsers.tmpfs("/data")).isEqualTo(MountSpec.tmpfs("/data"));
    assertThat(OptionParsers.tmpfs("/data:size=64m")).isEqualTo(MountSpec.tmpfs("/data", 64L << 20));
    assertThat(OptionParsers.tmpfs("/data:ro,size=1k").readOnly()).isTrue();
    assertThatThrownBy(() -> OptionParsers.tmpfs("/data:mode=1777"))
        .hasMessage("--tmpfs options must be size=N[k|m|g], ro or rw: /data:mode=1777");
    assertThatThrownBy(() -> OptionParsers.tmpfs("/data:size=lots"))
        .hasMessage("--tmpfs size: size must be a number of bytes > 0 with optional k, m or g, as 64m, 1g, 512k, 100:"
            + " \"lots\"");
    assertThatThrownBy(() -> OptionParsers.tmpfs("/data:size=0")).hasMessage("--tmpfs size: size must be a number of"
        + " bytes > 0: \"0\"");
    assertThatThrownBy(() -> OptionParsers.tmpfs(":size=1m")).hasMessage("--tmpfs must be PATH[:size=N,ro]: :size=1m");
  }

  @Test
  void networkModes() {
    assertThat(OptionParsers.network("none")).isEqualTo(Network.none());
    assertThat(OptionParsers.network("LOOPBACK")).isEqualTo(Network.loopback());
    assertThat(OptionParsers.network("host")).isEqualTo(Network.host());
    assertThat(OptionParsers.network("bridge")).isEqualTo(Network.bridge());
    assertThat(OptionParsers.network("bridge:net1")).isEqualTo(Network.bridge("net1"));
    assertThat(OptionParsers.network("container:abc")).isEqualTo(Network.sharedWith("abc"));
    assertThat(OptionParsers.network("pasta")).isEqualTo(Network.userMode().stack(Network.Stack.PASTA));
    assertThatThrownBy(() -> OptionParsers.network("overlay"))
        .hasMessage("--network must be none, loopback, bridge, bridge:NAME, container:ID, host, pasta, slirp4netns or user: overlay");
    assertThat(OptionParsers.userMode("pasta")).isEqualTo(dev.containerj.core.Network.userMode().stack(dev.containerj.core.Network.Stack.PASTA));
    assertThat(OptionParsers.userMode("slirp4netns:allow_host_loopback=true")).isEqualTo(dev.containerj.core.Network.userMode()
        .stack(dev.containerj.core.Network.Stack.SLIRP4NETNS).hostLoopback(true));
    assertThat(OptionParsers.userMode("bridge")).isNull();
    assertThatThrownBy(() -> OptionParsers.userMode("pasta:-T,auto"))
        .hasMessage("--network pasta takes only allow_host_loopback=true|false: pasta:-T,auto");
  }

  @Test
  void capabilitiesDropThenAddAsDocker() {
    assertThat(OptionParsers.capabilities(Capability.DEFAULT_SET, List.of("net_admin"), List.of("CAP_CHOWN")))
        .contains(Capability.CAP_NET_ADMIN).doesNotContain(Capability.CAP_CHOWN)
        .hasSize(Capability.DEFAULT_SET.size());
    assertThat(OptionParsers.capabilities(Capability.DEFAULT_SET, List.of("kill"), List.of("ALL")))
        .containsExactly(Capability.CAP_KILL);
    assertThat(OptionParsers.capabilities(Capability.DEFAULT_SET, List.of("all"), List.of()))
        .isEqualTo(EnumSet.allOf(Capability.class));
    assertThatThrownBy(() -> OptionParsers.capabilities(Capability.DEFAULT_SET, List.of("bogus"), List.of()))
        .hasMessage("--cap-add: capability must be a capability of capabilities(7): bogus");
  }

  @Test
  void durationsPrintAsWritten() {
    assertThat(OptionParsers.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(OptionParsers.format(Duration.ofSeconds(10))).isEqualTo("10s");
    assertThat(OptionParsers.format(Duration.ofSeconds(150))).isEqualTo("2m30s");
  }
}
