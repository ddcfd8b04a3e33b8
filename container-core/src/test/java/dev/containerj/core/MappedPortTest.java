package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.containerj.net.PortMapping;
import java.net.InetAddress;
import java.net.Socket;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ephemeral published ports: the kernel picks a free host port, {@link Container#mappedPort} tells it.
 * Root only: publishing ports needs root (the proxy enters the container's network namespace).
 */
@Tag("kernel")
@ExtendWith(LeakCheck.class)
class MappedPortTest {

  @Test
  void twoContainersPublishingTheSamePortEphemerallyGetDistinctHostPorts() throws Exception {
    ContainerSpec spec = ContainerSpec.builder().command("sleep", "60")
        .publish(PortMapping.ephemeral(8080)).publish(PortMapping.ephemeral(8081)).build();
    try (Container a = Container.start(spec); Container b = Container.start(spec)) {
      int pa = a.mappedPort(8080);
      int pb = b.mappedPort(8080);
      assertThat(pa).isPositive().isNotEqualTo(pb).isNotEqualTo(a.mappedPort(8081));
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), pa)) {
        assertThat(s.isConnected()).as("the proxy listens on the chosen port").isTrue();
      }
      assertThatThrownBy(() -> a.mappedPort(9999)).isInstanceOf(ContainerException.class)
          .hasMessageContaining("9999");
    }
  }
}
