package dev.containerj.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.containerj.core.internal.ContainerStarter;
import dev.containerj.core.internal.StateRecord;
import dev.containerj.linux.internal.LibC;
import dev.containerj.namespaces.internal.FaultPlan;
import dev.containerj.namespaces.internal.HelperProgram;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import dev.containerj.core.internal.StateStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A JVM that dies by {@code kill -9} takes its containers with it (parent-death signal), and a new
 * JVM's reaper removes the state it left.
 */
@Tag("kernel")
@Tag("rootless")
@ExtendWith(LeakCheck.class)
class OrphanReaperTest {

  /**
   * Run in a child JVM: start a long container, print its id and pid, then wait to be killed. With
   * {@code java STEP} or {@code helper INDEX [cgroup]}: the start kills this JVM at that step.
   */
  public static void main(String[] args) throws Exception {
    if (args.length >= 1 && args[0].equals("exited")) {
      // A container with a cgroup whose payload ended, never closed: its JVM dies now.
      Container c = Container.start(killedSpec(true).toBuilder().command("sleep", "0.5").build());
      Files.readAllLines(StateStore.forCurrentUser().dir(c.id()).resolve(StateStore.OWNER)).stream().skip(1)
          .forEach(System.out::println);
      System.out.flush();
      c.waitFor();
      Thread.sleep(200); // the exit callbacks have run
      LibC.kill(LibC.getpid(), 9);
    }
    if (args.length == 3 && args[0].equals("image")) {
      // An image container whose start kills this JVM at Java step args[2].
      FaultPlan.install(FaultPlan.javaStep(args[2]).killingTheJvm());
      try (Container c = Container.start(ContainerSpec.builder().image(ContainerRuntime.defaults().images().importImage(args[1]))
          .command("cat").build())) {
        System.out.println("started " + c.id());
      }
      return;
    }
    if (args.length >= 2) {
      FaultPlan plan = args[0].equals("java") ? FaultPlan.javaStep(args[1]) : FaultPlan.helperStep(Integer.parseInt(args[1]));
      FaultPlan.install(plan.killingTheJvm());
      try (Container c = Container.start(killedSpec(args.length > 2))) {
        System.out.println("started " + c.id()); // the step was never reached: the test fails on it
      }
      return;
    }
    Container c = Container.start(ContainerSpec.builder().command("sleep", "1000").build());
    System.out.println(c.id() + " " + c.pid());
    System.out.flush();
    Thread.sleep(600_000);
  }

