package dev.containerj.namespaces.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.internal.Constants;
import dev.containerj.linux.internal.Fd;
import dev.containerj.linux.internal.LibC;
import dev.containerj.linux.internal.TtyLibC;
import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.LaunchException;
import dev.containerj.namespaces.Redirect;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Starts one process through the native helper. The sequence, and who does what:
 *
 * <ol>
 *   <li>Java: pipes for the program ("config"), the status reports and stdio; posix_spawn of the
 *       helper from its sealed memfd with exactly those fds ({@link Spawner}).
 *   <li>Java: {@code afterSpawn} (the helper joins the container's cgroup before it forks, so the
 *       container is never outside its limits); then the program goes down the config pipe.
 *   <li>Helper: setns/unshare, then clone into the new namespaces with CLONE_PARENT; it reports the
 *       child's pid and exits. The child waits for the go byte.
 *   <li>Java: writes uid_map/gid_map of the child, runs {@code beforeGo}, sends the go byte.
 *   <li>Child: mounts, pivot_root, credentials, capabilities, no_new_privs, seccomp, execve. The status
 *       pipe is close-on-exec: end-of-file without an error record means execve succeeded.
 * </ol>
 *
 * Any failure kills and reaps what was started and closes every fd before the exception leaves.
 */
public final class Launcher {
  private static final int ST_PID = 1;
  private static final int ST_ERROR = 2;
  private static final int ST_ASSEMBLED = 3;
  private static final int ST_READY = 4;

  private Launcher() {}

  public static LaunchedProcess launch(LaunchRequest req) throws LaunchException {
    Start s = new Start(req);
    try {
      return s.run();
    } catch (LaunchException | RuntimeException | Error e) {
      s.abort();
      throw e;
    }
  }

  /**
   * Starts a process up to the helper's {@link HelperProgram#awaitExec} step, which the program must
   * end with, naming the socket at fd {@link #awaitSocketFd awaitSocketFd(req.passFds().size())}:
   * the launcher places one end of a new socket pair there. Returns once the helper reported that it
   * waits there; the process is watched from then on (its exit completes {@link Prepared#onExit()}).
   */
  public static Prepared prepare(LaunchRequest req) throws LaunchException {
    int[] sv = new int[2];
    try {
      TtyLibC.socketpair(TtyLibC.AF_UNIX, SOCK_STREAM | Constants.O_CLOEXEC, 0, sv);
    } catch (LastErrorException e) {
      throw new LaunchException("socketpair(pooled container)", e.getErrorCode(), null);
    }
    Fd control = new Fd(sv[0]);
    Start s;
    try (Fd childEnd = new Fd(sv[1])) {
      List<Integer> pass = new ArrayList<>(req.passFds());
      pass.add(childEnd.get());
      s = new Start(new LaunchRequest(req.program(), req.userNamespace(), req.uidMappings(), req.gidMappings(),
          req.stdin(), req.stdout(), req.stderr(), pass, req.afterSpawn(), req.beforeGo()));
      try {
        s.toExec();
        int[] rec = s.readRecord();
        if (rec == null) {
          throw new LaunchException("native helper", Constants.EPERM, "it exited without reporting (killed?)");
        }
        if (rec[0] == ST_ERROR) {
          throw error(req.program(), rec);
        }
        if (rec[0] != ST_READY) {
          throw new LaunchException("native helper", Constants.EINVAL, "unexpected status record " + rec[0]);
        }
        s.watched = Reaper.watch(s.pid, s.pidfd);
      } catch (LaunchException | RuntimeException | Error e) {
        control.close();
        s.abort();
        throw e;
      }
    }
    return new Prepared(s, control);
  }

  private static final int SOCK_STREAM = 1;

  /** The fd at which a prepared program's {@link HelperProgram#awaitExec} finds its socket. */
  public static int awaitSocketFd(int passedFds) {
    return 3 + passedFds;
  }

