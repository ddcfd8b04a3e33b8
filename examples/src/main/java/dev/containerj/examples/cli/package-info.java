/**
 * The {@code containerj} command-line tool ({@link dev.containerj.examples.cli.ContainerjCommand},
 * picocli), packed with its dependencies and the native helper into {@code examples/target/containerj.jar}.
 *
 * <p>Decisions, kept here because they shape how the tool behaves:
 *
 * <ul>
 *   <li><b>Exit status</b> as {@code docker run} and timeout(1): the payload's code, 128+n for a
 *       signal, 124 for {@code --timeout}, 125 for a containerj error (one line on stderr, "containerj:
 *       what: why"; bad options included), 126 not executable, 127 not found. No stack trace unless
 *       {@code --debug}; an exception that is not a user error is labelled "internal error".
 *   <li><b>Streams</b>: the container gets the tool's own fds 1 and 2 (Redirect.INHERIT), so output
 *       needs no copy through Java and a terminal stays a terminal; stdin is /dev/null unless {@code
 *       -i}, which hands over fd 0 itself. A hidden {@code --pipe-output} copies stdout and stderr
 *       through Java to picocli's writers instead: it exists for in-process tests, since an inherited
 *       fd writes to the JVM's real fd 1, which {@code System.setOut} cannot capture.
 *   <li><b>Options stop at the first operand</b> ({@code containerj run sh -c 'x'} needs no {@code --}).
 *   <li><b>Root filesystem</b>: the host's {@code /} under a writable overlay whose changes vanish
 *       (the library's default; {@code --read-only} binds it read-only instead); {@code --rootfs DIR}
 *       is read-only unless {@code --rootfs-rw} (the library's secure default, unlike docker's
 *       writable layer); {@code --read-only} conflicts with {@code --rootfs-rw}. A relative DIR is taken from the
 *       working directory; {@code -v} host paths are passed as given (the library rejects relative ones).
 *   <li>{@code -u UID} alone means gid 0, as docker does with a numeric user; {@code -e NAME} copies
 *       NAME from the tool's environment and is skipped when unset there.
 *   <li><b>--timeout</b> kills the whole container (close(): every process of its pid namespace),
 *       not only pid 1, then prints one line and exits 124.
 *   <li>SIGINT/SIGTERM to the tool: a shutdown hook closes the container (it would die with the JVM
 *       anyway, through the launcher's parent-death signal, but the hook also removes its state record).
 * </ul>
 */
@NullMarked
package dev.containerj.examples.cli;

import org.jspecify.annotations.NullMarked;
