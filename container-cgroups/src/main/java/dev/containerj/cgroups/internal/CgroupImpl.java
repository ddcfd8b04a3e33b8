package dev.containerj.cgroups.internal;

import dev.containerj.linux.InvalidValueException;
import com.sun.jna.LastErrorException;
import dev.containerj.cgroups.Cgroup;
import dev.containerj.cgroups.CgroupException;
import dev.containerj.cgroups.CgroupHierarchy;
import dev.containerj.cgroups.CgroupLimits;
import dev.containerj.cgroups.CgroupStats;
import dev.containerj.cgroups.PressureTrigger;
import dev.containerj.cgroups.Subscription;
import dev.containerj.cgroups.UnsupportedLimitException;
import dev.containerj.linux.SyscallException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Errors;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/** The one {@link Cgroup} implementation; its manager decides which controller enforces what. */
final class CgroupImpl implements Cgroup {
  /** Re-reads of the v1 oom_kill count after an OOM eventfd fired before the kill was counted. */
  private static final long[] V1_OOM_RECHECK_MILLIS = {10, 50, 250, 1000, 3000};

  private final BaseManager manager;
  private final CgroupFs fs;
  private final String name;
  private final Map<String, Path> dirs;
  /** Directories to remove, in creation order (intermediates first). */
  private final List<Path> created;
  private final List<CgroupImpl> children = new CopyOnWriteArrayList<>();
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private volatile CgroupLimits limits;
  private boolean removed;