  /**
   * A process that {@link #prepare} left waiting before its payload's last steps: its namespaces,
   * root and cgroup exist, its credentials, capabilities, seccomp filter, stdio and execve do not.
   * {@link #exec} runs them once; {@link #close()} kills it instead. Thread-safe.
   */
  public static final class Prepared implements AutoCloseable {
    private final Start start;
    private final Fd control;
    private final java.util.concurrent.atomic.AtomicBoolean used = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    private Prepared(Start start, Fd control) {
      this.start = start;
      this.control = control;
    }

    /** The waiting process's pid (the container's pid 1 once it execs). */
    public int pid() {
      return start.pid;
    }

    /** Completes when the process has ended (discarded, killed, or its payload's end). */
    public CompletableFuture<dev.containerj.namespaces.ExitStatus> onExit() {
      return java.util.Objects.requireNonNull(start.watched).copy();
    }

    /**
     * Sends the payload's steps ({@code tail}, ending in execve) and its stdio, and returns once the
     * execve succeeded, as {@link Launcher#launch} does; {@code program} is the prepared program, to
     * which {@code tail} is appended for the step names. Used once: a second call fails. On failure the
     * process is killed.
     */
    public LaunchedProcess exec(HelperProgram program, HelperProgram tail, Redirect stdin, Redirect stdout,
        Redirect stderr) throws LaunchException {
      if (!used.compareAndSet(false, true)) {
        throw new LaunchException("exec(pooled container)", Constants.EINVAL, "it was used already");
      }
      try {
        Stdio.check(stdin, stdout, stderr);
        List<Spawner.FileAction> actions = new ArrayList<>();
        start.stdio(0, stdin, true, actions);
        start.stdio(1, stdout, false, actions);
        start.stdio(2, stderr, false, actions);
        int[] fds = {0, 1, 2}; // INHERIT of a file or pipe: this JVM's own, as a spawn would pass it
        for (Spawner.FileAction a : actions) {
          if (a.sourceFd() >= 0) {
            fds[a.targetFd()] = a.sourceFd();
          } else {
            try {
              Fd opened = start.own(LibC.open(a.path(), a.oflag() | Constants.O_CLOEXEC, a.mode()));
              start.closeAlways.add(opened);
              fds[a.targetFd()] = opened.get();
            } catch (LastErrorException e) {
              throw new LaunchException("open(" + a.path() + ")", e.getErrorCode(), null);
            }
          }
        }
        // One sendmsg carries the whole tail and the three fds (they ride on its first byte, unix(7));
        // the helper reads the 8-byte header with them, then the rest. Only a stream socket's short
        // send (a tail larger than its buffer) needs a second write.
        byte[] bytes = tail.encode();
        long sent;
        try {
          sent = TtyLibC.sendFds(control.get(), bytes, fds);
        } catch (LastErrorException e) {
          throw new LaunchException("sendmsg(pooled container)", e.getErrorCode(), null);
        }
        if (sent < 8) {
          throw new LaunchException("sendmsg(pooled container)", Constants.EINVAL, "short write");
        }
        if (sent < bytes.length) {
          writeAll(control, java.util.Arrays.copyOfRange(bytes, (int) sent, bytes.length), "write(pooled container)");
        }
        control.close();
        start.closeAlways.forEach(Fd::close); // the payload's ends are its own now
        LaunchedProcess p = start.finish(program.append(tail));
        closed.set(true); // the handle owns the process now
        return p;
      } catch (LaunchException | RuntimeException | Error e) {
        close();
        throw e;
      }
    }

    /** Kills the process unless {@link #exec} handed it out, and releases its descriptors. Idempotent. */
    @Override
    public void close() {
      used.set(true);
      if (closed.compareAndSet(false, true)) {
        control.close();
        start.abort();
      }
    }
  }

  /** The state of one start, so that abort() knows what to undo. */
  private static final class Start {
    private final LaunchRequest req;
    private final List<Fd> closeAlways = new ArrayList<>();
    private @Nullable Fd configWrite;
    private @Nullable Fd statusRead;
    private @Nullable OutputStream stdinStream;
    private @Nullable InputStream stdoutStream;
    private @Nullable InputStream stderrStream;
    private final List<TtyRelay> relays = new ArrayList<>();
    private @Nullable Fd ptySocket;
    private @Nullable Fd ptyMaster;
    private int helperPid = -1;
    private int pid = -1;
    private int pidfd = -1;
    private @Nullable CompletableFuture<dev.containerj.namespaces.ExitStatus> watched;

