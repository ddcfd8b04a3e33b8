/**
 * rtnetlink over JNA: links, veth pairs, bridges, addresses, routes and network namespaces.
 */
@NullMarked
package dev.containerj.net;

import org.jspecify.annotations.NullMarked;
