package dev.containerj.namespaces;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What every process launch shares, whatever sets up its namespaces: its argv, environment, working
 * directory and stdio. {@code dev.containerj.core.ProcessSpec} (a container's process) is one, and
 * {@link ProcessLauncher.Builder#process(ProcessConfig)} takes one, so the same value describes a
 * process for either.
 */
public interface ProcessConfig {
  /** The argv; the first element is looked up in PATH when it has no slash. */
  List<String> command();

  /** The environment variables. */
  Map<String, String> environment();

  /** The working directory; empty: the launcher's default. */
  Optional<String> workingDirectory();

  /** Where stdin comes from. */
  Redirect stdin();

  /** Where stdout goes. */
  Redirect stdout();

  /** Where stderr goes. */
  Redirect stderr();
}