    Start(LaunchRequest req) {
      this.req = req;
    }

    LaunchedProcess run() throws LaunchException {
      toExec();
      return finish(req.program());
    }

    /** Spawn, program, id maps, go byte: up to the container's last steps. */
    void toExec() throws LaunchException {
      HelperProgram program = req.program();
      String helperPath = NativeHelper.get().path();

      int nPass = req.passFds().size();
      // A pty's master comes back from the container on a socket placed right after the passed fds.
      boolean tty = req.stdin().type() == Redirect.Type.TTY || req.stdout().type() == Redirect.Type.TTY
          || req.stderr().type() == Redirect.Type.TTY;
      int configTarget = ptySocketFd(nPass) + (tty ? 1 : 0);
      int statusTarget = configTarget + 1;
      int firstClosed = statusTarget + 1;
      if (firstClosed > NativeHelper.get().fd()) {
        // a dup2 onto the memfd's number would exec something else than the helper
        throw new LaunchException("passFds", nPass + " passed fds would reach fd " + (firstClosed - 1)
            + ", at or above the helper's fd " + NativeHelper.get().fd() + "; pass fewer fds");
      }

      Stdio.check(req.stdin(), req.stdout(), req.stderr());
      List<Spawner.FileAction> actions = new ArrayList<>();
      stdio(0, req.stdin(), true, actions);
      stdio(1, req.stdout(), false, actions);
      stdio(2, req.stderr(), false, actions);
      for (int i = 0; i < nPass; i++) {
        actions.add(Spawner.FileAction.dup2(outOfRange(req.passFds().get(i), firstClosed), 3 + i));
      }
      if (tty) {
        int[] sv = new int[2];
        FaultPlan.check("socketpair(pty)");
        try {
          TtyLibC.socketpair(TtyLibC.AF_UNIX, TtyLibC.SOCK_SEQPACKET | Constants.O_CLOEXEC, 0, sv);
        } catch (LastErrorException e) {
          throw new LaunchException("socketpair(pty)", e.getErrorCode(), null);
        }
        ptySocket = own(sv[0]);
        Fd childSocket = own(sv[1]);
        closeAlways.add(childSocket);
        actions.add(Spawner.FileAction.dup2(outOfRange(childSocket.get(), firstClosed), ptySocketFd(nPass)));
      }
      int[] config = pipe("pipe2(config)");
      configWrite = own(config[1]);
      Fd configRead = own(config[0]);
      closeAlways.add(configRead);
      int[] status = pipe("pipe2(status)");
      statusRead = own(status[0]);
      Fd statusWrite = own(status[1]);
      closeAlways.add(statusWrite);
      actions.add(Spawner.FileAction.dup2(outOfRange(configRead.get(), firstClosed), configTarget));
      actions.add(Spawner.FileAction.dup2(outOfRange(statusWrite.get(), firstClosed), statusTarget));

      FaultPlan.check("posix_spawn(containerj-helper)");
      String[] argv = {"containerj-helper",
          Integer.toString(configTarget), Integer.toString(statusTarget), Integer.toString(firstClosed)};
      if (FaultPlan.skipsHelperStdioCheck()) {
        argv = java.util.Arrays.copyOf(argv, 5);
        argv[4] = "no-stdio-check"; // a protection-off test run only
      }
      helperPid = Spawner.spawn(helperPath, argv, actions);
      // Our copies of the child's ends must go, or end-of-file never comes.
      closeAlways.forEach(Fd::close);

      if (req.afterSpawn() != null) {
        runHook("join cgroup", req.afterSpawn(), helperPid);
      }
      FaultPlan plan = FaultPlan.current();
      if (plan != null && plan.helperStep() >= 0 && plan.helperStep() < program.size()) {
        program.injectFault(plan.helperStep());
      }
      FaultPlan.check("write(config pipe)");
      try {
        writeAll(configWrite, program.encode(), "write(config pipe)");
      } catch (LaunchException e) {
        // The helper may have refused before reading (its check of fds 0-2): its report is the cause.
        int[] early = readRecord();
        if (early != null && early[0] == ST_ERROR) {
          throw error(program, early);
        }
        throw e;
      }

      int[] rec = readRecord();
      if (rec == null) {
        throw new LaunchException("native helper", "it exited without reporting (killed?)");
      }
      if (rec[0] == ST_ERROR) {
        throw error(program, rec);
      }
      pid = rec[3];
      if (!program.assembles()) {
        Reaper.waitBlocking(helperPid);
        helperPid = -1;
      }
      pidfd = Reaper.openPidfd(pid);

      try {
        if (req.userNamespace() && !program.writesIdMaps()) {
          writeIdMaps();
        }
        if (program.assembles()) {
          // The assembler builds the root while the maps are written; the go byte must not come
          // before it is done, or the child would lock a half-built tree.
          rec = readRecord();
          if (rec == null) {
            throw new LaunchException("native helper", "it exited without reporting (killed?)");
          }
          if (rec[0] == ST_ERROR) {
            throw new LaunchException(program.step(rec[1]), rec[2], null);
          }
          if (rec[0] != ST_ASSEMBLED) {
            throw new LaunchException("native helper", "unexpected status record " + rec[0]);
          }
        }
        if (req.beforeGo() != null) {
          runHook("prepare container", req.beforeGo(), pid);
        }
        FaultPlan.check("write(go)");
        writeAll(configWrite, new byte[] {'G'}, "write(go)");
      } catch (LaunchException e) {
        // The child may have failed first (then our write found no reader): its own report is the
        // real cause. Closing the config pipe ends a child still waiting for the go byte, so this
        // read cannot block for long.
        configWrite.close();
        int[] early = readRecord();
        // With an assembler, the helper's failure to join the child's namespaces is a consequence of
        // the child's end (the closed config pipe ended it), not a cause.
        boolean consequence = early != null && program.assembles() && early[1] == program.cloneIndex();
        if (early != null && early[0] == ST_ERROR && !consequence) {
          throw error(program, early);
        }
        throw e;
      }
      configWrite.close();
      if (helperPid > 0) {
        Reaper.waitBlocking(helperPid); // it waits for the assembler, which has reported
        helperPid = -1;
      }
    }