  CgroupImpl(BaseManager manager, String name, Map<String, Path> dirs, List<Path> created,
      CgroupLimits limits) {
    this.manager = manager;
    this.fs = manager.fs;
    this.name = name;
    this.dirs = Collections.unmodifiableMap(new LinkedHashMap<>(dirs));
    this.created = new ArrayList<>(created);
    this.limits = limits;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public CgroupHierarchy hierarchy() {
    return manager.hierarchy;
  }

  @Override
  public Optional<Path> unifiedPath() {
    return Optional.ofNullable(dirs.get(Member.UNIFIED));
  }

  @Override
  public Map<String, Path> paths() {
    return dirs;
  }

  @Override
  public CgroupLimits limits() {
    return limits;
  }

  void applyLimits(BaseManager.Plan plan, CgroupLimits l) throws IOException {
    for (Member m : plan.limitMembers()) {
      Path dir = dirs.get(m.key());
      if (dir == null) {
        throw new UnsupportedLimitException(BaseManager.fieldOf(m.controller().name(), l),
            "cgroup " + name + " has no directory in the " + m.key() + " hierarchy");
      }
      m.controller().apply(l, dir, fs, manager.devices);
    }
    limits = l;
  }

  @Override
  public synchronized void update(CgroupLimits l) throws IOException {
    if (!l.deviceAllowList().equals(limits.deviceAllowList())) {
      throw new UnsupportedLimitException("deviceAllowList", "the device policy of " + name + " is set when it"
          + " is created and update() cannot change it: " + limits.deviceAllowList().map(Object::toString)
          .orElse("none") + " -> " + l.deviceAllowList().map(Object::toString).orElse("none"));
    }
    BaseManager.Plan all = manager.plan(l);
    // The device policy stays as created: rewriting it would deny every device for a moment (v1)
    // or stack a second program (v2).
    List<Member> members = new ArrayList<>(all.limitMembers());
    members.removeIf(m -> m.controller().name().equals("devices"));
    BaseManager.Plan plan = new BaseManager.Plan(members, all.enableV2(), all.optionalV2(), all.accounting());
    for (Member m : plan.limitMembers()) {
      if (m.key().equals(Member.UNIFIED)) {
        Set<String> here = BaseManager.words(StatsCollector.readOrNull(fs, v2("update").resolve("cgroup.controllers")));
        if (!here.contains(m.controller().name())) {
          throw new UnsupportedLimitException(BaseManager.fieldOf(m.controller().name(), l), "the "
              + m.controller().name() + " controller is not enabled for " + v2("update"));
        }
      }
    }
    applyLimits(plan, l);
  }

  private Path v2(String feature) throws UnsupportedLimitException {
    Path p = dirs.get(Member.UNIFIED);
    if (p == null) {
      throw new UnsupportedLimitException(feature, "no cgroup v2 hierarchy is mounted");
    }
    return p;
  }

  /** The directory holding membership: v2 where mounted, else the first v1 directory. */
  private Path membershipDir() {
    Path p = dirs.get(Member.UNIFIED);
    return p != null ? p : dirs.values().iterator().next();
  }

  @Override
  public void addProcess(long pid) throws IOException {
    if (pid <= 0) {
      throw new InvalidValueException("pid", Long.toString(pid), "must be > 0");
    }
    Set<Path> done = new LinkedHashSet<>();
    // v1 first, so that the limits hold before the process shows up in the v2 membership.
    for (Map.Entry<String, Path> e : dirs.entrySet()) {
      if (!e.getKey().equals(Member.UNIFIED) && done.add(e.getValue())) {
        fs.write(e.getValue().resolve("cgroup.procs"), Long.toString(pid));
      }
    }
    Path v2 = dirs.get(Member.UNIFIED);
    if (v2 != null) {
      fs.write(v2.resolve("cgroup.procs"), Long.toString(pid));
    }
  }

  @Override
  public List<Long> processes() throws IOException {
    return pids(membershipDir());
  }

  private List<Long> pids(Path dir) throws IOException {
    List<Long> out = new ArrayList<>();
    for (String line : fs.read(dir.resolve("cgroup.procs")).split("\n")) {
      if (!line.isBlank()) {
        out.add(Long.parseLong(line.trim()));
      }
    }
    return out;
  }

  @Override
  public boolean isPopulated() throws IOException {
    Path v2 = dirs.get(Member.UNIFIED);
    if (v2 != null) {
      return eventsValue(fs.read(v2.resolve("cgroup.events")), "populated") == 1;
    }
    return !allPids(membershipDir()).isEmpty();
  }

  /**
   * Whether no process is left in this cgroup or below it, in one read where the kernel keeps the
   * count: "populated 0" in cgroup.events on v2 (cgroup-v2.rst); v1 has no populated flag, but the
   * v1 pids controller's {@code pids.current} counts every task of the subtree (cgroup-v1/pids.rst;
   * an exited one until it is reaped, so a zombie answers "not empty", the safe side). Without
   * either, the cgroup.procs files of the membership tree.
   */
  private boolean surelyEmpty() throws IOException {
    Path v2 = dirs.get(Member.UNIFIED);
    if (v2 != null) {
      return eventsValue(fs.read(v2.resolve("cgroup.events")), "populated") == 0;
    }
    Path pids = dirs.get("pids");
    if (pids != null) {
      try {
        return fs.read(pids.resolve("pids.current")).trim().equals("0");
      } catch (java.nio.file.NoSuchFileException e) {
        // not a pids hierarchy after all (a made-up tree): the listing below
      }
    }
    return allPids(membershipDir()).isEmpty();
  }

  private List<Long> allPids(Path dir) throws IOException {
    List<Long> out = new ArrayList<>(pids(dir));
    for (String c : fs.children(dir)) {
      out.addAll(allPids(dir.resolve(c)));
    }
    return out;
  }

  static long eventsValue(String text, String key) {
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 2 && f[0].equals(key)) {
        return Long.parseLong(f[1]);
      }
    }
    return -1;
  }

  @Override
  public void freeze(Duration timeout) throws IOException {
    setFrozen(true, timeout);
  }

  @Override
  public void thaw() throws IOException {
    setFrozen(false, Duration.ofSeconds(10));
  }

  private void setFrozen(boolean frozen, Duration timeout) throws IOException {
    Path v2 = dirs.get(Member.UNIFIED);
    if (v2 != null) {
      fs.write(v2.resolve("cgroup.freeze"), frozen ? "1" : "0");
      String want = frozen ? "1" : "0";
      if (!fs.await(v2.resolve("cgroup.events"), t -> Long.toString(eventsValue(t, "frozen")).equals(want),
          timeout.toMillis())) {
        throw new CgroupException((frozen ? "freeze" : "thaw") + " of " + v2 + " did not complete within "
            + timeout + " (cgroup.events: " + fs.read(v2.resolve("cgroup.events")).replace('\n', ' ') + ")");
      }
      return;
    }
    Path freezer = dirs.get("freezer");
    if (freezer == null) {
      throw new UnsupportedLimitException("freeze", "neither a cgroup v2 hierarchy nor the v1 freezer is mounted");
    }
    String want = frozen ? "FROZEN" : "THAWED";
    fs.write(freezer.resolve("freezer.state"), want);
    // The v1 freezer has no change notification (only pure v1 hosts come here); each read of
    // freezer.state advances FREEZING, so re-read with a short back-off.
    Backoff backoff = new Backoff(timeout);
    while (!fs.read(freezer.resolve("freezer.state")).trim().equals(want)) {
      if (!backoff.pause()) {
        throw new CgroupException("freezer.state of " + freezer + " did not reach " + want + " within " + timeout);
      }
    }
  }

  @Override
  public boolean isFrozen() throws IOException {
    Path v2 = dirs.get(Member.UNIFIED);
    if (v2 != null) {
      return eventsValue(fs.read(v2.resolve("cgroup.events")), "frozen") == 1;
    }
    Path freezer = dirs.get("freezer");
    return freezer != null && fs.read(freezer.resolve("freezer.state")).trim().equals("FROZEN");
  }

  @Override
  public void killAll(Duration timeout) throws IOException {
    // Nothing to kill in an empty cgroup (a payload that already exited: the common close). No
    // process can join an empty cgroup from inside it, so the kill below could reach nothing; on v1
    // it would cost a freeze and a thaw with their state polls.
    if (surelyEmpty()) {
      return;
    }
    Path v2 = dirs.get(Member.UNIFIED);
    if (v2 != null && fs.exists(v2.resolve("cgroup.kill"))) {
      fs.write(v2.resolve("cgroup.kill"), "1");
    } else {
      // Before cgroup.kill (Linux 5.14): freeze so that nothing forks, kill each pid, thaw.
      setFrozen(true, timeout);
      try {
        for (long pid : allPids(membershipDir())) {
          try {
            LibC.kill((int) pid, Constants.SIGKILL);
          } catch (LastErrorException e) {
            if (e.getErrorCode() != Constants.ESRCH) {
              throw Errors.exception("kill", Long.toString(pid), e);
            }
          }
        }
      } finally {
        setFrozen(false, timeout);
      }
    }
    awaitEmpty(timeout);
  }

  private void awaitEmpty(Duration timeout) throws IOException {
    Path v2 = dirs.get(Member.UNIFIED);
    if (v2 != null) {
      if (!fs.await(v2.resolve("cgroup.events"), t -> eventsValue(t, "populated") == 0, timeout.toMillis())) {
        throw new CgroupException("cgroup " + v2 + " still holds processes " + allPids(v2) + " after "
            + timeout);
      }
      return;
    }
    // Pure v1 only: without a v2 hierarchy there is no populated notification.
    Backoff backoff = new Backoff(timeout);
    while (!allPids(membershipDir()).isEmpty()) {
      if (!backoff.pause()) {
        throw new CgroupException("cgroup " + membershipDir() + " still holds processes after " + timeout);
      }
    }
  }

  /** A bounded back-off (1 ms doubling to 16 ms) for the two v1-only waits that have no event. */
  private static final class Backoff {
    private final long deadline;
    private long millis = 1;

    Backoff(Duration timeout) {
      deadline = System.nanoTime() + timeout.toNanos();
    }

    boolean pause() throws CgroupException {
      if (System.nanoTime() > deadline) {
        return false;
      }
      try {
        Thread.sleep(millis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CgroupException("interrupted while waiting for the cgroup");
      }
      millis = Math.min(16, millis * 2);
      return true;
    }
  }

  @Override
  public CgroupStats stats() throws IOException {
    StatsCollector s = new StatsCollector();
    for (Member m : manager.statsMembers(dirs)) {
      m.controller().stats(java.util.Objects.requireNonNull(dirs.get(m.key()), m.key()), fs, s);
    }
    Path v2 = dirs.get(Member.UNIFIED);
    if (v2 != null) {
      s.readPressure(fs, v2);
    }
    return s.build();
  }

  @Override
  public long oomKillCount() throws IOException {
    Path v2 = dirs.get(Member.UNIFIED);
    if (v2 != null && fs.exists(v2.resolve("memory.events"))) {
      return Math.max(0, eventsValue(fs.read(v2.resolve("memory.events")), "oom_kill"));
    }
    Path mem = dirs.get("memory");
    if (mem != null) {
      long v = eventsValue(fs.read(mem.resolve("memory.oom_control")), "oom_kill");
      if (v >= 0) {
        return v;
      }
      throw new UnsupportedLimitException("oomKillCount", mem.resolve("memory.oom_control")
          + " has no oom_kill line (needs Linux 4.13)");
    }
    throw new UnsupportedLimitException("oomKillCount", "no memory controller is bound to cgroup " + name);
  }

  @Override
  public Subscription onOomKill(LongConsumer listener) throws IOException {
    long[] last = {oomKillCount()};
    Runnable deliver = () -> {
      long now;
      try {
        now = oomKillCount();
      } catch (IOException e) {
        return; // the cgroup is gone
      }
      synchronized (last) {
        for (long i = last[0] + 1; i <= now; i++) {
          listener.accept(i);
        }
        last[0] = Math.max(last[0], now);
      }
    };
    EventLoop loop = EventLoop.get();
    Path v2 = dirs.get(Member.UNIFIED);
    Subscription s;
    if (v2 != null && fs.exists(v2.resolve("memory.events"))) {
      s = loop.watchFile(v2.resolve("memory.events"), deliver);
    } else if (dirs.containsKey("memory")) {
      s = v1OomEventFd(loop, dirs.get("memory"), last, deliver);
    } else {
      throw new UnsupportedLimitException("onOomKill", "no memory controller is bound to cgroup " + name);
    }
    subscriptions.add(s);
    return s;
  }

  /** cgroup v1 OOM notification: an eventfd registered through cgroup.event_control (memory.txt 10). */
  private Subscription v1OomEventFd(EventLoop loop, Path mem, long[] last, Runnable deliver)
      throws IOException {
    Path control = mem.resolve("memory.oom_control");
    Fd oom;
    Fd efd;
    try {
      oom = new Fd(LibC.open(control.toString(), Constants.O_RDONLY | Constants.O_CLOEXEC, 0));
    } catch (LastErrorException e) {
      throw Errors.exception("open", control.toString(), e);
    }
    try {
      efd = new Fd(LibC.eventfd(0, Constants.EFD_CLOEXEC | Constants.O_NONBLOCK));
      fs.write(mem.resolve("cgroup.event_control"), efd.get() + " " + oom.get());
    } catch (LastErrorException e) {
      oom.close();
      throw Errors.exception("eventfd", null, e);
    } catch (IOException e) {
      oom.close();
      throw e;
    }
    int efdNumber = efd.get();
    Runnable onEvent = () -> {
      try {
        LibC.read(efdNumber, new byte[8], 8);
      } catch (LastErrorException ignored) {
        // EAGAIN
      }
      long before;
      synchronized (last) {
        before = last[0];
      }
      deliver.run();
      // The eventfd fires when the OOM starts; oom_kill is counted after the victim is chosen.
      for (long delay : V1_OOM_RECHECK_MILLIS) {
        loop.schedule(delay, () -> {
          synchronized (last) {
            if (last[0] > before) {
              return;
            }
          }
          deliver.run();
        });
      }
    };
    Subscription s = loop.watchFd(efd, CgroupLibC.POLLIN, onEvent);
    return new EventLoop.Once(() -> {
      s.close();
      oom.close();
    });
  }

  @Override
  public Subscription onEmpty(Runnable listener) throws IOException {
    Path events = v2("onEmpty").resolve("cgroup.events");
    long[] last = {eventsValue(fs.read(events), "populated")};
    Subscription s = EventLoop.get().watchFile(events, () -> {
      String text = StatsCollector.readOrNull(fs, events);
      if (text == null) {
        return;
      }
      long now = eventsValue(text, "populated");
      if (now < 0) {
        return; // not a cgroup.events text (a fake tree caught mid-write); the next event re-reads
      }
      synchronized (last) {
        boolean fire = last[0] == 1 && now == 0;
        last[0] = now;
        if (fire) {
          listener.run();
        }
      }
    });
    subscriptions.add(s);
    return s;
  }

  @Override
  public Subscription onPressure(PressureTrigger trigger, Runnable listener) throws IOException {
    Path file = v2("onPressure").resolve(trigger.resource().file());
    if (!fs.exists(file)) {
      throw new UnsupportedLimitException("pressure", file + " does not exist (needs PSI, Linux 5.2 "
          + "with CONFIG_PSI and without psi=0)");
    }
    Fd fd;
    try {
      fd = new Fd(LibC.open(file.toString(), Constants.O_RDWR | Constants.O_NONBLOCK | Constants.O_CLOEXEC, 0));
    } catch (LastErrorException e) {
      throw Errors.exception("open", file.toString(), e);
    }
    byte[] line = (trigger.triggerLine() + "\0").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try {
      LibC.write(fd.get(), line, line.length);
    } catch (LastErrorException e) {
      fd.close();
      CgroupException err = RealCgroupFs.writeError(trigger.triggerLine(), file, e.getErrorCode());
      if (e.getErrorCode() == Constants.EINVAL) {
        // psi.rst: a writer without CAP_SYS_RESOURCE (in the initial user namespace) gets
        // unprivileged triggers only, whose window must be a multiple of 2 s.
        throw new CgroupException(err.getMessage() + " (without CAP_SYS_RESOURCE the window must be a "
            + "multiple of 2 s)", e.getErrorCode());
      }
      throw err;
    }
    Subscription s = EventLoop.get().watchFd(fd, CgroupLibC.POLLPRI, listener);
    subscriptions.add(s);
    return s;
  }

  @Override
  public Cgroup createChild(String childName, CgroupLimits childLimits) throws IOException {
    CgroupImpl child = (CgroupImpl) manager.childManager(dirs).create(childName, childLimits);
    children.add(child);
    return child;
  }

  @Override
  public synchronized void remove() throws IOException {
    if (removed) {
      return;
    }
    for (Subscription s : subscriptions) {
      s.close();
    }
    for (CgroupImpl c : children) {
      c.remove();
    }
    if (fs.exists(membershipDir()) && !surelyEmpty()) {
      killAll();
    }
    // The leaf directories, children first (nested cgroups someone else made inside count too).
    for (Path dir : new LinkedHashSet<>(dirs.values())) {
      removeTree(dir);
    }
    // Intermediate directories between the manager's parent and this cgroup, when nobody else uses
    // them any more: whoever removes the last sibling removes them, not only the one that made them
    // (two containers closing at once would otherwise both find the other still there).
    Set<Path> intermediates = new LinkedHashSet<>(created);
    for (Map.Entry<String, Path> e : dirs.entrySet()) {
      Path top = manager.parentPaths().get(e.getKey());
      for (Path p = e.getValue().getParent(); top != null && p != null && p.startsWith(top) && !p.equals(top);
          p = p.getParent()) {
        intermediates.add(p);
      }
    }
    List<Path> deepestFirst = new ArrayList<>(intermediates);
    deepestFirst.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
    for (Path p : deepestFirst) {
      if (dirs.containsValue(p)) {
        continue;
      }
      removeIfUnused(p);
    }
    removed = true;
  }

  /**
   * Removes an intermediate directory unless a sibling still uses it (the last one out removes it).
   * EBUSY while it has no child directory left is the kernel's asynchronous teardown of the child
   * just removed (a v1 css goes offline after an RCU grace period; the parent's rmdir fails until
   * then), so that case is retried like a leaf, with the same bound.
   */
  private void removeIfUnused(Path p) {
    for (int attempt = 0; ; attempt++) {
      try {
        fs.rmdir(p);
        return;
      } catch (IOException busy) {
        try {
          if (attempt >= 50 || !fs.children(p).isEmpty()) {
            return; // still in use by a sibling
          }
          Thread.sleep(10);
        } catch (IOException gone) {
          return; // removed by the sibling's own last-one-out pass
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void removeTree(Path dir) throws IOException {
    // rmdir first, the listing only when it fails: a container's cgroup seldom has children, and
    // listing a v1 directory stats each of its control files. rmdir(2) of a missing directory is
    // ENOENT (false here); children or tasks make it fail (EBUSY).
    boolean listed = false;
    for (int attempt = 0; ; attempt++) {
      try {
        fs.rmdir(dir);
        return;
      } catch (CgroupException | SyscallException e) {
        if (!listed) {
          listed = true;
          List<String> children = fs.children(dir);
          if (!children.isEmpty()) {
            for (String c : children) {
              removeTree(dir.resolve(c));
            }
            attempt = -1;
            continue;
          }
        }
        int errno = e instanceof CgroupException ? ((CgroupException) e).errno() : ((SyscallException) e).errno();
        // EBUSY right after the last task exited: v1 css teardown is asynchronous.
        if (errno != CgroupLibC.EBUSY || attempt >= 50) {
          throw e;
        }
        try {
          Thread.sleep(10);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      remove();
    } catch (IOException e) {
      throw new UncheckedIOException("failed to remove cgroup " + name + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "Cgroup{" + name + " " + dirs + "}";
  }

}
