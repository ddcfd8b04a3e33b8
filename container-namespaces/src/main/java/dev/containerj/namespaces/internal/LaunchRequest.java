package dev.containerj.namespaces.internal;

import dev.containerj.linux.IdMapping;
import dev.containerj.namespaces.Redirect;
import java.io.IOException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Everything {@link Launcher} needs for one start: the helper's program and what Java does around it.
 *
 * @param program the operations, from namespace creation to execve
 * @param userNamespace whether the program creates a user namespace whose id maps Java must write
 * @param uidMappings uid_map lines
 * @param gidMappings gid_map lines
 * @param stdin where fd 0 comes from
 * @param stdout where fd 1 goes
 * @param stderr where fd 2 goes
 * @param passFds host fds that become fds 3, 4, ... of the payload
 * @param afterSpawn runs with the helper's pid before it reads its program (cgroup placement), or null
 * @param beforeGo runs with the container's pid after the id maps are written and before it goes on
 *     (network setup), or null
 */
public record LaunchRequest(
    HelperProgram program,
    boolean userNamespace,
    List<IdMapping> uidMappings,
    List<IdMapping> gidMappings,
    Redirect stdin,
    Redirect stdout,
    Redirect stderr,
    List<Integer> passFds,
    @Nullable PidHook afterSpawn,
    @Nullable PidHook beforeGo) {

  public LaunchRequest {
    uidMappings = List.copyOf(uidMappings);
    gidMappings = List.copyOf(gidMappings);
    passFds = List.copyOf(passFds);
  }

  /** A step Java runs with a pid during the start. */
  @FunctionalInterface
  public interface PidHook {
    void run(int pid) throws IOException;
  }
}