    /** Waits for the execve (end-of-file on the status pipe) and hands out the process. */
    LaunchedProcess finish(HelperProgram program) throws LaunchException {
      int[] rec = readRecord();
      if (rec != null) {
        if (rec[0] == ST_ERROR) {
          throw error(program, rec);
        }
        throw new LaunchException("native helper", "unexpected status record " + rec[0]);
      }
      java.util.Objects.requireNonNull(statusRead, "statusRead").close();
      if (ptySocket != null) {
        // execve succeeded, so the helper's step sent the master before it: it is queued.
        int master;
        try {
          master = TtyLibC.receiveFd(ptySocket.get());
        } catch (LastErrorException e) {
          throw new LaunchException("recvmsg(pty master)", e.getErrorCode(), null);
        }
        ptySocket.close();
        if (master < 0) {
          throw new LaunchException("recvmsg(pty master)",
              "the program sent no terminal (Redirect.tty() needs a container: ContainerSpec)");
        }
        ptyMaster = own(master);
        if (req.stdin().type() == Redirect.Type.TTY) {
          stdinStream = PtyStreams.output(ptyMaster);
        }
        if (req.stdout().type() == Redirect.Type.TTY) {
          stdoutStream = PtyStreams.input(ptyMaster);
        } else if (req.stderr().type() == Redirect.Type.TTY) {
          stderrStream = PtyStreams.input(ptyMaster);
        }
      }
      CompletableFuture<dev.containerj.namespaces.ExitStatus> exit = watched != null ? watched : Reaper.watch(pid, pidfd);
      if (!relays.isEmpty()) {
        // The payload's last output may still be in a relay when it ends: its status is reported once
        // the relays have copied all of it (end-of-file), or after a second when something outside
        // its pid namespace keeps the pipe open. A stdin relay stops: nothing reads it any more.
        List<TtyRelay> copied = new ArrayList<>(relays);
        exit = exit.thenCompose(ended -> {
          copied.stream().filter(TtyRelay::isInput).forEach(TtyRelay::close);
          CompletableFuture<?>[] outputs = copied.stream().filter(r -> !r.isInput()).map(r -> r.done)
              .toArray(CompletableFuture[]::new);
          return CompletableFuture.allOf(outputs).completeOnTimeout(null, 1, TimeUnit.SECONDS)
              .thenApply(v -> ended);
        });
      }
      LaunchedProcess p = new LaunchedProcess(pid, pidfd, exit, stdinStream, stdoutStream, stderrStream,
          ptyMaster, List.copyOf(relays));
      pid = -1; // owned by the process handle now
      pidfd = -1;
      ptyMaster = null;
      relays.clear();
      return p;
    }

