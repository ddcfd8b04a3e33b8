package dev.containerj.core;

import java.time.Instant;

/**
 * What the state directory records about a container, for listing and cleanup.
 *
 * @param id the container id
 * @param pid its pid 1, in the host's pid namespace
 * @param running whether that process still runs
 * @param ownerPid the pid of the JVM that started it
 * @param ownerAlive whether that JVM still runs
 * @param detached whether it was started to outlive its owner
 * @param created when it started
 * @param command the payload's argv[0]
 */
public record ContainerInfo(String id, int pid, boolean running, int ownerPid, boolean ownerAlive,
    boolean detached, Instant created, String command) {}
