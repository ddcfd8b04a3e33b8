package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.namespaces.Capability;
import dev.containerj.namespaces.seccomp.SeccompProfile;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link Security}: presets are values, the same wherever they are set, and the kernel shows them. */
class SecurityPresetTest {

  @Test
  void aPresetMeansTheSameWhateverWasSetBefore() {
    ContainerSpec plain = ContainerSpec.builder().command("true").security(Security.hardened()).build();
    ContainerSpec after = ContainerSpec.builder().command("true").addCapability(Capability.CAP_SYS_ADMIN)
        .noNewPrivileges(false).seccomp(SeccompProfile.unconfined()).privileged().security(Security.hardened()).build();
    assertThat(after.security()).isEqualTo(plain.security()).isEqualTo(Security.hardened());
    assertThat(after.capabilities()).isEmpty();
    assertThat(after.noNewPrivileges()).isTrue();
    assertThat(after.privileged()).isFalse();
  }

  @Test
  void presetsAreAdjustedAsValues() {
    Security s = Security.hardened().withCapabilities(Set.of(Capability.CAP_NET_BIND_SERVICE));
    ContainerSpec spec = ContainerSpec.builder().command("true").security(s).build();
    assertThat(spec.capabilities()).containsExactly(Capability.CAP_NET_BIND_SERVICE);
    assertThat(spec.seccomp()).isEqualTo(SeccompProfile.hardened());
    assertThat(Security.hardened().capabilities()).as("the preset itself is unchanged").isEmpty();
    assertThat(ContainerSpec.builder().command("true").build().security()).isEqualTo(Security.defaults());
    ContainerSpec priv = ContainerSpec.builder().command("true").security(Security.privileged()).build();
    assertThat(priv.privileged()).isTrue();
    assertThat(priv.security()).isEqualTo(Security.privileged());
    assertThat(priv.maskedPaths()).isEmpty();
  }

  @Test
  @Tag("kernel")
  @Tag("rootless")
  @ExtendWith(LeakCheck.class)
  void theKernelShowsTheHardenedPresetAndNotTheDefaults() throws Exception {
    String probe = "grep -E '^(CapBnd|CapEff|NoNewPrivs):' /proc/self/status; unshare -U true 2>/dev/null && echo userns-ok; true";
    Run.Result hardened = Run.run(Run.sh(probe).security(Security.hardened()).build());
    assertThat(hardened.out()).contains("CapBnd:\t0000000000000000", "CapEff:\t0000000000000000", "NoNewPrivs:\t1")
        .doesNotContain("userns-ok");
    // Off: the defaults keep Docker's capability set, which the hardened preset took away.
    Run.Result defaults = Run.run(Run.sh(probe).security(Security.defaults()).build());
    assertThat(defaults.out()).doesNotContain("CapBnd:\t0000000000000000");
  }
}
