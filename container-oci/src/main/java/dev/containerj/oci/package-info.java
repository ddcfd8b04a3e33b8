/**
 * OCI runtime-spec 1.2 bundles: {@link dev.containerj.oci.OciConfigReader} turns a {@code config.json}
 * into a {@link dev.containerj.core.ContainerSpec} and {@link dev.containerj.core.ProcessSpec}, and
 * {@link dev.containerj.oci.OciConfigWriter} goes the other way.
 */
@NullMarked
package dev.containerj.oci;

import org.jspecify.annotations.NullMarked;
