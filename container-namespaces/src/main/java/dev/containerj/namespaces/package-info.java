/**
 * Launch processes in new Linux namespaces, or join the namespaces of an existing process.
 */
@NullMarked
package dev.containerj.namespaces;

import org.jspecify.annotations.NullMarked;