    /** Undo: kill and reap whatever runs, close every fd. Never throws. */
    void abort() {
      if (configWrite != null) {
        configWrite.close(); // a child blocked on the go byte sees end-of-file and exits
      }
      if (pid > 0) {
        try {
          if (watched != null && pidfd >= 0) {
            // reaped by the reaper at any time: only the pidfd is safe from the pid's reuse
            LibC.syscall(dev.containerj.linux.internal.Arch.SYS_PIDFD_SEND_SIGNAL, pidfd, Constants.SIGKILL, 0, 0, 0);
          } else {
            LibC.kill(pid, Constants.SIGKILL);
          }
        } catch (LastErrorException ignored) {
          // already gone
        }
        if (watched != null) {
          watched.join(); // the reaper waits for it; its pidfd stays open until then
        } else {
          Reaper.waitBlocking(pid);
        }
        pid = -1;
      }
      if (helperPid > 0) {
        try {
          LibC.kill(helperPid, Constants.SIGKILL);
        } catch (LastErrorException ignored) {
          // already gone
        }
        Reaper.waitBlocking(helperPid);
      }
      if (pidfd >= 0) {
        new Fd(pidfd).close();
      }
      if (statusRead != null) {
        statusRead.close();
      }
      closeAlways.forEach(Fd::close);
      relays.forEach(TtyRelay::close);
      if (ptySocket != null) {
        ptySocket.close();
      }
      if (ptyMaster != null) {
        ptyMaster.close();
      }
      closeQuietly(stdinStream);
      closeQuietly(stdoutStream);
      closeQuietly(stderrStream);
    }

