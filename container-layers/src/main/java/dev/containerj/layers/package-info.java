/**
 * Mounts, OCI image layouts and docker archives, layer unpacking and the layer store.
 */
@NullMarked
package dev.containerj.layers;

import org.jspecify.annotations.NullMarked;
