package dev.containerj.oci;

import java.util.List;

/**
 * The hooks of a runtime-spec {@code config.json}, by the lifecycle point where they run
 * (runtime-spec config.md, "POSIX-platform Hooks"). Each list runs in order; a failing hook fails
 * that step, except poststart and poststop whose failures are only logged.
 *
 * @param prestart deprecated by the spec, run with createRuntime, before them
 * @param createRuntime after the namespaces exist, before pivot_root, in the runtime's namespaces
 * @param createContainer at the end of {@code create}, in the container's namespaces (ContainerJ:
 *     after its pivot_root, so the path is resolved in the container's root)
 * @param startContainer in {@code start}, just before the user's program, in the container
 * @param poststart after {@code start} released the user's program
 * @param poststop after {@code delete}
 */
public record OciHooks(List<OciHook> prestart, List<OciHook> createRuntime, List<OciHook> createContainer,
    List<OciHook> startContainer, List<OciHook> poststart, List<OciHook> poststop) {
  /** No hooks. */
  public static final OciHooks NONE = new OciHooks(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());

  /**
   * Copies the lists.
   *
   * @param prestart deprecated by the spec, run with createRuntime, before them
   * @param createRuntime after the namespaces exist, before pivot_root, in the runtime's namespaces
   * @param createContainer at the end of {@code create}, in the container's namespaces (ContainerJ:
   *     after its pivot_root, so the path is resolved in the container's root)
   * @param startContainer in {@code start}, just before the user's program, in the container
   * @param poststart after {@code start} released the user's program
   * @param poststop after {@code delete}
   */
  public OciHooks {
    prestart = List.copyOf(prestart);
    createRuntime = List.copyOf(createRuntime);
    createContainer = List.copyOf(createContainer);
    startContainer = List.copyOf(startContainer);
    poststart = List.copyOf(poststart);
    poststop = List.copyOf(poststop);
  }

  /** {@return whether there is no hook at all} */
  public boolean isEmpty() {
    return prestart.isEmpty() && createRuntime.isEmpty() && createContainer.isEmpty()
        && startContainer.isEmpty() && poststart.isEmpty() && poststop.isEmpty();
  }
}
