package dev.containerj.linux;

import org.jspecify.annotations.Nullable;

/**
 * The Linux error numbers that ContainerJ names in its messages (errno(3), {@code asm-generic/errno*.h};
 * the values are the same on x86_64 and aarch64). An unknown number still gets a readable name:
 * {@code "errno 200"}.
 */
public enum Errno {
  /** Operation not permitted (errno 1). */
  EPERM(1, "Operation not permitted"),
  /** No such file or directory (errno 2). */
  ENOENT(2, "No such file or directory"),
  /** No such process (errno 3). */
  ESRCH(3, "No such process"),
  /** Interrupted system call (errno 4). */
  EINTR(4, "Interrupted system call"),
  /** Input/output error (errno 5). */
  EIO(5, "Input/output error"),
  /** No such device or address (errno 6). */
  ENXIO(6, "No such device or address"),
  /** Argument list too long (errno 7). */
  E2BIG(7, "Argument list too long"),
  /** Exec format error (errno 8). */
  ENOEXEC(8, "Exec format error"),
  /** Bad file descriptor (errno 9). */
  EBADF(9, "Bad file descriptor"),
  /** No child processes (errno 10). */
  ECHILD(10, "No child processes"),
  /** Resource temporarily unavailable (errno 11). */
  EAGAIN(11, "Resource temporarily unavailable"),
  /** Cannot allocate memory (errno 12). */
  ENOMEM(12, "Cannot allocate memory"),
  /** Permission denied (errno 13). */
  EACCES(13, "Permission denied"),
  /** Bad address (errno 14). */
  EFAULT(14, "Bad address"),
  /** Block device required (errno 15). */
  ENOTBLK(15, "Block device required"),
  /** Device or resource busy (errno 16). */
  EBUSY(16, "Device or resource busy"),
  /** File exists (errno 17). */
  EEXIST(17, "File exists"),
  /** Invalid cross-device link (errno 18). */
  EXDEV(18, "Invalid cross-device link"),
  /** No such device (errno 19). */
  ENODEV(19, "No such device"),
  /** Not a directory (errno 20). */
  ENOTDIR(20, "Not a directory"),
  /** Is a directory (errno 21). */
  EISDIR(21, "Is a directory"),
  /** Invalid argument (errno 22). */
  EINVAL(22, "Invalid argument"),
  /** Too many open files in system (errno 23). */
  ENFILE(23, "Too many open files in system"),
  /** Too many open files (errno 24). */
  EMFILE(24, "Too many open files"),
  /** Inappropriate ioctl for device (errno 25). */
  ENOTTY(25, "Inappropriate ioctl for device"),
  /** Text file busy (errno 26). */
  ETXTBSY(26, "Text file busy"),
  /** File too large (errno 27). */
  EFBIG(27, "File too large"),
  /** No space left on device (errno 28). */
  ENOSPC(28, "No space left on device"),
  /** Illegal seek (errno 29). */
  ESPIPE(29, "Illegal seek"),
  /** Read-only file system (errno 30). */
  EROFS(30, "Read-only file system"),
  /** Too many links (errno 31). */
  EMLINK(31, "Too many links"),
  /** Broken pipe (errno 32). */
  EPIPE(32, "Broken pipe"),
  /** Numerical argument out of domain (errno 33). */
  EDOM(33, "Numerical argument out of domain"),
  /** Numerical result out of range (errno 34). */
  ERANGE(34, "Numerical result out of range"),
  /** Resource deadlock avoided (errno 35). */
  EDEADLK(35, "Resource deadlock avoided"),
  /** File name too long (errno 36). */
  ENAMETOOLONG(36, "File name too long"),
  /** No locks available (errno 37). */
  ENOLCK(37, "No locks available"),
  /** Function not implemented (errno 38). */
  ENOSYS(38, "Function not implemented"),
  /** Directory not empty (errno 39). */
  ENOTEMPTY(39, "Directory not empty"),
  /** Too many levels of symbolic links (errno 40). */
  ELOOP(40, "Too many levels of symbolic links"),
  /** No data available (errno 61). */
  ENODATA(61, "No data available"),
  /** Value too large for defined data type (errno 75). */
  EOVERFLOW(75, "Value too large for defined data type"),
  /** File descriptor in bad state (errno 77). */
  EBADFD(77, "File descriptor in bad state"),
  /** Too many users (errno 87). */
  EUSERS(87, "Too many users"),
  /** Socket operation on non-socket (errno 88). */
  ENOTSOCK(88, "Socket operation on non-socket"),
  /** Message too long (errno 90). */
  EMSGSIZE(90, "Message too long"),
  /** Protocol not available (errno 92). */
  ENOPROTOOPT(92, "Protocol not available"),
  /** Protocol not supported (errno 93). */
  EPROTONOSUPPORT(93, "Protocol not supported"),
  /** Operation not supported (errno 95). */
  EOPNOTSUPP(95, "Operation not supported"),
  /** Address family not supported by protocol (errno 97). */
  EAFNOSUPPORT(97, "Address family not supported by protocol"),
  /** Address already in use (errno 98). */
  EADDRINUSE(98, "Address already in use"),
  /** Cannot assign requested address (errno 99). */
  EADDRNOTAVAIL(99, "Cannot assign requested address"),
  /** Network is down (errno 100). */
  ENETDOWN(100, "Network is down"),
  /** Network is unreachable (errno 101). */
  ENETUNREACH(101, "Network is unreachable"),
  /** Connection reset by peer (errno 104). */
  ECONNRESET(104, "Connection reset by peer"),
  /** Transport endpoint is already connected (errno 106). */
  EISCONN(106, "Transport endpoint is already connected"),
  /** Transport endpoint is not connected (errno 107). */
  ENOTCONN(107, "Transport endpoint is not connected"),
  /** No buffer space available (errno 105). */
  ENOBUFS(105, "No buffer space available"),
  /** Connection timed out (errno 110). */
  ETIMEDOUT(110, "Connection timed out"),
  /** Connection refused (errno 111). */
  ECONNREFUSED(111, "Connection refused"),
  /** No route to host (errno 113). */
  EHOSTUNREACH(113, "No route to host"),
  /** Operation already in progress (errno 114). */
  EALREADY(114, "Operation already in progress"),
  /** Operation now in progress (errno 115). */
  EINPROGRESS(115, "Operation now in progress"),
  /** Disk quota exceeded (errno 122). */
  EDQUOT(122, "Disk quota exceeded"),
  /** Operation canceled (errno 125). */
  ECANCELED(125, "Operation canceled"),
  /** Owner died (errno 130). */
  EOWNERDEAD(130, "Owner died"),
  /** Operation not possible due to RF-kill (errno 132). */
  ERFKILL(132, "Operation not possible due to RF-kill");

  private static final Errno[] BY_NUMBER = new Errno[256];

  static {
    for (Errno e : values()) {
      BY_NUMBER[e.number] = e;
    }
  }

  private final int number;
  private final String description;

  Errno(int number, String description) {
    this.number = number;
    this.description = description;
  }

  /** {@return the kernel's number for this error, as in {@code errno} after a failed call} */
  public int number() {
    return number;
  }

  /** {@return the text strerror(3) gives for this error in the C locale} */
  public String description() {
    return description;
  }

  /**
   * Looks an error up by number.
   *
   * @param number an errno value; zero, negative and unknown numbers are accepted
   * @return the error with this number, or null when ContainerJ has no name for it
   */
  public static @Nullable Errno of(int number) {
    return number > 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
  }

  /**
   * Names an error number for a message.
   *
   * @param number an errno value, named or not
   * @return {@code "ENOENT (No such file or directory)"}; for an unnamed number {@code "errno 200"}
   */
  public static String describe(int number) {
    Errno e = of(number);
    return e == null ? "errno " + number : e.name() + " (" + e.description + ")";
  }
}
