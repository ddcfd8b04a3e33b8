package dev.containerj.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.containerj.cgroups.DeviceRule;
import dev.containerj.core.MountSpec;
import dev.containerj.core.Network;
import dev.containerj.core.Rlimit;
import dev.containerj.core.SpecValidationException;
import dev.containerj.namespaces.Capability;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Namespace;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The config.json reader and writer, without a kernel: the default configs of runc 1.1.5 and crun
 * 1.8.1 (captured from {@code runc spec} and {@code crun spec}) and ContainerJ's own, read, written
 * and read again; every unsupported field refused by its JSON path.
 */
class OciConfigReaderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path bundle;

  private String resource(String name) throws IOException {
    try (InputStream in = getClass().getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private OciConfig parse(String json) throws IOException {
    Files.createDirectories(bundle.resolve("rootfs"));
    return OciConfigReader.parse(json, bundle);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc-1.1.5-spec.json", "crun-1.8.1-spec.json"})
  void readsTheDefaultConfigOfOtherRuntimes(String name) throws IOException {
    OciConfig c = parse(resource(name));
    var s = c.container();
    assertThat(c.terminal()).isTrue();
    assertThat(s.command()).containsExactly("sh");
    assertThat(s.environment()).containsEntry("TERM", "xterm");
    assertThat(s.workingDirectory()).isEqualTo("/");
    assertThat(s.uid()).isZero();
    assertThat(s.capabilities()).containsExactlyInAnyOrder(Capability.CAP_AUDIT_WRITE, Capability.CAP_KILL,
        Capability.CAP_NET_BIND_SERVICE);
    assertThat(s.rlimits()).containsExactly(new Rlimit(Rlimit.Resource.NOFILE, 1024, 1024));
    assertThat(s.noNewPrivileges()).isTrue();
    assertThat(s.rootfs().directory()).isEqualTo(bundle.resolve("rootfs").toAbsolutePath());
    assertThat(s.rootfs().writable()).isFalse();
    assertThat(s.namespaces()).containsExactlyInAnyOrder(Namespace.PID, Namespace.NET, Namespace.IPC,
        Namespace.UTS, Namespace.MOUNT);
    assertThat(s.network()).isEqualTo(Network.loopback());
    assertThat(s.maskedPaths()).contains("/proc/kcore", "/sys/firmware");
    assertThat(s.readonlyPaths()).contains("/proc/sys");
    assertThat(s.mounts()).isEmpty(); // all standard: ContainerJ mounts them itself
    assertThat(s.seccomp().isUnconfined()).isTrue(); // no linux.seccomp: no filter, as runc
    assertThat(s.privateTmp()).isFalse();
    assertThat(c.process().command()).containsExactly("sh");
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc-1.1.5-spec.json", "crun-1.8.1-spec.json", "containerj"})
  void writesWhatItReadsAndReadsWhatItWrites(String name) throws IOException {
    String original = name.equals("containerj") ? OciConfigWriter.defaultConfig() : resource(name);
    OciConfig first = parse(original);
    String written = OciConfigWriter.write(first);
    OciConfig second = parse(written);
    assertThat(OciConfigWriter.write(second)).isEqualTo(written);
    assertThat(second.container().toString()).isEqualTo(first.container().toString());
    assertThat(second.container().limits()).isEqualTo(first.container().limits());
    assertThat(second.container().capabilities()).isEqualTo(first.container().capabilities());
    assertThat(second.container().rlimits()).isEqualTo(first.container().rlimits());
    assertThat(second.container().namespaces()).isEqualTo(first.container().namespaces());
    assertThat(second.container().maskedPaths()).isEqualTo(first.container().maskedPaths());
    // the text keeps every field of the original that carries a value
    ObjectNode in = (ObjectNode) JSON.readTree(original);
    ObjectNode out = (ObjectNode) JSON.readTree(written);
    assertThat(out.at("/process/args")).isEqualTo(in.at("/process/args"));
    assertThat(out.at("/process/env")).isEqualTo(in.at("/process/env"));
    assertThat(out.at("/process/capabilities/bounding")).isEqualTo(in.at("/process/capabilities/bounding"));
    assertThat(out.at("/root")).isEqualTo(in.at("/root"));
    assertThat(out.at("/hostname")).isEqualTo(in.at("/hostname"));
    assertThat(out.at("/linux/maskedPaths")).isEqualTo(in.at("/linux/maskedPaths"));
    assertThat(out.at("/linux/namespaces")).isEqualTo(in.at("/linux/namespaces"));
  }

  /**
   * The config Podman 4.3.1 gave its runtime for {@code podman run --rm --network none --cgroups=disabled
   * --rootfs DIR -- /bin/sh -c 'echo hi'} (captured by a wrapper runtime): what ContainerJ cannot honour is
   * refused, each by its path, and nothing else.
   */
  @Test
  void podmansConfigIsRefusedOnlyWhereContainerjCannotHonourIt() throws IOException {
    ObjectNode c = (ObjectNode) JSON.readTree(resource("podman-4.3.1-config.json"));
    c.with("root").put("path", "rootfs");
    // Podman's umask 0022 is accepted when it is this process's own (the payload inherits that one).
    ((ObjectNode) c.with("process").with("user")).put("umask", OciConfigReader.ownUmask() == 18 ? 0777 : 18);
    SpecValidationException e = refused(c.toString());
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field).containsExactly(
        "process.user.umask"); // not this process's umask: ContainerJ passes its own umask on
    assertThat(e.violations().get(0).rule()).contains("must be this runtime's own umask");
    // /dev noexec, the nosuid/noexec/nodev bind of /dev/shm and the sysctl are all honoured
    ((ObjectNode) c.with("process").with("user")).put("umask", OciConfigReader.ownUmask());
    for (var m : c.withArray("mounts")) {
      if (m.path("type").asText().equals("bind")) {
        ((ObjectNode) m).put("source", "rootfs"); // the captured sources were podman's temporary files
      }
    }
    OciConfig config = OciConfigReader.parse(c.toString(), bundle);
    assertThat(config.container().seccomp().isUnconfined()).isFalse();
    assertThat(config.annotations()).isNotEmpty();
    assertThat(config.container().command()).endsWith("/bin/sh", "-c", "echo hi");
    assertThat(config.container().sysctls()).containsExactly(java.util.Map.entry("net.ipv4.ping_group_range", "0 0"));
    MountSpec shm = config.container().mounts().stream().filter(m -> m.target().equals("/dev/shm")).findFirst().orElseThrow();
    assertThat(shm.flags()).containsExactlyInAnyOrder(MountSpec.Flag.NOSUID, MountSpec.Flag.NOEXEC, MountSpec.Flag.NODEV);
    assertThat(OciConfigWriter.write(config)).contains("net.ipv4.ping_group_range").contains("noexec");
    assertThat(OciConfigReader.parse(OciConfigWriter.write(config), bundle).container().toString())
        .isEqualTo(config.container().toString());
  }

  @Test
  void theDefaultConfigIsContainerjsSecureOne() throws IOException {
    OciConfig c = parse(OciConfigWriter.defaultConfig());
    assertThat(c.ociVersion()).isEqualTo("1.2.0");
    assertThat(c.container().namespaces()).contains(Namespace.CGROUP);
    assertThat(c.container().maskedPaths()).containsExactlyElementsOf(
        dev.containerj.core.ContainerSpec.DEFAULT_MASKED_PATHS);
  }

  @Test
  void readsEveryOtherSupportedField() throws IOException {
    Path vol = Files.createDirectories(bundle.resolve("vol"));
    String json = """
        {"ociVersion":"1.2.0",
         "process":{"user":{"uid":1000,"gid":1000,"additionalGids":[5,6]},"args":["id"],"cwd":"/home",
           "env":["A=b=c"],"oomScoreAdj":500,"noNewPrivileges":true,"apparmorProfile":"",
           "rlimits":[{"type":"RLIMIT_CORE","soft":0,"hard":18446744073709551615}]},
         "root":{"path":"rootfs"},
         "mounts":[{"destination":"/data","type":"bind","source":"vol","options":["rbind","ro","rprivate"]},
                   {"destination":"/run","type":"tmpfs","source":"tmpfs","options":["nosuid","nodev","size=1m"]}],
         "hooks":{"prestart":[{"path":"/bin/true","args":["true","x"],"env":["K=v"],"timeout":3}],
                  "poststop":[{"path":"/bin/false"}]},
         "annotations":{"io.x":"1","a.b":"2"},
         "linux":{"namespaces":[{"type":"mount"},{"type":"user"},{"type":"pid"}],
           "uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
           "gidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
           "cgroupsPath":"/box/one",
           "rootfsPropagation":"rprivate",
           "resources":{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":10,"minor":200,"access":"rw"}],
             "memory":{"limit":67108864,"swap":134217728,"reservation":1048576},
             "cpu":{"shares":1024,"quota":50000,"period":100000,"cpus":"0"},
             "pids":{"limit":64},
             "unified":{"memory.high":"33554432"}},
           "seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["chmod"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}}}
        """;
    OciConfig c = parse(json);
    var s = c.container();
    assertThat(s.uid()).isEqualTo(1000);
    assertThat(s.supplementaryGroups()).containsExactly(5L, 6L);
    assertThat(s.environment()).containsEntry("A", "b=c");
    assertThat(s.oomScoreAdj()).isEqualTo(500);
    assertThat(s.rlimits()).containsExactly(new Rlimit(Rlimit.Resource.CORE, 0, Rlimit.UNLIMITED));
    assertThat(s.rootfs().writable()).isTrue();
    assertThat(s.mounts()).containsExactly(MountSpec.bindReadOnly(vol, "/data"),
        new MountSpec(MountSpec.Type.TMPFS, null, "/run", false, 1 << 20));
    assertThat(c.hooks().prestart()).containsExactly(new OciHook("/bin/true", List.of("true", "x"), List.of("K=v"), 3));
    assertThat(c.hooks().poststop().get(0).argv()).containsExactly("/bin/false");
    assertThat(c.annotations()).containsExactly(java.util.Map.entry("io.x", "1"), java.util.Map.entry("a.b", "2"));
    assertThat(s.namespaces()).containsExactlyInAnyOrder(Namespace.MOUNT, Namespace.USER, Namespace.PID);
    assertThat(s.network()).isEqualTo(Network.host());
    assertThat(s.uidMappings()).containsExactly(new IdMapping(0, 100000, 65536));
    assertThat(c.cgroupsPath()).isEqualTo("/box/one");
    var l = s.limits();
    assertThat(l.memoryMax()).hasValue(64L << 20);
    assertThat(l.memorySwapMax()).hasValue(64L << 20);
    assertThat(l.memoryLow()).hasValue(1L << 20);
    assertThat(l.memoryHigh()).hasValue(32L << 20);
    assertThat(l.cpuWeight()).hasValue(39); // crun's map: 1 + (1022 * 9999) / 262142
    assertThat(l.cpuQuotaMicros()).hasValue(50000);
    assertThat(l.cpusetCpus()).hasValue("0");
    assertThat(l.pidsMax()).hasValue(64);
    assertThat(l.deviceAllowList().orElseThrow()).contains(DeviceRule.chr(10, 200, "rw"))
        .containsAll(DeviceRule.containerDefaults());
    assertThat(s.seccomp().isUnconfined()).isFalse();
    // and back
    OciConfig again = parse(OciConfigWriter.write(c));
    assertThat(again.container().limits()).isEqualTo(l);
    assertThat(again.container().mounts()).isEqualTo(s.mounts());
    assertThat(again.hooks()).isEqualTo(c.hooks());
    assertThat(again.annotations()).isEqualTo(c.annotations());
    assertThat(again.container().seccomp()).isEqualTo(s.seccomp());
  }

  /**
   * containerd 1.6.20's default spec ({@code ctr oci spec}; {@code ctr run} adds the image's args
   * and env): everything is ContainerJ's own standard mounts but {@code /run}, a tmpfs of mode 755
   * that only root may write, which stays so, also when written back.
   */
  @Test
  void readsContainerdsDefaultSpecWithItsRunTmpfsOfMode755() throws IOException {
    ObjectNode c = (ObjectNode) JSON.readTree(resource("containerd-1.6.20-spec.json"));
    c.with("process").putArray("args").add("sh");
    OciConfig config = parse(c.toString());
    assertThat(config.container().mounts()).containsExactly(MountSpec.tmpfs("/run", 65536L << 10, 0755));
    assertThat(config.cgroupsPath()).isEqualTo("/default");
    String written = OciConfigWriter.write(config);
    assertThat(written).contains("\"mode=755\"").contains("\"strictatime\"");
    assertThat(parse(written).container().mounts()).isEqualTo(config.container().mounts());
  }

  @Test
  void refusesATmpfsModeThatIsNotOctalPermissionBits() {
    SpecValidationException e = refused(MINIMAL_PREFIX
        + "\"mounts\":[{\"destination\":\"/a\",\"type\":\"tmpfs\",\"options\":[\"mode=0999\"]},"
        + "{\"destination\":\"/b\",\"type\":\"tmpfs\",\"options\":[\"mode=17777\"]}],"
        + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}");
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field)
        .containsExactly("mounts[0].options", "mounts[1].options");
    assertThat(e.getMessage()).contains("mode=0999").contains("octal");
  }

  private SpecValidationException refused(String json) {
    return org.assertj.core.api.Assertions.catchThrowableOfType(() -> parse(json), SpecValidationException.class);
  }

  private static final String MINIMAL_PREFIX = "{\"ociVersion\":\"1.2.0\",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"},"
      + "\"root\":{\"path\":\"rootfs\"},";

  @Test
  void refusesEveryUnsupportedFieldAtOnceByItsJsonPath() {
    SpecValidationException e = refused(MINIMAL_PREFIX
        + "\"solaris\":{},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"umask\":4095},\"scheduler\":{\"policy\":\"SCHED_FIFO\"},"
        + "\"selinuxLabel\":\"system_u\"},"
        + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\",\"path\":\"/proc/1/ns/user\"}],"
        + "\"sysctl\":{\"kernel.panic\":\"1\"},\"devices\":[{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":0}],"
        + "\"resources\":{\"memory\":{\"kernel\":1},\"network\":{\"classID\":1},\"unified\":{\"io.max\":\"8:0 rbps=1\"}},"
        + "\"intelRdt\":{}},"
        + "\"mounts\":[{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"rw\"]},"
        + "{\"destination\":\"/x\",\"type\":\"ext4\",\"source\":\"/dev/sda\"},"
        + "{\"destination\":\"/y\",\"type\":\"bind\",\"source\":\"/\",\"options\":[\"rbind\",\"dev\"]}]}");
    assertThat(e).isNotNull();
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field).contains(
        "solaris", "process.user.umask", "process.scheduler", "process.selinuxLabel",
        "linux.namespaces[1].path", "linux.sysctl[\"kernel.panic\"]", "linux.devices[0]", "linux.resources.memory.kernel",
        "linux.resources.network", "linux.resources.unified.io.max", "linux.intelRdt",
        "mounts[0].options", "mounts[1].type", "mounts[2].options");
    assertThat(e.getMessage()).contains("linux.namespaces[1].path").contains("/proc/1/ns/user");
  }

  @Test
  void refusesCapabilitySetsItCannotGive() {
    SpecValidationException e = refused(MINIMAL_PREFIX.replace("\"cwd\":\"/\"",
        "\"cwd\":\"/\",\"user\":{\"uid\":1000,\"gid\":1000},\"capabilities\":{\"bounding\":[\"CAP_KILL\"],"
            + "\"effective\":[],\"permitted\":[\"CAP_KILL\"],\"ambient\":[\"CAP_KILL\"]}")
        + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}");
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field)
        .containsExactlyInAnyOrder("process.capabilities.effective", "process.capabilities.ambient");
  }

  /**
   * A sysctl is applied only when it belongs to a namespace the container has of its own; any other
   * is refused by its JSON path, with the key and the rule (it would change the host's value).
   */
  @Test
  void sysctlsOnlyOfTheContainersOwnNamespaces() throws IOException {
    String ns = "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\"},{\"type\":\"ipc\"},"
        + "{\"type\":\"uts\"}],\"sysctl\":";
    OciConfig ok = parse(MINIMAL_PREFIX + ns + "{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"4096\","
        + "\"fs.mqueue.msg_max\":\"20\"}}}");
    assertThat(ok.container().sysctls()).containsOnlyKeys("net.ipv4.ip_forward", "kernel.shmmax", "fs.mqueue.msg_max");
    SpecValidationException e = refused(MINIMAL_PREFIX + ns
        + "{\"kernel.panic\":\"1\",\"vm.swappiness\":\"0\",\"net/../kernel/panic\":\"1\",\"kernel.hostname\":\"h\"}}}");
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field).containsExactly(
        "linux.sysctl[\"kernel.panic\"]", "linux.sysctl[\"vm.swappiness\"]", "linux.sysctl[\"net/../kernel/panic\"]",
        "linux.sysctl[\"kernel.hostname\"]");
    assertThat(e.getMessage()).contains("kernel.panic=1").contains(dev.containerj.core.Sysctl.RULE);
    // without their namespace the same keys are the host's: refused
    SpecValidationException shared = refused(MINIMAL_PREFIX + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],"
        + "\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.shmmax\":\"4096\",\"kernel.hostname\":\"h\"}}}");
    assertThat(shared.violations()).hasSize(3).allSatisfy(v -> assertThat(v.rule()).isEqualTo(dev.containerj.core.Sysctl.RULE));
  }

  /**
   * nosuid, noexec and nodev on a bind become flags of the mount (set by a remount after the
   * bind); an option that would clear a flag the source's mount has is refused, and dev always.
   */
  @Test
  void bindFlagsAreKeptAndNeverCleared() throws IOException {
    Path vol = Files.createDirectories(bundle.resolve("vol"));
    OciConfig c = parse(MINIMAL_PREFIX + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]},"
        + "\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"vol\",\"options\":[\"rbind\",\"nosuid\",\"noexec\"]},"
        + "{\"destination\":\"/b\",\"type\":\"bind\",\"source\":\"vol\",\"options\":[\"rbind\",\"ro\",\"nodev\"]}]}");
    assertThat(c.container().mounts()).containsExactly(
        new MountSpec(MountSpec.Type.BIND, vol, "/a", false, 0, java.util.Set.of(MountSpec.Flag.NOSUID, MountSpec.Flag.NOEXEC)),
        new MountSpec(MountSpec.Type.BIND, vol, "/b", true, 0, java.util.Set.of(MountSpec.Flag.NODEV)));
    assertThat(OciConfigReader.parse(OciConfigWriter.write(c), bundle).container().mounts())
        .isEqualTo(c.container().mounts());
    SpecValidationException e = refused(MINIMAL_PREFIX + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]},"
        + "\"mounts\":[{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"vol\",\"options\":[\"rbind\",\"dev\"]}]}");
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field).containsExactly("mounts[0].options");
    assertThat(e.getMessage()).contains("would clear nodev");
  }

  /**
   * A Kubernetes app container's namespaces: network, ipc and uts joined by the sandbox's paths, the
   * rest its own. The paths become joins (not new namespaces), and they survive a write and re-read;
   * a user or mount namespace's path is refused by its JSON path.
   */
  @Test
  void namespacePathsAreJoinsAndUnsupportedTypesAreRefusedByTheirJsonPath() throws IOException {
    OciConfig c = parse(MINIMAL_PREFIX + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"},"
        + "{\"type\":\"network\",\"path\":\"/proc/42/ns/net\"},{\"type\":\"ipc\",\"path\":\"/proc/42/ns/ipc\"},"
        + "{\"type\":\"uts\",\"path\":\"/proc/42/ns/uts\"}]}}");
    assertThat(c.container().joinedNamespaces()).containsExactly(
        java.util.Map.entry(Namespace.UTS, Path.of("/proc/42/ns/uts")), java.util.Map.entry(Namespace.IPC, Path.of("/proc/42/ns/ipc")),
        java.util.Map.entry(Namespace.NET, Path.of("/proc/42/ns/net")));
    assertThat(c.container().namespaces()).containsExactlyInAnyOrder(Namespace.MOUNT, Namespace.PID);
    assertThat(c.container().network()).isEqualTo(dev.containerj.core.Network.loopback());
    assertThat(OciConfigReader.parse(OciConfigWriter.write(c), bundle).container().joinedNamespaces())
        .isEqualTo(c.container().joinedNamespaces());
    SpecValidationException e = refused(MINIMAL_PREFIX + "\"linux\":{\"namespaces\":[{\"type\":\"mount\",\"path\":\"/proc/1/ns/mnt\"},"
        + "{\"type\":\"ipc\",\"path\":\"proc/1/ns/ipc\"}]}}");
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field)
        .containsExactly("linux.namespaces[0].path", "linux.namespaces[1].path");
    assertThat(e.getMessage()).contains("/proc/1/ns/mnt").contains("does not do").contains("must be an absolute path");
  }

  @Test
  void refusesDotDotAndRelativeDestinations() {
    SpecValidationException e = refused(MINIMAL_PREFIX
        + "\"mounts\":[{\"destination\":\"/a/../../etc\",\"type\":\"tmpfs\"},{\"destination\":\"rel\",\"type\":\"tmpfs\"}],"
        + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}],\"maskedPaths\":[\"/proc/../etc\"]}}");
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field)
        .containsExactlyInAnyOrder("mounts[0].destination", "mounts[1].destination", "linux.maskedPaths[0]");
  }

  @Test
  void refusesRelativeHookPathsAndReadsTheContainersHooks() {
    SpecValidationException e = refused(MINIMAL_PREFIX
        + "\"hooks\":{\"startContainer\":[{\"path\":\"/bin/true\"}],\"prestart\":[{\"path\":\"true\"}],"
        + "\"createContainer\":[{\"path\":\"sh\"}]},"
        + "\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}");
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field)
        .containsExactlyInAnyOrder("hooks.prestart[0].path", "hooks.createContainer[0].path");
  }

  @Test
  void aMissingFileOrBrokenJsonIsAnIoError() {
    assertThatThrownBy(() -> OciConfigReader.parse("{", bundle)).isInstanceOf(IOException.class)
        .hasMessageContaining("not JSON");
    assertThatThrownBy(() -> OciConfigReader.read(bundle)).isInstanceOf(IOException.class);
  }

  @Test
  void resourcesAloneAreReadAsForUpdateAndARefusedFieldIsNamed() throws IOException {
    dev.containerj.cgroups.CgroupLimits l = OciConfigReader.resources(
        "{\"pids\":{\"limit\":42},\"memory\":{\"limit\":67108864},\"cpu\":{\"quota\":50000,\"period\":100000}}");
    assertThat(l.pidsMax()).hasValue(42);
    assertThat(l.memoryMax()).hasValue(67108864);
    SpecValidationException e = org.junit.jupiter.api.Assertions.assertThrows(SpecValidationException.class,
        () -> OciConfigReader.resources("{\"network\":{\"classID\":1},\"pids\":{\"limit\":1}}"));
    assertThat(e.violations()).extracting(SpecValidationException.Violation::field).containsExactly("resources.network");
    assertThatThrownBy(() -> OciConfigReader.resources("[]")).isInstanceOf(SpecValidationException.class)
        .hasMessageContaining("resources");
    assertThatThrownBy(() -> OciConfigReader.resources("{")).isInstanceOf(IOException.class)
        .hasMessageContaining("the LinuxResources text is not JSON");
  }
}
