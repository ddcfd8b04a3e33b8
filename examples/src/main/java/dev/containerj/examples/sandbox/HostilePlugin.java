package dev.containerj.examples.sandbox;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A plugin that tries hostile things, one per request line on stdin, and answers each with one line
 * on stdout: {@code OK detail} when it got what it tried, {@code DENIED exception} when not. It uses
 * nothing but the JDK: it runs from a jar of its own class alone.
 *
 * <ul>
 *   <li>{@code read PATH}: reads a file or lists a directory ({@code ~/.ssh}, {@code /etc/shadow});
 *   <li>{@code connect PORT}: opens a TCP connection to the loopback address;
 *   <li>{@code threads N}: starts N threads (each a task, as a fork-bomb's processes);
 *   <li>{@code alloc MB}: allocates and touches MB mebibytes;
 *   <li>{@code write PATH}: creates a file;
 *   <li>{@code sleep}: sleeps for an hour.
 * </ul>
 */
public final class HostilePlugin {
  private HostilePlugin() {}

  /** Reads requests until end of input. */
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] req = line.split(" ", 2);
      try {
        out.println("OK " + attempt(req[0], req.length > 1 ? req[1] : ""));
      } catch (Throwable t) {
        out.println("DENIED " + t.toString().replace('\n', ' '));
      }
    }
  }

  private static String attempt(String what, String arg) throws Exception {
    switch (what) {
      case "read": {
        Path p = Path.of(arg);
        if (Files.isDirectory(p)) {
          try (var s = Files.list(p)) {
            return s.count() + " entries";
          }
        }
        return Files.readAllBytes(p).length + " bytes";
      }
      case "connect": {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress("127.0.0.1", Integer.parseInt(arg)), 2000);
          return "connected to " + s.getRemoteSocketAddress();
        }
      }
      case "threads": {
        int n = Integer.parseInt(arg);
        List<Thread> started = new ArrayList<>();
        try {
          for (int i = 0; i < n; i++) {
            Thread t = new Thread(HostilePlugin::sleepForever);
            t.setDaemon(true);
            t.start();
            started.add(t);
          }
          return started.size() + " threads";
        } catch (Throwable t) {
          throw new IllegalStateException("after " + started.size() + " threads: " + t, t);
        }
      }
      case "alloc": {
        List<byte[]> kept = new ArrayList<>();
        int mb = Integer.parseInt(arg);
        for (int i = 0; i < mb / 64; i++) {
          byte[] chunk = new byte[64 << 20];
          for (int j = 0; j < chunk.length; j += 4096) {
            chunk[j] = 1; // touch every page: memory the kernel must really give
          }
          kept.add(chunk);
        }
        return kept.size() * 64 + " MiB";
      }
      case "write":
        Files.writeString(Path.of(arg), "written by a plugin\n");
        return "wrote " + arg;
      case "sleep":
        Thread.sleep(3_600_000);
        return "slept";
      default:
        throw new IllegalArgumentException("unknown request " + what);
    }
  }

  private static void sleepForever() {
    try {
      Thread.sleep(Long.MAX_VALUE);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
