package dev.containerj.core;

/** No container of the runtime's state directory has the id (or unique id prefix) that was given. */
public class ContainerNotFoundException extends ContainerException {
  private static final long serialVersionUID = 1L;

  /** The id or id prefix that was looked for. */
  private final String id;

  /**
   * @param id the id or id prefix that was looked for
   * @param message what was wrong with it (none, or ambiguous)
   */
  public ContainerNotFoundException(String id, String message) {
    super(message);
    this.id = id;
  }

  /** {@return the id or id prefix that was looked for} */
  public String id() {
    return id;
  }
}
