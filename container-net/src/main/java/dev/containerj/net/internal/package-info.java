/** Internal: netlink sockets, message encoding and decoding, namespace threads, libc bindings. Not API. */
@NullMarked
package dev.containerj.net.internal;

import org.jspecify.annotations.NullMarked;
