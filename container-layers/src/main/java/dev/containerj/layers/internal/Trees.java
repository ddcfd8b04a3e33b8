package dev.containerj.layers.internal;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** Tree removal that never follows a symlink and copes with read-only directories of an image. */
public final class Trees {
  private Trees() {}

  /** Deletes {@code p} and, if it is a real directory, everything below; a missing {@code p} is fine. */
  public static void delete(Path p) throws IOException {
    BasicFileAttributes a;
    try {
      a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return;
    }
    if (a.isDirectory()) {
      makeWritable(p);
      try (DirectoryStream<Path> children = Files.newDirectoryStream(p)) {
        for (Path c : children) {
          delete(c);
        }
      }
    }
    try {
      Files.delete(p);
    } catch (NoSuchFileException e) {
      // gone already
    } catch (AccessDeniedException e) {
      Path parent = p.getParent();
      if (parent == null) {
        throw e;
      }
      makeWritable(parent);
      Files.delete(p);
    }
  }

  /** Gives the owner rwx on a directory, so an unprivileged owner can empty it (image dirs may be 0555). */
  static void makeWritable(Path dir) {
    try {
      if (!Files.isSymbolicLink(dir) && Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)
          && !(Files.isWritable(dir) && Files.isExecutable(dir))) {
        int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        StatLibC.chmod(dir.toString(), (mode & 07777) | 0700);
      }
    } catch (IOException | RuntimeException e) {
      // best effort: the delete that follows reports the real error
    }
  }
}