    private void stdio(int fd, Redirect r, boolean input, List<Spawner.FileAction> actions)
        throws LaunchException {
      switch (r.type()) {
        case INHERIT: {
          if (r.unrelayed() || !Stdio.isTerminal(fd)) {
            return; // a file or a pipe: passed directly, no copy
          }
          // A terminal: the JVM's descriptor is read-write and takes every tty ioctl, so the payload
          // gets a pipe and a relay thread copies (Redirect.INHERIT).
          int[] p = pipe("pipe2(" + Stdio.name(fd) + " relay)");
          Fd read = own(p[0]);
          Fd write = own(p[1]);
          Fd childEnd = input ? read : write;
          closeAlways.add(childEnd);
          relays.add(input ? TtyRelay.input(fd, write) : TtyRelay.output(fd, read));
          actions.add(Spawner.FileAction.dup2(childEnd.get(), fd));
          return;
        }
        case TTY:
          // A placeholder: the helper puts the pty's slave here inside the container.
          actions.add(Spawner.FileAction.open(fd, "/dev/null", input ? Constants.O_RDONLY : Constants.O_WRONLY, 0));
          return;
        case DISCARD:
          actions.add(Spawner.FileAction.open(fd, "/dev/null", input ? Constants.O_RDONLY : Constants.O_WRONLY, 0));
          return;
        case FILE: {
          int flags = input ? Constants.O_RDONLY
              : Constants.O_WRONLY | Constants.O_CREAT | (r.append() ? Constants.O_APPEND : Constants.O_TRUNC);
          actions.add(Spawner.FileAction.open(fd, String.valueOf(r.file()), flags, 0644));
          return;
        }
        case PIPE: {
          int[] p = pipe("pipe2(" + (fd == 0 ? "stdin" : fd == 1 ? "stdout" : "stderr") + ")");
          Fd read = own(p[0]);
          Fd write = own(p[1]);
          // Open Java's end through /proc while this JVM still holds both ends: opening a pipe end
          // via /proc waits for the other side (fifo(7)), which we hold, so it never blocks.
          Fd javaEnd = input ? write : read;
          Fd childEnd = input ? read : write;
          closeAlways.add(javaEnd);
          closeAlways.add(childEnd);
          String proc = "/proc/self/fd/" + javaEnd.get();
          try {
            if (input) {
              stdinStream = new FileOutputStream(proc);
            } else if (fd == 1) {
              stdoutStream = new PipeInputStream(new FileInputStream(proc));
            } else {
              stderrStream = new PipeInputStream(new FileInputStream(proc));
            }
          } catch (IOException e) {
            throw new LaunchException("open(" + proc + ")", e);
          }
          actions.add(Spawner.FileAction.dup2(childEnd.get(), fd));
          return;
        }
        default:
          throw new IllegalStateException("unknown redirect " + r);
      }
    }

    /** A source fd inside the target range would be overwritten by an earlier dup2: move it up. */
    private int outOfRange(int fd, int firstClosed) throws LaunchException {
      if (fd >= firstClosed) {
        return fd;
      }
      try {
        Fd moved = own(LibC.fcntl(fd, Constants.F_DUPFD_CLOEXEC, firstClosed));
        closeAlways.add(moved);
        return moved.get();
      } catch (LastErrorException e) {
        throw new LaunchException("fcntl(F_DUPFD_CLOEXEC, " + fd + ")", e.getErrorCode(), null);
      }
    }

    private void writeIdMaps() throws LaunchException {
      boolean root = LibC.geteuid() == 0;
      String base = "/proc/" + pid + "/";
      if (needsHelperTool(req.uidMappings(), root, LibC.geteuid())) {
        runIdTool("newuidmap", req.uidMappings());
      } else {
        FaultPlan.check("write(" + base + "uid_map)");
        writeProcFile(base + "uid_map", mapText(req.uidMappings()));
      }
      if (needsHelperTool(req.gidMappings(), root, LibC.getegid())) {
        runIdTool("newgidmap", req.gidMappings());
      } else {
        if (!root) {
          // user_namespaces(7): an unprivileged writer must give up setgroups(2) first.
          FaultPlan.check("write(" + base + "setgroups)");
          writeProcFile(base + "setgroups", "deny");
        }
        FaultPlan.check("write(" + base + "gid_map)");
        writeProcFile(base + "gid_map", mapText(req.gidMappings()));
      }
    }

    private void runIdTool(String tool, List<IdMapping> maps) throws LaunchException {
      List<String> cmd = new ArrayList<>();
      cmd.add(tool);
      cmd.add(Integer.toString(pid));
      for (IdMapping m : maps) {
        cmd.add(Long.toString(m.containerId()));
        cmd.add(Long.toString(m.hostId()));
        cmd.add(Long.toString(m.size()));
      }
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new LaunchException(String.join(" ", cmd), out.isEmpty() ? "exit " + p.exitValue() : out);
        }
      } catch (IOException e) {
        throw new LaunchException(String.join(" ", cmd), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new LaunchException(String.join(" ", cmd), e);
      }
    }

