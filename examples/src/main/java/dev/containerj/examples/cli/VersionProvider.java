package dev.containerj.examples.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code containerj --version} for picocli (every command's {@code --version}): {@link VersionText}. */
final class VersionProvider implements IVersionProvider {
  @Override
  public String[] getVersion() {
    return VersionText.lines();
  }
}