  @Test
  void containersDieWithTheirJvmAndTheReaperCleansUp() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-cp", SecureDefaultsTest.childClassPath(),
        "-Dcontainerj.stateDir=" + StateStore.forCurrentUser().root(), OrphanReaperTest.class.getName())
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String[] line;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8))) {
      line = r.readLine().split(" ");
    }
    String id = line[0];
    int pid = Integer.parseInt(line[1]);
    assertThat(Container.list()).extracting(ContainerInfo::id).contains(id);
    assertThat(Path.of("/proc/" + pid)).exists();

    jvm.destroyForcibly(); // SIGKILL: no shutdown hook, no close()
    assertThat(jvm.waitFor(30, TimeUnit.SECONDS)).isTrue();

    // PR_SET_PDEATHSIG: the container's pid 1 is killed when its parent thread dies.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (Path.of("/proc/" + pid + "/stat").toFile().exists() && !isZombie(pid) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(!Path.of("/proc/" + pid).toFile().exists() || isZombie(pid)).as("container pid %d gone", pid).isTrue();

    List<ContainerInfo> before = Container.list();
    assertThat(before).filteredOn(i -> i.id().equals(id)).singleElement()
        .satisfies(i -> assertThat(i.ownerAlive()).isFalse());
    assertThat(Container.reapOrphans()).contains(id);
    assertThat(Container.list()).extracting(ContainerInfo::id).doesNotContain(id);
    assertThat(StateStore.forCurrentUser().dir(id)).doesNotExist();
  }

  /** The spec of the killed starts: a cgroup (when this user may make one), so that one is left too. */
  private static ContainerSpec killedSpec(boolean cgroup) {
    ContainerSpec.Builder b = ContainerSpec.builder().command("sleep", "1000").hostname("killed");
    return (cgroup ? b.limits(dev.containerj.cgroups.CgroupLimits.builder().pidsMax(64).build()) : b).build();
  }

  /**
   * Issue #11, class 11: the owning JVM is killed (SIGKILL) at every fault-injection point of a start,
   * Java steps and helper operations alike, each time in a fresh child JVM. A reap from this JVM then
   * leaves no state directory, with or without state.json, and no container cgroup of the dead
   * JVM (a cgroup directory can only be removed empty, so no process is left in it either).
   * Protection off: a reap that judges only directories with a record (the reap before the fix)
   * would have left the half-made ones; this run counts them and they must be most of the steps.
   */
  @Test
  void aJvmKilledAtEveryStepOfAStartLeavesNothingAfterAReap() throws Exception {
    boolean rootless = LibC.geteuid() != 0;
    boolean cgroup = !rootless; // an ordinary user here has no delegated cgroup subtree
    StateStore store = StateStore.forCurrentUser();
    List<String> steps = new ArrayList<>(List.of("java:create state directory"));
    if (cgroup) {
      steps.addAll(List.of("java:create cgroup", "java:join cgroup"));
    }
    steps.addAll(List.of("java:pipe2(config)", "java:pipe2(status)", "java:posix_spawn(containerj-helper)",
        "java:write(config pipe)", "java:write(go)", "java:write state record"));
    if (rootless) {
      // A root JVM's helper writes the maps itself, in its clone (helper steps below).
      steps.addAll(List.of("java:write(/proc/PID/uid_map)", "java:write(/proc/PID/gid_map)",
          "java:write(/proc/PID/setgroups)"));
    }
    ContainerSpec spec = killedSpec(cgroup);
    HelperProgram program = ContainerStarter.program(spec, "0".repeat(32), "/x", store.root().toString(), rootless,
        ContainerStarter.gidMappings(spec, rootless));
    for (int i = 0; i < program.size(); i++) {
      steps.add("helper:" + i);
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = SecureDefaultsTest.childClassPath();
    int halfMade = 0;
    int reapedTotal = 0;
    int cgroupsSeen = 0;
    for (String step : steps) {
      Set<String> before = entries(store.root());
      String[] kind = step.split(":", 2);
      List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-Dcontainerj.reapOnStart=false", "-Dcontainerj.stateDir=" + store.root(), "-cp", cp,
          OrphanReaperTest.class.getName(), kind[0], kind[1]));
      if (cgroup) {
        cmd.add("cgroup");
      }
      Process jvm = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(jvm.exitValue()).as("%s: killed by SIGKILL; output: %s", step, out).isEqualTo(128 + 9);

      Set<String> left = entries(store.root());
      left.removeAll(before);
      // What a reap of records only (before the fix) would have found: directories with state.json.
      Set<String> withRecord = new HashSet<>();
      store.list().forEach(r -> withRecord.add(r.id()));
      List<Path> cgroups = new ArrayList<>();
      for (String name : left) {
        if (!withRecord.contains(name)) {
          halfMade++;
        }
        Path owner = store.root().resolve(name).resolve(StateStore.OWNER);
        if (Files.exists(owner)) {
          Files.readAllLines(owner).stream().skip(1).filter(l -> !l.isBlank()).map(Path::of).forEach(cgroups::add);
        }
      }
      cgroupsSeen += (int) cgroups.stream().filter(Files::isDirectory).count();

      List<String> reaped = Container.reapOrphans();
      reapedTotal += reaped.size();
      assertThat(entries(store.root())).as("%s: state directories left", step).noneMatch(left::contains);
      assertThat(cgroups).as("%s: cgroups left", step).allSatisfy(c -> assertThat(c).doesNotExist());
    }
    System.out.printf("killed starts: %d, half-made directories (no state.json): %d, reaped: %d, cgroups seen: %d%n",
        steps.size(), halfMade, reapedTotal, cgroupsSeen);
    // Protection off: without the owner file these had no state.json, and the old reap left them all.
    assertThat(halfMade).isGreaterThan(steps.size() / 2);
    if (cgroup) {
      assertThat(cgroupsSeen).isGreaterThan(0);
    }
  }

  /**
   * A container whose payload ended but which its JVM never closed (killed first) still has its
   * cgroup: its state directory stays (without the record) until close, so a reap finds and removes
   * the cgroup. Before the fix the directory went with the payload, and the cgroup was left where no
   * reap looks (the empty cgroup directories).
   */
  @Test
  void aCgroupOfAnEndedContainerWhoseJvmDiedIsReaped() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(LibC.geteuid() == 0, "an ordinary user here has no delegated cgroup subtree");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm = new ProcessBuilder(java, "-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dcontainerj.reapOnStart=false", "-Dcontainerj.stateDir=" + StateStore.forCurrentUser().root(),
        "-cp", SecureDefaultsTest.childClassPath(), OrphanReaperTest.class.getName(), "exited").start();
    List<Path> cgroups = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines()
        .filter(l -> !l.isBlank()).map(Path::of).toList();
    assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(jvm.exitValue()).isEqualTo(128 + 9);
    assertThat(cgroups).as("the ended container's cgroup").anySatisfy(c -> assertThat(c).isDirectory());
    String id = cgroups.get(0).getFileName().toString();
    assertThat(StateStore.forCurrentUser().dir(id)).as("the ended container's directory").isDirectory();
    assertThat(Container.list()).extracting(ContainerInfo::id).as("no record: it ended").doesNotContain(id);
    assertThat(Container.reapOrphans()).contains(id);
    assertThat(cgroups).allSatisfy(c -> assertThat(c).doesNotExist());
    assertThat(StateStore.forCurrentUser().dir(id)).doesNotExist();
  }

  private static Set<String> entries(Path root) throws Exception {
    Set<String> out = new HashSet<>();
    if (Files.isDirectory(root)) {
      try (var s = Files.list(root)) {
        s.forEach(p -> out.add(p.getFileName().toString()));
      }
    }
    return out;
  }

  @Test
  void stateRecordsRoundTrip() {
    StateRecord r = new StateRecord("abc", 42, 7, 43, 8, true, 1234, "sh \"quoted\"\\", "containerj/abc");
    assertThat(StateRecord.fromJson(r.toJson())).isEqualTo(r);
  }

  private static boolean isZombie(int pid) {
    try {
      String stat = java.nio.file.Files.readString(Path.of("/proc/" + pid + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (Exception e) {
      return false;
    }
  }
}
