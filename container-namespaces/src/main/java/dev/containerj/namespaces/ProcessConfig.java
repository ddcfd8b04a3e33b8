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
  /** {@return the argv; the first element is looked up in PATH when it has no slash} */
  List<String> command();

  /** {@return the environment variables} */
  Map<String, String> environment();

  /** {@return the working directory; empty: the launcher's default} */
  Optional<String> workingDirectory();

  /** {@return where stdin comes from} */
  Redirect stdin();

  /** {@return where stdout goes} */
  Redirect stdout();

  /** {@return where stderr goes} */
  Redirect stderr();
}
