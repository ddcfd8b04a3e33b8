package dev.containerj.net;

import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Ownership of a link created by {@link VethPair#createIn} or {@link Bridge#createIn}: {@link #close()}
 * deletes it (for a veth, both ends). Close is idempotent and never throws; a link that is already
 * gone (deleted elsewhere, or its namespace destroyed) counts as deleted. {@link #release()} keeps the
 * link and gives up ownership.
 */
public final class LinkHandle implements AutoCloseable {
  private final Rtnetlink owner;
  private final String name;
  private final @Nullable NetworkNamespace namespace;
  private boolean open = true;

  LinkHandle(Rtnetlink owner, String name, @Nullable NetworkNamespace namespace) {
    this.owner = owner;
    this.name = name;
    this.namespace = namespace;
  }

  /** {@return the link's name (the first end, for a veth pair)} */
  public String name() {
    return name;
  }

  /**
   * {@return the namespace the link lives in, or null for the namespace of the client it was
   * created with}
   */
  public @Nullable NetworkNamespace namespace() {
    return namespace;
  }

  /** Gives up ownership: close() will not delete the link. */
  public synchronized void release() {
    open = false;
  }

  /**
   * Deletes the link now, reporting errors (a missing link is not an error).
   *
   * @throws IOException when the kernel refuses a request ({@link NetlinkException} with its errno)
   */
  public synchronized void delete() throws IOException {
    if (!open) {
      return;
    }
    open = false;
    try {
      owner.deleteLink(name);
    } catch (NetlinkException e) {
      if (e.errno() != 19 /* ENODEV */) {
        throw e;
      }
    }
  }

  /** Deletes the link; idempotent, never throws. */
  @Override
  public void close() {
    try {
      delete();
    } catch (IOException | RuntimeException ignored) {
      // best effort: the namespace may be gone, which removed the link anyway
    }
  }

  @Override
  public String toString() {
    return "link " + name + (namespace == null ? "" : " in " + namespace);
  }
}