    private int @Nullable [] readRecord() throws LaunchException {
      byte[] buf = new byte[16];
      int got = 0;
      while (got < buf.length) {
        long n;
        try {
          byte[] chunk = got == 0 ? buf : new byte[buf.length - got];
          n = LibC.read(java.util.Objects.requireNonNull(statusRead, "statusRead").get(), chunk, chunk.length);
          if (n > 0 && got > 0) {
            System.arraycopy(chunk, 0, buf, got, (int) n);
          }
        } catch (LastErrorException e) {
          if (e.getErrorCode() == Constants.EINTR) {
            continue;
          }
          throw new LaunchException("read(status pipe)", e.getErrorCode(), null);
        }
        if (n == 0) {
          if (got == 0) {
            return null;
          }
          throw new LaunchException("read(status pipe)", "truncated record");
        }
        got += (int) n;
      }
      ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
      int[] rec = {b.getInt(), b.getInt(), b.getInt(), b.getInt()};
      if (rec[0] == ST_ERROR) {
        FaultPlan.helperFailed(rec[1]);
      }
      return rec;
    }

    private Fd own(int fd) {
      return new Fd(fd);
    }
  }

  /**
   * The fd number at which the helper finds the socket for the pty's master ({@code Redirect.tty()}):
   * right after the {@code passedFds} passed fds (3, 4, ...). The program's open-pty step must name it.
   */
  public static int ptySocketFd(int passedFds) {
    return 3 + passedFds;
  }

  /** The exception for an error record: a program step, or the helper's own check of fds 0-2. */
  private static LaunchException error(HelperProgram program, int[] rec) {
    if (rec[1] <= -2 && rec[1] >= -4) {
      return Stdio.refused(-2 - rec[1], rec[2], "");
    }
    return new LaunchException(program.step(rec[1]), rec[2], null);
  }

  /** An unprivileged caller can write one line mapping its own id; anything else needs newuidmap. */
  static boolean needsHelperTool(List<IdMapping> maps, boolean root, int ownId) {
    if (root) {
      return false;
    }
    return !(maps.size() == 1 && maps.get(0).size() == 1 && maps.get(0).hostId() == ownId);
  }

  static String mapText(List<IdMapping> maps) {
    return IdMapping.toMapText(maps);
  }


  private static int[] pipe(String step) throws LaunchException {
    FaultPlan.check(step);
    int[] fds = new int[2];
    try {
      LibC.pipe2(fds, Constants.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw new LaunchException(step, e.getErrorCode(), null);
    }
    return fds;
  }

  /** One write(2) to a /proc file (uid_map must be written in a single call). */
  public static void writeProcFile(String path, String content) throws LaunchException {
    byte[] b = content.getBytes(StandardCharsets.UTF_8);
    int fd;
    try {
      fd = LibC.open(path, Constants.O_WRONLY | Constants.O_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw new LaunchException("open(" + path + ")", e.getErrorCode(), null);
    }
    try (Fd f = new Fd(fd)) {
      long n = LibC.write(f.get(), b, b.length);
      if (n != b.length) {
        throw new LaunchException("write(" + path + ")", "short write");
      }
    } catch (LastErrorException e) {
      throw new LaunchException("write(" + path + ")", e.getErrorCode(), "content: " + content.trim().replace('\n', ','));
    }
  }

  private static void writeAll(Fd fd, byte[] data, String step) throws LaunchException {
    int off = 0;
    while (off < data.length) {
      try {
        byte[] chunk = off == 0 ? data : java.util.Arrays.copyOfRange(data, off, data.length);
        off += (int) LibC.write(fd.get(), chunk, chunk.length);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != Constants.EINTR) {
          throw new LaunchException(step, e.getErrorCode(), null);
        }
      }
    }
  }

  private static void runHook(String step, LaunchRequest.PidHook hook, int pid) throws LaunchException {
    FaultPlan.check(step);
    try {
      hook.run(pid);
    } catch (LaunchException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new LaunchException(step, e);
    }
  }

  /**
   * Hides FileInputStream's readAllBytes/transferTo, which on JDK 17 seek the file and fail with
   * ESPIPE on a pipe; the plain read loop of InputStream works.
   */
  private static final class PipeInputStream extends java.io.FilterInputStream {
    PipeInputStream(InputStream in) {
      super(in);
    }
  }

  private static void closeQuietly(@Nullable AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception ignored) {
        // cleanup path
      }
    }
  }

}
