package dev.containerj.junit5;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The container's output: one daemon thread per stream reads it line by line, keeps the last
 * {@code capacity} lines and hands each to the consumers. Pumping always, not on demand, matters:
 * a payload whose pipe nobody reads blocks once the pipe's 64 KiB buffer is full (pipe(7)).
 */
final class LogBuffer {
  private final ArrayDeque<LogLine> lines = new ArrayDeque<>();
  private final int capacity;
  private final List<Consumer<LogLine>> consumers;
  private final List<Thread> pumps = new ArrayList<>();

  LogBuffer(int capacity, List<Consumer<LogLine>> consumers) {
    this.capacity = capacity;
    this.consumers = List.copyOf(consumers);
  }

  /** Starts a pump for {@code in}, named after the container so that a thread dump tells whose. */
  void pump(InputStream in, LogLine.Source source, String name) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        for (String s; (s = r.readLine()) != null; ) {
          add(new LogLine(source, s));
        }
      } catch (IOException e) {
        // the stream was closed by Container.close(): the output ends here
      }
    }, "containerj-log-" + name + "-" + source.name().toLowerCase(java.util.Locale.ROOT));
    t.setDaemon(true);
    pumps.add(t);
    t.start();
  }

  private void add(LogLine line) {
    synchronized (lines) {
      if (lines.size() == capacity) {
        lines.removeFirst();
      }
      lines.addLast(line);
    }
    for (Consumer<LogLine> c : consumers) {
      try {
        c.accept(line);
      } catch (RuntimeException e) {
        // a failing consumer must not stop the pump (the payload would block on a full pipe)
      }
    }
  }

  /** The last {@code max} lines kept, oldest first. */
  List<LogLine> last(int max) {
    synchronized (lines) {
      List<LogLine> all = new ArrayList<>(lines);
      return List.copyOf(all.subList(Math.max(0, all.size() - max), all.size()));
    }
  }

  /** Whether a kept line matches {@code pattern} ({@link java.util.regex.Matcher#find()}). */
  boolean anyMatches(Pattern pattern) {
    synchronized (lines) {
      for (LogLine l : lines) {
        if (pattern.matcher(l.text()).find()) {
          return true;
        }
      }
    }
    return false;
  }

  /** Waits up to {@code millis} for the pumps to reach the end of their streams. */
  void drain(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    for (Thread t : pumps) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
  }

  /** The lines as a block of text, one {@code "STREAM: text"} a line, for messages and reports. */
  static String format(List<LogLine> lines) {
    StringBuilder sb = new StringBuilder();
    for (LogLine l : lines) {
      sb.append(l).append('\n');
    }
    return sb.toString();
  }
}
