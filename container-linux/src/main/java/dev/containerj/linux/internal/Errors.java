package dev.containerj.linux.internal;

import com.sun.jna.LastErrorException;
import dev.containerj.linux.SyscallException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.jspecify.annotations.Nullable;

/**
 * errno to exceptions, as Netty's {@code Errors} does: a JDK exception where one fits a path-based
 * call, otherwise a {@link SyscallException}. Either way the message reads {@code "mount(/a -> /b)
 * failed: EPERM (Operation not permitted)"}, never a bare number.
 */
public final class Errors {
  private Errors() {}

  /** The exception for {@code call} on {@code target} failing with {@code errno}. */
  public static IOException exception(String call, @Nullable String target, int errno) {
    if (target != null) {
      String reason = SyscallException.format(call, target, errno);
      switch (errno) {
        case Constants.ENOENT:
          return new NoSuchFileException(target, null, reason);
        case Constants.EEXIST:
          return new FileAlreadyExistsException(target, null, reason);
        case Constants.ENOTEMPTY:
          return new DirectoryNotEmptyException(target) {
            private static final long serialVersionUID = 1L;

            @Override
            public String getMessage() {
              return reason;
            }
          };
        case Constants.ENOTDIR:
          return new NotDirectoryException(target) {
            private static final long serialVersionUID = 1L;

            @Override
            public String getMessage() {
              return reason;
            }
          };
        case Constants.EACCES:
          return new AccessDeniedException(target, null, reason);
        default:
          break;
      }
    }
    return new SyscallException(call, target, errno);
  }

  /** The same from JNA's {@link LastErrorException}. */
  public static IOException exception(String call, @Nullable String target, LastErrorException e) {
    return exception(call, target, e.getErrorCode());
  }

  /** Always a {@link SyscallException}, for callers that need the errno afterwards. */
  public static SyscallException syscall(String call, @Nullable String target, LastErrorException e) {
    return new SyscallException(call, target, e.getErrorCode());
  }
}
