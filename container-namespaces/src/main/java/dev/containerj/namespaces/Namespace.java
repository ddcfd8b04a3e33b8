package dev.containerj.namespaces;

/** A Linux namespace type (namespaces(7)). */
public enum Namespace {
  /** User and group ids, capabilities (user_namespaces(7)). */
  USER("user"),
  /** Mount points (mount_namespaces(7)). */
  MOUNT("mnt"),
  /** Process ids; the first process is pid 1 (pid_namespaces(7)). */
  PID("pid"),
  /** Hostname and NIS domain name (uts_namespaces(7)). */
  UTS("uts"),
  /** System V IPC and POSIX message queues (ipc_namespaces(7)). */
  IPC("ipc"),
  /** Network devices, addresses, routes, ports (network_namespaces(7)). */
  NET("net"),
  /** The view of the cgroup hierarchy (cgroup_namespaces(7)). */
  CGROUP("cgroup"),
  /** Offsets of CLOCK_MONOTONIC and CLOCK_BOOTTIME (time_namespaces(7); Linux 5.6). */
  TIME("time");

  private final String procName;

  Namespace(String procName) {
    this.procName = procName;
  }

  /** {@return the name of this namespace's file under {@code /proc/PID/ns/}, as {@code "mnt"}} */
  public String procName() {
    return procName;
  }
}
